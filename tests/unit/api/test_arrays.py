"""concat_elementwise and plain_double_texts: the compiled functions against their twins."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastconnect.api import _arrays_py, arrays
from fastconnect.api.java_text import java_double_str, java_float_texts

# The tests need the compiled module: a build that failed must fail them, not skip them.
from fastconnect._ext import arrays as _compiled

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(max_size=8)


@st.composite
def pieces(draw):
    """Constants and string/binary arrays of one length, some sliced, some with nulls."""
    n = draw(st.integers(0, 12))
    binary = draw(st.booleans())
    out = []
    for _ in range(draw(st.integers(1, 6))):
        if out and draw(st.booleans()):
            out.append(draw(TEXT.map(str.encode) if binary else TEXT))
            continue
        skip = draw(st.integers(0, 3))
        values = draw(st.lists(st.one_of(st.none(), TEXT), min_size=n + skip, max_size=n + skip))
        array = pa.array(values, pa.string())
        if binary and draw(st.booleans()):
            array = array.cast(pa.binary())
        out.append(array.slice(skip, n))
    return out


@SETTINGS
@given(parts=pieces())
def test_compiled_concat_is_its_twin(parts):
    ours = _compiled.concat_elementwise(*parts)
    theirs = _arrays_py.concat_elementwise(*parts)
    assert ours.type == theirs.type
    assert ours.equals(theirs)
    ours.validate(full=True)


def test_rows_are_pieces_back_to_back_and_null_where_a_piece_is():
    names = pa.array(["a", None, "c"])
    values = pa.array(["1", "2", "é"])
    got = arrays.concat_elementwise("{", names, "=", values, "}")
    assert got.to_pylist() == ["{a=1}", None, "{c=é}"]
    assert got.type == pa.string()
    assert arrays.concat_elementwise(pa.array([b"x"]), b"\n").to_pylist() == [b"x\n"]


def test_large_and_chunked_pieces_take_the_twin():
    large = pa.array(["x", "y"], pa.large_string())
    assert _compiled.concat_elementwise(large, "!").to_pylist() == ["x!", "y!"]
    chunked = pa.chunked_array([["x"], ["y"]])
    assert _compiled.concat_elementwise(chunked, "!").to_pylist() == ["x!", "y!"]


@pytest.mark.parametrize("implementation", [_compiled, _arrays_py], ids=["cython", "python"])
def test_refuses_no_arrays_and_unequal_lengths(implementation):
    with pytest.raises(ValueError):
        implementation.concat_elementwise("a", "b")
    with pytest.raises((ValueError, pa.ArrowInvalid)):
        implementation.concat_elementwise(pa.array(["a"]), pa.array(["b", "c"]))


def test_the_compiled_functions_are_the_ones_used():
    assert arrays.concat_elementwise is _compiled.concat_elementwise
    assert arrays.plain_double_texts is _compiled.plain_double_texts


# --- plain_double_texts ---------------------------------------------------------------------

# Doubles of every kind: short decimals (what data mostly holds), arithmetic results with
# 16-17 digits, the edges of plain notation, integers, zeros, and any double at all.
SHORT_DECIMALS = st.builds(lambda digits, k, sign: sign * digits / 10 ** k,
                           st.integers(0, 10**15), st.integers(0, 18), st.sampled_from([1, -1]))
EDGES = st.sampled_from([1e-3, 0.0009999999999999998, 1e7, 9999999.999999998, 1e7 - 0.5,
                         0.1 + 0.2, 1 / 3, 2 / 3, 0.0, -0.0, 123456789012345e-8,
                         1234567.890123456, 999999999999999e-9, 0.001000000000000001])
DOUBLES = st.one_of(SHORT_DECIMALS, EDGES, st.floats(allow_nan=True, allow_infinity=True),
                    st.floats(1e-3, 1e7), st.integers(-10**7, 10**7).map(float))


@SETTINGS
@given(values=st.lists(st.one_of(st.none(), DOUBLES), max_size=20), skip=st.integers(0, 3))
def test_compiled_plain_double_texts_is_its_twin_and_javas_text(values, skip):
    array = pa.array(values, pa.float64()).slice(min(skip, len(values)))
    compiled = _compiled.plain_double_texts(array).to_pylist()
    assert compiled == _arrays_py.plain_double_texts(array).to_pylist()
    for x, text in zip(array.to_pylist(), compiled):
        if text is not None:
            assert text == java_double_str(x)


def test_plain_double_texts_leaves_to_others_what_it_cannot_write():
    values = [1.5, 0.1 + 0.2, 1e7, 1e-4, float("nan"), float("inf"), None, -0.0, 1234567.0]
    for implementation in (_compiled, _arrays_py):
        assert implementation.plain_double_texts(pa.array(values)).to_pylist() == \
            ["1.5", None, None, None, None, None, None, "-0.0", "1234567.0"]


def test_java_float_texts_writes_every_double_as_java_does():
    values = [1.5, 0.1 + 0.2, 1e7, 1e-4, float("nan"), float("-inf"), None, -0.0, 100.0, 1e21]
    texts = java_float_texts(pa.array(values)).to_pylist()
    assert texts == [None if x is None else java_double_str(x) for x in values]
    assert texts[:4] == ["1.5", "0.30000000000000004", "1.0E7", "1.0E-4"]
