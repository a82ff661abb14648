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

A plain Arrow field without metadata maps to the Connect schema its type implies (``string``
to string, ``int64`` to int64, ``date32`` to Date, ...), ``optional`` being its nullability.
Arrow types with no Connect twin map to the nearest one: unsigned integers to the next wider
signed type (``uint64`` to int64), ``float16`` to float, large and view variants to their
plain type, ``date64`` to Date, any time or timestamp unit to Time or Timestamp (truncated
to milliseconds), a dictionary to its value type, and ``null`` to an optional string.
"""

from __future__ import annotations

import base64
import decimal
import fractions
import functools
import json
import math
import struct as _struct
import sys
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api.errors import DataError

__all__ = [
    "DECIMAL", "DATE", "TIME", "TIMESTAMP", "SCHEMALESS_TYPE",
    "connect_schema_to_field", "field_to_connect_schema", "format_values", "is_schemaless",
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

#: The Arrow type of a schemaless column: JSON text, one value per row.
SCHEMALESS_TYPE = pa.json_(pa.string())

_PRIMITIVES = {
    "int8": pa.int8(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(),
    "float": pa.float32(), "double": pa.float64(), "boolean": pa.bool_(),
    "string": pa.string(), "bytes": pa.binary(),
}
_LOGICAL = {(DATE, "int32"): pa.date32(), (TIME, "int32"): pa.time32("ms"),
            (TIMESTAMP, "int64"): pa.timestamp("ms", tz="UTC")}
_MS_PER_DAY = 86_400_000


# --- Connect schema (JSON form) -> Arrow field ----------------------------------------------

def schemaless_field(name: str) -> pa.Field:
    """The field of a column whose values carry no schema (JSON text, see module doc)."""
    return pa.field(name, SCHEMALESS_TYPE, nullable=True, metadata={SCHEMALESS: b"true"})


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
        if VERSION in meta:
            schema["version"] = int(meta[VERSION])
    elif logical is not None:
        schema["name"], schema["version"] = logical[0], 1
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


# --- Java's text forms ----------------------------------------------------------------------

def _java_digits(number: decimal.Decimal) -> str:
    """Format a finite non-zero number as Java's Double/Float.toString do."""
    negative, digit_tuple, exponent = number.as_tuple()
    digits = "".join(map(str, digit_tuple))
    sci = exponent + len(digits) - 1  # the power of ten of the first digit
    digits = digits.rstrip("0") or "0"
    sign = "-" if negative else ""
    if -3 <= sci < 7:
        point = sci + 1
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        whole, frac = digits[:point].ljust(point, "0"), digits[point:]
        return f"{sign}{whole}.{frac or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{sci}"


def _nonfinite(x: float) -> str | None:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    return None


def _integral_digits(x: float, significant_bits: int) -> decimal.Decimal | None:
    """The digits JDK 17's ``FloatingDecimal`` prints for an integral value below 2**63.

    It writes such values from their exact integer, only rounding off the digits below the
    precision of the type, so ``5.5423575513377032E16`` where the shortest form (printed by
    JDK 19 and later) is ``5.542357551337703E16``.
    """
    if x != int(x) or abs(x) >= 2**63:
        return None
    value = int(abs(x))
    p2 = value.bit_length() - 1 - significant_bits - 1
    drop = len(str(1 << p2)) - 1 if p2 > 1 else 0
    if drop:
        value, residue = divmod(value, 10**drop)
        value += residue >= 10**drop // 2
    return decimal.Decimal(f"{'-' if x < 0 else ''}{value}E{drop}")


def _power_of_two_digits(x: float, mantissa_bits: int, min_exponent: int) -> decimal.Decimal | None:
    """JDK 17 writes a power of two with the digits that fall within a quarter of the ulp
    above it (its ``FloatingDecimal`` halves its error bound there), often one digit more
    than the shortest: ``5.9604644775390625E-8`` for 2**-24."""
    mantissa, exponent = math.frexp(x)
    if abs(mantissa) != 0.5:
        return None
    limit = fractions.Fraction(2) ** max(exponent - 1 - mantissa_bits, min_exponent) / 4
    first = math.floor(math.log10(abs(x)))
    exact = fractions.Fraction(x)
    for digits in range(2 if first < -3 or first >= 7 else 1, 18):
        text = f"{x:.{digits - 1}e}"
        if abs(fractions.Fraction(text) - exact) < limit:
            return decimal.Decimal(text)
    return None


