"""Connect schemas <-> Arrow: the one mapping every converter, transform and sink uses.

A Kafka Connect schema travels as an Arrow field: the Arrow type carries the shape, and the
field metadata carries what Arrow types cannot. Schemas are written in the JSON form that
Kafka's JsonConverter uses (``{"type": "struct", "fields": [...], "optional": false}``).

======================================  ================================================
Connect schema                          Arrow type
======================================  ================================================
``int8`` / ``int16`` / ``int32``        ``int8`` / ``int16`` / ``int32`` / ``int64``
/ ``int64``
``float`` / ``double``                  ``float32`` / ``float64``
``boolean`` / ``string`` / ``bytes``    ``bool`` / ``string`` / ``binary``
``array``                               ``list<item>``
``map``                                 ``map<key, value>``
``struct``                              ``struct<fields...>``, in schema order
Decimal (bytes, parameter ``scale``)    ``decimal128(p, scale)``; ``p`` is the
                                        ``connect.decimal.precision`` parameter when
                                        given, else 38 (``decimal256`` above 38)
Date (int32)                            ``date32``
Time (int32)                            ``time32[ms]``
Timestamp (int64)                       ``timestamp[ms, tz=UTC]``
no schema (schemaless value)            ``extension<arrow.json>`` over ``string``
======================================  ================================================

Field metadata (UTF-8 keys and values), written only when there is something to say:

- ``connect.name``, ``connect.version``, ``connect.doc``: the schema's name, version, doc.
- ``connect.parameters``: the parameters as a JSON object (their order is kept).
- ``connect.default``: the default value, as the JSON that Kafka's JsonConverter reads.
- ``connect.optional``: ``"true"``/``"false"``; when present it overrides the field's
  nullability. A column's own field is always nullable, because at the top level a null row
  is a tombstone (Kafka: no schema and no value) whatever the schema says; and Arrow map
  keys can never be nullable.
- ``connect.schemaless``: ``"true"`` on a column that holds values without a schema.

Schemaless values (JsonConverter with ``schemas.enable=false``, or an envelope whose schema
is null) are kept as JSON text in Arrow's canonical JSON extension type (``arrow.json`` over
``string``). Such values mix types freely from row to row (an object, then a number), which
no single Arrow type can hold; JSON text holds all of them exactly, costs nothing to keep
when the input was JSON already, and survives polars and IPC. A JSON ``null`` value is a
null row, as Kafka reads it as a null value.

Schemaless objects have a second form, which the runtime chooses where it pays: when every
value of a batch's column is a JSON object of one shape (the same keys, each holding one
kind of scalar in every row), the column may be a struct (``connect.schemaless`` marked)
with a child per key: ``string`` for strings, ``int64`` for integers (Java Long), ``float64``
for other numbers (Double), ``bool``; after an SMT also the narrower Java types Cast gives
(``int8``..``int32``, ``float32``). A null row is a tombstone. Only plugins that declare
``ACCEPTS_SCHEMALESS_STRUCTS`` are given this form; the others get JSON text.

Kafka reads a schemaless object into a ``java.util.HashMap``, and Kafka's SMTs copy maps into
new HashMaps, so the order in which a map prints (FileStreamSink) or is written back
(JsonConverter) depends on its history. A schemaless column marked
``connect.schemaless.order=hashmap`` holds each object's keys in the order its HashMap
iterates, and its top-level numbers as Java holds them (a Double ``-0.0`` stays ``-0.0``);
unmarked, keys stand in document order (Kafka's HashMap order follows from it) and numbers
as JsonConverter reads them (``-0.0`` is ``0.0``).

JSON has no dates, but Kafka's TimestampConverter puts a ``java.util.Date`` into a schemaless
map, which FileStreamSink prints as ``Date.toString()`` does. A schemaless JSON text column
marked ``connect.schemaless.dates`` (a JSON list of top-level keys) holds such a value as
its epoch milliseconds under each of those keys. SMTs that copy maps carry the mark for the
keys they keep; one that builds its objects anew without it leaves numbers (the fallback:
the same milliseconds JsonConverter writes for a Date, where Kafka's refuses it).

A plain Arrow field without metadata maps to the Connect schema its type implies (``string``
to string, ``int64`` to int64, ``date32`` to Date, ...), ``optional`` being its nullability.
Arrow types with no Connect twin map to the nearest one: unsigned integers to the next wider
signed type (``uint64`` to int64), ``float16`` to float, large and view variants to their
plain type, ``date64`` to Date, any time or timestamp unit to Time or Timestamp (truncated
to milliseconds), a dictionary to its value type, and ``null`` to an optional string.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api._calendar import DAY_MS, EPOCH_JDN, civil_date, fdiv
from fastconnect.api.arrays import concat_elementwise
from fastconnect.api.errors import DataError
from fastconnect.api.java_text import (  # also re-exported: they used to live here
    decimal_unscaled, epoch_millis, java_big_decimal_str, java_double_str, java_float_str,
    java_float_texts,
    java_hash, java_hashmap_order, java_key_hashes,
)

__all__ = [
    "DECIMAL", "DATE", "TIME", "TIMESTAMP", "SCHEMALESS_TYPE",
    "connect_schema_to_field", "date_keys", "field_to_connect_schema", "format_values",
    "in_hashmap_order",
    "is_schemaless", "is_schemaless_struct",
    "schemaless_field", "decimal_unscaled", "epoch_millis", "java_double_str", "java_float_str",
    "java_big_decimal_str", "java_hash", "java_hashmap_order", "java_key_hashes",
]

DECIMAL = "org.apache.kafka.connect.data.Decimal"
DATE = "org.apache.kafka.connect.data.Date"
TIME = "org.apache.kafka.connect.data.Time"
TIMESTAMP = "org.apache.kafka.connect.data.Timestamp"
DECIMAL_PRECISION = "connect.decimal.precision"

NAME, VERSION, DOC = b"connect.name", b"connect.version", b"connect.doc"
PARAMETERS, DEFAULT = b"connect.parameters", b"connect.default"
OPTIONAL, SCHEMALESS = b"connect.optional", b"connect.schemaless"
ORDER = b"connect.schemaless.order"  # b"hashmap": see the module doc
DATES = b"connect.schemaless.dates"  # keys holding a java.util.Date: see the module doc

#: The Arrow type of a schemaless column: JSON text, one value per row.
SCHEMALESS_TYPE = pa.json_(pa.string())

_PRIMITIVES = {
    "int8": pa.int8(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(),
    "float": pa.float32(), "double": pa.float64(), "boolean": pa.bool_(),
    "string": pa.string(), "bytes": pa.binary(),
}
_LOGICAL = {(DATE, "int32"): pa.date32(), (TIME, "int32"): pa.time32("ms"),
            (TIMESTAMP, "int64"): pa.timestamp("ms", tz="UTC")}


# --- Connect schema (JSON form) -> Arrow field ----------------------------------------------

def schemaless_field(name: str, type: pa.DataType = SCHEMALESS_TYPE, *,
                     hashmap_order: bool = False, dates: Iterable[str] = ()) -> pa.Field:
    """The field of a column whose values carry no schema (JSON text, or the struct form:
    see module doc); ``hashmap_order``: its objects' keys stand in HashMap order; ``dates``:
    the top-level keys whose numbers are ``java.util.Date`` values (JSON text only)."""
    meta = {SCHEMALESS: b"true"}
    if hashmap_order:
        meta[ORDER] = b"hashmap"
    dates = sorted(set(dates))
    if dates:
        meta[DATES] = json.dumps(dates).encode()
    return pa.field(name, type, nullable=True, metadata=meta)


def date_keys(field: pa.Field) -> frozenset[str]:
    """The top-level keys whose numbers are ``java.util.Date`` values in ``field``'s
    schemaless objects (see module doc)."""
    marked = (field.metadata or {}).get(DATES)
    return frozenset(json.loads(marked)) if marked else frozenset()


def is_schemaless_struct(field: pa.Field) -> bool:
    """Whether ``field`` holds schemaless objects in the struct form."""
    return pa.types.is_struct(field.type) and (field.metadata or {}).get(SCHEMALESS) == b"true"


def in_hashmap_order(field: pa.Field) -> bool:
    """Whether the schemaless objects of ``field`` hold their keys in HashMap order."""
    return (field.metadata or {}).get(ORDER) == b"hashmap"


def is_schemaless(field: pa.Field) -> bool:
    """Whether ``field`` holds schemaless values (marked, or of the ``arrow.json`` type)."""
    meta = field.metadata or {}
    return meta.get(SCHEMALESS) == b"true" or isinstance(field.type, pa.JsonType)


def connect_schema_to_field(schema_json: dict | None, name: str) -> pa.Field:
    """The Arrow field for a Connect schema given in JsonConverter's JSON form.

    ``None`` (no schema) gives the schemaless field. The returned field is nullable, since a
    null row of a column is a tombstone; a required schema is marked ``connect.optional``.
    Raises :class:`DataError` (without ``index``) when the schema is malformed, with the
    message Kafka's JsonConverter gives for the same mistake.
    """
    if schema_json is None:
        return schemaless_field(name)
    field = _to_field(schema_json, name)
    if field.nullable:
        return field
    return field.with_nullable(True).with_metadata({**(field.metadata or {}), OPTIONAL: b"false"})


def _to_field(schema: Any, name: str, *, map_key: bool = False) -> pa.Field:
    if not isinstance(schema, dict) or not isinstance(schema.get("type"), str):
        raise DataError("Schema must contain 'type' field")
    kind = schema["type"]
    optional = schema.get("optional") is True
    meta: dict[bytes, bytes] = {}
    schema_name = schema.get("name") if isinstance(schema.get("name"), str) else None
    if schema_name is not None:
        meta[NAME] = schema_name.encode()
    version = schema.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        meta[VERSION] = str(version).encode()
    if isinstance(schema.get("doc"), str):
        meta[DOC] = schema["doc"].encode()
    params = schema.get("parameters")
    if isinstance(params, dict) and params:
        if not all(isinstance(v, str) for v in params.values()):
            raise DataError("Schema parameters must have string values.")
        meta[PARAMETERS] = json.dumps(params, separators=(",", ":"), ensure_ascii=False).encode()
    if "default" in schema and schema["default"] is None and not optional:
        connect_type = {"float": "FLOAT32", "double": "FLOAT64"}.get(kind, str(kind).upper())
        raise DataError(f"Invalid null value for required {connect_type} field")
    if schema.get("default") is not None:
        meta[DEFAULT] = json.dumps(schema["default"], separators=(",", ":"),
                                   ensure_ascii=False).encode()

    if kind in _PRIMITIVES:
        arrow_type = _LOGICAL.get((schema_name, kind), _PRIMITIVES[kind])
        if schema_name == DECIMAL and kind == "bytes":
            arrow_type = _decimal_type(params if isinstance(params, dict) else {})
    elif kind == "array":
        if schema.get("items") is None:
            raise DataError("Array schema did not specify the element type")
        arrow_type = pa.list_(_to_field(schema["items"], "item"))
    elif kind == "map":
        if "keys" not in schema or schema["keys"] is None:
            raise DataError("Map schema did not specify the key type")
        if "values" not in schema or schema["values"] is None:
            raise DataError("Map schema did not specify the value type")
        arrow_type = pa.map_(_to_field(schema["keys"], "key", map_key=True),
                             _to_field(schema["values"], "value"))
    elif kind == "struct":
        fields = schema.get("fields")
        if not isinstance(fields, list):
            raise DataError('Struct schema\'s "fields" argument is not an array.')
        children, seen = [], set()
        for child in fields:
            child_name = child.get("field") if isinstance(child, dict) else None
            if not isinstance(child_name, str):
                raise DataError("Struct schema's field name not specified properly")
            if child_name in seen:
                raise DataError("Cannot create field because of field name duplication "
                                + child_name)
            seen.add(child_name)
            children.append(_to_field(child, child_name))
        arrow_type = pa.struct(children)
    else:
        raise DataError(f"Unknown schema type: {kind}")

    nullable = optional and not map_key
    if optional != nullable:
        meta[OPTIONAL] = b"true" if optional else b"false"
    return pa.field(name, arrow_type, nullable=nullable, metadata=meta or None)


def _decimal_type(params: dict) -> pa.DataType:
    try:
        scale = int(params["scale"])
    except (KeyError, ValueError):
        raise DataError("Invalid Decimal schema: scale parameter not found.") from None
    precision = str(params.get(DECIMAL_PRECISION, ""))
    precision = int(precision) if precision.isdigit() and int(precision) > 0 else 38
    if precision <= 38:
        return pa.decimal128(precision, scale)
    return pa.decimal256(min(precision, 76), scale)


# --- Arrow field -> Connect schema (JSON form) ----------------------------------------------

def field_to_connect_schema(field: pa.Field) -> dict | None:
    """The Connect schema of ``field`` in JsonConverter's JSON form; ``None`` if schemaless.

    The inverse of :func:`connect_schema_to_field`. Keys come in the order Kafka's
    JsonConverter writes them (type, fields/items/keys/values, optional, name, version, doc,
    parameters, default; ``field`` last in a struct's field entries). ``default`` is the JSON
    value as stored. A field without metadata gets the schema its Arrow type implies.
    Raises :class:`DataError` for an Arrow type that has no Connect schema (a union, or a
    schemaless value nested in a struct, list or map).
    """
    if is_schemaless(field):
        return None
    return _to_schema(field)


def _optional(field: pa.Field) -> bool:
    flag = (field.metadata or {}).get(OPTIONAL)
    return field.nullable if flag is None else flag == b"true"


def _to_schema(field: pa.Field) -> dict:
    if is_schemaless(field):
        raise DataError(f"Field {field.name!r} holds schemaless values, which Connect cannot "
                        "nest inside a struct, array or map")
    meta = field.metadata or {}
    t = field.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    schema: dict[str, Any] = {}
    logical: tuple[str, dict[str, str] | None] | None = None
    if pa.types.is_struct(t):
        schema["type"] = "struct"
        schema["fields"] = [{**_to_schema(t.field(i)), "field": t.field(i).name}
                            for i in range(t.num_fields)]
    elif pa.types.is_map(t):
        schema.update(type="map", keys=_to_schema(t.key_field), values=_to_schema(t.item_field))
    elif _is_list(t):
        schema.update(type="array", items=_to_schema(t.value_field))
    elif pa.types.is_decimal(t):
        schema["type"] = "bytes"
        logical = (DECIMAL, {"scale": str(t.scale)})
    elif pa.types.is_date(t):
        schema["type"] = "int32"
        logical = (DATE, None)
    elif pa.types.is_time(t):
        schema["type"] = "int32"
        logical = (TIME, None)
    elif pa.types.is_timestamp(t):
        schema["type"] = "int64"
        logical = (TIMESTAMP, None)
    else:
        schema["type"] = _primitive_name(t, field.name)
    schema["optional"] = _optional(field)
    if NAME in meta:
        schema["name"] = meta[NAME].decode()
    elif logical is not None:
        schema["name"], schema["version"] = logical[0], 1
    # A version stands on its own: Kafka writes it for unnamed schemas too.
    if VERSION in meta:
        schema["version"] = int(meta[VERSION])
    if DOC in meta:
        schema["doc"] = meta[DOC].decode()
    params = dict(logical[1] or {}) if logical is not None and NAME not in meta else {}
    if PARAMETERS in meta:
        params.update(json.loads(meta[PARAMETERS]))
    if params:
        schema["parameters"] = params
    if DEFAULT in meta:
        schema["default"] = json.loads(meta[DEFAULT])
    return schema


def _is_list(t: pa.DataType) -> bool:
    return (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
            or pa.types.is_list_view(t) or pa.types.is_large_list_view(t))


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_bytes(t: pa.DataType) -> bool:
    return (pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t)
            or pa.types.is_fixed_size_binary(t))


def _primitive_name(t: pa.DataType, name: str) -> str:
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        bits = t.bit_width * 2 if pa.types.is_unsigned_integer(t) else t.bit_width
        return f"int{min(bits, 64)}"
    if pa.types.is_floating(t):
        return "double" if t.bit_width == 64 else "float"
    if pa.types.is_null(t) or _is_text(t):
        return "string"
    if _is_bytes(t):
        return "bytes"
    raise DataError(f"Field {name!r} has Arrow type {t}, which has no Kafka Connect schema")


# --- format_values: Java toString() of every value ------------------------------------------

def format_values(field: pa.Field, array: pa.Array) -> pa.Array:
    """Render each value as Kafka Connect's Java ``toString()`` would; nulls stay null.

    A string column is returned as it is. Structs print as ``Struct{a=1,b=x}`` (null fields
    left out), arrays as ``[1, 2]``, maps and schemaless objects as ``{k=v, k2=v2}`` in Java
    HashMap order, Date/Time/Timestamp as ``java.util.Date`` does in UTC
    (``Thu Jan 01 00:00:00 UTC 1970``), decimals as ``BigDecimal``. Java prints a byte array
    as its identity (``[B@1b6d3586``); bytes are rendered as base64 here instead.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    t = array.type
    if pa.types.is_null(t) or array.null_count == len(array):
        return pa.nulls(len(array), pa.string())  # a source's absent keys: nothing to render
    if is_schemaless_struct(field):
        return _java_maps(field, array)
    if _is_text(t) and not is_schemaless(field):
        return array
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return array.cast(pa.string())
    if pa.types.is_temporal(t) and not pa.types.is_duration(t):
        return _java_dates(epoch_millis(array))
    return pa.array(_render(field, array), pa.string())


_WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_GREGORIAN_YEARS = (-12_212_553_600_000, 253_402_300_800_000)  # 1583-01-01, 10000-01-01


def _java_dates(millis: pa.Array) -> pa.Array:
    """``java.util.Date.toString()`` in UTC of epoch milliseconds (int64)."""
    low, high = pc.min_max(millis).values()
    if low.as_py() is None or (low.as_py() >= _GREGORIAN_YEARS[0]
                               and high.as_py() < _GREGORIAN_YEARS[1]):
        stamps = millis.cast(pa.timestamp("ms", tz="UTC"))
        text = pc.strftime(stamps, format="%a %b %d %H:%M:%S UTC %Y")
        return pc.replace_substring_regex(text, pattern=r"\.\d+ UTC", replacement=" UTC")
    # Beyond the years strftime prints as Java does: GregorianCalendar's own arithmetic
    # (Julian before October 1582, years of an era: 1 BC is 1), value by value.
    jdn = pc.add(fdiv(millis, DAY_MS), EPOCH_JDN)
    year, month, day = (part.to_pylist() for part in civil_date(jdn))
    out = []
    for ms, j, y, m, d in zip(millis.to_pylist(), jdn.to_pylist(), year, month, day):
        if ms is None:
            out.append(None)
            continue
        seconds = ms % DAY_MS // 1000
        out.append(f"{_WEEKDAYS[(j + 1) % 7]} {_MONTHS[m - 1]} {d:02d} {seconds // 3600:02d}:"
                   f"{seconds // 60 % 60:02d}:{seconds % 60:02d} UTC {y if y > 0 else 1 - y}")
    return pa.array(out, pa.string())


def _render(field: pa.Field, array: pa.Array) -> list[str | None]:
    """Java text of each value; None where the value is null."""
    t = array.type
    if pa.types.is_dictionary(t):
        array, t = array.dictionary_decode(), t.value_type
    if pa.types.is_null(t):
        return [None] * len(array)
    if is_schemaless(field):
        texts = array.storage if isinstance(array, pa.ExtensionArray) else array
        if in_hashmap_order(field):
            rows = [None if s is None else json.loads(s) for s in texts.to_pylist()]
            _dates_as_text(rows, date_keys(field))
            return [None if row is None else _render_java(row) for row in rows]
        return [None if s is None else _render_json(json.loads(s)) for s in texts.to_pylist()]
    if pa.types.is_union(t):
        return _render_union(t, array)
    if array.null_count:
        valid = array.is_valid()
        out: list[str | None] = [None] * len(array)
        positions = pc.indices_nonzero(valid).to_pylist()
        for pos, text in zip(positions, _render(field, array.filter(valid))):
            out[pos] = text
        return out
    if pa.types.is_struct(t):
        names = [t.field(i).name for i in range(t.num_fields)]
        cols = [_render(t.field(i), array.field(i)) for i in range(t.num_fields)]
        rows = zip(*cols) if cols else ([] for _ in range(len(array)))
        return ["Struct{" + ",".join(f"{n}={v}" for n, v in zip(names, row) if v is not None)
                + "}" for row in rows]
    if _is_list(t) or pa.types.is_map(t):
        return _render_nested(field, array)
    if _is_text(t):
        return array.to_pylist()
    if pa.types.is_floating(t):
        fmt = java_double_str if t.bit_width == 64 else java_float_str
        return [fmt(x) for x in array.cast(pa.float64()).to_pylist()]
    if pa.types.is_decimal(t):
        return [java_big_decimal_str(u, t.scale) for u in decimal_unscaled(array)]
    if _is_bytes(t):
        return [base64.b64encode(b).decode("ascii") for b in array.to_pylist()]
    if pa.types.is_integer(t) or pa.types.is_boolean(t) or \
            (pa.types.is_temporal(t) and not pa.types.is_duration(t)):
        return format_values(field, array).to_pylist()
    raise DataError(f"Field {field.name!r} has Arrow type {t}, which has no Kafka Connect schema")


def _render_nested(field: pa.Field, array: pa.Array) -> list[str]:
    t = array.type
    if pa.types.is_map(t):
        array = array.cast(pa.list_(pa.struct([t.key_field, t.item_field])))
    elif not pa.types.is_list(t):
        array = array.cast(pa.list_(t.value_field))
    flat = array.flatten()
    lengths = pc.list_value_length(array).to_pylist()
    out, pos = [], 0
    if pa.types.is_map(t):
        hashes = java_key_hashes(t.key_field, flat.field(0))
        keys = _render(t.key_field, flat.field(0))
        values = _render(t.item_field, flat.field(1))
        for n in lengths:
            order = range(n) if hashes is None else java_hashmap_order(hashes[pos:pos + n])
            out.append("{" + ", ".join(f"{_null(keys[pos + i])}={_null(values[pos + i])}"
                                       for i in order) + "}")
            pos += n
        return out
    values = _render(t.value_field, flat)
    for n in lengths:
        out.append("[" + ", ".join(_null(v) for v in values[pos:pos + n]) + "]")
        pos += n
    return out


def _null(text: str | None) -> str:
    return "null" if text is None else text


def _java_maps(field: pa.Field, array: pa.Array) -> pa.Array:
    """``{k=v, ...}`` of schemaless objects in the struct form, joined column by column."""
    t = field.type
    names = [t.field(i).name for i in range(t.num_fields)]
    order = range(len(names)) if in_hashmap_order(field) else _hashmap_order(tuple(names))
    pieces: list[Any] = []
    for position, i in enumerate(order):
        pieces.append(("{" if position == 0 else ", ") + names[i] + "=")
        pieces.append(_java_scalars(pc.struct_field(array, [i])))
    return concat_elementwise(*pieces, "}")


def _java_scalars(values: pa.Array) -> pa.Array:
    """Java's text of the Long, Double, String... values of a struct-form child."""
    t = values.type
    if pa.types.is_floating(t):
        return java_float_texts(values.cast(pa.float64()), single=not pa.types.is_float64(t))
    return values if pa.types.is_string(t) else values.cast(pa.string())


def _dates_as_text(rows: list[Any], keys: frozenset[str]) -> None:
    """Put ``Date.toString()`` in place of the epoch millis under ``keys`` of each object."""
    if not keys:
        return
    at = [(row, key) for row in rows if isinstance(row, dict) for key in keys
          if type(row.get(key)) is int]
    texts = _java_dates(pa.array([row[key] for row, key in at], pa.int64()))
    for (row, key), text in zip(at, texts.to_pylist()):
        row[key] = text


def _render_java(value: Any) -> str:
    """Java text of a schemaless value an SMT wrote: keys in the order given, top-level
    numbers as they are (nested values are still as JsonConverter read them)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render_java_scalar(v)}" for k, v in value.items()) + "}"
    return _render_java_scalar(value)


def _render_java_scalar(value: Any) -> str:
    if isinstance(value, float):
        return java_double_str(value)
    return _render_json(value)


def _render_json(value: Any) -> str:
    """Java text of a value read without a schema (HashMap, ArrayList, Long, Double...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double_str(value + 0.0)
    if isinstance(value, list):
        return "[" + ", ".join(_render_json(v) for v in value) + "]"
    keys = tuple(value)
    return "{" + ", ".join(f"{keys[i]}={_render_json(value[keys[i]])}"
                           for i in _hashmap_order(keys)) + "}"


@functools.lru_cache(maxsize=4096)
def _hashmap_order(keys: tuple[str, ...]) -> tuple[int, ...]:
    """Java HashMap iteration order of these keys, once per key set: records of one topic
    mostly share their keys, and hashing them the Java way is most of the rendering."""
    return tuple(java_hashmap_order([java_hash(k, "string") for k in keys]))


def _render_union(t: pa.UnionType, array: pa.UnionArray) -> list[str | None]:
    rendered = [_render(t.field(i), array.field(i)) for i in range(t.num_fields)]
    child_of = {code: i for i, code in enumerate(t.type_codes)}
    codes = array.type_codes.to_pylist()
    if t.mode == "dense":
        offsets = array.offsets.to_pylist()
        return [rendered[child_of[c]][o] for c, o in zip(codes, offsets)]
    return [rendered[child_of[c]][i] for i, c in enumerate(codes)]
