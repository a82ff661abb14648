"""Connect schema <-> Arrow mapping, and Java toString() rendering (format_values)."""

from __future__ import annotations

import datetime
import struct
from decimal import Decimal

import pyarrow as pa
import pytest

from fastconnect.api.errors import DataError
from fastconnect.api.schema import (
    DATE, DECIMAL, SCHEMALESS_TYPE, TIME, TIMESTAMP, connect_schema_to_field,
    field_to_connect_schema, format_values, is_schemaless, java_big_decimal_str,
    java_double_str, java_float_str, java_hash, java_hashmap_order, schemaless_field,
)


def roundtrip(schema: dict) -> dict:
    return field_to_connect_schema(connect_schema_to_field(schema, "value"))


# --- Connect -> Arrow ---------------------------------------------------------------------

@pytest.mark.parametrize("connect_type, arrow_type", [
    ("int8", pa.int8()), ("int16", pa.int16()), ("int32", pa.int32()), ("int64", pa.int64()),
    ("float", pa.float32()), ("double", pa.float64()), ("boolean", pa.bool_()),
    ("string", pa.string()), ("bytes", pa.binary()),
])
def test_primitive_types_map_to_their_arrow_type_and_back(connect_type, arrow_type):
    schema = {"type": connect_type, "optional": True}
    assert connect_schema_to_field(schema, "value").type == arrow_type
    assert roundtrip(schema) == schema


@pytest.mark.parametrize("schema, arrow_type", [
    ({"type": "bytes", "optional": False, "name": DECIMAL, "version": 1,
      "parameters": {"scale": "2"}}, pa.decimal128(38, 2)),
    ({"type": "int32", "optional": False, "name": DATE, "version": 1}, pa.date32()),
    ({"type": "int32", "optional": False, "name": TIME, "version": 1}, pa.time32("ms")),
    ({"type": "int64", "optional": False, "name": TIMESTAMP, "version": 1},
     pa.timestamp("ms", tz="UTC")),
])
def test_logical_types_map_to_arrow_temporal_and_decimal_types(schema, arrow_type):
    assert connect_schema_to_field(schema, "value").type == arrow_type
    assert roundtrip(schema) == schema


def test_decimal_precision_parameter_sets_the_arrow_precision():
    schema = {"type": "bytes", "optional": True, "name": DECIMAL,
              "parameters": {"scale": "3", "connect.decimal.precision": "10"}}
    assert connect_schema_to_field(schema, "v").type == pa.decimal128(10, 3)
    wide = {**schema, "parameters": {"scale": "3", "connect.decimal.precision": "50"}}
    assert connect_schema_to_field(wide, "v").type == pa.decimal256(50, 3)


def test_struct_keeps_field_order_and_all_schema_attributes_in_kafka_key_order():
    schema = {
        "type": "struct",
        "fields": [
            {"type": "int32", "optional": False, "field": "a"},
            {"type": "string", "optional": True, "doc": "note", "default": "x", "field": "b"},
            {"type": "array", "items": {"type": "int64", "optional": True}, "optional": False,
             "field": "c"},
            {"type": "map", "keys": {"type": "string", "optional": False},
             "values": {"type": "double", "optional": True}, "optional": True, "field": "d"},
        ],
        "optional": False, "name": "com.example.Rec", "version": 3, "doc": "a record",
        "parameters": {"p2": "2", "p1": "1"}, "default": {"a": 1, "b": "y", "c": [], "d": None},
    }
    field = connect_schema_to_field(schema, "value")
    assert field.type.field("a").type == pa.int32() and not field.type.field("a").nullable
    assert [f.name for f in field.type] == ["a", "b", "c", "d"]
    assert field.metadata[b"connect.name"] == b"com.example.Rec"
    assert field.metadata[b"connect.version"] == b"3"
    back = roundtrip(schema)
    assert back == schema
    assert list(back) == ["type", "fields", "optional", "name", "version", "doc", "parameters",
                          "default"]
    assert list(back["fields"][1]) == ["type", "optional", "doc", "default", "field"]
    assert list(back["parameters"]) == ["p2", "p1"]


def test_a_column_field_is_nullable_and_records_that_its_schema_is_required():
    field = connect_schema_to_field({"type": "int32"}, "value")
    assert field.nullable  # a null row is a tombstone
    assert field.metadata[b"connect.optional"] == b"false"
    assert field_to_connect_schema(field) == {"type": "int32", "optional": False}


def test_optional_map_keys_are_recorded_in_metadata_since_arrow_keys_cannot_be_null():
    schema = {"type": "map", "keys": {"type": "string", "optional": True},
              "values": {"type": "int32", "optional": False}, "optional": True}
    key_field = connect_schema_to_field(schema, "v").type.key_field
    assert not key_field.nullable and key_field.metadata[b"connect.optional"] == b"true"
    assert roundtrip(schema) == schema


def test_empty_parameters_are_dropped_as_kafka_does():
    assert roundtrip({"type": "string", "optional": True, "parameters": {}}) == \
        {"type": "string", "optional": True}


