"""Cast, with the records of Kafka's CastTest (4.3.1) and Java's conversion corner cases."""

import decimal
import json

import pyarrow as pa
import pytest

from fastconnect.api.schema import is_schemaless_struct
from fastconnect.transforms._maps import to_text
from fastconnect.api import ConfigError, DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms.cast import CastKey, CastValue

DAY, HOUR = 86_400_000, 3_600_000
INT32 = {"type": "int32", "optional": False}
STRING = {"type": "string", "optional": False}
TIMESTAMP = {"type": "int64", "optional": False, "name": "org.apache.kafka.connect.data.Timestamp",
             "version": 1}
DATE = {"type": "int32", "optional": False, "name": "org.apache.kafka.connect.data.Date",
        "version": 1}
TIME = {"type": "int32", "optional": False, "name": "org.apache.kafka.connect.data.Time",
        "version": 1}


def decimal_schema(scale: int) -> dict:
    return {"type": "bytes", "optional": False, "name": "org.apache.kafka.connect.data.Decimal",
            "version": 1, "parameters": {"scale": str(scale)}}


def struct(*fields, **extra) -> dict:
    return {"type": "struct", "fields": [{**s, "field": n} for n, s in fields], "optional": False,
            **extra}


def column(schema, values, name="value"):
    if schema is None:
        return schemaless_field(name), json_column(
            [None if v is None else json.dumps(v) for v in values])
    field = connect_schema_to_field(schema, name)
    return field, pa.array(values, field.type)


def record(schema, values, key_schema=STRING, keys=None):
    field, array = column(schema, values)
    batch = sink_batch(array, value_field=field)
    key_field, key_array = column(key_schema, keys if keys is not None else ["key"] * len(values),
                                  "key")
    return batch.set_column(4, key_field, key_array)


def cast(spec, batch, *, key=False, **config):
    xform = CastKey() if key else CastValue()
    xform.configure({"spec": spec, **config})
    return xform.apply(batch)


def schemaless_values(batch, name="value"):
    field, column = batch.schema.field(name), batch.column(name)
    if is_schemaless_struct(field):  # the SMT worked on the struct form
        field, column = to_text(field, column)
    return [None if t is None else json.loads(t) for t in json_texts(column)]


# --- configuration ----------------------------------------------------------------------------

SUPPORTED_OUT = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"


@pytest.mark.parametrize("spec, message", [
    ("", "Must specify at least one field to cast."),
    ("foo:faketype", "Invalid type found in casting spec: faketype"),
    ("foo:array", "Cast transformation does not support casting to ARRAY; supported types are "
     + SUPPORTED_OUT),
    ("array", "Cast transformation does not support casting to ARRAY; supported types are "
     + SUPPORTED_OUT),
    ("foo:bytes", "Cast transformation does not support casting to BYTES; supported types are "
     + SUPPORTED_OUT),
    ("foo:int8:extra", "Invalid value [foo:int8:extra] for configuration renames: Invalid rename "
     "mapping: foo:int8:extra"),
    ("foo:int8,int32", "Cast transformations that specify a type to cast the entire value to may "
     "only specify a single cast in their spec"),
])
def test_invalid_spec(spec, message):
    with pytest.raises(ConfigError) as caught:
        CastKey().configure({"spec": spec})
    assert str(caught.value) == message


def test_missing_spec_and_bad_boolean():
    with pytest.raises(ConfigError, match='^Missing required configuration "spec" which has no '
                                          'default value.$'):
        CastValue().configure({})
    with pytest.raises(ConfigError) as caught:
        CastValue().configure({"spec": "int8", "replace.null.with.default": "maybe"})
    assert str(caught.value) == ("Invalid value maybe for configuration replace.null.with.default: "
                                 "Expected value to be either true or false")


