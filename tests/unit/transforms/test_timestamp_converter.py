"""TimestampConverter, with the records of Kafka's TimestampConverterTest (4.3.1).

Kafka's schemaless tests hand the transform ``java.util.Date`` objects; schemaless values
here are JSON, so those cases start from the JSON forms Kafka reads (integers, strings).
"""

import datetime as dt
import json

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError, DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms._time import JavaDateFormat
from fastconnect.transforms.timestamp_converter import (
    TimestampConverterKey, TimestampConverterValue,
)

UTC = dt.timezone.utc
FMT = "yyyy MM dd HH mm ss SSS z"
DATE_PLUS_TIME_UNIX = 86_401_234                        # 1970-01-02T00:00:01.234Z
DATE_PLUS_TIME_MICROS = DATE_PLUS_TIME_UNIX * 1000 + 123
DATE_PLUS_TIME_NANOS = DATE_PLUS_TIME_MICROS * 1000 + 456
DATE_PLUS_TIME_SECONDS = 86_401
DATE_PLUS_TIME_STRING = "1970 01 02 00 00 01 234 UTC"
DATE_PLUS_TIME = dt.datetime(1970, 1, 2, 0, 0, 1, 234000, tzinfo=UTC)
DATE = dt.date(1970, 1, 2)
TIME = dt.time(0, 0, 1, 234000)

T, D, TM = ("org.apache.kafka.connect.data." + n for n in ("Timestamp", "Date", "Time"))
TIMESTAMP_SCHEMA = {"type": "int64", "optional": False, "name": T, "version": 1}
DATE_SCHEMA = {"type": "int32", "optional": False, "name": D, "version": 1}
TIME_SCHEMA = {"type": "int32", "optional": False, "name": TM, "version": 1}
INT64 = {"type": "int64", "optional": False}
STRING = {"type": "string", "optional": False}


def optional(schema: dict) -> dict:
    return {**schema, "optional": True}


def converter(key=False, **config):
    xform = TimestampConverterKey() if key else TimestampConverterValue()
    xform.configure({k.replace("_", "."): v for k, v in config.items()})
    return xform


def with_schema(schema, values):
    field = connect_schema_to_field(schema, "value")
    return sink_batch(pa.array(values, field.type), value_field=field)


def schemaless(values):
    return sink_batch(json_column([None if v is None else json.dumps(v) for v in values]),
                      value_field=schemaless_field("value"))


def json_values(batch, name="value"):
    return [None if t is None else json.loads(t) for t in json_texts(batch.column(name))]


def value_schema(batch):
    return schema_of(batch.schema.field("value"))


# --- configuration ----------------------------------------------------------------------------

@pytest.mark.parametrize("config, key, message", [
    ({}, "target.type", 'Missing required configuration "target.type" which has no default '
     "value."),
    ({"target.type": "invalid"}, "target.type", "Invalid value invalid for configuration "
     "target.type: String must be one of: string, unix, Date, Time, Timestamp"),
    ({"target.type": "date"}, "target.type", "Invalid value date for configuration "
     "target.type: String must be one of: string, unix, Date, Time, Timestamp"),
    ({"target.type": "unix", "unix.precision": "invalid"}, "unix.precision",
     "Invalid value invalid for configuration unix.precision: String must be one of: "
     "nanoseconds, microseconds, milliseconds, seconds"),
    ({"target.type": "string"}, None, "TimestampConverter requires format option to be "
     "specified when using string timestamps"),
    ({"target.type": "string", "format": "  "}, None, "TimestampConverter requires format "
     "option to be specified when using string timestamps"),
    ({"target.type": "string", "format": "bad-format"}, "format",
     "Invalid value java.lang.IllegalArgumentException: Illegal pattern character 'b' for "
     "configuration TimestampConverter requires a SimpleDateFormat-compatible pattern for "
     "string timestamps: bad-format"),
    ({"target.type": "Timestamp", "format": "yyyy'"}, "format",
     "Invalid value java.lang.IllegalArgumentException: Unterminated quote for configuration "
     "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: "
     "yyyy'"),
    ({"target.type": "Timestamp", "replace.null.with.default": "x"}, "replace.null.with.default",
     "Invalid value x for configuration replace.null.with.default: Expected value to be either "
     "true or false"),
])
def test_invalid_config_gives_kafkas_message(config, key, message):
    with pytest.raises(ConfigError) as caught:
        TimestampConverterValue().configure(config)
    assert str(caught.value) == message
    assert caught.value.key == key