@pytest.mark.parametrize("schema, message", [
    ({"optional": True}, "Schema must contain 'type' field"),
    ("string", "Schema must contain 'type' field"),
    ({"type": "uuid"}, "Unknown schema type: uuid"),
    ({"type": "array"}, "Array schema did not specify the element type"),
    ({"type": "map", "values": {"type": "string"}}, "Map schema did not specify the key type"),
    ({"type": "struct", "fields": {}}, 'Struct schema\'s "fields" argument is not an array.'),
    ({"type": "struct", "fields": [{"type": "string"}]},
     "Struct schema's field name not specified properly"),
    ({"type": "string", "parameters": {"a": 1}}, "Schema parameters must have string values."),
    ({"type": "bytes", "name": DECIMAL}, "Invalid Decimal schema: scale parameter not found."),
    ({"type": "double", "default": None}, "Invalid null value for required FLOAT64 field"),
])
def test_malformed_schemas_raise_data_error_with_kafkas_message(schema, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(")) as info:
        connect_schema_to_field(schema, "value")
    assert str(info.value) == message


# --- Arrow -> Connect, inferred from plain Arrow types ----------------------------------------

@pytest.mark.parametrize("arrow_type, expected", [
    (pa.string(), {"type": "string"}),
    (pa.large_string(), {"type": "string"}),
    (pa.int64(), {"type": "int64"}),
    (pa.uint8(), {"type": "int16"}),
    (pa.uint32(), {"type": "int64"}),
    (pa.uint64(), {"type": "int64"}),
    (pa.float16(), {"type": "float"}),
    (pa.large_binary(), {"type": "bytes"}),
    (pa.dictionary(pa.int32(), pa.string()), {"type": "string"}),
    (pa.null(), {"type": "string"}),
    (pa.date64(), {"type": "int32", "name": DATE, "version": 1}),
    (pa.time64("us"), {"type": "int32", "name": TIME, "version": 1}),
    (pa.timestamp("us"), {"type": "int64", "name": TIMESTAMP, "version": 1}),
    (pa.decimal128(10, 3), {"type": "bytes", "name": DECIMAL, "version": 1,
                            "parameters": {"scale": "3"}}),
    (pa.large_list(pa.int32()), {"type": "array", "items": {"type": "int32", "optional": True}}),
])
def test_plain_arrow_fields_imply_a_connect_schema(arrow_type, expected):
    schema = field_to_connect_schema(pa.field("x", arrow_type))
    assert schema == {"type": expected["type"], **expected, "optional": True}


def test_plain_arrow_struct_and_map_infer_nested_schemas():
    t = pa.struct([pa.field("id", pa.int64(), nullable=False),
                   ("tags", pa.map_(pa.string(), pa.bool_()))])
    assert field_to_connect_schema(pa.field("v", t, nullable=False)) == {
        "type": "struct",
        "fields": [
            {"type": "int64", "optional": False, "field": "id"},
            {"type": "map", "keys": {"type": "string", "optional": False},
             "values": {"type": "boolean", "optional": True}, "optional": True, "field": "tags"},
        ],
        "optional": False,
    }


def test_arrow_types_without_connect_schema_raise_data_error():
    with pytest.raises(DataError, match="no Kafka Connect schema"):
        field_to_connect_schema(pa.field("v", pa.duration("s")))
    nested = pa.field("v", pa.struct([schemaless_field("j")]))
    with pytest.raises(DataError, match="schemaless"):
        field_to_connect_schema(nested)


# --- schemaless ----------------------------------------------------------------------------

def test_schemaless_values_are_json_text_marked_in_metadata():
    field = connect_schema_to_field(None, "value")
    assert field.type == SCHEMALESS_TYPE and field.type.storage_type == pa.string()
    assert field.metadata[b"connect.schemaless"] == b"true"
    assert is_schemaless(field) and field.nullable
    assert field_to_connect_schema(field) is None
    assert is_schemaless(pa.field("v", pa.string(), metadata={"connect.schemaless": "true"}))
    assert not is_schemaless(pa.field("v", pa.string()))


# --- format_values: Java toString() ----------------------------------------------------------

def test_string_columns_pass_through_untouched():
    column = pa.array(["a", None, "c"])
    assert format_values(pa.field("v", pa.string()), column) is column


def test_primitives_render_as_java_tostring():
    def fmt(values, t):
        return format_values(pa.field("v", t), pa.array(values, t)).to_pylist()

    assert fmt([12, None, -3], pa.int32()) == ["12", None, "-3"]
    assert fmt([True, False], pa.bool_()) == ["true", "false"]
    assert fmt([12.34, 1e10, 100.0, 1e-4, float("nan")], pa.float64()) == \
        ["12.34", "1.0E10", "100.0", "1.0E-4", "NaN"]
    assert fmt([12.34], pa.float32()) == ["12.34"]
    assert fmt([Decimal("1.56"), Decimal("-0.01")], pa.decimal128(10, 2)) == ["1.56", "-0.01"]
    assert fmt([b"test-string"], pa.binary()) == ["dGVzdC1zdHJpbmc="]


def test_dates_times_and_timestamps_render_as_java_util_date_in_utc():
    assert format_values(pa.field("d", pa.date32()), pa.array([10000], pa.date32())).to_pylist() \
        == ["Mon May 19 00:00:00 UTC 1997"]
    times = pa.array([14400000], pa.time32("ms"))
    assert format_values(pa.field("t", times.type), times).to_pylist() == \
        ["Thu Jan 01 04:00:00 UTC 1970"]
    stamps = pa.array([4000000000, -1, None], pa.timestamp("ms", tz="UTC"))
    assert format_values(pa.field("ts", stamps.type), stamps).to_pylist() == \
        ["Mon Feb 16 07:06:40 UTC 1970", "Wed Dec 31 23:59:59 UTC 1969", None]


def test_structs_lists_and_maps_render_as_kafka_struct_list_and_hashmap():
    t = pa.struct([("a", pa.int32()), ("b", pa.string()), ("c", pa.list_(pa.int64())),
                   ("m", pa.map_(pa.string(), pa.int32()))])
    column = pa.array([
        {"a": 1, "b": "x", "c": [1, None, 2], "m": [("b", 1), ("a", 2)]},
        {"a": 2, "b": None, "c": [], "m": None},
        None,
    ], t)
    assert format_values(pa.field("v", t), column).to_pylist() == [
        "Struct{a=1,b=x,c=[1, null, 2],m={a=2, b=1}}",  # null fields are left out
        "Struct{a=2,c=[]}",
        None,
    ]


def test_maps_render_in_java_hashmap_order():
    # Expected strings printed by Kafka 4.3.1 (JsonConverter.toConnectData(...).toString()).
    t = pa.map_(pa.int32(), pa.int32())
    column = pa.array([[(20, 1), (3, 2), (17, 3), (1, 4)]], t)
    assert format_values(pa.field("v", t), column).to_pylist() == ["{17=3, 1=4, 3=2, 20=1}"]


def test_schemaless_values_render_as_java_maps_lists_and_numbers():
    storage = pa.array(['{"key1": 12, "key2": "string", "key3": true}',
                        '{"b": {"y": 1.0, "x": -0.0, "z": 1e7}, "a": [1e22, 100, 1.5E-7]}',
                        '"text"', None])
    column = pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, storage)
    assert format_values(schemaless_field("v"), column).to_pylist() == [
        "{key1=12, key2=string, key3=true}",
        "{a=[1.0E22, 100, 1.5E-7], b={x=0.0, y=1.0, z=1.0E7}}",
        "text",
        None,
    ]


# --- Java text helpers ---------------------------------------------------------------------

def test_java_double_and_float_strings_match_java():
    assert [java_double_str(x) for x in (0.001, 9999999.0, 1e7, 12345678.9, -0.0, 5e-324,
                                         float("inf"))] == \
        ["0.001", "9999999.0", "1.0E7", "1.23456789E7", "-0.0", "4.9E-324", "Infinity"]
    as_float32 = struct.unpack("<f", struct.pack("<f", 1e-45))[0]
    assert java_float_str(as_float32) == "1.4E-45"
    assert java_float_str(struct.unpack("<f", struct.pack("<f", 0.1))[0]) == "0.1"


def test_java_strings_follow_jdk17_for_large_integral_values_and_powers_of_two():
    # Printed by JDK 17 (Kafka 4's baseline); JDK 19+ prints the shortest digits instead.
    assert java_double_str(55423575513377032.0) == "5.5423575513377032E16"
    assert java_double_str(2.0**-24) == "5.9604644775390625E-8"
    as_float32 = struct.unpack("<f", struct.pack("<f", 1.2074075284433797e18))[0]
    assert java_float_str(as_float32) == "1.20740753E18"


def test_java_big_decimal_strings_match_bigdecimal_tostring():
    assert [java_big_decimal_str(u, s) for u, s in
            [(156, 2), (15600, 4), (1, 10), (0, 2), (123, 8), (12, -3), (-5, 0)]] == \
        ["1.56", "1.5600", "1E-10", "0.00", "0.00000123", "1.2E+4", "-5"]


def test_java_hashes_and_hashmap_iteration_order():
    assert java_hash("hello", "string") == 99162322
    assert java_hash("Aa", "string") == java_hash("BB", "string") == 2112
    assert java_hash(True, "boolean") == 1231
    assert java_hash(-1, "int64") == 0
    # Buckets of a 16-slot table: 17 and 1 share bucket 1, in insertion order.
    assert java_hashmap_order([20, 3, 17, 1]) == [2, 3, 1, 0]
    # 13 keys make the table grow to 32 slots: 16 no longer shares a bucket with 0.
    assert java_hashmap_order([16, 0] + list(range(1, 12))) == [1, *range(2, 13), 0]


def test_temporal_values_render_from_any_unit():
    column = pa.array([datetime.datetime(2024, 1, 2, 3, 4, 5, 678901)], pa.timestamp("us"))
    assert format_values(pa.field("v", column.type), column).to_pylist() == \
        ["Tue Jan 02 03:04:05 UTC 2024"]