def test_chain_config_names_the_full_key_and_java_aliases_resolve():
    plugins = Plugins()
    assert plugins.transforms["org.apache.kafka.connect.transforms.Cast$Value"] is CastValue
    assert plugins.transforms["org.apache.kafka.connect.transforms.Cast$Key"] is CastKey
    with pytest.raises(ConfigError) as caught:
        TransformationChain.from_config({
            "transforms": "c",
            "transforms.c.type": "org.apache.kafka.connect.transforms.Cast$Value",
            "transforms.c.spec": "foo:faketype"}, plugins)
    assert caught.value.key == "transforms.c.spec"


# --- tombstones -------------------------------------------------------------------------------

def test_null_values_and_keys_pass_through():
    batch = record(STRING, [None])
    assert cast("foo:int64", batch).equals(batch)
    batch = record(None, [None])
    assert cast("foo:int64", batch).equals(batch)
    batch = record(STRING, ["value"], keys=[None])
    assert cast("foo:int64", batch, key=True).equals(batch)
    batch = record(STRING, ["value"], key_schema=None, keys=[None])
    assert cast("foo:int64", batch, key=True).equals(batch)


@pytest.mark.parametrize("replace, expected", [(False, None), (True, "10")])
def test_field_with_default_value(replace, expected):
    schema = struct(("magic", {"type": "int32", "optional": True, "default": 10}))
    out = cast("magic:string", record(schema, [{"magic": None}]),
               **{"replace.null.with.default": replace})
    assert schema_of(out.schema.field("value"))["fields"][0]["type"] == "string"
    assert out.column("value").to_pylist() == [{"magic": expected}]


# --- whole values -----------------------------------------------------------------------------

def test_whole_key_with_schema():
    out = cast("int8", record(STRING, ["bogus"], key_schema=INT32, keys=[42]), key=True)
    assert schema_of(out.schema.field("key")) == {"type": "int8", "optional": False}
    assert out.column("key").to_pylist() == [42]


@pytest.mark.parametrize("spec, value, expected", [
    ("int8", 42, 42), ("int16", 42, 42), ("int32", 42, 42), ("int64", 42, 42),
    ("float32", 42, 42.0), ("float64", 42, 42.0), ("boolean", 42, True), ("boolean", 0, False),
    ("string", 42, "42"),
])
def test_whole_value_with_schema(spec, value, expected):
    out = cast(spec, record(INT32, [value]))
    json_type = {"float32": "float", "float64": "double"}.get(spec, spec)
    assert schema_of(out.schema.field("value")) == {"type": json_type, "optional": False}
    assert out.column("value").to_pylist() == [expected]


@pytest.mark.parametrize("spec, value, expected", [
    ("int8", 42, 42), ("int16", 42, 42), ("int32", 42, 42), ("int64", 42, 42),
    ("float32", 42, 42.0), ("float64", 42, 42.0), ("boolean", 42, True), ("boolean", 0, False),
    ("string", 42, "42"),
])
def test_whole_value_schemaless(spec, value, expected):
    out = cast(spec, record(None, [value]))
    assert out.schema.field("value").equals(schemaless_field("value", hashmap_order=True),
                                            check_metadata=True)
    assert schemaless_values(out) == [expected]
    assert json_texts(out.column("value")) == [json.dumps(expected)]


def test_whole_key_schemaless():
    out = cast("int8", record(STRING, ["bogus"], key_schema=None, keys=[42]), key=True)
    assert schemaless_values(out, "key") == [42]


def test_whole_value_schemaless_unsupported_type():
    with pytest.raises(DataError) as caught:
        cast("int8", record(None, [1, ["foo"]]))
    assert str(caught.value) == ("Cast transformation does not support casting from ARRAY; "
                                 "supported types are [INT8, INT16, INT32, INT64, FLOAT32, "
                                 "FLOAT64, BOOLEAN, STRING, BYTES]")
    assert caught.value.index == 1


def test_whole_big_decimal_and_date_to_string():
    out = cast("string", record(decimal_schema(0), [decimal.Decimal(42)]))
    assert out.column("value").to_pylist() == ["42"]
    assert schema_of(out.schema.field("value")) == {"type": "string", "optional": False}
    out = cast("string", record(TIMESTAMP, [DAY + 1]))  # a day and 1 ms: timestamp format
    assert out.column("value").to_pylist() == ["1970-01-02T00:00:00.001Z"]


