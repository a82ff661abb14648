"""TimestampConverter: convert a timestamp between strings, epoch numbers and Connect's
Date, Time and Timestamp, in the whole key or value or in one of its fields.

``org.apache.kafka.connect.transforms.TimestampConverter$Key`` / ``$Value``. The source form
comes from the schema (Timestamp, Date, Time, a string read with ``format``, an int64 read
with ``unix.precision``), or, without a schema, from each value (a JSON string or integer).
Every value goes through epoch milliseconds, as Kafka's goes through ``java.util.Date``, so
sub-millisecond digits are lost both ways as in Kafka. Strings are read and written with the
``SimpleDateFormat`` pattern ``format`` in UTC (:mod:`fastconnect.transforms._time`).

All of it is column arithmetic, except schemaless values with ``field`` set: their objects
are read and written with orjson one record at a time (each keeps its own keys and types).
A Date, Time or Timestamp put into a schemaless object is held as its epoch milliseconds
under a key marked as a Date (``connect.schemaless.dates``, :mod:`fastconnect.api.schema`):
FileStreamSink prints it as ``Date.toString()`` does, JsonConverter writes the number as
Jackson writes a ``java.util.Date`` (Kafka's JsonConverter refuses such a value). A whole
schemaless value converted to Date, Time or Timestamp becomes a typed column with that
Connect schema, the only Arrow form of a ``java.util.Date`` (Kafka leaves the schema null).
"""

from __future__ import annotations

from typing import Any, Mapping

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import ConfigDef, ConfigError, DataError, Importance, Type
from fastconnect.api.config import NO_DEFAULT, one_of
from fastconnect.api.java_text import epoch_millis
from fastconnect.api.schema import (
    date_keys, field_to_connect_schema, is_schemaless, schemaless_field,
)
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    REPLACE_NULL_WITH_DEFAULT, OnKey, OnValue, basics, build_struct, child_field, children,
    column_field, connect_type, default_json, define_replace_null, dump_rows, first_true,
    is_optional, json_class, json_column, loads, require_maps, require_struct,
    with_default,
)
from fastconnect.transforms._maps import hashmap_copies
from fastconnect.transforms._time import (
    DAY_MS, JavaDateFormat, PatternError, UnsupportedPattern, floor_divide,
)

__all__ = ["TimestampConverterKey", "TimestampConverterValue"]

PURPOSE = "converting timestamp formats"
_JAVA = "org.apache.kafka.connect.transforms.TimestampConverter"
_ARROW = {"string": pa.string(), "unix": pa.int64(), "Date": pa.date32(),
          "Time": pa.time32("ms"), "Timestamp": pa.timestamp("ms", tz="UTC")}
_DATES = ("Date", "Time", "Timestamp")  # a java.util.Date in Kafka's schemaless maps
_UNIT_MS = {"seconds": (1000, 1), "milliseconds": (1, 1), "microseconds": (1, 1000),
            "nanoseconds": (1, 1_000_000)}
_LONG_MAX = 2**63 - 1
_MISSING_FORMAT = ("TimestampConverter requires format option to be specified when using "
                   "string timestamps")


# --- TimeUnit --------------------------------------------------------------------------------

def _scale(array: pa.Array, multiply: int, divide: int) -> pa.Array:
    if divide != 1:  # Java's long division truncates toward zero, as Arrow's does
        return pc.divide(array, divide)
    if multiply == 1:
        return array
    limit = _LONG_MAX // multiply  # TimeUnit saturates instead of overflowing
    product = pc.multiply(array, multiply)
    product = pc.if_else(pc.greater(array, limit), pa.scalar(_LONG_MAX), product)
    return pc.if_else(pc.less(array, -limit), pa.scalar(-_LONG_MAX - 1), product)


def unix_to_millis(array: pa.Array, precision: str) -> pa.Array:
    """``TimeUnit.<precision>.toMillis`` of each int64 (saturating, truncating)."""
    to_ms, from_unit = _UNIT_MS[precision]
    return _scale(array.cast(pa.int64()), to_ms, from_unit)