def java_double_str(x: float) -> str:
    """``Double.toString(x)`` as JDK 17 prints it: ``1.0E10`` style outside 1e-3..1e7.

    Digits are the shortest that read back as ``x`` (closest of the 1- and 2-digit ones
    when one digit would do), except that integral values below 2**63 are written from
    their exact digits and powers of two with a tighter bound, as JDK 17 does (JDK 19+
    writes the shortest there too). JDK 17's general path also, rarely (about 1 value in
    40,000 for doubles, 1 in 10,000 for floats), picks another last digit.
    """
    if 1e-3 <= abs(x) < 1e7:  # Python's repr is Java's here, the common case
        return repr(x)
    special = _nonfinite(x)
    if special is not None:
        return special
    exact = _integral_digits(x, 53)
    if exact is None:
        exact = _power_of_two_digits(x, 52, -1074)
    if exact is not None:
        return _java_digits(exact)
    shortest = decimal.Decimal(repr(x))
    if len(shortest.normalize().as_tuple().digits) == 1:  # Java then picks the closest of
        two = f"{x:.1e}"                                  # the 1- and 2-digit decimals
        if float(two) == x:
            shortest = decimal.Decimal(two)
    return _java_digits(shortest)


def java_float_str(x: float) -> str:
    """``Float.toString(x)`` for a float32 value (given as a Python float), as JDK 17."""
    special = _nonfinite(x)
    if special is not None:
        return special
    exact = _integral_digits(x, 24)
    if exact is None:
        exact = _power_of_two_digits(x, 23, -149)
    if exact is not None:
        return _java_digits(exact)
    for precision in range(2, 10):  # 2: Java picks the closest of the 1- and 2-digit ones
        text = f"{x:.{precision - 1}e}"
        try:
            if _struct.unpack("<f", _struct.pack("<f", float(text)))[0] == x:
                break
        except OverflowError:
            continue
    return _java_digits(decimal.Decimal(text))


def java_big_decimal_str(unscaled: int, scale: int) -> str:
    """``BigDecimal.toString()`` of ``unscaled * 10**-scale`` (``1E-7`` style when small)."""
    coeff = str(abs(unscaled))
    sign = "-" if unscaled < 0 else ""
    adjusted = len(coeff) - 1 - scale
    if scale >= 0 and adjusted >= -6:
        if scale == 0:
            return sign + coeff
        if len(coeff) > scale:
            return f"{sign}{coeff[:-scale]}.{coeff[-scale:]}"
        return f"{sign}0.{'0' * (scale - len(coeff))}{coeff}"
    mantissa = coeff[0] + ("." + coeff[1:] if len(coeff) > 1 else "")
    exponent = f"E{'+' if adjusted > 0 else ''}{adjusted}" if adjusted else ""
    return sign + mantissa + exponent


_LITTLE = sys.byteorder == "little"


@functools.lru_cache(maxsize=4096)
def _string_hash(s: str) -> int:
    h = 0
    units = memoryview(s.encode("utf-16-le" if _LITTLE else "utf-16-be")).cast("H")
    for unit in units:
        h = (31 * h + unit) & 0xFFFFFFFF
    return h


def _long_hash(v: int) -> int:
    v &= 0xFFFFFFFFFFFFFFFF
    return (v ^ (v >> 32)) & 0xFFFFFFFF


def _bigint_hash(v: int) -> int:
    words, magnitude = [], abs(v)
    while magnitude:
        words.append(magnitude & 0xFFFFFFFF)
        magnitude >>= 32
    h = 0
    for word in reversed(words):
        h = (31 * h + word) & 0xFFFFFFFF
    return (-h if v < 0 else h) & 0xFFFFFFFF


def java_hash(value: Any, connect_type: str) -> int | None:
    """Java's ``hashCode()`` (as unsigned 32 bits) of a plain Connect value.

    ``connect_type`` is the Connect type name (``int32``, ``string``, ...). Returns None for
    values whose Java hash is their identity (byte arrays) or not computed here (structs,
    lists, maps), whose HashMap order cannot be reproduced.
    """
    if value is None:
        return 0
    if connect_type == "string":
        return _string_hash(value)
    if connect_type == "boolean":
        return 1231 if value else 1237
    if connect_type in ("int8", "int16", "int32"):
        return value & 0xFFFFFFFF
    if connect_type == "int64":
        return _long_hash(value)
    if connect_type == "float":
        return 0x7FC00000 if value != value else _struct.unpack("<I", _struct.pack("<f", value))[0]
    if connect_type == "double":
        bits = (0x7FF8000000000000 if value != value
                else _struct.unpack("<Q", _struct.pack("<d", value))[0])
        return _long_hash(bits)
    return None