def test_whole_value_default_is_cast():
    schema = {"type": "float", "optional": False, "default": -42.125}
    out = cast("int32", record(schema, [42.125]))
    assert out.column("value").to_pylist() == [42]
    assert schema_of(out.schema.field("value")) == {"type": "int32", "optional": False,
                                                    "default": -42}


# --- fields -----------------------------------------------------------------------------------

def test_logical_to_primitive():
    schema = struct(("date_to_int32", DATE), ("timestamp_to_int64", TIMESTAMP),
                    ("time_to_int64", TIME), ("decimal_to_int32", decimal_schema(0)),
                    ("timestamp_to_float64", TIMESTAMP),
                    ("null_timestamp_to_int32", {**TIMESTAMP, "optional": True}))
    spec = ("date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,"
            "decimal_to_int32:int32,timestamp_to_float64:float64,null_timestamp_to_int32:int32")
    out = cast(spec, record(schema, [{
        "date_to_int32": 1, "timestamp_to_int64": 0, "time_to_int64": 1,
        "decimal_to_int32": decimal.Decimal(2**31), "timestamp_to_float64": 2**63 - 1,
        "null_timestamp_to_int32": None}]))
    assert out.column("value").to_pylist() == [{
        "date_to_int32": 1, "timestamp_to_int64": 0, "time_to_int64": 1,
        "decimal_to_int32": -2**31, "timestamp_to_float64": 9.223372036854776e18,
        "null_timestamp_to_int32": None}]
    assert [(f["field"], f["type"], f["optional"]) for f in
            schema_of(out.schema.field("value"))["fields"]] == [
        ("date_to_int32", "int32", False), ("timestamp_to_int64", "int64", False),
        ("time_to_int64", "int64", False), ("decimal_to_int32", "int32", False),
        ("timestamp_to_float64", "double", False), ("null_timestamp_to_int32", "int32", True)]


def test_logical_to_string():
    schema = struct(("date", DATE), ("decimal", decimal_schema(0)), ("time", TIME),
                    ("timestamp", TIMESTAMP))
    out = cast("date:string,decimal:string,time:string,timestamp:string", record(schema, [{
        "date": 1, "decimal": decimal.Decimal(1982), "time": HOUR,
        "timestamp": 1_700_000_000_123}]))
    assert out.column("value").to_pylist() == [{
        "date": "1970-01-02", "decimal": "1982", "time": "01:00:00.000Z",
        "timestamp": "2023-11-14T22:13:20.123Z"}]
    assert {f["type"] for f in schema_of(out.schema.field("value"))["fields"]} == {"string"}