def millis_to_unix(array: pa.Array, precision: str) -> pa.Array:
    """``TimeUnit.MILLISECONDS.to<precision>`` of each int64 (saturating, truncating)."""
    from_ms, to_unit = _UNIT_MS[precision]
    return _scale(array.cast(pa.int64()), to_unit, from_ms)


class TimestampConverter(Transformation):
    CONFIG_DEF = define_replace_null(
        ConfigDef()
        .define("field", Type.STRING, "", importance=Importance.HIGH,
                documentation="The field containing the timestamp, or empty if the entire "
                              "value is a timestamp")
        .define("target.type", Type.STRING, NO_DEFAULT,
                one_of("string", "unix", "Date", "Time", "Timestamp"), Importance.HIGH,
                "The desired timestamp representation: string, unix, Date, Time, or Timestamp")
        .define("format", Type.STRING, "", importance=Importance.MEDIUM,
                documentation="A SimpleDateFormat-compatible format for the timestamp. Used to "
                              "generate the output when type=string or used to parse the input "
                              "if the input is a string.")
        .define("unix.precision", Type.STRING, "milliseconds",
                one_of("nanoseconds", "microseconds", "milliseconds", "seconds"),
                Importance.LOW,
                "The desired Unix precision for the timestamp: seconds, milliseconds, "
                "microseconds, or nanoseconds. Used to generate the output when type=unix or "
                "used to parse the input if the input is a Long.Note: This SMT will cause "
                "precision loss during conversions from, and to, values with sub-millisecond "
                "components."))

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._field = self.config["field"]
        self._target = self.config["target.type"]
        self._precision = self.config["unix.precision"]
        self._replace_null = self.config[REPLACE_NULL_WITH_DEFAULT]
        pattern = self.config["format"]
        if self._target == "string" and not pattern.strip():
            raise ConfigError(_MISSING_FORMAT)
        self._format = None
        if pattern.strip():
            try:
                self._format = JavaDateFormat(pattern)
            except UnsupportedPattern as error:
                raise ConfigError.invalid("format", pattern, str(error)) from None
            except PatternError as error:  # Kafka wraps the IllegalArgumentException so
                raise ConfigError(
                    f"Invalid value java.lang.IllegalArgumentException: {error} for "
                    "configuration TimestampConverter requires a SimpleDateFormat-compatible "
                    f"pattern for string timestamps: {pattern}", "format") from None

    # --- through epoch milliseconds ------------------------------------------------------

    def _parse(self, text: pa.Array, rows: pa.Array | None = None) -> pa.Array:
        """Epoch millis of strings; ``rows`` maps their positions to rows of the batch."""
        if self._format is None:
            raise DataError(_MISSING_FORMAT, _row(rows, first_true(text.is_valid())))
        millis = self._format.parse(text)
        bad = first_true(pc.and_(text.is_valid(), millis.is_null()))
        if bad is not None:
            raise DataError(f"Could not parse timestamp: value ({text[bad].as_py()}) does not "
                            f"match pattern ({self._format.pattern})", _row(rows, bad))
        return millis

    def _to_millis(self, kind: str, array: pa.Array) -> pa.Array:
        if kind == "string":
            return self._parse(array.cast(pa.string()))
        if kind == "unix":
            return unix_to_millis(array, self._precision)
        return epoch_millis(array)

    def _from_millis(self, millis: pa.Array) -> pa.Array:
        target = self._target
        if target == "string":
            if self._format is None:
                raise DataError(_MISSING_FORMAT)
            return self._format.format(millis)
        if target == "unix":
            return millis_to_unix(millis, self._precision)
        if target == "Date":  # midnight UTC of the day, as Kafka's Calendar truncation
            return floor_divide(millis, DAY_MS).cast(pa.int32()).cast(pa.date32())
        if target == "Time":
            day = pc.multiply(floor_divide(millis, DAY_MS), DAY_MS)
            return pc.subtract(millis, day).cast(pa.int32()).cast(pa.time32("ms"))
        return millis.cast(_ARROW["Timestamp"])

    def _convert(self, kind: str, array: pa.Array) -> pa.Array:
        if kind == self._target and array.type == _ARROW[kind] and kind not in ("string", "unix"):
            return array  # a unix time still loses its sub-millisecond digits, as in Kafka
        return self._from_millis(self._to_millis(kind, array))

    # --- the column ------------------------------------------------------------------------

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if is_schemaless(field):
            if array.null_count == len(array):
                return field, array
            if not self._field:
                return self._schemaless_value(field, array)
            return self._schemaless_field(field, array)
        # The schema changes even in a batch of nulls, as Kafka's does for a null with a
        # schema; tombstones (no schema in Kafka) raise no schema errors.
        tombstones = array.null_count == len(array)
        if not self._field:
            try:
                kind = _source_kind(field, array)
            except DataError:
                if tombstones:
                    return field, array
                raise
            return (column_field(field.name, _ARROW[self._target], is_optional(field)),
                    self._convert(kind, array))
        require_struct(field, array, PURPOSE)
        if not pa.types.is_struct(field.type):
            return field, array
        parts = children(field, array, replace_null=self._replace_null)
        meta = basics(field)
        for i, (child, values) in enumerate(parts):
            if child.name != self._field:
                continue
            if array.null_count:  # what lies under a null struct is not looked at
                values = pc.if_else(array.is_valid(), values, pa.scalar(None, values.type))
            try:
                kind = _source_kind(child, values)
            except DataError as error:
                if tombstones:
                    return field, array
                raise DataError(str(error), first_true(array.is_valid())) from None
            parts[i] = (child_field(child.name, _ARROW[self._target], is_optional(child)),
                        self._convert(kind, values))
            default = default_json(field)
            if isinstance(default, dict) and default.get(child.name) is not None:
                default = dict(default, **{child.name: self._default(child, default[child.name])})
                meta = with_default(meta, default)
            break
        else:
            meta = with_default(meta, default_json(field))
        struct = build_struct(parts, array)
        return column_field(field.name, struct.type, is_optional(field), meta), struct

    def _default(self, child: pa.Field, value: Any) -> Any:
        """A struct default's field converted, both in JsonConverter's JSON form (epoch days
        for a Date, epoch milliseconds for a Time or Timestamp)."""
        kind = _source_kind(child, pa.array([value]))
        if kind == "string":
            millis = self._parse(pa.array([value], pa.string()))
        elif kind == "unix":
            millis = unix_to_millis(pa.array([value], pa.int64()), self._precision)
        else:
            millis = pa.array([value * DAY_MS if kind == "Date" else value], pa.int64())
        out = self._from_millis(millis)
        if self._target in ("Date", "Time"):
            out = out.cast(pa.int32())
        elif self._target == "Timestamp":
            out = out.cast(pa.int64())
        return out[0].as_py()

    def _schemaless_value(self, field: pa.Field, array: pa.Array) -> tuple[pa.Field, pa.Array]:
        """A whole schemaless value: JSON strings are parsed, JSON integers are unix times."""
        text = (array.storage if isinstance(array, pa.ExtensionArray) else array).cast(pa.string())
        strings = pc.starts_with(text, '"').fill_null(False)
        numbers = pc.match_substring_regex(text, r"^-?\d+$").fill_null(False)
        bad = first_true(pc.and_(text.is_valid(), pc.invert(pc.or_(strings, numbers))))
        if bad is not None:
            raise _unsupported(loads(text[bad].as_py()), bad)
        millis = pa.nulls(len(text), pa.int64())
        if pc.any(strings).as_py():
            parsed = self._parse(_json_strings(text.filter(strings)), pc.indices_nonzero(strings))
            millis = pc.replace_with_mask(millis, strings, parsed)
        if pc.any(numbers).as_py():
            longs = text.filter(numbers).cast(pa.int64())
            millis = pc.replace_with_mask(millis, numbers,
                                          unix_to_millis(longs, self._precision))
        out = self._from_millis(millis)
        if self._target == "string":
            return field, json_column(_json_encode(out))
        if self._target == "unix":
            return field, json_column(out.cast(pa.string()))
        return column_field(field.name, _ARROW[self._target], True), out

    def _schemaless_field(self, field: pa.Field, array: pa.Array) -> tuple[pa.Field, pa.Array]:
        """A field of schemaless objects, one orjson object per record; Kafka puts the
        converted value into a new HashMap<>(value)."""
        maps = hashmap_copies(field, require_maps(array, PURPOSE), (self._field,))
        dates = date_keys(field)
        # A number under a key marked as a Date is one already (Kafka infers Timestamp from
        # the java.util.Date), not a unix time in unix.precision.
        number_kind = "Timestamp" if self._field in dates else "unix"
        strings, numbers = [], []
        for row, m in enumerate(maps):
            if m is None:
                continue
            value = m.get(self._field)
            if isinstance(value, str):
                strings.append((row, value))
            elif isinstance(value, int) and not isinstance(value, bool):
                numbers.append((row, value))
            elif value is not None:
                raise _unsupported(value, row)
        converted: dict[int, Any] = {}
        for values, kind in ((strings, "string"), (numbers, number_kind)):
            if not values:
                continue
            source = pa.array([v for _, v in values], pa.string() if kind == "string"
                              else pa.int64())
            rows = pa.array([r for r, _ in values], pa.int64())
            if kind == "string":
                millis = self._parse(source, rows)
            else:
                millis = source if kind == "Timestamp" else unix_to_millis(source, self._precision)
            out = self._from_millis(millis)
            if self._target in _DATES:  # a java.util.Date: its millis, and the key marked
                out = epoch_millis(out)
            converted.update(zip(rows.to_pylist(), out.to_pylist()))
        for row, m in enumerate(maps):
            if m is not None:
                m[self._field] = converted.get(row)
        dates = dates - {self._field} | ({self._field} if self._target in _DATES else set())
        return schemaless_field(field.name, hashmap_order=True, dates=dates), dump_rows(maps)


