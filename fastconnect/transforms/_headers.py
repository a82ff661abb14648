"""What the header SMTs share: editing the ``headers`` column at once, and header bytes.

A batch keeps its headers as raw bytes (:data:`fastconnect.api.batch.HEADERS_TYPE`), where
Kafka keeps Connect values until the header converter writes them at produce time. So a
transform that adds a header writes its bytes straight away, as the default
``header.converter`` (``SimpleHeaderConverter``) would: the UTF-8 text of
:func:`~fastconnect.api.values.convert_to_string`. Strings, integers, booleans and dates are
rendered on the whole column; floats, decimals, bytes, arrays, maps and structs go through
``convert_to_string`` one value at a time (Java's number and collection texts have no vector
form).

Dropping and appending headers rebuild the list column from its flattened entries with
pyarrow compute: no Python loop over records.
"""

from __future__ import annotations

from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import HEADERS, HEADERS_TYPE
from fastconnect.api.java_text import epoch_millis
from fastconnect.api.schema import field_to_connect_schema, is_schemaless
from fastconnect.api.values import convert_to_string
from fastconnect.transforms._fields import json_texts, loads
from fastconnect.transforms._time import DAY_MS, JavaDateFormat

__all__ = ["append_headers", "drop_headers", "header_column", "header_values", "text_bytes",
           "with_headers"]

_ENTRY = HEADERS_TYPE.value_type
_DATE = JavaDateFormat("yyyy-MM-dd")
_TIME = JavaDateFormat("HH:mm:ss.SSS'Z'")
_TIMESTAMP = JavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")


def header_column(batch: pa.RecordBatch) -> pa.ListArray:
    """The batch's headers (all null when it has no ``headers`` column), in one chunk."""
    if HEADERS not in batch.schema.names:
        return pa.nulls(batch.num_rows, HEADERS_TYPE)
    headers = batch.column(HEADERS)
    if isinstance(headers, pa.ChunkedArray):
        headers = headers.combine_chunks()
    return headers if headers.type == HEADERS_TYPE else headers.cast(HEADERS_TYPE)


def with_headers(batch: pa.RecordBatch, headers: pa.Array) -> pa.RecordBatch:
    if HEADERS not in batch.schema.names:
        return batch.append_column(pa.field(HEADERS, HEADERS_TYPE), headers)
    index = batch.schema.get_field_index(HEADERS)
    return batch.set_column(index, batch.schema.field(index).with_type(HEADERS_TYPE), headers)


# --- editing the list column ------------------------------------------------------------------

def _row_starts(lengths: pa.Array) -> pa.Array:
    """Offsets (n + 1, int64) of lists of these lengths laid end to end."""
    ends = pc.cumulative_sum(lengths.cast(pa.int64()))
    return pa.concat_arrays([pa.array([0], pa.int64()), ends])


def drop_headers(headers: pa.ListArray, names: Iterable[str]) -> pa.ListArray:
    """Every header whose key is one of ``names`` removed; the others keep their order."""
    entries = pc.list_flatten(headers)
    keys = pc.struct_field(entries, [0])
    keep = pc.invert(pc.is_in(keys, value_set=pa.array(sorted(set(names)), pa.string())))
    if len(entries) == 0 or pc.all(keep).as_py():
        return headers
    lengths = pc.list_value_length(headers).fill_null(0)
    kept_before = _row_starts(keep.cast(pa.int64()))  # kept entries before each entry
    offsets = kept_before.take(_row_starts(lengths)).cast(pa.int32())
    return pa.ListArray.from_arrays(offsets, entries.filter(keep), type=HEADERS_TYPE,
                                    mask=headers.is_null() if headers.null_count else None)


