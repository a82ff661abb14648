"""Row-wise concatenation of text columns, in plain Python: the specification.

``src_ext/arrays.pyx`` implements :func:`concat_elementwise` with the same result; the
choice is made in :mod:`fastconnect.api.arrays`, and the tests compare the two.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["concat_elementwise"]


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