def test_valid_unix_precision_and_week_letters_refused_plainly():
    converter(target_type="unix", unix_precision="seconds")
    with pytest.raises(ConfigError, match="week-based"):
        converter(target_type="string", format="YYYY-ww")


def test_chain_names_the_full_key():
    with pytest.raises(ConfigError) as caught:
        TransformationChain.from_config({
            "transforms": "ts",
            "transforms.ts.type": "org.apache.kafka.connect.transforms.TimestampConverter$Value",
            "transforms.ts.target.type": "invalid"}, Plugins())
    assert caught.value.key == "transforms.ts.target.type"


# --- schemaless: JSON integers (unix) and strings ---------------------------------------------

@pytest.mark.parametrize("target, arrow_value", [
    ("Timestamp", DATE_PLUS_TIME), ("Date", DATE), ("Time", TIME),
])
def test_schemaless_unix_to_logical_types(target, arrow_value):
    out = converter(target_type=target).apply(schemaless([DATE_PLUS_TIME_UNIX]))
    assert out.column("value").to_pylist() == [arrow_value]
    assert value_schema(out)["name"] == "org.apache.kafka.connect.data." + target


def test_schemaless_unix_to_unix_and_string():
    assert json_values(converter(target_type="unix").apply(
        schemaless([DATE_PLUS_TIME_UNIX]))) == [DATE_PLUS_TIME_UNIX]
    out = converter(target_type="string", format=FMT).apply(schemaless([DATE_PLUS_TIME_UNIX]))
    assert json_values(out) == [DATE_PLUS_TIME_STRING]
    assert value_schema(out) is None


def test_schemaless_string_to_timestamp():
    out = converter(target_type="Timestamp", format=FMT).apply(
        schemaless([DATE_PLUS_TIME_STRING]))
    assert out.column("value").to_pylist() == [DATE_PLUS_TIME]


@pytest.mark.parametrize("precision, expected", [
    ("microseconds", 86_401_234_000), ("nanoseconds", 86_401_234_000_000),
    ("seconds", DATE_PLUS_TIME_SECONDS), ("milliseconds", DATE_PLUS_TIME_UNIX),
])
def test_schemaless_string_to_unix_with_precision(precision, expected):
    out = converter(target_type="unix", unix_precision=precision, format=FMT).apply(
        schemaless([DATE_PLUS_TIME_STRING]))
    assert json_values(out) == [expected]
    assert value_schema(out) is None


@pytest.mark.parametrize("target", ["string", "Date", "Timestamp", "unix", "Time"])
def test_schemaless_null_value_and_null_field(target):
    out = converter(target_type=target, format=FMT).apply(schemaless([None]))
    assert out.column("value").to_pylist() == [None]
    out = converter(target_type=target, format=FMT, field="ts").apply(schemaless([None]))
    assert out.column("value").to_pylist() == [None]


def test_schemaless_field_conversion():
    out = converter(target_type="Date", field="ts").apply(
        schemaless([{"ts": DATE_PLUS_TIME_UNIX}, {"other": 1}, None]))
    # A Date in a schemaless map is written as its epoch milliseconds (as Jackson does);
    # Kafka puts the (null) converted field even where it was absent.
    assert json_values(out) == [{"ts": 86_400_000}, {"other": 1, "ts": None}, None]
    out = converter(target_type="string", format="yyyy-MM-dd'T'HH:mm:ss.SSSXXX", field="ts").apply(
        schemaless([{"ts": "1970-01-02T00:00:01.234+01:00", "x": 1.5}]))
    assert json_values(out) == [{"ts": "1970-01-01T23:00:01.234Z", "x": 1.5}]


