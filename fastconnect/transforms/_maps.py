"""Schemaless maps as Kafka's SMTs hold them: HashMap order, and the struct form.

Kafka's JsonConverter reads a schemaless object into a ``new HashMap<>()`` in document
order; ReplaceField copies the entries it keeps into a ``new HashMap<>(size)``, InsertField
and Cast into a ``new HashMap<>(map)``, each in the iteration order of the map before. What
FileStreamSink prints and JsonConverter writes is the last map's iteration order, so the SMTs
here write their objects with the keys in that order and mark the column
(``connect.schemaless.order``, see :mod:`fastconnect.api.schema`).

The struct form of schemaless objects lets those SMTs work on whole columns: a batch whose
objects all have one shape is read into a struct once (``to_struct``, the compiled scanner
of :mod:`fastconnect.converters.json_objects`), edited column by column, and written back as
JSON text (``to_text``) only for a plugin that does not take structs.
"""

from __future__ import annotations

import functools
from typing import Sequence

import pyarrow as pa

from fastconnect.api import KEY, VALUE
from fastconnect.api.java_text import java_hash, java_hashmap_capacity, java_hashmap_order
from fastconnect.api.schema import (
    date_keys, in_hashmap_order, is_schemaless, is_schemaless_struct, schemaless_field,
)
from fastconnect.converters.json_objects import read_struct
from fastconnect.transforms._fields import Double, Float32, dumps, json_column

__all__ = ["copied_keys", "hashmap_copies", "iteration_keys", "java_number", "java_values",
           "reorder_struct", "struct_keys", "texts_for", "to_struct", "to_text"]


@functools.lru_cache(maxsize=4096)
def _hashmap_keys(inserted: tuple[str, ...], capacity: int) -> tuple[str, ...]:
    hashes = [java_hash(k, "string") for k in inserted]
    return tuple(inserted[i] for i in java_hashmap_order(hashes, capacity))


def iteration_keys(keys: tuple[str, ...], hashmap_order: bool) -> tuple[str, ...]:
    """The iteration order of a map whose keys stand as ``keys`` in its column."""
    return keys if hashmap_order else _hashmap_keys(keys, java_hashmap_capacity("new", 0))


def copied_keys(source: tuple[str, ...], constructor: str,
                inserted: Sequence[str]) -> tuple[str, ...]:
    """The iteration order of a HashMap made with ``constructor`` ("sized": of the source's
    size, "copy": of the source map) into which ``inserted`` keys went, in order; a key put
    again keeps its first place."""
    return _hashmap_keys(tuple(dict.fromkeys(inserted)),
                         java_hashmap_capacity(constructor, len(source)))


def java_number(value):
    """A top-level value of an object as JsonConverter read it: JSON's -0.0 is 0.0 there
    (Jackson reads it as a BigDecimal, which has no negative zero)."""
    return value + 0.0 if type(value) is float else value


def _as_is(value):
    return value


def java_values(hashmap_order: bool):
    """How to read the top-level values of a column's objects as Java holds them: as they
    are once an SMT wrote them (``hashmap_order``), else as JsonConverter read them."""
    return _as_is if hashmap_order else java_number


def hashmap_copies(field: pa.Field, maps: list[dict | None],
                   puts: Sequence[str] = ()) -> list[dict | None]:
    """Each object as Kafka's ``new HashMap<>(value)`` holds it once the ``puts`` keys went
    in (an absent one with None, for the caller to set): keys in the copy's iteration
    order, top-level values as Java holds them. ``field`` is the column they came from."""
    ordered = in_hashmap_order(field)
    value = java_values(ordered)
    out: list[dict | None] = []
    for m in maps:
        if m is None:
            out.append(None)
            continue
        source = iteration_keys(tuple(m), ordered)
        out.append({k: value(m.get(k)) for k in copied_keys(source, "copy", source + tuple(puts))})
    return out


# --- the struct form --------------------------------------------------------------------

def to_struct(field: pa.Field, array: pa.Array) -> tuple[pa.Field, pa.StructArray] | None:
    """The struct form of a schemaless JSON text column, if all its objects have one shape
    (and none holds a Date: the struct form has no mark for one)."""
    if (not is_schemaless(field) or is_schemaless_struct(field) or date_keys(field)
            or array.null_count == len(array)):
        return None
    struct = read_struct(array)
    if struct is None:
        return None
    return schemaless_field(field.name, struct.type,
                            hashmap_order=in_hashmap_order(field)), struct


def struct_keys(field: pa.Field) -> tuple[str, ...]:
    return tuple(field.type.field(i).name for i in range(field.type.num_fields))


def reorder_struct(field: pa.Field, parts: dict[str, tuple[pa.Field, pa.Array]],
                   keys: tuple[str, ...], like: pa.Array) -> tuple[pa.Field, pa.StructArray]:
    """A struct-form column of ``parts`` (name -> (child field, values)) in ``keys`` order,
    marked as in HashMap order, with the null rows of ``like``."""
    mask = like.is_null() if like.null_count else None
    struct = pa.StructArray.from_arrays([parts[k][1] for k in keys],
                                        fields=[parts[k][0].with_name(k) for k in keys],
                                        mask=mask)
    return schemaless_field(field.name, struct.type, hashmap_order=True), struct


def _java_value(t: pa.DataType):
    if pa.types.is_float32(t):
        return lambda v: None if v is None else Float32(v)
    if pa.types.is_floating(t):
        return lambda v: v if v is None or v - v == 0 else Double(v)  # NaN and infinities
    return None


def to_text(field: pa.Field, array: pa.Array) -> tuple[pa.Field, pa.Array]:
    """The JSON text form of a struct-form column (the same keys in the same order)."""
    t = field.type
    names = struct_keys(field)
    wraps = [(names[i], _java_value(t.field(i).type)) for i in range(t.num_fields)]
    wraps = [(name, wrap) for name, wrap in wraps if wrap is not None]
    rows = array.to_pylist()
    texts = []
    for row in rows:
        if row is None:
            texts.append(None)
            continue
        for name, wrap in wraps:
            row[name] = wrap(row[name])
        texts.append(dumps(row))
    return (schemaless_field(field.name, hashmap_order=in_hashmap_order(field)),
            json_column(texts))


def texts_for(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with any struct-form key or value column written back as JSON text."""
    for name in (KEY, VALUE):
        index = batch.schema.get_field_index(name)
        if index >= 0 and is_schemaless_struct(batch.schema.field(index)):
            field, array = to_text(batch.schema.field(index), batch.column(index))
            batch = batch.set_column(index, field, array)
    return batch