def append_headers(headers: pa.ListArray,
                   added: list[tuple[str, pa.Array | bytes | None]]) -> pa.ListArray:
    """``added`` headers appended to every row, in order, after the row's own.

    Each value is a binary column of one entry per row, or one value for every row. A row
    without headers (null) gets just the new ones, as Kafka's records always have a
    (possibly empty) header list.
    """
    n = len(headers)
    if not added or n == 0:
        return headers
    new = []
    for key, value in added:
        if not isinstance(value, pa.Array):
            value = pa.repeat(pa.scalar(value, pa.binary()), n)
        new.append(pa.StructArray.from_arrays(
            [pa.repeat(pa.scalar(key, pa.string()), n), value.cast(pa.binary())],
            fields=list(_ENTRY)))
    k = len(new)
    entries = pc.list_flatten(headers)
    m = len(entries)
    if m == 0:  # the usual case: no headers yet, the new entries interleave row by row
        values = new[0] if k == 1 else pa.concat_arrays(new).take(_interleave(n, k))
        offsets = pc.multiply(_position(n + 1), k).cast(pa.int32())
        return pa.ListArray.from_arrays(offsets, values, type=HEADERS_TYPE)
    lengths = pc.list_value_length(headers).fill_null(0).cast(pa.int64())
    old_starts = _row_starts(lengths)
    new_starts = pc.add(old_starts, pc.multiply(_position(n + 1), k))
    # For each output entry: its row, its place in the row, and where it comes from.
    total = m + n * k
    rows = pc.list_parent_indices(pa.ListArray.from_arrays(
        new_starts.cast(pa.int32()), pa.nulls(total, pa.null()))).cast(pa.int64())
    place = pc.subtract(_position(total), new_starts.take(rows))
    own = lengths.take(rows)
    from_old = pc.add(old_starts.take(rows), place)
    from_new = pc.add(pc.add(pc.multiply(pc.subtract(place, own), n), rows), m)
    source = pc.if_else(pc.less(place, own), from_old, from_new)
    values = pa.concat_arrays([entries] + new).take(source)
    return pa.ListArray.from_arrays(new_starts.cast(pa.int32()), values, type=HEADERS_TYPE)


def _position(n: int) -> pa.Array:
    """0, 1, ..., n - 1 as int64."""
    if n == 0:
        return pa.array([], pa.int64())
    return pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n)), 1)


def _interleave(n: int, k: int) -> pa.Array:
    """Take-indices putting k blocks of n entries row by row: 0, n, 2n, ..., 1, n+1, ..."""
    i = _position(n * k)
    return pc.add(pc.multiply(_fmod(i, k), n), pc.divide(i, k))


def _fmod(a: pa.Array, b: int) -> pa.Array:
    return pc.subtract(a, pc.multiply(pc.divide(a, b), b))


# --- header values as SimpleHeaderConverter writes them ---------------------------------------

def text_bytes(text: str | None) -> bytes | None:
    """UTF-8 of a header's text; unpaired surrogates become ``?`` as in Java's getBytes."""
    return None if text is None else text.encode("utf-8", "replace")


def header_values(field: pa.Field, array: pa.Array) -> pa.Array:
    """The header bytes of each value of a typed column; nulls stay null.

    ``field`` carries the column's Connect schema (or marks it schemaless).
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    t = array.type
    if pa.types.is_dictionary(t):
        array, t = array.dictionary_decode(), t.value_type
    if is_schemaless(field):
        texts = [None if s is None else convert_to_string(None, loads(s))
                 for s in json_texts(array)]
        return pa.array([text_bytes(s) for s in texts], pa.binary())
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return array.cast(pa.string()).cast(pa.binary())
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return array.cast(pa.string()).cast(pa.binary())
    if pa.types.is_null(t):
        return pa.nulls(len(array), pa.binary())
    if pa.types.is_temporal(t) and not pa.types.is_duration(t):
        return _java_dates(epoch_millis(array)).cast(pa.binary())
    schema = field_to_connect_schema(field)
    values = array.to_pylist()
    return pa.array([text_bytes(convert_to_string(schema, _connect_value(t, v)))
                     for v in values], pa.binary())


def _java_dates(millis: pa.Array) -> pa.Array:
    """``Values`` prints a java.util.Date by its value: under a day (or before 1970) as a
    time, a whole number of days as a date, anything else as a timestamp."""
    as_time = pc.less(millis, DAY_MS)
    whole_days = pc.equal(pc.subtract(millis, pc.multiply(pc.divide(millis, DAY_MS), DAY_MS)), 0)
    text = pc.if_else(whole_days, _DATE.format(millis), _TIMESTAMP.format(millis))
    return pc.if_else(as_time, _TIME.format(millis), text)


def _connect_value(t: pa.DataType, v: Any) -> Any:
    """A pyarrow Python value as :mod:`fastconnect.api.values` takes it (maps as dicts)."""
    if v is None:
        return None
    if pa.types.is_map(t):
        return {_connect_value(t.key_type, k): _connect_value(t.item_type, x) for k, x in v}
    if pa.types.is_struct(t):
        return {t.field(i).name: _connect_value(t.field(i).type, v.get(t.field(i).name))
                for i in range(t.num_fields)}
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return [_connect_value(t.value_type, x) for x in v]
    if pa.types.is_dictionary(t):
        return _connect_value(t.value_type, v)
    return v