def test_fields_with_schema():
    spec = ("int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,"
            "boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string,"
            "byteArray:string")
    schema = struct(
        ("int8", {"type": "int8", "optional": False}),
        ("int16", {"type": "int16", "optional": True}),
        ("int32", {"type": "int32", "optional": False, "default": 2}),
        ("int64", {"type": "int64", "optional": False}),
        ("float32", {"type": "float", "optional": False}),
        ("float64", {"type": "double", "optional": False, "default": -1.125}),
        ("boolean", {"type": "boolean", "optional": False}),
        ("string", STRING), ("bigdecimal", decimal_schema(0)), ("date", DATE),
        ("optional", {"type": "float", "optional": True}), ("timestamp", TIMESTAMP),
        ("bytes", {"type": "bytes", "optional": False}),
        ("byteArray", {"type": "bytes", "optional": False}))
    raw = bytes([0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10])
    out = cast(spec, record(schema, [{
        "int8": 8, "int16": 16, "int32": 32, "int64": 64, "float32": 32.0, "float64": -64.0,
        "boolean": True, "string": "42", "bigdecimal": decimal.Decimal(42), "date": 1,
        "optional": None, "timestamp": 0, "bytes": raw, "byteArray": raw}]))
    value = out.column("value").to_pylist()[0]
    assert {k: v for k, v in value.items() if k != "timestamp"} == {
        "int8": 8, "int16": 16, "int32": 32, "int64": True, "float32": 32.0, "float64": True,
        "boolean": 1, "string": 42, "bigdecimal": "42", "date": "1970-01-02", "optional": None,
        "bytes": "/ty6mHZUMhA=", "byteArray": "/ty6mHZUMhA="}
    fields = {f["field"]: f for f in schema_of(out.schema.field("value"))["fields"]}
    assert {n: (f["type"], f["optional"]) for n, f in fields.items()} == {
        "int8": ("int16", False), "int16": ("int32", True), "int32": ("int64", False),
        "int64": ("boolean", False), "float32": ("double", False),
        "float64": ("boolean", False), "boolean": ("int8", False), "string": ("int32", False),
        "bigdecimal": ("string", False), "date": ("string", False), "optional": ("int32", True),
        "timestamp": ("int64", False), "bytes": ("string", False),
        "byteArray": ("string", False)}
    assert fields["int32"]["default"] == 2 and fields["float64"]["default"] is True
    assert fields["timestamp"]["name"] == "org.apache.kafka.connect.data.Timestamp"


def test_fields_schemaless():
    spec = ("int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,"
            "boolean:int8,string:int32")
    out = cast(spec, record(None, [{"int8": 8, "int16": 16, "int32": 32, "int64": 64,
                                    "float32": 32.0, "float64": -64.0, "boolean": True,
                                    "string": "42"}]))
    assert schemaless_values(out) == [{"int8": 8, "int16": 16, "int32": 32, "int64": True,
                                       "float32": 32.0, "float64": True, "boolean": 1,
                                       "string": 42}]


def test_schemaless_absent_field_is_put_as_null_and_float32_prints_as_java():
    out = cast("a:float32,b:int8", record(None, [{"a": 0.1}, {"c": 1}, None]))
    assert json_texts(out.column("value"))[0] in ('{"a":0.1,"b":null}', '{"b":null,"a":0.1}')
    assert schemaless_values(out)[1:] == [{"c": 1, "a": None, "b": None}, None]


# --- Java's conversions -----------------------------------------------------------------------

@pytest.mark.parametrize("spec, schema, values, expected", [
    ("int8", INT32, [300, -129, 127], [44, 127, 127]),
    ("int16", {"type": "int64", "optional": False}, [2**40 + 5], [5]),
    ("int32", {"type": "double", "optional": False},
     [1e20, -1e20, float("nan"), -1.9, 2.9], [2**31 - 1, -2**31, 0, -1, 2]),
    ("int64", {"type": "double", "optional": False}, [1e30, float("inf")], [2**63 - 1] * 2),
    ("int8", {"type": "double", "optional": False}, [300.7], [44]),
    ("boolean", {"type": "double", "optional": False}, [0.5, -1.0, float("nan")],
     [False, True, False]),
    ("boolean", STRING, ["TRUE", "yes", "false"], [True, False, False]),
    ("int32", STRING, ["+42", "-0042", "2147483647"], [42, -42, 2**31 - 1]),
    ("float64", STRING, [" 2.5 ", "1.5f", "-Infinity", "NaN", ".5", "1e3", "0x1.8p1"],
     [2.5, 1.5, float("-inf"), "nan", 0.5, 1000.0, 3.0]),
    ("string", {"type": "double", "optional": False}, [1e7, 100.0, 1e-4], ["1.0E7", "100.0",
                                                                         "1.0E-4"]),
    ("string", {"type": "float", "optional": False}, [0.1], ["0.1"]),
    ("string", {"type": "boolean", "optional": False}, [True], ["true"]),
    ("string", TIME, [0, -1], ["00:00:00.000Z", "23:59:59.999Z"]),
    ("float32", decimal_schema(2), [decimal.Decimal("1.10")], [pytest.approx(1.1)]),
])
def test_java_conversions(spec, schema, values, expected):
    out = cast(spec, record(schema, values)).column("value").to_pylist()
    assert [("nan" if isinstance(v, float) and v != v else v) for v in out] == expected