def test_schemaless_mixed_rows_and_escaped_strings():
    out = converter(target_type="unix", format="'a\"b' yyyy").apply(
        schemaless(['a"b 1971', 31_536_000_000, None]))
    assert json_values(out) == [31_536_000_000, 31_536_000_000, None]
    out = converter(target_type="string", format="'a\"b\\' yyyy").apply(schemaless([0]))
    assert json_values(out) == ['a"b\\ 1970']


@pytest.mark.parametrize("value, message", [
    (1.5, "TimestampConverter does not support class java.lang.Double objects as timestamps"),
    (True, "TimestampConverter does not support class java.lang.Boolean objects as timestamps"),
    ([1], "TimestampConverter does not support class java.util.ArrayList objects as timestamps"),
])
def test_schemaless_unsupported_values(value, message):
    with pytest.raises(DataError) as caught:
        converter(target_type="Timestamp").apply(schemaless([0, value]))
    assert str(caught.value) == message and caught.value.index == 1
    with pytest.raises(DataError) as caught:
        converter(target_type="Timestamp", field="ts").apply(schemaless([{"ts": value}]))
    assert str(caught.value) == message and caught.value.index == 0


def test_unparseable_string_names_value_pattern_and_row():
    with pytest.raises(DataError) as caught:
        converter(target_type="unix", format=FMT).apply(
            schemaless([DATE_PLUS_TIME_STRING, "not a date"]))
    assert str(caught.value) == ("Could not parse timestamp: value (not a date) does not match "
                                 "pattern (yyyy MM dd HH mm ss SSS z)")
    assert caught.value.index == 1
    with pytest.raises(DataError) as caught:
        converter(target_type="unix", format=FMT).apply(with_schema(STRING, ["1970", "x"]))
    assert caught.value.index == 0


def test_string_without_format_fails_the_record():
    with pytest.raises(DataError, match="requires format option"):
        converter(target_type="unix").apply(schemaless([1, "1970"]))


def test_schemaless_value_must_be_a_map_for_a_field():
    with pytest.raises(DataError) as caught:
        converter(target_type="unix", field="ts").apply(schemaless([{"ts": 1}, "text"]))
    assert str(caught.value) == ("Only Map objects supported in absence of schema for "
                                 "[converting timestamp formats], found: java.lang.String")
    assert caught.value.index == 1


# --- with schemas -----------------------------------------------------------------------------

@pytest.mark.parametrize("target, schema, value", [
    ("Timestamp", TIMESTAMP_SCHEMA, DATE_PLUS_TIME),
    ("Date", DATE_SCHEMA, DATE),
    ("Time", TIME_SCHEMA, TIME),
    ("unix", INT64, DATE_PLUS_TIME_UNIX),
    ("string", STRING, DATE_PLUS_TIME_STRING),
])
def test_with_schema_timestamp_to_each_type(target, schema, value):
    out = converter(target_type=target, format=FMT).apply(
        with_schema(TIMESTAMP_SCHEMA, [DATE_PLUS_TIME]))
    assert value_schema(out) == schema
    assert out.column("value").to_pylist() == [value]


@pytest.mark.parametrize("schema, value", [
    (DATE_SCHEMA, DATE),                 # no change expected: the source is coarser-grained
    (TIME_SCHEMA, TIME),
    (INT64, DATE_PLUS_TIME_UNIX),
])
def test_with_schema_core_types_to_timestamp(schema, value):
    out = converter(target_type="Timestamp").apply(with_schema(schema, [value]))
    assert value_schema(out) == TIMESTAMP_SCHEMA
    expected = {DATE_SCHEMA["name"]: dt.datetime(1970, 1, 2, tzinfo=UTC),
                TIME_SCHEMA["name"]: dt.datetime(1970, 1, 1, 0, 0, 1, 234000, tzinfo=UTC)}
    assert out.column("value").to_pylist() == [expected.get(schema.get("name"), DATE_PLUS_TIME)]


