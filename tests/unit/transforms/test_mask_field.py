"""MaskField, with the records of Kafka's MaskFieldTest (4.3.1). Its schemaless record also holds
a java.util.Date, a BigInteger and a BigDecimal, which JSON cannot carry; the rest is kept."""

import datetime
import decimal
import json

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError, DataError, connect_schema_to_field
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms.mask_field import MaskFieldKey, MaskFieldValue

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def prim(kind, **extra):
    return {"type": kind, "optional": False, **extra}


def logical(kind, name):
    return prim(kind, name=f"org.apache.kafka.connect.data.{name}", version=1)


SCHEMA = {"type": "struct", "optional": False, "fields": [{**s, "field": n} for n, s in [
    ("magic", prim("int32")), ("bool", prim("boolean")), ("byte", prim("int8")),
    ("short", prim("int16")), ("int", prim("int32")), ("long", prim("int64")),
    ("float", prim("float")), ("double", prim("double")), ("string", prim("string")),
    ("date", logical("int32", "Date")), ("time", logical("int32", "Time")),
    ("timestamp", logical("int64", "Timestamp")),
    ("decimal", {**logical("bytes", "Decimal"), "parameters": {"scale": "0"}}),
    ("array", {"type": "array", "items": prim("int32"), "optional": False}),
    ("map", {"type": "map", "keys": prim("string"), "values": prim("string"), "optional": False}),
    ("withDefault", {"type": "string", "optional": True, "default": "default"})]]}
VALUES_WITH_SCHEMA = {
    "magic": 42, "bool": True, "byte": 42, "short": 42, "int": 42, "long": 42, "float": 42.0,
    "double": 42.0, "string": "hmm", "date": 19000, "time": 3_600_000,
    "timestamp": 1_700_000_000_000, "decimal": decimal.Decimal(42), "array": [1, 2, 3],
    "map": [("what", "what")], "withDefault": None}
VALUES = {"magic": 42, "bool": True, "byte": 42, "short": 42, "int": 42, "long": 42,
          "float": 42.0, "double": 42.0, "string": "55.121.20.20", "list": [42],
          "map": {"key": "value"}}


def schemaless_record(values):
    return sink_batch(json_column([None if v is None else json.dumps(v) for v in values]),
                      value_field=schemaless_field("value"))


def schema_record(schema, values):
    field = connect_schema_to_field(schema, "value")
    return sink_batch(pa.array(values, field.type), value_field=field)


def mask(batch, fields, replacement=None, key=False, replace_null=False):
    xform = MaskFieldKey() if key else MaskFieldValue()
    config = {"fields": fields, "replace.null.with.default": replace_null}
    if replacement is not None:
        config["replacement"] = replacement
    xform.configure(config)
    return xform.apply(batch)


def schemaless_values(batch, name="value"):
    return [None if t is None else json.loads(t) for t in json_texts(batch.column(name))]


def test_schemaless():
    fields = [f for f in VALUES if f != "magic"]
    out = schemaless_values(mask(schemaless_record([VALUES]), fields))[0]
    assert out == {"magic": 42, "bool": False, "byte": 0, "short": 0, "int": 0, "long": 0,
                   "float": 0.0, "double": 0.0, "string": "", "list": [], "map": {}}
    assert isinstance(out["float"], float) and isinstance(out["int"], int)


def test_with_schema():
    fields = [f["field"] for f in SCHEMA["fields"] if f["field"] != "magic"]
    out = mask(schema_record(SCHEMA, [VALUES_WITH_SCHEMA]), fields).column("value").to_pylist()
    assert out == [{"magic": 42, "bool": False, "byte": 0, "short": 0, "int": 0, "long": 0,
                    "float": 0.0, "double": 0.0, "string": "", "date": EPOCH.date(),
                    "time": datetime.time(0), "timestamp": EPOCH, "decimal": decimal.Decimal(0),
                    "array": [], "map": [], "withDefault": None}]


@pytest.mark.parametrize("field, replacement, expected", [
    ("short", "123", 123), ("byte", "123", 123), ("int", "123", 123), ("long", "123", 123),
    ("float", "123.0", 123.0), ("double", "123.0", 123.0), ("string", "123", "123")])
def test_schemaless_with_replacement(field, replacement, expected):
    out = schemaless_values(mask(schemaless_record([VALUES]), [field], replacement))[0]
    assert out[field] == expected and type(out[field]) is type(expected)


@pytest.mark.parametrize("fields, replacement, java", [
    (["bool"], "false", "java.lang.Boolean"), (["int", "bool"], "1", "java.lang.Boolean"),
    (["list"], "[123]", "java.util.ArrayList"), (["map"], "{123=321}", "java.util.HashMap")])
def test_schemaless_unsupported_replacement_type(fields, replacement, java):
    with pytest.raises(DataError) as caught:
        mask(schemaless_record([VALUES]), fields, replacement)
    assert str(caught.value) == f"Cannot mask value of type class {java} with custom replacement."


@pytest.mark.parametrize("field, replacement, expected", [
    ("short", "123", 123), ("byte", "123", 123), ("int", "123", 123), ("long", "123", 123),
    ("float", "123.0", 123.0), ("double", "123.0", 123.0), ("string", "123", "123"),
    ("decimal", "123.0", decimal.Decimal(123))])
def test_with_schema_and_replacement(field, replacement, expected):
    out = mask(schema_record(SCHEMA, [VALUES_WITH_SCHEMA]), [field], replacement)
    assert out.column("value").to_pylist()[0][field] == expected


