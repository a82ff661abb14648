"""Cast: cast top-level fields of the key or value, or the whole key or value, to another
primitive type, with Java's conversions. Tombstones pass through.

Every conversion is a pyarrow compute expression on the whole column: Java's narrowing
(wrapping, saturating from floating point), ``Integer.parseInt``/``Double.parseDouble`` grammar
checked with a regex, ``Values.dateFormatFor`` with ``strftime``, bytes to base64 with polars.
Three have no vector form and run per value: float to string (Java's ``Float``/``Double``
``toString``), decimal to string (``BigDecimal.toString``) and hexadecimal float strings.
Dates are formatted in UTC (Kafka uses the worker JVM's time zone). A cast of a whole
Date/Time/Timestamp/Decimal value drops the logical name, which Kafka keeps on the new type and
then fails to convert.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import NO_DEFAULT, ConfigDef, ConfigError, DataError, Importance, Type
from fastconnect.api.schema import (
    DATE, DECIMAL, NAME, PARAMETERS, TIME, TIMESTAMP, VERSION, date_keys, decimal_unscaled,
    epoch_millis, in_hashmap_order, is_schemaless, is_schemaless_struct, java_big_decimal_str,
    java_double_str, java_float_str, schemaless_field,
)
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    REPLACE_NULL_WITH_DEFAULT, Double, Float32, OnKey, OnValue, basics, build_struct, child_field,
    column_field, connect_type, default_array, default_json, define_replace_null, dump_rows,
    fill_default, first_true, first_valid, is_optional, java_list, java_split, json_texts, loads,
    java_double, logical_of, require_maps, require_struct, with_default,
)
from fastconnect.transforms._maps import (
    copied_keys, hashmap_copies, iteration_keys, java_values, reorder_struct, struct_keys,
    to_text,
)

__all__ = ["CastKey", "CastValue"]

PURPOSE = "cast types"
SPEC = "spec"
_JAVA = "org.apache.kafka.connect.transforms.Cast"
_TYPES = ("INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64", "BOOLEAN", "STRING",
          "BYTES", "ARRAY", "MAP", "STRUCT")
_INPUTS = _TYPES[:9]
_OUTPUTS = {"INT8": pa.int8(), "INT16": pa.int16(), "INT32": pa.int32(), "INT64": pa.int64(),
            "FLOAT32": pa.float32(), "FLOAT64": pa.float64(), "BOOLEAN": pa.bool_(),
            "STRING": pa.string()}
_BITS = {"INT8": 8, "INT16": 16, "INT32": 32, "INT64": 64}
_JAVA_INT = r"^[+-]?[0-9]+$"
_JAVA_FLOAT = r"^[+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?)$"
_HEX_FLOAT = r"^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?$"
_JAVA_SPACE = "".join(chr(c) for c in range(33))  # String.trim()
_DAY = 86_400_000


def _output_type(text: str) -> str:
    kind = text.upper()
    if kind not in _TYPES:
        raise ConfigError(f"Invalid type found in casting spec: {text}", SPEC)
    if kind not in _OUTPUTS:
        raise ConfigError(f"Cast transformation does not support casting to {kind}; supported "
                          f"types are {java_list(list(_OUTPUTS))}", SPEC)
    return kind


def parse_spec(mappings: list[str]) -> dict[str | None, str]:
    """``field:type`` pairs, or one type for the whole value (key ``None``)."""
    casts: dict[str | None, str] = {}
    for mapping in mappings:
        parts = java_split(mapping, ":")
        if len(parts) > 2:  # Kafka names its ReplaceField key here
            raise ConfigError(f"Invalid value {java_list(mappings)} for configuration renames: "
                              f"Invalid rename mapping: {mapping}", SPEC)
        if len(parts) == 2:
            casts[parts[0].strip()] = _output_type(parts[1].strip())
        else:
            casts[None] = _output_type(parts[0].strip() if parts else "")
    if None in casts and len(mappings) > 1:
        raise ConfigError("Cast transformations that specify a type to cast the entire value to "
                          "may only specify a single cast in their spec", SPEC)
    return casts


def _valid_spec(name: str, value: Any) -> None:
    if not value:
        raise ConfigError("Must specify at least one field to cast.", name)
    parse_spec(value)


# --- Java's conversions, vectorised ---------------------------------------------------------

def _fail(message: str, mask: pa.Array) -> None:
    row = first_true(mask)
    if row is not None:
        raise DataError(message, row)


def _out_of_range(strings: pa.Array, bad: pa.Array) -> None:
    row = first_true(bad)
    if row is not None:
        raise DataError(f"Value ({strings[row].as_py()}) was out of range for requested data "
                        "type", row)


def _any(mask: pa.Array) -> bool:
    return first_true(mask) is not None


def _parse_long(strings: pa.Array, bits: int) -> pa.Array:
    """``Byte/Short/Integer/Long.parseX``: sign and ASCII digits, in range."""
    ok = pc.match_substring_regex(strings, _JAVA_INT)
    text = strings
    if _any(pc.starts_with(strings, "+")):  # Arrow's parser takes no plus sign
        text = pc.replace_substring_regex(strings, r"^\+", "")
    short = pc.and_(ok, pc.less_equal(pc.utf8_length(text), 18))
    parsed = pc.if_else(short, text, "0").cast(pa.int64())
    bad = pc.invert(ok)
    long_rows = pc.indices_nonzero(pc.and_(ok, pc.invert(short)).fill_null(False)).to_pylist()
    if long_rows:  # 19 characters or more: parsed by Python, whose ints do not overflow
        values, too_big = parsed.to_pylist(), set()
        for row in long_rows:
            value = int(text[row].as_py())
            if -2**63 <= value < 2**63:
                values[row] = value
            else:
                too_big.add(row)
        parsed = pa.array(values, pa.int64())
        bad = pc.or_(bad, pa.array([row in too_big for row in range(len(values))]))
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    outside = pc.or_(pc.less(parsed, low), pc.greater(parsed, high))
    _out_of_range(strings, pc.or_(bad, outside))
    return parsed


def _parse_double(strings: pa.Array, t: pa.DataType) -> pa.Array:
    """``Float/Double.parseX``: trimmed; NaN, Infinity, decimal or hex, f/d suffix."""
    text = pc.utf8_trim(strings, characters=_JAVA_SPACE)
    ok = pc.match_substring_regex(text, _JAVA_FLOAT)
    hexa = None
    if _any(pc.invert(ok)):
        hexa = pc.match_substring_regex(text, _HEX_FLOAT)
        _out_of_range(strings, pc.invert(pc.or_(ok, hexa)))
        text = pc.if_else(ok, text, "0")
    if _any(pc.is_in(pc.utf8_slice_codeunits(text, -1), pa.array(list("fFdD")))):
        text = pc.replace_substring_regex(text, r"[fFdD]$", "")
    values = text.cast(t)
    if hexa is None or not _any(hexa):
        return values
    out = values.to_pylist()
    for row in pc.indices_nonzero(hexa.fill_null(False)).to_pylist():
        out[row] = float.fromhex(strings[row].as_py().strip(_JAVA_SPACE).rstrip("fFdD"))
    return pa.array(out, pa.float64()).cast(t)


def _java_long_of_double(values: pa.Array, bits: int) -> pa.Array:
    """``(int)`` or ``(long)`` of a double: NaN is 0, the rest saturates at the bounds."""
    x = pc.trunc(pc.if_else(pc.is_nan(values), 0.0, values))
    high, low = (2.0**31 - 1, -2.0**31) if bits < 64 else (9.223372036854774e18, -2.0**63)
    clipped = pc.max_element_wise(pc.min_element_wise(x, high, skip_nulls=False), low,
                                  skip_nulls=False).cast(pa.int64())
    return clipped if bits < 64 else pc.if_else(pc.greater_equal(x, 2.0**63), 2**63 - 1, clipped)


def _to_long(kind: str, t: pa.DataType, values: pa.Array, bits: int) -> pa.Array:
    """Java's ``Number.xValue()`` of each value as int64, before narrowing to ``bits``."""
    if kind == "STRING":
        return _parse_long(values, bits)
    if logical_of(t) == DECIMAL:
        return values.cast(pa.int64(), safe=False)  # BigDecimal.longValue(): low 64 bits
    if kind in ("FLOAT32", "FLOAT64"):
        return _java_long_of_double(values.cast(pa.float64()), bits)
    if kind == "BYTES":
        _fail("Unexpected type in Cast transformation: class [B", values.is_valid())
        return pa.nulls(len(values), pa.int64())
    return values.cast(pa.int64())