def test_with_schema_string_to_timestamp():
    out = converter(target_type="Timestamp", format=FMT).apply(
        with_schema(STRING, [DATE_PLUS_TIME_STRING]))
    assert value_schema(out) == TIMESTAMP_SCHEMA
    assert out.column("value").to_pylist() == [DATE_PLUS_TIME]


SOURCES = [optional(INT64), optional(TIME_SCHEMA), optional(DATE_SCHEMA), optional(STRING),
           optional(TIMESTAMP_SCHEMA)]


@pytest.mark.parametrize("target, expected", [
    ("Timestamp", optional(TIMESTAMP_SCHEMA)), ("unix", optional(INT64)),
    ("Time", optional(TIME_SCHEMA)), ("Date", optional(DATE_SCHEMA)),
    ("string", optional(STRING)),
])
@pytest.mark.parametrize("source", SOURCES)
def test_with_schema_null_value_and_null_field(target, expected, source):
    out = converter(target_type=target, format=FMT).apply(with_schema(source, [None]))
    assert value_schema(out) == expected
    assert out.column("value").to_pylist() == [None]
    struct = {"type": "struct", "optional": False,
              "fields": [{**source, "field": "ts"}, {**STRING, "field": "other"}]}
    out = converter(target_type=target, format=FMT, field="ts").apply(
        with_schema(struct, [{"ts": None, "other": "test"}]))
    assert value_schema(out) == {**struct, "fields": [{**expected, "field": "ts"},
                                                      {**STRING, "field": "other"}]}
    assert out.column("value").to_pylist() == [{"ts": None, "other": "test"}]
    # the entire (optional) struct null
    out = converter(target_type=target, format=FMT, field="ts").apply(
        with_schema(optional(struct), [None]))
    assert out.column("value").to_pylist() == [None]


def ts_struct(ts_schema, **extra):
    return {"type": "struct", "optional": False, **extra,
            "fields": [{**ts_schema, "field": "ts"}, {**STRING, "field": "other"}]}


def test_with_schema_field_conversion():
    out = converter(target_type="Timestamp", field="ts").apply(
        with_schema(ts_struct(INT64), [{"ts": DATE_PLUS_TIME_UNIX, "other": "test"}]))
    assert value_schema(out) == ts_struct(TIMESTAMP_SCHEMA)
    assert out.column("value").to_pylist() == [{"ts": DATE_PLUS_TIME, "other": "test"}]


@pytest.mark.parametrize("precision, value, expected", [
    ("microseconds", DATE_PLUS_TIME_MICROS, DATE_PLUS_TIME),
    ("nanoseconds", DATE_PLUS_TIME_NANOS, DATE_PLUS_TIME),
    ("seconds", DATE_PLUS_TIME_SECONDS, dt.datetime(1970, 1, 2, 0, 0, 1, tzinfo=UTC)),
])
def test_with_schema_field_conversion_precision(precision, value, expected):
    schema = {"type": "struct", "optional": False, "fields": [{**INT64, "field": "ts"}]}
    out = converter(target_type="Timestamp", field="ts", unix_precision=precision).apply(
        with_schema(schema, [{"ts": value}]))
    assert value_schema(out)["fields"] == [{**TIMESTAMP_SCHEMA, "field": "ts"}]
    assert out.column("value").to_pylist() == [{"ts": expected}]


@pytest.mark.parametrize("replace, expected", [
    ("false", None), ("true", dt.datetime(1970, 1, 1, tzinfo=UTC)),
])
def test_with_schema_null_field_with_default(replace, expected):
    ts = {"type": "int64", "optional": True, "default": 0}
    out = converter(target_type="Timestamp", field="ts", replace_null_with_default=replace).apply(
        with_schema(ts_struct(ts), [{"ts": None, "other": "test"}]))
    assert value_schema(out) == ts_struct(optional(TIMESTAMP_SCHEMA))
    assert out.column("value").to_pylist() == [{"ts": expected, "other": "test"}]


