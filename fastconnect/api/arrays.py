"""Arrow string/binary arrays for connectors that write bytes: zero-copy views, row-wise
concatenation (:func:`concat_elementwise`) and Java's text of common doubles
(:func:`plain_double_texts`), compiled where built; their twin and specification is
:mod:`fastconnect.api._arrays_py`."""

from __future__ import annotations

import pyarrow as pa

from fastconnect._ext import choose
from fastconnect.api import _arrays_py

__all__ = ["value_offsets", "concatenated_values", "concat_elementwise", "plain_double_texts"]

_impl = choose("arrays", _arrays_py)[0]
concat_elementwise = _impl.concat_elementwise
plain_double_texts = _impl.plain_double_texts


def value_offsets(array: pa.Array) -> memoryview:
    """The ``len(array) + 1`` value offsets of a string/binary array, slice offset applied."""
    large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    offsets = memoryview(array.buffers()[1]).cast("q" if large else "i")
    return offsets[array.offset: array.offset + len(array) + 1]


def concatenated_values(array: pa.Array) -> memoryview:
    """All values of a string/binary array back to back, without a copy.

    Nulls contribute nothing (as empty values do): fill them first if they must show.
    """
    if len(array) == 0:
        return memoryview(b"")
    offsets = value_offsets(array)
    return memoryview(array.buffers()[2])[offsets[0]: offsets[-1]]
