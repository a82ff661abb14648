"""Schemaless JSON objects of one shape into Arrow columns, in plain Python: the specification.

``src_ext/json_objects.pyx`` implements ``scan_objects`` with the same signature and result;
:mod:`fastconnect.converters.json_objects` chooses between them. Written to be read, not to
be fast: the unit tests compare the two on random input.

``scan_objects(data)`` takes a string or binary array of JSON texts (null rows are
tombstones) and answers whether every text is an object of one shape: the keys of the first
object, in its order, none twice, at most ``MAX_KEYS``; each key holding in every row one
kind of value: a string, an integer in the int64 range, a finite floating-point number
(written with a fraction or an exponent), or a boolean. Numbers of more than ``MAX_NUMBER``
characters, nulls, nested objects and arrays, lone surrogates, and invalid JSON or UTF-8
all answer None. When they are, it returns ``(names, columns)``: the key names, and one
column per key (string, int64, float64 or bool) whose null rows are those of ``data``.
A ``-0.0`` reads as ``0.0``, as Jackson's BigDecimal reading does for JsonConverter.
"""

from __future__ import annotations

import json
import math

import pyarrow as pa

from fastconnect.converters._json_fast_py import MAX_NUMBER

__all__ = ["MAX_KEYS", "scan_objects"]

MAX_KEYS = 256

_TYPES = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


class _Object(list):
    """An object's (key, value) pairs in order, duplicates kept."""


class _Refused(Exception):
    """The text is JSON, but not of the shape scan_objects answers for."""


def _integer(text: str) -> int:
    value = int(text) if len(text) <= MAX_NUMBER else None
    if value is None or not -2**63 <= value < 2**63:
        raise _Refused
    return value


def _float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER else math.inf
    if not math.isfinite(value):
        raise _Refused
    return value + 0.0


def _constant(name: str) -> None:
    raise _Refused


def _pairs(text: str | bytes) -> list[tuple[str, object]] | None:
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        found = json.loads(text, object_pairs_hook=_Object, parse_int=_integer,
                           parse_float=_float, parse_constant=_constant)
    except (ValueError, _Refused):
        return None
    if type(found) is not _Object or not found:
        return None
    try:
        for key, value in found:
            key.encode("utf-8")  # a lone surrogate has no UTF-8
            if isinstance(value, str):
                value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return found


def scan_objects(data: pa.Array) -> tuple[list[str], list[pa.Array]] | None:
    """See the module docstring."""
    names: list[str] | None = None
    kinds: list[type] = []
    rows: list[list | None] = []
    for text in data.to_pylist():
        if text is None:
            rows.append(None)
            continue
        pairs = _pairs(text)
        if pairs is None:
            return None
        row_names = [key for key, _ in pairs]
        row_kinds = [type(value) for _, value in pairs]
        if names is None:
            if len(set(row_names)) != len(row_names) or len(row_names) > MAX_KEYS \
                    or any(kind not in _TYPES for kind in row_kinds):
                return None
            names, kinds = row_names, row_kinds
        elif row_names != names or row_kinds != kinds:
            return None
        rows.append([value for _, value in pairs])
    if names is None:
        return None
    columns = [pa.array([None if row is None else row[k] for row in rows], _TYPES[kind])
               for k, kind in enumerate(kinds)]
    return names, columns
