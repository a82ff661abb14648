"""concat_elementwise: the compiled function against its twin (Arrow's own kernel)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastconnect.api import _arrays_py, arrays

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


def test_the_compiled_function_is_the_one_used():
    assert arrays.concat_elementwise is _compiled.concat_elementwise