def test_struct_default_and_basics_follow_the_conversion():
    schema = ts_struct(INT64, name="com.acme.Event", version=2,
                       default={"ts": DATE_PLUS_TIME_UNIX, "other": "x"})
    out = converter(target_type="Date", field="ts").apply(
        with_schema(schema, [{"ts": 0, "other": "y"}]))
    got = value_schema(out)
    assert (got["name"], got["version"]) == ("com.acme.Event", 2)
    assert got["default"] == {"ts": 1, "other": "x"}  # a Date default is epoch days
    assert out.column("value").to_pylist() == [{"ts": dt.date(1970, 1, 1), "other": "y"}]


def test_missing_field_leaves_the_struct_as_it_is():
    batch = with_schema(ts_struct(INT64), [{"ts": 1, "other": "a"}])
    out = converter(target_type="Timestamp", field="nope").apply(batch)
    assert out.column("value").to_pylist() == batch.column("value").to_pylist()
    assert value_schema(out) == ts_struct(INT64)


def test_values_under_a_null_struct_are_not_parsed():
    field = connect_schema_to_field(optional(ts_struct(STRING)), "value")
    struct = pa.StructArray.from_arrays(
        [pa.array(["garbage", DATE_PLUS_TIME_STRING]), pa.array(["a", "b"])],
        fields=list(field.type), mask=pa.array([True, False]))
    out = converter(target_type="Timestamp", field="ts", format=FMT).apply(
        sink_batch(struct, value_field=field))
    assert out.column("value").to_pylist() == [None, {"ts": DATE_PLUS_TIME, "other": "b"}]


@pytest.mark.parametrize("schema, field, message", [
    ({"type": "int32", "optional": False}, "", "Schema Schema{INT32} does not correspond to a "
     "known timestamp type format"),
    ({"type": "bytes", "optional": False, "name": "org.apache.kafka.connect.data.Decimal",
      "version": 1, "parameters": {"scale": "2"}}, "",
     "Schema Schema{org.apache.kafka.connect.data.Decimal:BYTES} does not correspond to a "
     "known timestamp type format"),
    (STRING, "ts", "Only Struct objects supported for [converting timestamp formats], found: "
     "java.lang.String"),
])
def test_with_schema_unsupported(schema, field, message):
    values = [None, 1] if schema["type"] != "string" else [None, "x"]
    if schema["type"] == "bytes":
        values = [None, 1]
    batch = with_schema(optional(schema), values)
    with pytest.raises(DataError) as caught:
        converter(target_type="Timestamp", field=field).apply(batch)
    assert str(caught.value) == message and caught.value.index == 1


# --- the key, the registry, a chain -----------------------------------------------------------

def test_key():
    batch = sink_batch(["v"], keys=pa.array([DATE_PLUS_TIME_UNIX], pa.int64()))
    out = converter(key=True, target_type="Timestamp").apply(batch)
    assert out.column("key").to_pylist() == [DATE_PLUS_TIME]
    assert out.column("value").to_pylist() == ["v"]
    assert schema_of(out.schema.field("key"))["name"] == T


def test_java_names_and_a_chain():
    plugins = Plugins()
    for variant in ("Key", "Value"):
        name = f"org.apache.kafka.connect.transforms.TimestampConverter${variant}"
        assert plugins.transforms[name].__name__ == "TimestampConverter" + variant
    chain = TransformationChain.from_config({
        "transforms": "ts", "transforms.ts.type":
        "org.apache.kafka.connect.transforms.TimestampConverter$Value",
        "transforms.ts.target.type": "string", "transforms.ts.format": "yyyy-MM-dd",
        "transforms.ts.field": "ts"}, plugins)
    [out] = chain.apply(with_schema(ts_struct(INT64), [{"ts": 1_696_521_093_000, "other": "x"}]))
    assert out.column("value").to_pylist() == [{"ts": "2023-10-05", "other": "x"}]