def _row(rows: pa.Array | None, index: int | None) -> int | None:
    if rows is None or index is None:
        return index
    return rows[index].as_py()


def _unsupported(value: Any, row: int) -> DataError:
    return DataError(f"TimestampConverter does not support class {json_class(value)} objects "
                     "as timestamps", row)


def _source_kind(field: pa.Field, array: pa.Array) -> str:
    """Kafka's ``timestampTypeFromSchema``: the form the schema says the values are in."""
    t = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
    if pa.types.is_timestamp(t):
        return "Timestamp"
    if pa.types.is_date(t):
        return "Date"
    if pa.types.is_time(t):
        return "Time"
    kind = connect_type(t)
    if kind == "STRING" and not pa.types.is_null(t):
        return "string"
    if kind == "INT64" and not pa.types.is_unsigned_integer(t):
        return "unix"
    name = (field_to_connect_schema(field) or {}).get("name")
    described = f"Schema{{{name}:{kind}}}" if name else f"Schema{{{kind}}}"
    row = first_true(array.is_valid())
    raise DataError(f"Schema {described} does not correspond to a known timestamp type "
                    "format", 0 if row is None else row)


def _json_strings(text: pa.Array) -> pa.Array:
    """The strings that JSON string literals stand for."""
    inner = pc.utf8_slice_codeunits(text, 1, -1)
    escaped = pc.match_substring(text, "\\")
    if not pc.any(escaped).as_py():
        return inner
    decoded = pa.array([loads(t) for t in text.filter(escaped).to_pylist()], pa.string())
    return pc.replace_with_mask(inner, escaped, decoded)


def _json_encode(text: pa.Array) -> pa.Array:
    """JSON string literals of strings (formatted dates: quotes and backslashes at most)."""
    if pc.any(pc.match_substring_regex(text, r"[\x00-\x1f]")).as_py():
        return pa.array([None if t is None else orjson.dumps(t).decode()
                         for t in text.to_pylist()], pa.string())
    text = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', text, '"', "")


class TimestampConverterKey(OnKey, TimestampConverter):
    ALIASES = (_JAVA + "$Key",)


class TimestampConverterValue(OnValue, TimestampConverter):
    ALIASES = (_JAVA + "$Value",)