@pytest.mark.parametrize("spec, value", [
    ("int8", "128"), ("int32", "1.5"), ("int32", " 1"), ("int64", "99999999999999999999"),
    ("int32", "abc"), ("float64", "inf"), ("float32", "1,5"), ("int16", ""),
])
def test_unparseable_strings_name_the_record(spec, value):
    with pytest.raises(DataError) as caught:
        cast(spec, record(STRING, ["1", None, value]))
    assert str(caught.value) == f"Value ({value}) was out of range for requested data type"
    assert caught.value.index == 2


def test_bytes_cast_to_a_number_fails_and_struct_is_not_castable():
    with pytest.raises(DataError, match=r"^Unexpected type in Cast transformation: class \[B$"):
        cast("int32", record({"type": "bytes", "optional": True}, [None, b"x"]))
    with pytest.raises(DataError) as caught:
        cast("string", record(struct(("a", INT32)), [None, {"a": 1}]))
    assert str(caught.value).startswith("Cast transformation does not support casting from STRUCT")
    assert caught.value.index == 1
    with pytest.raises(DataError) as caught:
        cast("a:int8", record(INT32, [None, 5]))
    assert str(caught.value) == "Only Struct objects supported for [cast types], found: " \
                                "java.lang.Integer"
    with pytest.raises(DataError) as caught:
        cast("a:int8", record(None, [{"a": 1}, 5]))
    assert str(caught.value) == ("Only Map objects supported in absence of schema for [cast types],"
                                 " found: java.lang.Long")


def test_error_names_the_first_failing_row_across_fields_and_ignores_tombstones():
    schema = struct(("a", STRING), ("b", STRING))
    batch = record(schema, [{"a": "1", "b": "1"}, {"a": "1", "b": "x"}, {"a": "y", "b": "1"}])
    with pytest.raises(DataError) as caught:
        cast("a:int32,b:int32", batch)
    assert caught.value.index == 1
    # the tombstone's children hold garbage that must not be parsed
    garbage = pa.StructArray.from_arrays([pa.array(["1", "zzz"]), pa.array(["2", "2"])],
                                         fields=list(batch.schema.field("value").type),
                                         mask=pa.array([False, True]))
    out = cast("a:int32", record(schema, [{"a": "1", "b": "2"}]).slice(0, 0))
    assert out.num_rows == 0
    field = batch.schema.field("value")
    tomb = sink_batch(garbage, value_field=field)
    assert cast("a:int32", tomb).column("value").to_pylist() == [{"a": 1, "b": "2"}, None]


def test_sliced_batches_keep_their_rows():
    batch = record(struct(("a", INT32)), [{"a": 1}, {"a": 2}, None, {"a": 300}])
    out = cast("a:int8", batch.slice(1))
    assert out.column("value").to_pylist() == [{"a": 2}, None, {"a": 44}]


def test_schemaless_floats_print_as_jackson_writes_java_numbers():
    out = cast("float64", record(None, ["Infinity", "-1e400", "0.5", 2]))
    assert json_texts(out.column("value")) == ['"Infinity"', '"-Infinity"', "0.5", "2.0"]
    out = cast("float32", record(None, ["NaN", 16777217, 1e40]))
    assert json_texts(out.column("value")) == ['"NaN"', "1.6777216E7", '"Infinity"']


@pytest.mark.parametrize("spec", ["int8", "float64", "boolean"])
def test_null_bytes_cast_to_a_number_stay_null(spec):
    schema = {"type": "struct", "optional": False, "fields": [
        {"type": "bytes", "optional": True, "field": "b"}]}
    out = cast(f"b:{spec}", record(schema, [{"b": None}]))
    assert out.column("value").to_pylist() == [{"b": None}]