# --- SimpleDateFormat, as Java 17 prints and reads it (in UTC) --------------------------------


INSTANTS = [0, 86401234, 1483425001864, -1, -62135596800000, 253402300799999, 951868799999]
PRINTED = [
    ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", [
        "1970-01-01T00:00:00.000+0000", "1970-01-02T00:00:01.234+0000",
        "2017-01-03T06:30:01.864+0000", "1969-12-31T23:59:59.999+0000",
        "0001-01-03T00:00:00.000+0000", "9999-12-31T23:59:59.999+0000",
        "2000-02-29T23:59:59.999+0000"]),
    ("yy M d H m s S", ["70 1 1 0 0 0 0", "70 1 2 0 0 1 234", "17 1 3 6 30 1 864",
                        "69 12 31 23 59 59 999", "01 1 3 0 0 0 0", "99 12 31 23 59 59 999",
                        "00 2 29 23 59 59 999"]),
    ("MMM MMMM EEE EEEE a h K k D", [
        "Jan January Thu Thursday AM 12 0 24 1", "Jan January Fri Friday AM 12 0 24 2",
        "Jan January Tue Tuesday AM 6 6 6 3", "Dec December Wed Wednesday PM 11 11 23 365",
        "Jan January Mon Monday AM 12 0 24 3", "Dec December Fri Friday PM 11 11 23 365",
        "Feb February Tue Tuesday PM 11 11 23 60"]),
    ("zzzz X XX XXX G u F", [
        "Coordinated Universal Time Z Z Z AD 4 1", "Coordinated Universal Time Z Z Z AD 5 1",
        "Coordinated Universal Time Z Z Z AD 2 1", "Coordinated Universal Time Z Z Z AD 3 5",
        "Coordinated Universal Time Z Z Z AD 1 1", "Coordinated Universal Time Z Z Z AD 5 5",
        "Coordinated Universal Time Z Z Z AD 2 5"]),
    ("'o''clock' ''", ["o'clock '"] * 7),
    ("SSSS S SS y yyy yyyyy", [
        "0000 0 00 1970 1970 01970", "0234 234 234 1970 1970 01970",
        "0864 864 864 2017 2017 02017", "0999 999 999 1969 1969 01969",
        "0000 0 00 1 001 00001", "0999 999 999 9999 9999 09999",
        "0999 999 999 2000 2000 02000"]),
]


@pytest.mark.parametrize("pattern, printed", PRINTED, ids=[p for p, _ in PRINTED])
@pytest.mark.parametrize("path", ["chrono", "arithmetic"])
def test_simple_date_format_prints_as_java(pattern, printed, path):
    fmt = JavaDateFormat(pattern)
    if path == "arithmetic":
        fmt._chrono = None
    assert fmt.format(pa.array(INSTANTS + [None], pa.int64())).to_pylist() == printed + [None]
    if fmt._chrono is not None:  # years 1583-9999 only go through chrono
        recent = pa.array(INSTANTS[:4] + INSTANTS[5:], pa.int64())
        assert fmt.format(recent).to_pylist() == printed[:4] + printed[5:]