@pytest.mark.parametrize("field, java", [
    ("time", "java.util.Date"), ("timestamp", "java.util.Date"), ("array", "java.util.ArrayList")])
def test_with_schema_unsupported_replacement_type(field, java):
    with pytest.raises(DataError) as caught:
        mask(schema_record(SCHEMA, [VALUES_WITH_SCHEMA]), [field], "123")
    assert str(caught.value) == f"Cannot mask value of type class {java} with custom replacement."


@pytest.mark.parametrize("fields, replacement", [
    (["byte"], "foo"), (["short"], "foo"), (["int"], "foo"), (["long"], "foo"),
    (["float"], "foo"), (["double"], "foo"), (["int"], "Thu Jan 01 00:00:00 UTC 1970"),
    (["string", "int"], "foo")])
def test_replacement_type_mismatch(fields, replacement):
    with pytest.raises(DataError) as caught:
        mask(schemaless_record([VALUES]), fields, replacement)
    assert str(caught.value) == (f"Unable to convert {replacement} (class java.lang.String) to a "
                                 "number")
    with pytest.raises(DataError) as caught:
        mask(schema_record(SCHEMA, [VALUES_WITH_SCHEMA]), fields, replacement)
    assert str(caught.value) == (f"Unable to convert {replacement} (class java.lang.String) to a "
                                 "number")


def test_empty_string_replacement_value():
    with pytest.raises(ConfigError) as caught:
        MaskFieldValue().configure({"fields": "short", "replacement": ""})
    assert str(caught.value) == "Invalid value  for configuration replacement: String must be " \
                                "non-empty"


def test_null_list_and_map_replacements_are_empty():
    out = mask(schema_record(SCHEMA, [VALUES_WITH_SCHEMA]), ["array", "map"])
    value = out.column("value").to_pylist()[0]
    assert (value["array"], value["map"]) == ([], [])


# --- beyond Kafka's tests ---------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ("", "Configuration 'fields' must not be empty. Valid values include: any non-empty value"),
    ("a,a", "Configuration 'fields' values must not be duplicated."),
    ("a,,b", "Configuration 'fields' values must not be empty."),
])
def test_invalid_fields(fields, message):
    with pytest.raises(ConfigError) as caught:
        MaskFieldValue().configure({"fields": fields})
    assert str(caught.value) == message
    with pytest.raises(ConfigError, match='^Missing required configuration "fields" which has no '
                                          'default value.$'):
        MaskFieldValue().configure({})


def test_tombstones_are_refused_as_kafka_refuses_them():
    for batch in (schemaless_record([{"a": 1}, None]),
                  schema_record(SCHEMA, [VALUES_WITH_SCHEMA, None])):
        with pytest.raises(DataError) as caught:
            mask(batch, ["int"])
        assert str(caught.value) == ("Only Map objects supported in absence of schema for "
                                     "[mask fields], found: null")
        assert caught.value.index == 1


def test_default_replaces_null_before_masking_and_nulls_stay_null():
    out = mask(schema_record(SCHEMA, [VALUES_WITH_SCHEMA]), ["withDefault"], replace_null=True)
    assert out.column("value").to_pylist()[0]["withDefault"] == ""
    schema = {"type": "struct", "optional": False, "fields": [
        {"type": "int32", "optional": True, "field": "a"}]}
    out = mask(schema_record(schema, [{"a": None}, {"a": 5}]), ["a"], "7")
    assert out.column("value").to_pylist() == [{"a": None}, {"a": 7}]
    out = schemaless_values(mask(schemaless_record([{"b": 1}]), ["a"]))
    assert out == [{"b": 1, "a": None}]  # Kafka puts the masked (null) absent field


def test_unmaskable_types_and_decimal_scale():
    schema = {"type": "struct", "optional": False, "fields": [
        {"type": "struct", "optional": True, "field": "s",
         "fields": [{"type": "int32", "optional": True, "field": "x"}]},
        {"type": "bytes", "optional": True, "field": "b"},
        {**logical("bytes", "Decimal"), "parameters": {"scale": "0"}, "field": "d"}]}
    batch = schema_record(schema, [{"s": None, "b": None, "d": decimal.Decimal(1)},
                                   {"s": {"x": 1}, "b": b"x", "d": decimal.Decimal(1)}])
    with pytest.raises(DataError) as caught:
        mask(batch, ["s"])
    assert str(caught.value) == "Cannot mask value of type: class org.apache.kafka.connect.data." \
                                "Struct"
    assert caught.value.index == 1
    with pytest.raises(DataError, match=r"^Cannot mask value of type: class \[B$"):
        mask(batch, ["b"])
    with pytest.raises(DataError, match="^BigDecimal has mismatching scale value for given "
                                        "Decimal schema$"):
        mask(batch, ["d"], "1.5")


def test_java_narrowing_of_replacements_and_aliases():
    schema = {"type": "struct", "optional": False, "fields": [
        {"type": "int8", "optional": False, "field": "b"}]}
    out = mask(schema_record(schema, [{"b": 1}]), ["b"], "300.9", key=False)
    assert out.column("value").to_pylist() == [{"b": 44}]
    plugins = Plugins().transforms
    assert plugins["org.apache.kafka.connect.transforms.MaskField$Value"] is MaskFieldValue
    assert plugins["org.apache.kafka.connect.transforms.MaskField$Key"] is MaskFieldKey
