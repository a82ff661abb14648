"""Row-wise concatenation of text columns, and plain double texts, in Python: the
specification.

``src_ext/arrays.pyx`` implements :func:`concat_elementwise` and :func:`plain_double_texts`
with the same results; the choice is made in :mod:`fastconnect.api.arrays`, and the tests
compare the two.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["concat_elementwise", "plain_double_texts"]


def concat_elementwise(*pieces: pa.Array | str | bytes) -> pa.Array:
    """Row i: row i of each array piece and each constant piece, in order, back to back.

    Array pieces are string or binary arrays of one length (at least one is needed);
    constants are ``str`` or ``bytes``. A row is null where any array piece is null. The
    result is binary if any piece is binary, else string. The same as
    ``pc.binary_join_element_wise(*pieces, "")``, which is what this twin calls.
    """
    arrays = [p for p in pieces if not isinstance(p, (str, bytes))]
    if not arrays:
        raise ValueError("concat_elementwise needs at least one array piece")
    binary = any(isinstance(p, bytes) for p in pieces) or any(
        pa.types.is_binary(p.type) or pa.types.is_large_binary(p.type) for p in arrays)
    kind = pa.binary() if binary else pa.string()
    cast = [pa.scalar(p.encode() if isinstance(p, str) else p, kind)
            if isinstance(p, (str, bytes)) else p.cast(kind) for p in pieces]
    return pc.binary_join_element_wise(*cast, pa.scalar(b"" if binary else "", kind))


def plain_double_texts(values: pa.Array) -> pa.StringArray:
    """``Double.toString`` of each value of a float64 array that Java prints in plain
    notation (zero, or 1e-3 <= |x| < 1e7) with at most 15 significant digits; null for the
    other values and for nulls. There Java's text is Python's ``repr``: the fewest digits
    that read back as the value (at 15 digits or fewer only one decimal does)."""
    return pa.array([_plain_double(x) for x in values.to_pylist()], pa.string())


def _plain_double(x: float | None) -> str | None:
    if x is None or not (x == 0 or 1e-3 <= abs(x) < 1e7):
        return None
    text = repr(x)
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    return text if len(digits.rstrip("0") or "0") <= 15 else None