READ = [
    ("yyyy-MM-dd", "2019-13-01", 1577836800000),           # lenient: month 13
    ("yyyy-MM-dd", "2019-08-2x", 1564704000000),           # trailing text ignored
    ("yy-MM-dd", "2017-01-03", 1483401600000),             # not two digits: the year as is
    ("yyyy-MM-dd", "17-01-03", -61630675200000),
    ("MMM d, yyyy", "JANUARY 3, 2017", 1483401600000),
    ("yyyy-MM-dd HH:mm:ss z", "2017-01-03 10:00:00 GMT+01:00", 1483434000000),
    ("yyyy-MM-dd HH:mm:ss Z", "2017-01-03 10:00:00 -0800", 1483466400000),
    ("yyyy-MM-dd HH:mm:ss XXX", "2017-01-03 10:00:00 +05:30", 1483417800000),
    ("yyyy-MM-dd", " 2017- 1-3", 1483401600000),           # blanks before numbers
    ("yyyy-MM-dd", "-5-01-01", -62325158400000),
    ("hh:mm a", "12:30 AM", 1800000),
    ("yyyy-MM-dd", "1000-01-01", -30609792000000),         # Julian calendar
    ("yyyy-MM-dd HH:mm", "2017-01-03 25:61", 1483495260000),
    ("yyyy D", "2017 40", 1486598400000),
    ("yyyyMMdd", "201701031", 1485820800000),              # the last number read to its end
    ("yyyyMMdd", "2017013", 1483401600000),
    ("yyyy-MM-dd G", "0001-01-01 BC", -62167392000000),
    ("kk:mm", "24:00", 0),
    ("yyyy-MM-dd", "x2017-01-01", None),
    ("yyyy-MM-dd", "2017/01/01", None),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-03T06:30:01.864Z", 1483425001864),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-03T06:30:01.864-02:00", 1483432201864),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-03T06:30:01.8641Z", 1483425009641),
]


@pytest.mark.parametrize("pattern, text, millis", READ)
def test_simple_date_format_reads_as_java(pattern, text, millis):
    assert JavaDateFormat(pattern).parse(pa.array([text])).to_pylist() == [millis]


def test_fixed_width_rows_and_the_rest_in_one_column():
    fmt = JavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
    texts = [t for p, t, _ in READ if p == fmt.pattern] + [None, "nope"]
    expected = [m for p, _, m in READ if p == fmt.pattern] + [None, None]
    assert fmt.parse(pa.array(texts)).to_pylist() == expected
    assert fmt.parse(pa.array(texts[:2])).to_pylist() == expected[:2]


def test_two_digit_years_fall_within_80_years_before_and_20_after_now():
    fmt = JavaDateFormat("yy")
    now = dt.datetime.now(UTC).year
    low = now - 80
    years = [dt.datetime.fromtimestamp(m / 1000, UTC).year
             for m in fmt.parse(pa.array([f"{(low + 1) % 100:02d}", f"{(now + 19) % 100:02d}"]))
             .to_pylist()]
    assert years == [low + 1, now + 19]


def test_large_columns_round_trip_through_the_distinct_day_path():
    # 20,000 instants over ~8 days, before and after the epoch, with lenient rows mixed in
    millis = [-300_000_000 + i * 37_123 for i in range(20_000)]
    for pattern in ("yyyy-MM-dd HH:mm:ss.SSS", "dd MMM yyyy HH:mm:ss.SSS zzz"):
        fmt = JavaDateFormat(pattern)
        text = fmt.format(pa.array(millis, pa.int64()))
        assert fmt.parse(text).to_pylist() == millis
    fmt = JavaDateFormat("yyyy-MM-dd HH:mm:ss.SSS")
    texts = fmt.format(pa.array(millis, pa.int64())).to_pylist()
    texts[5], texts[7] = "1970-13-01 00:00:00.000", "1969-12-31 24:00:00.000"
    parsed = fmt.parse(pa.array(texts)).to_pylist()
    assert parsed[5] == 31_536_000_000 and parsed[7] == 0
    assert parsed[:5] + parsed[8:] == millis[:5] + millis[8:]


def test_unix_to_unix_loses_sub_millisecond_digits_as_kafka():
    out = converter(target_type="unix", unix_precision="microseconds").apply(
        with_schema(INT64, [DATE_PLUS_TIME_MICROS]))
    assert out.column("value").to_pylist() == [86_401_234_000]
    out = converter(target_type="Timestamp").apply(
        sink_batch(pa.array([DATE_PLUS_TIME_NANOS], pa.timestamp("ns", tz="UTC"))))
    assert out.column("value").to_pylist() == [DATE_PLUS_TIME]