def java_key_hashes(field: pa.Field, keys: pa.Array) -> list[int] | None:
    """Java hash of each map key in ``keys`` (no nulls), or None where Java's is identity.

    Date/Time/Timestamp keys hash as ``java.util.Date``, decimals as ``BigDecimal``.
    """
    t = keys.type
    if pa.types.is_dictionary(t):
        keys, t = keys.dictionary_decode(), t.value_type
    if pa.types.is_temporal(t) and not pa.types.is_duration(t):
        return [_long_hash(ms) for ms in epoch_millis(keys).to_pylist()]
    if pa.types.is_decimal(t):
        return [(31 * _bigint_hash(u) + t.scale) & 0xFFFFFFFF for u in decimal_unscaled(keys)]
    connect_type = _to_schema(field)["type"]
    if connect_type in ("bytes", "struct", "array", "map"):
        return None
    if pa.types.is_floating(t):
        keys = keys.cast(pa.float64())
    return [java_hash(k, connect_type) for k in keys.to_pylist()]


def java_hashmap_order(hashes: Sequence[int]) -> list[int]:
    """The order in which a ``java.util.HashMap`` filled with keys of these hashes iterates.

    Keys are given in insertion order; the result lists their positions in iteration order
    (bucket by bucket, insertion order within a bucket). Kafka builds a HashMap for every
    JSON object it reads, so this is the order in which it writes them back.
    """
    capacity = 16
    while len(hashes) > capacity * 3 // 4:
        capacity *= 2
    mask = capacity - 1
    return sorted(range(len(hashes)), key=lambda i: ((hashes[i] ^ (hashes[i] >> 16)) & mask, i))


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
    if _is_text(t) and not is_schemaless(field):
        return array
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return array.cast(pa.string())
    if pa.types.is_temporal(t) and not pa.types.is_duration(t):
        return _java_dates(epoch_millis(array))
    return pa.array(_render(field, array), pa.string())


def epoch_millis(array: pa.Array) -> pa.Array:
    """``int64`` milliseconds since the epoch of a date or timestamp array (since midnight
    for a time array), as ``java.util.Date`` holds them; finer units are truncated."""
    t = array.type
    if pa.types.is_date32(t):
        return pc.multiply(array.cast(pa.int32()).cast(pa.int64()), _MS_PER_DAY)
    if pa.types.is_date64(t):
        return array.cast(pa.int64())
    if pa.types.is_time(t):
        return array.cast(pa.time32("ms"), safe=False).cast(pa.int32()).cast(pa.int64())
    return array.cast(pa.timestamp("ms", tz=t.tz), safe=False).cast(pa.int64())


def _java_dates(millis: pa.Array) -> pa.Array:
    stamps = millis.cast(pa.timestamp("ms", tz="UTC"))
    text = pc.strftime(stamps, format="%a %b %d %H:%M:%S UTC %Y")
    return pc.replace_substring_regex(text, pattern=r"\.\d+ UTC", replacement=" UTC")


def _render(field: pa.Field, array: pa.Array) -> list[str | None]:
    """Java text of each value; None where the value is null."""
    t = array.type
    if pa.types.is_dictionary(t):
        array, t = array.dictionary_decode(), t.value_type
    if pa.types.is_null(t):
        return [None] * len(array)
    if is_schemaless(field):
        texts = array.storage if isinstance(array, pa.ExtensionArray) else array
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
    keys = list(value)
    order = java_hashmap_order([_string_hash(k) for k in keys])
    return "{" + ", ".join(f"{keys[i]}={_render_json(value[keys[i]])}" for i in order) + "}"


def _render_union(t: pa.UnionType, array: pa.UnionArray) -> list[str | None]:
    rendered = [_render(t.field(i), array.field(i)) for i in range(t.num_fields)]
    child_of = {code: i for i, code in enumerate(t.type_codes)}
    codes = array.type_codes.to_pylist()
    if t.mode == "dense":
        offsets = array.offsets.to_pylist()
        return [rendered[child_of[c]][o] for c, o in zip(codes, offsets)]
    return [rendered[child_of[c]][i] for i, c in enumerate(codes)]


def decimal_unscaled(array: pa.Array) -> list[int]:
    """The unscaled integers of a decimal array without nulls, read from its buffer."""
    width = array.type.byte_width
    data = memoryview(array.buffers()[1])
    start = array.offset * width
    return [int.from_bytes(data[start + i * width:start + (i + 1) * width], "little", signed=True)
            for i in range(len(array))]