def _to_string(kind: str, t: pa.DataType, values: pa.Array) -> pa.Array:
    logical = logical_of(t)
    if logical == DECIMAL:
        unscaled = iter(decimal_unscaled(values.drop_null()))
        return pa.array([None if v is None else java_big_decimal_str(next(unscaled), t.scale)
                         for v in values.is_valid().to_pylist()], pa.string())
    if logical is not None:  # Values.dateFormatFor: by the value, not by its schema
        millis = epoch_millis(values)
        stamps = millis.cast(pa.timestamp("ms"))
        whole_days = pc.equal(pc.subtract(millis, pc.multiply(pc.divide(millis, _DAY), _DAY)), 0)
        return pc.if_else(
            pc.less(millis, _DAY), pc.strftime(stamps, format="%H:%M:%SZ"),
            pc.if_else(whole_days, pc.strftime(stamps, format="%Y-%m-%d"),
                       pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%SZ")))
    if kind == "BYTES":
        import polars as pl  # imported when first needed: it is a sixth of the start-up

        return pl.Series(values).bin.encode("base64").to_arrow().cast(pa.string())
    if kind in ("FLOAT32", "FLOAT64"):
        fmt = java_float_str if kind == "FLOAT32" else java_double_str
        return pa.array([None if x is None else fmt(x) for x in values.to_pylist()], pa.string())
    return values.cast(pa.string())


def convert(t: pa.DataType, values: pa.Array, target: str) -> pa.Array:
    """Kafka's ``castValueToType`` on every value of a column of Arrow type ``t``."""
    if pa.types.is_dictionary(t):
        values, t = values.dictionary_decode(), t.value_type
    kind = connect_type(t)
    if kind not in _INPUTS:
        _fail(f"Cast transformation does not support casting from {kind}; supported types are "
              f"{java_list(list(_INPUTS))}", values.is_valid())
        return pa.nulls(len(values), _OUTPUTS[target])
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        values, t = values.cast(pa.string()), pa.string()
    if target == "STRING":
        return _to_string(kind, t, values)
    if logical_of(t) in (DATE, TIME, TIMESTAMP):  # encodeLogicalType: days or millis
        values = values.cast(pa.int32()) if logical_of(t) == DATE else epoch_millis(values)
        t = values.type
    if target == "BOOLEAN":
        if kind == "STRING":
            return pc.equal(pc.utf8_lower(values), "true")
        if kind in ("FLOAT32", "FLOAT64"):
            return pc.greater_equal(pc.abs(values.cast(pa.float64())), 1.0)
        return pc.not_equal(_to_long(kind, t, values, 64), 0)
    if target in _BITS:
        return _to_long(kind, t, values, _BITS[target]).cast(_OUTPUTS[target], safe=False)
    if kind == "STRING":
        return _parse_double(values, _OUTPUTS[target])
    if logical_of(t) == DECIMAL:
        return values.cast(pa.string()).cast(_OUTPUTS[target])
    if kind == "BYTES":
        _fail("Unexpected type in Cast transformation: class [B", values.is_valid())
        return pa.nulls(len(values), _OUTPUTS[target])
    return values.cast(_OUTPUTS[target], safe=False)


def _cast_default(field: pa.Field, target: str, row: int) -> Any:
    """The field's default cast as its values are, in JSON form."""
    default = default_array(field)
    if default is None:
        return None
    try:
        value = convert(field.type, default, target)[0].as_py()
    except DataError as error:  # Kafka casts defaults when it first sees the schema
        raise DataError(str(error), row) from None
    return float(java_float_str(value)) if target == "FLOAT32" and value == value else value


def _convert_objects(values: list[Any], target: str) -> list[Any]:
    """Cast schemaless values (JSON: Long, Double, String, Boolean), one Arrow array per class."""
    kinds = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string(),
             Float32: pa.float32(), Double: pa.float64()}
    rows: dict[type, list[int]] = defaultdict(list)
    for row, value in enumerate(values):
        if value is None:
            continue
        if type(value) not in kinds:
            kind = "MAP" if isinstance(value, dict) else "ARRAY"
            raise DataError(f"Cast transformation does not support casting from {kind}; "
                            f"supported types are {java_list(list(_INPUTS))}", row)
        rows[type(value)].append(row)
    out: list[Any] = [None] * len(values)
    for kind, where in rows.items():
        items = [values[r] for r in where]
        if kind is int:
            items = [(v + 2**63) % 2**64 - 2**63 for v in items]  # Jackson's longValue()
        try:
            cast = convert(kinds[kind], pa.array(items, kinds[kind]), target).to_pylist()
        except DataError as error:
            raise DataError(str(error), where[error.index]) from None
        for row, value in zip(where, cast):
            out[row] = Float32(value) if target == "FLOAT32" else \
                java_double(value) if target == "FLOAT64" and value is not None else value
    return out


class Cast(Transformation):
    ACCEPTS_SCHEMALESS_STRUCTS = True
    CONFIG_DEF = define_replace_null(ConfigDef().define(
        SPEC, Type.LIST, NO_DEFAULT, _valid_spec, Importance.HIGH,
        "List of fields and the type to cast them to of the form field1:type,field2:type to "
        "cast fields of Maps or Structs. A single type to cast the entire value. Valid types "
        "are int8, int16, int32, int64, float32, float64, boolean, and string. Note that "
        "binary fields can only be cast to string."))

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._casts = parse_spec(self.config[SPEC])
        self._whole = self._casts.get(None)

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        if array.null_count == len(array):
            return field, array
        if is_schemaless_struct(field):
            if self._whole is None and all(name in field.type.names for name in self._casts):
                return self._struct(field, array)
            field, array = to_text(field, array)  # a field to add as null: not one shape
        if is_schemaless(field):
            return self._schemaless(field, array)
        if self._whole is not None:
            meta = basics(field)
            if meta.get(NAME, b"").decode() in (DECIMAL, DATE, TIME, TIMESTAMP):
                meta = {k: v for k, v in meta.items() if k not in (NAME, VERSION, PARAMETERS)}
            meta = with_default(meta, _cast_default(field, self._whole, first_valid(array)))
            return (column_field(field.name, _OUTPUTS[self._whole], is_optional(field), meta),
                    convert(field.type, array, self._whole))
        require_struct(field, array, PURPOSE)
        if default_json(field) is not None:
            _fail("Cast transformation does not support casting from STRUCT; supported types "
                  f"are {java_list(list(_INPUTS))}", array.is_valid())
        replace_null = self.config[REPLACE_NULL_WITH_DEFAULT]
        parts, errors = [], []
        for i in range(field.type.num_fields):
            child = field.type.field(i)
            target = self._casts.get(child.name)
            if target is None:
                values = array.field(i)
                parts.append((child, fill_default(child, values) if replace_null else values))
                continue
            values = pc.struct_field(array, [i])  # tombstone rows null: nothing to parse
            try:
                cast = convert(child.type, fill_default(child, values) if replace_null
                               else values, target)
            except DataError as error:
                errors.append(error)
                continue
            meta = with_default({}, _cast_default(child, target, first_valid(array)))
            parts.append((child_field(child.name, _OUTPUTS[target], is_optional(child), meta),
                          cast))
        if errors:
            raise min(errors, key=lambda e: e.index)
        struct = build_struct(parts, array, first_valid(array))
        return column_field(field.name, struct.type, is_optional(field), basics(field)), struct

    def _schemaless(self, field: pa.Field, array: pa.Array) -> tuple[pa.Field, pa.Array]:
        ordered = in_hashmap_order(field)
        value = java_values(ordered)
        if self._whole is not None:
            texts = json_texts(array)
            return schemaless_field(field.name, hashmap_order=True), dump_rows(_convert_objects(
                [None if t is None else value(loads(t)) for t in texts], self._whole))
        # Kafka: new HashMap<>(value), then a put for each cast field.
        maps = hashmap_copies(field, require_maps(array, PURPOSE), tuple(self._casts))
        present = [row for row, m in enumerate(maps) if m is not None]
        errors = []
        for name, target in self._casts.items():
            try:
                cast = _convert_objects([maps[row][name] for row in present], target)
            except DataError as error:
                errors.append(DataError(str(error), present[error.index]))
                continue
            for row, cast_value in zip(present, cast):
                maps[row][name] = cast_value
        if errors:
            raise min(errors, key=lambda e: e.index)
        return (schemaless_field(field.name, hashmap_order=True,
                                 dates=date_keys(field) - set(self._casts)), dump_rows(maps))

    def _struct(self, field: pa.Field, array: pa.Array) -> tuple[pa.Field, pa.Array]:
        """The struct form: each cast field's column converted as one Java class."""
        names = struct_keys(field)
        parts = {name: (field.type.field(i), array.field(i)) for i, name in enumerate(names)}
        errors = []
        for name, target in self._casts.items():
            try:
                cast = convert(parts[name][0].type,
                               pc.struct_field(array, [names.index(name)]), target)
            except DataError as error:
                errors.append(error)
                continue
            parts[name] = (pa.field(name, cast.type), cast)
        if errors:
            raise min(errors, key=lambda e: e.index)
        source = iteration_keys(names, in_hashmap_order(field))
        return reorder_struct(field, parts, copied_keys(source, "copy", source), array)


class CastKey(OnKey, Cast):
    ALIASES = (_JAVA + "$Key",)


class CastValue(OnValue, Cast):
    ALIASES = (_JAVA + "$Value",)
