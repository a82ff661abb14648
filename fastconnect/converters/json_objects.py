"""Schemaless JSON objects of one shape read into Arrow columns, a whole batch at once.

``scan_objects`` is ``src_ext/json_objects.pyx`` when it is built, else (or with
``FASTCONNECT_PURE_PYTHON=1``) its specification :mod:`~fastconnect.converters._json_objects_py`;
``IMPLEMENTATION`` says which one runs. It answers None for any batch it cannot read exactly
(see the specification), and the caller keeps the JSON text.
"""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa

from fastconnect._ext import choose
from fastconnect.converters import _json_objects_py

__all__ = ["IMPLEMENTATION", "read_struct", "scan_objects"]


class JsonObjectsImplementation(Protocol):
    """What both twins provide (the compiled module and ``_json_objects_py``)."""

    def scan_objects(self, data: pa.Array) -> tuple[list[str], list[pa.Array]] | None: ...


_impl, IMPLEMENTATION = choose("json_objects", _json_objects_py)


def scan_objects(data: pa.Array) -> tuple[list[str], list[pa.Array]] | None:
    """The key names and one column per key, or None; ``data`` is JSON text (string or
    binary; other string types are cast)."""
    if isinstance(data, pa.ExtensionArray):
        data = data.storage
    if not (pa.types.is_string(data.type) or pa.types.is_binary(data.type)):
        data = data.cast(pa.string())
    return _impl.scan_objects(data)


def read_struct(data: pa.Array) -> pa.StructArray | None:
    """``data``'s objects as one struct column (a null row stays null), or None when
    ``scan_objects`` cannot read them. A column it reads is valid JSON throughout."""
    found = scan_objects(data)
    if found is None:
        return None
    names, columns = found
    mask = data.is_null() if data.null_count else None
    return pa.StructArray.from_arrays(columns, names=names, mask=mask)
