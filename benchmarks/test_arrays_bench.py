"""Micro-benchmarks of concat_elementwise: the compiled function against Arrow's own kernel
(its twin, ``pc.binary_join_element_wise``).

Two shapes from the hot path: a schemaless map of nine keys rendered as ``{k1=v1, ...}``
(nineteen pieces a row, 200,000 rows), and 1,000,000 lines of 200 bytes given their newline.
And Java's text of 1,000,000 doubles (``java_float_texts``): the compiled pass
(``plain_double_texts``) against Arrow's cast to text and the kernels that make it Java's.
Each result's ``extra_info`` holds rows/s; run with
``python -m pytest benchmarks/test_arrays_bench.py``.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from fastconnect.api import _arrays_py

try:
    from fastconnect._ext import arrays as _compiled
except ImportError:  # pragma: no cover
    _compiled = None

IMPLEMENTATIONS = [
    pytest.param(_arrays_py, id="arrow"),
    pytest.param(_compiled, id="cython",
                 marks=pytest.mark.skipif(_compiled is None, reason="extension not built")),
]


@pytest.fixture(scope="module")
def map_pieces() -> list:
    columns = [pa.array([str(i * k) for i in range(200_000)]) for k in range(9)]
    pieces: list = []
    for k, column in enumerate(columns):
        pieces += [("{" if k == 0 else ", ") + f"key{k}=", column]
    return pieces + ["}"]


@pytest.fixture(scope="module")
def lines() -> pa.Array:
    return pa.array([f"{i:010d} " + "x" * 189 for i in range(1_000_000)])


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_render_maps(benchmark, implementation, map_pieces):
    out = benchmark(implementation.concat_elementwise, *map_pieces)
    assert len(out) == 200_000 and out[1].as_py().startswith("{key0=0, key1=1,")
    benchmark.extra_info["rows_per_s"] = round(len(out) / benchmark.stats.stats.median)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_add_newlines(benchmark, implementation, lines):
    out = benchmark(implementation.concat_elementwise, lines, "\n")
    assert len(out) == len(lines) and out[0].as_py().endswith("x\n")
    benchmark.extra_info["rows_per_s"] = round(len(out) / benchmark.stats.stats.median)


# --- Double.toString of a column: plain_double_texts against Arrow's cast and the fixes ------

@pytest.fixture(scope="module")
def prices() -> pa.Array:
    """1,000,000 doubles as data holds them: short decimals (S3's price is i % 1000 / 8)."""
    return pa.array([(i % 1000) / 8 for i in range(1_000_000)], pa.float64())


@pytest.mark.parametrize("path", ["arrow-kernels", "compiled"])
def test_double_texts(benchmark, path, prices):
    from fastconnect.api import java_text

    if path == "arrow-kernels":
        out = benchmark(java_text._java_float_texts, prices, False)
    else:
        out = benchmark(java_text.java_float_texts, prices)
    assert out[1].as_py() == "0.125" and out[8].as_py() == "1.0"
    benchmark.extra_info["rows_per_s"] = round(len(out) / benchmark.stats.stats.median)
