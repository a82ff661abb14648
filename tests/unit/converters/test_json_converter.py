"""JsonConverter, with the vectors of Kafka's JsonConverterTest.

Expected bytes are what Apache Kafka 4.3.1's JsonConverter writes for the same data (checked
against it): compact JSON, schema keys in Kafka's order, maps in java.util.HashMap order.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastconnect.api.errors import ConfigError, DataError
from fastconnect.api.schema import (
    DECIMAL, SCHEMALESS_TYPE, connect_schema_to_field, field_to_connect_schema, is_schemaless,
    is_schemaless_struct, schemaless_field,
)
from fastconnect.converters.json import JsonConverter
from fastconnect.transforms._maps import to_struct

TOPIC = "topic"
UTC = datetime.timezone.utc


def converter(**configs) -> JsonConverter:
    instance = JsonConverter()
    instance.configure(configs, is_key=False)
    return instance


def to_connect(message, **configs):
    """One record through to_connect: (Connect schema, Python value)."""
    field, column = converter(**configs).to_connect(TOPIC, pa.array([message], pa.binary()))
    return field_to_connect_schema(field), column.to_pylist()[0]


def from_connect(schema, values, **configs) -> list:
    """Values of one Connect schema (JSON form) through from_connect."""
    field = connect_schema_to_field(schema, "value")
    column = pa.array(values, field.type)
    return converter(**configs).from_connect(TOPIC, field, column).to_pylist()


def envelope(schema: str, payload: str) -> bytes:
    return b'{"schema":' + schema.encode() + b',"payload":' + payload.encode() + b"}"


# --- to_connect (Kafka's *ToConnect tests) --------------------------------------------------

def test_connect_schema_metadata_translation():
    assert to_connect(b'{ "schema": { "type": "boolean" }, "payload": true }') == \
        ({"type": "boolean", "optional": False}, True)
    assert to_connect(b'{ "schema": { "type": "boolean", "optional": true }, "payload": null }') == \
        ({"type": "boolean", "optional": True}, None)
    assert to_connect(b'{ "schema": { "type": "boolean", "default": true }, "payload": null }') == \
        ({"type": "boolean", "optional": False, "default": True}, True)
    assert to_connect(b'{ "schema": { "type": "boolean", "optional": false, "name": "bool", '
                      b'"version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}, '
                      b'"payload": true }') == \
        ({"type": "boolean", "optional": False, "name": "bool", "version": 2,
          "doc": "the documentation", "parameters": {"foo": "bar"}}, True)


@pytest.mark.parametrize("message, arrow_type, value", [
    (b'{ "schema": { "type": "boolean" }, "payload": false }', pa.bool_(), False),
    (b'{ "schema": { "type": "int8" }, "payload": 12 }', pa.int8(), 12),
    (b'{ "schema": { "type": "int16" }, "payload": 12 }', pa.int16(), 12),
    (b'{ "schema": { "type": "int32" }, "payload": 12 }', pa.int32(), 12),
    (b'{ "schema": { "type": "int64" }, "payload": 4398046511104 }', pa.int64(), 4398046511104),
    (b'{ "schema": { "type": "float" }, "payload": 12.34 }', pa.float32(),
     pa.scalar(12.34, pa.float32()).as_py()),
    (b'{ "schema": { "type": "double" }, "payload": 12.34 }', pa.float64(), 12.34),
    (b'{ "schema": { "type": "bytes" }, "payload": "dGVzdC1zdHJpbmc=" }', pa.binary(),
     b"test-string"),
    (b'{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }', pa.string(), "foo-bar-baz"),
    (b'{ "schema": { "type": "array", "items": { "type" : "int32" } }, "payload": [1, 2, 3] }',
     pa.list_(pa.field("item", pa.int32(), nullable=False)), [1, 2, 3]),
])
def test_primitives_and_arrays_to_connect(message, arrow_type, value):
    field, column = converter().to_connect(TOPIC, pa.array([message], pa.binary()))
    assert field.type == arrow_type
    assert column.to_pylist() == [value]


def test_map_to_connect_string_keys():
    schema, value = to_connect(b'{ "schema": { "type": "map", "keys": { "type" : "string" }, '
                               b'"values": { "type" : "int32" } }, '
                               b'"payload": { "key1": 12, "key2": 15} }')
    assert schema["keys"]["type"] == "string" and schema["values"]["type"] == "int32"
    assert dict(value) == {"key1": 12, "key2": 15}


def test_map_to_connect_non_string_keys():
    schema, value = to_connect(b'{ "schema": { "type": "map", "keys": { "type" : "int32" }, '
                               b'"values": { "type" : "int32" } }, "payload": [ [1, 12], [2, 15] ] }')
    assert schema["keys"]["type"] == "int32"
    assert dict(value) == {1: 12, 2: 15}


def test_struct_to_connect():
    field, column = converter().to_connect(TOPIC, pa.array([
        b'{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, '
        b'{ "field": "field2", "type": "string" }] }, '
        b'"payload": { "field1": true, "field2": "string" } }']))
    assert field.type == pa.struct([pa.field("field1", pa.bool_(), nullable=False),
                                    pa.field("field2", pa.string(), nullable=False)])
    assert column.to_pylist() == [{"field1": True, "field2": "string"}]


def test_struct_with_optional_field_to_connect():
    _, value = to_connect(b'{ "schema": { "type": "struct", "fields": [{ "field":"optional", '
                          b'"type": "string", "optional": true }, {  "field": "required", '
                          b'"type": "string" }] }, "payload": { "required": "required" } }')
    assert value == {"optional": None, "required": "required"}


def test_null_to_connect_is_a_tombstone():
    field, column = converter().to_connect(TOPIC, pa.array([None], pa.binary()))
    assert column.to_pylist() == [None] and is_schemaless(field)


def test_empty_bytes_to_connect_without_schemas_is_null():
    field, column = converter(**{"schemas.enable": "false"}).to_connect(TOPIC, pa.array([b""]))
    assert is_schemaless(field) and column.to_pylist() == [None]


def test_schemaless_with_empty_field_value_to_connect():
    field, column = converter(**{"schemas.enable": False}).to_connect(
        TOPIC, pa.array([b'{ "a": "", "b": null}']))
    assert column.type == SCHEMALESS_TYPE and field_to_connect_schema(field) is None
    assert orjson.loads(column.storage[0].as_py()) == {"a": "", "b": None}


def test_null_schema_primitive_to_connect():
    payloads = ["null", "true", "12", "12.24", '"a string"', '[1, "2", 3]',
                '{ "field1": 1, "field2": 2}']
    field, column = converter().to_connect(
        TOPIC, pa.array([envelope("null", p) for p in payloads]))
    assert is_schemaless(field)
    values = [None if v is None else orjson.loads(v) for v in column.storage.to_pylist()]
    assert values == [None, True, 12, 12.24, "a string", [1, "2", 3], {"field1": 1, "field2": 2}]


DECIMAL_SCHEMA = ('{ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", '
                  '"version": 1, %s"parameters": { "scale": "%d" } }')


@pytest.mark.parametrize("extra, scale, payload, expected", [
    ("", 2, '"AJw="', Decimal("1.56")),  # base64 of byte[]{0, -100}: 156
    ('"optional": true, ', 2, "null", None),
    ('"default": "AJw=", ', 2, "null", Decimal("1.56")),
    ('"optional": true, "default": "AJw=", ', 2, "null", Decimal("1.56")),
    ("", 2, "1.56", Decimal("1.56")),
    ("", 4, "1.5600", Decimal("1.5600")),
    ("", 17, "1.23456789123456789", Decimal("1.23456789123456789")),  # beyond float64
])
def test_decimal_to_connect(extra, scale, payload, expected):
    field, column = converter().to_connect(
        TOPIC, pa.array([envelope(DECIMAL_SCHEMA % (extra, scale), payload)]))
    assert field.type == pa.decimal128(38, scale)
    assert column.to_pylist() == [expected]


@pytest.mark.parametrize("logical, payload, arrow_type, expected", [
    ('"type": "int32", "name": "org.apache.kafka.connect.data.Date"', "10000", pa.date32(),
     datetime.date(1997, 5, 19)),
    ('"type": "int32", "name": "org.apache.kafka.connect.data.Time"', "14400000",
     pa.time32("ms"), datetime.time(4, 0)),
    ('"type": "int64", "name": "org.apache.kafka.connect.data.Timestamp"', "4000000000",
     pa.timestamp("ms", tz="UTC"), datetime.datetime(1970, 2, 16, 7, 6, 40, tzinfo=UTC)),
])
@pytest.mark.parametrize("extra, payload_override, default_expected", [
    ("", None, False), (', "optional": true', "null", None), (', "default": 0', "null", True),
    (', "optional": true, "default": 0', "null", True),
])
def test_date_time_timestamp_to_connect(logical, payload, arrow_type, expected, extra,
                                        payload_override, default_expected):
    schema = "{ " + logical + ', "version": 1' + extra + " }"
    field, column = converter().to_connect(
        TOPIC, pa.array([envelope(schema, payload_override or payload)]))
    assert field.type == arrow_type
    if default_expected is True:
        assert column.cast(pa.int64() if arrow_type == pa.timestamp("ms", tz="UTC")
                           else pa.int32()).to_pylist() == [0]
    elif default_expected is None:
        assert column.to_pylist() == [None]
    else:
        assert column.to_pylist() == [expected]


def test_no_schema_to_connect():
    field, column = converter(**{"schemas.enable": "false"}).to_connect(TOPIC, pa.array([b"true"]))
    assert is_schemaless(field) and column.storage.to_pylist() == ["true"]


def test_replace_null_with_default_when_reading():
    message = envelope('{"type":"string","optional":true,"default":"default"}', "null")
    assert to_connect(message)[1] == "default"
    assert to_connect(message, **{"replace.null.with.default": "false"})[1] is None


# --- from_connect (Kafka's *ToJson tests), byte for byte -------------------------------------

BOOLEAN = '{"type":"boolean","optional":false}'


@pytest.mark.parametrize("schema, value, expected", [
    ({"type": "boolean"}, True, envelope(BOOLEAN, "true")),
    ({"type": "int8"}, 12, envelope('{"type":"int8","optional":false}', "12")),
    ({"type": "int16"}, 12, envelope('{"type":"int16","optional":false}', "12")),
    ({"type": "int32"}, 12, envelope('{"type":"int32","optional":false}', "12")),
    ({"type": "int64"}, 4398046511104,
     envelope('{"type":"int64","optional":false}', "4398046511104")),
    ({"type": "float"}, 12.34, envelope('{"type":"float","optional":false}', "12.34")),
    ({"type": "double"}, 12.34, envelope('{"type":"double","optional":false}', "12.34")),
    ({"type": "double"}, 1e10, envelope('{"type":"double","optional":false}', "1.0E10")),
    ({"type": "double"}, float("nan"), envelope('{"type":"double","optional":false}', '"NaN"')),
    ({"type": "bytes"}, b"test-string",
     envelope('{"type":"bytes","optional":false}', '"dGVzdC1zdHJpbmc="')),
    ({"type": "string"}, "test-string",
     envelope('{"type":"string","optional":false}', '"test-string"')),
    ({"type": "string"}, "tab\t\x1f\U0001F600é",
     envelope('{"type":"string","optional":false}', r'"tab\t\u001F\uD83D\uDE00' + 'é"')),
    ({"type": "array", "items": {"type": "int32"}}, [1, 2, 3],
     envelope('{"type":"array","items":{"type":"int32","optional":false},"optional":false}',
              "[1,2,3]")),
])
def test_primitives_and_arrays_to_json(schema, value, expected):
    assert from_connect(schema, [value]) == [expected]


def test_json_schema_metadata_translation():
    assert from_connect({"type": "boolean", "default": True}, [True]) == \
        [envelope('{"type":"boolean","optional":false,"default":true}', "true")]
    schema = {"type": "boolean", "optional": False, "name": "bool", "version": 3,
              "doc": "the documentation", "parameters": {"foo": "bar"}}
    assert from_connect(schema, [True]) == [envelope(
        '{"type":"boolean","optional":false,"name":"bool","version":3,'
        '"doc":"the documentation","parameters":{"foo":"bar"}}', "true")]


def test_map_to_json_string_keys():
    schema = {"type": "map", "keys": {"type": "string"}, "values": {"type": "int32"}}
    assert from_connect(schema, [[("key1", 12), ("key2", 15)]]) == [envelope(
        '{"type":"map","keys":{"type":"string","optional":false},'
        '"values":{"type":"int32","optional":false},"optional":false}',
        '{"key1":12,"key2":15}')]


def test_map_to_json_non_string_keys_as_array_of_pairs_in_hashmap_order():
    schema = {"type": "map", "keys": {"type": "int32"}, "values": {"type": "int32"}}
    header = ('{"type":"map","keys":{"type":"int32","optional":false},'
              '"values":{"type":"int32","optional":false},"optional":false}')
    assert from_connect(schema, [[(1, 12), (2, 15)], [(20, 1), (3, 2), (17, 3), (1, 4)]]) == [
        envelope(header, "[[1,12],[2,15]]"), envelope(header, "[[17,3],[1,4],[3,2],[20,1]]")]


def test_maps_read_from_json_are_written_in_java_hashmap_order():
    message = envelope('{ "type": "map", "keys": { "type" : "string" }, '
                       '"values": { "type" : "int32" } }',
                       '{"b":1,"a":2,"zz":3,"hello":4,"Aa":5,"BB":6,"k1":1,"k2":1,"k3":1,'
                       '"k4":1,"k5":1,"k6":1,"k7":1,"k8":1}')
    json_converter = converter()
    field, column = json_converter.to_connect(TOPIC, pa.array([message]))
    assert json_converter.from_connect(TOPIC, field, column).to_pylist() == [envelope(
        '{"type":"map","keys":{"type":"string","optional":false},'
        '"values":{"type":"int32","optional":false},"optional":false}',
        '{"zz":3,"Aa":5,"BB":6,"a":2,"b":1,"k1":1,"k2":1,"k3":1,"k4":1,"k5":1,"k6":1,"k7":1,'
        '"k8":1,"hello":4}')]


def test_struct_to_json():
    schema = {"type": "struct", "fields": [
        {"type": "boolean", "field": "field1"}, {"type": "string", "field": "field2"},
        {"type": "string", "field": "field3"}, {"type": "boolean", "field": "field4"}]}
    value = {"field1": True, "field2": "string2", "field3": "string3", "field4": False}
    assert from_connect(schema, [value]) == [envelope(
        '{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},'
        '{"type":"string","optional":false,"field":"field2"},'
        '{"type":"string","optional":false,"field":"field3"},'
        '{"type":"boolean","optional":false,"field":"field4"}],"optional":false}',
        '{"field1":true,"field2":"string2","field3":"string3","field4":false}')]


DECIMAL_2 = ('{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal",'
             '"version":1,"parameters":{"scale":"%s"}}')


def test_decimal_to_json_base64():
    schema = {"type": "bytes", "name": DECIMAL, "version": 1, "parameters": {"scale": "2"}}
    assert from_connect(schema, [Decimal("1.56")]) == [envelope(DECIMAL_2 % 2, '"AJw="')]


def test_decimal_to_numeric_json():
    schema = {"type": "bytes", "name": DECIMAL, "version": 1, "parameters": {"scale": "2"}}
    assert from_connect(schema, [Decimal("1.56")], **{"decimal.format": "numeric"}) == \
        [envelope(DECIMAL_2 % 2, "1.56")]


def test_decimal_with_trailing_zeros_to_numeric_json():
    schema = {"type": "bytes", "name": DECIMAL, "version": 1, "parameters": {"scale": "4"}}
    assert from_connect(schema, [Decimal("1.5600")], **{"decimal.format": "NUMERIC"}) == \
        [envelope(DECIMAL_2 % 4, "1.5600")]


def test_decimal_default_is_written_after_parameters_in_the_configured_format():
    message = envelope('{ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", '
                       '"version": 1, "default": "AJw=", "parameters": { "scale": "2" } }', "null")
    for fmt, default in (("BASE64", '"AJw="'), ("NUMERIC", "1.56")):
        json_converter = converter(**{"decimal.format": fmt})
        field, column = json_converter.to_connect(TOPIC, pa.array([message]))
        out = json_converter.from_connect(TOPIC, field, column).to_pylist()
        payload = '"AJw="' if fmt == "BASE64" else "1.56"
        assert out == [envelope(DECIMAL_2[:-1] % 2 + f',"default":{default}}}', payload)]


@pytest.mark.parametrize("schema, value, expected", [
    ({"type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1},
     datetime.date(1997, 5, 19), "10000"),
    ({"type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1},
     datetime.time(4, 0), "14400000"),
    ({"type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
     datetime.datetime(1970, 2, 16, 7, 6, 40, tzinfo=UTC), "4000000000"),
])
def test_date_time_timestamp_to_json(schema, value, expected):
    header = ('{"type":"%s","optional":false,"name":"%s","version":1}'
              % (schema["type"], schema["name"]))
    assert from_connect(schema, [value]) == [envelope(header, expected)]


def test_timestamps_of_finer_units_are_written_in_milliseconds():
    column = pa.array([datetime.datetime(1970, 1, 1, 0, 0, 1, 999999)], pa.timestamp("us"))
    out = converter(**{"schemas.enable": False}).from_connect(
        TOPIC, pa.field("value", column.type), column)
    assert out.to_pylist() == [b"1999"]


def test_null_schema_and_values_to_json():
    storage = pa.array(["true", '[1, "string", true]', '{"key1": 12, "key2": "string", "key3": true}',
                        '{"string": 12, "52": "string", "false": true}', None, "null"])
    column = pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, storage)
    out = converter().from_connect(TOPIC, schemaless_field("value"), column).to_pylist()
    assert out == [envelope("null", "true"), envelope("null", '[1,"string",true]'),
                   envelope("null", '{"key1":12,"key2":"string","key3":true}'),
                   envelope("null", '{"string":12,"false":true,"52":"string"}'),
                   None, None]  # no value without schema: a tombstone, as in Kafka


def test_no_schema_to_json():
    column = pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, pa.array(["true", None]))
    out = converter(**{"schemas.enable": "false"}).from_connect(TOPIC, schemaless_field("v"), column)
    assert out.to_pylist() == [b"true", None]


def test_schemaless_json_is_rewritten_as_kafka_writes_it():
    message = ('{"\U0001F600": 1, "b": {"y": 1.0, "x": -0.0, "z": 1e7}, '
               '"a": [1e22, 100, 1.5E-7]}').encode()
    json_converter = converter(**{"schemas.enable": "false"})
    field, column = json_converter.to_connect(TOPIC, pa.array([message]))
    assert json_converter.from_connect(TOPIC, field, column).to_pylist() == \
        [b'{"a":[1.0E22,100,1.5E-7],"b":{"x":0.0,"y":1.0,"z":1.0E7},"\\uD83D\\uDE00":1}']


def test_null_values_with_schema_are_tombstones():
    assert from_connect({"type": "boolean", "optional": True}, [None, True]) == \
        [None, envelope('{"type":"boolean","optional":true}', "true")]


def test_replace_null_with_default_when_writing_struct_fields():
    schema = {"type": "struct", "fields": [{"type": "string", "optional": True,
                                            "default": "default", "field": "field1"}]}
    header = ('{"type":"struct","fields":[{"type":"string","optional":true,'
              '"default":"default","field":"field1"}],"optional":false}')
    assert from_connect(schema, [{"field1": None}]) == \
        [envelope(header, '{"field1":"default"}')]
    assert from_connect(schema, [{"field1": None}], **{"replace.null.with.default": False}) == \
        [envelope(header, '{"field1":null}')]


def test_key_converter_reads_into_a_key_column():
    json_converter = JsonConverter()
    json_converter.configure({}, is_key=True)
    field, _ = json_converter.to_connect(TOPIC, pa.array([envelope('{"type":"int32"}', "1")]))
    assert field.name == "key"


# --- batches, caches, configuration --------------------------------------------------------

def test_rows_with_different_schemas_become_a_union_and_are_written_back_unchanged():
    messages = [envelope('{"type":"int32","optional":false}', "5"), None,
                envelope("null", '{"a":1}'),
                envelope('{"type":"string","optional":false}', '"x"'),
                envelope('{"type":"int32","optional":false}', "6")]
    json_converter = converter()
    field, column = json_converter.to_connect(TOPIC, pa.array(messages, pa.binary()))
    assert pa.types.is_union(field.type)
    assert [f.type for f in field.type] == [pa.int32(), pa.string(), SCHEMALESS_TYPE]
    assert json_converter.from_connect(TOPIC, field, column).to_pylist() == messages


def test_schema_caches_keep_one_entry_per_distinct_schema():
    json_converter = converter()
    for schema, size in (('{ "type": "boolean" }', 1), ('{ "type": "boolean" }', 1),
                         ('{ "type": "boolean", "optional": true }', 2),
                         ('{ "type": "boolean", "optional": false }', 3)):
        json_converter.to_connect(TOPIC, pa.array([envelope(schema, "true")]))
        assert len(json_converter._readers) == size
    for optional, size in ((False, 1), (False, 1), (True, 2)):
        field = pa.field("value", pa.bool_(), nullable=optional)
        json_converter.from_connect(TOPIC, field, pa.array([True]))
        assert len(json_converter._writers) == size


def test_schemas_cache_size_bounds_the_caches():
    json_converter = converter(**{"schemas.cache.size": 1})
    for schema in ('{"type":"int32"}', '{"type":"int64"}'):
        json_converter.to_connect(TOPIC, pa.array([envelope(schema, "1")]))
    assert len(json_converter._readers) == 1


def test_invalid_decimal_format_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        converter(**{"decimal.format": "HEX"})
    assert info.value.key == "decimal.format"


# --- errors name the bad row ---------------------------------------------------------------

def test_malformed_json_raises_data_error_at_the_bad_row():
    good = envelope('{"type":"int32"}', "1")
    with pytest.raises(DataError, match="serialization error") as info:
        converter().to_connect(TOPIC, pa.array([good, good, b'{"schema": {', good]))
    assert info.value.index == 2
    with pytest.raises(DataError) as info:
        converter(**{"schemas.enable": "false"}).to_connect(TOPIC, pa.array([b"1", b"{x}"]))
    assert info.value.index == 1


def test_invalid_utf8_raises_data_error_at_the_bad_row():
    with pytest.raises(DataError) as info:
        converter(**{"schemas.enable": "false"}).to_connect(
            TOPIC, pa.array([b'"ok"', b'"\xff"']))
    assert info.value.index == 1


def test_plain_json_with_schemas_enabled_raises_data_error_at_the_row():
    with pytest.raises(DataError, match="requires \"schema\" and \"payload\"") as info:
        converter().to_connect(TOPIC, pa.array([envelope('{"type":"int32"}', "1"), b'{"a": 1}']))
    assert info.value.index == 1


@pytest.mark.parametrize("schema, payload, message", [
    ('{"type":"int32"}', '"abc"', "INT32"),
    ('{"type":"int8"}', "300", "INT8"),
    ('{"type":"boolean"}', "1", "BOOLEAN"),
    ('{"type":"string"}', "null", "Invalid null value for required STRING field"),
    ('{"type":"struct","fields":[{"type":"int32","field":"a"}]}', "[1]",
     "Structs should be encoded as JSON objects, but found ARRAY"),
    ('{"type":"struct","fields":[{"type":"int32","field":"a"}]}', "{}",
     "Invalid null value for required INT32 field"),
    ('{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}}', '{"1": 2}',
     "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT"),
    ('{"type":"bytes"}', '"not base64!"', "Invalid bytes"),
    ('{"type":"int32","name":"org.apache.kafka.connect.data.Date"}', '"2020-01-01"',
     "Invalid type for Date"),
    ('{"type":"uuid"}', "1", "Unknown schema type: uuid"),
])
def test_payload_not_matching_its_schema_raises_data_error_at_the_row(schema, payload, message):
    good = envelope('{"type":"int32"}', "1")
    with pytest.raises(DataError, match=message) as info:
        converter().to_connect(TOPIC, pa.array([good, envelope(schema, payload)]))
    assert info.value.index == 1


def test_decimal_beyond_the_arrow_precision_raises_data_error_at_the_row():
    schema = ('{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",'
              '"parameters":{"scale":"2","connect.decimal.precision":"3"}}')
    with pytest.raises(DataError) as info:
        converter().to_connect(TOPIC, pa.array([envelope(schema, "1.5"), envelope(schema, "12.34")]))
    assert info.value.index == 1


def test_null_in_a_required_field_raises_data_error_at_its_row_when_writing():
    t = pa.struct([pa.field("a", pa.int32(), nullable=False)])
    column = pa.array([{"a": 1}, None, {"a": 2}, {"a": None}], t)
    with pytest.raises(DataError, match="null value for field that is required") as info:
        converter().from_connect(TOPIC, pa.field("value", t), column)
    assert info.value.index == 3
    lists = pa.array([[1], [2, 3], [4, None]], pa.list_(pa.field("item", pa.int32(), False)))
    with pytest.raises(DataError) as info:
        converter().from_connect(TOPIC, pa.field("value", lists.type), lists)
    assert info.value.index == 2


# --- schemaless round trip -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",)), max_size=8), children,
                      max_size=5),
    max_leaves=20,
)


@pytest.mark.parametrize("structs", [False, True], ids=["text", "structs-accepted"])
@settings(max_examples=200, deadline=None)
@given(st.lists(json_values, min_size=1, max_size=8))
def test_schemaless_json_round_trips_through_to_and_from_connect(structs, values):
    json_converter = converter(**{"schemas.enable": "false"})
    json_converter.accept_schemaless_structs(structs)
    raw = pa.array([orjson.dumps(v) for v in values], pa.binary())
    field, column = json_converter.to_connect(TOPIC, raw)
    out = json_converter.from_connect(TOPIC, field, column).to_pylist()
    for value, written in zip(values, out):
        if value is None:
            assert written is None  # a JSON null is no value: Kafka writes a tombstone
        else:
            assert orjson.loads(written) == value


@settings(max_examples=100, deadline=None)
@given(st.lists(json_values, min_size=1, max_size=8))
def test_schemaless_envelopes_round_trip(values):
    json_converter = converter()
    raw = pa.array([envelope("null", orjson.dumps(v).decode()) for v in values])
    field, column = json_converter.to_connect(TOPIC, raw)
    out = json_converter.from_connect(TOPIC, field, column).to_pylist()
    for value, written in zip(values, out):
        assert (written is None) if value is None else orjson.loads(written)["payload"] == value


# --- the struct form, where what follows the converter takes it ------------------------------

def schemaless_converter(structs: bool) -> JsonConverter:
    instance = converter(**{"schemas.enable": "false"})
    instance.accept_schemaless_structs(structs)
    return instance


def test_accepting_structs_reads_objects_of_one_shape_into_the_struct_form():
    raw = pa.array([b'{"id":1,"user":"a","price":1.5,"ok":true}', None,
                    b' {"id":-2, "user":"caf\\u00e9", "price":2.0, "ok":false} '], pa.binary())
    text_field, text = schemaless_converter(False).to_connect(TOPIC, raw)
    field, column = schemaless_converter(True).to_connect(TOPIC, raw)
    assert is_schemaless_struct(field) and not is_schemaless_struct(text_field)
    # The same column the SMTs would make of the JSON text, in one pass.
    assert (field, column) == to_struct(text_field, text)
    assert column.to_pylist() == [{"id": 1, "user": "a", "price": 1.5, "ok": True}, None,
                                  {"id": -2, "user": "caf\u00e9", "price": 2.0, "ok": False}]


@pytest.mark.parametrize("rows", [
    pytest.param([b'{"a":1}', b'{"b":1}'], id="two-shapes"),
    pytest.param([b'{"a":1}', b'{"a":1.5}'], id="long-and-double"),
    pytest.param([b'{"a":1}', b"null"], id="json-null"),
    pytest.param([b'{"a":1}', b"  "], id="blank"),
    pytest.param([b'{"a":{"b":1}}'], id="nested"),
    pytest.param([b"[1,2]", b'"text"'], id="not-objects"),
])
def test_accepting_structs_keeps_json_text_for_what_one_struct_cannot_hold(rows):
    raw = pa.array(rows, pa.binary())
    expected = schemaless_converter(False).to_connect(TOPIC, raw)
    assert schemaless_converter(True).to_connect(TOPIC, raw) == expected
    assert is_schemaless(expected[0]) and not is_schemaless_struct(expected[0])


@pytest.mark.parametrize("bad", [b'{"a":1', b'{"a":01}', b'{"a":"\xff"}', b'{"a":1}x'])
def test_accepting_structs_still_fails_at_the_bad_row(bad):
    raw = pa.array([b'{"a":1}', b'{"a":2}', bad], pa.binary())
    errors = []
    for structs in (False, True):
        with pytest.raises(DataError) as info:
            schemaless_converter(structs).to_connect(TOPIC, raw)
        errors.append((info.value.index, str(info.value)))
    assert errors[0] == errors[1] and errors[0][0] == 2


def test_struct_form_is_written_back_as_its_json_text_would_be():
    raw = pa.array([b'{"b":"x","a":1,"c":-0.0,"d":1e7}', None, b'{"b":"y","a":2,"c":1.5,"d":0.1}'],
                   pa.binary())
    reading = schemaless_converter(True)
    field, column = reading.to_connect(TOPIC, raw)
    assert is_schemaless_struct(field)
    assert reading.from_connect(TOPIC, field, column).to_pylist() == \
        schemaless_converter(False).from_connect(
            TOPIC, *schemaless_converter(False).to_connect(TOPIC, raw)).to_pylist()
    # A Float child (Cast makes them) is written as Float.toString prints it.
    floats = pa.StructArray.from_arrays([pa.array([0.1, None], pa.float32())], names=["f"])
    written = reading.from_connect(TOPIC, schemaless_field("value", floats.type), floats)
    assert written.to_pylist() == [b'{"f":0.1}', b'{"f":null}']
