"""Decoders on arbitrary bytes: a value or a DataError naming the row, never another crash."""

from __future__ import annotations

import struct

import orjson
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fastconnect.api import DataError
from fastconnect.converters import (
    AvroConverter,
    ByteArrayConverter,
    JsonConverter,
    ProtobufConverter,
    StringConverter,
)
from fastconnect.converters.header import SimpleHeaderConverter
from fastconnect.converters.registry import MemorySchemaRegistry

AVRO_SCHEMA = orjson.dumps({
    "type": "record", "name": "Event", "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": ["null", "string"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "score", "type": "double"},
    ]}).decode()


PROTO_SCHEMA = """syntax = "proto3";
message Event {
  int64 id = 1;
  string name = 2;
  repeated string tags = 3;
  map<string, int32> counts = 4;
  Inner inner = 5;
  message Inner { double score = 1; bool flag = 2; }
}
"""


def one_schema_registry(schema: str) -> MemorySchemaRegistry:
    """A registry that knows one schema, id 1: enough to decode."""
    registry = MemorySchemaRegistry()
    registry.register("fuzz-value", schema)
    return registry


def decoders():
    json_schemas = JsonConverter()
    json_schemas.configure({"schemas.enable": "true"}, False)
    json_plain = JsonConverter()
    json_plain.configure({"schemas.enable": "false"}, False)
    string = StringConverter()
    string.configure({}, False)
    avro = AvroConverter(one_schema_registry(AVRO_SCHEMA))
    avro.configure({"schema.registry.url": "http://unused:8081"}, False)
    raw = ByteArrayConverter()
    raw.configure({}, False)
    protobuf = ProtobufConverter(one_schema_registry(PROTO_SCHEMA))
    protobuf.configure({"schema.registry.url": "http://unused:8081"}, False)
    return [json_schemas, json_plain, string, avro, raw, protobuf]


DECODERS = decoders()

values = st.lists(st.one_of(st.none(), st.binary(max_size=64)), min_size=1, max_size=8)
avro_like = st.lists(st.binary(max_size=48).map(lambda body: struct.pack(">bI", 0, 1) + body),
                     min_size=1, max_size=8)
protobuf_like = st.lists(st.binary(max_size=48).map(lambda body: struct.pack(">bI", 0, 1) + b"\x00"
                                                    + body), min_size=1, max_size=8)
json_like = st.lists(st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children,
                                                                      max_size=3),
    max_leaves=8).map(lambda v: orjson.dumps({"schema": None, "payload": v})[:-1]
                      if isinstance(v, int) and v % 5 == 0 else orjson.dumps(v)),
    min_size=1, max_size=8)


def decode_all(data: list[bytes | None]) -> None:
    column = pa.array(data, pa.binary())
    for decoder in DECODERS:
        try:
            field, result = decoder.to_connect("fuzz", column)
        except DataError as error:
            assert error.index is None or 0 <= error.index < len(data), (decoder, error.index)
            continue
        assert len(result) == len(data)
        assert isinstance(field, pa.Field)


@settings(max_examples=120, deadline=None)
@given(values)
def test_random_bytes_decode_or_raise_data_error(data):
    decode_all(data)


@settings(max_examples=120, deadline=None)
@given(avro_like)
def test_bytes_behind_a_valid_avro_header_decode_or_raise_data_error(data):
    decode_all(data)


@settings(max_examples=120, deadline=None)
@given(protobuf_like)
def test_bytes_behind_a_valid_protobuf_header_decode_or_raise_data_error(data):
    decode_all(data)


@settings(max_examples=120, deadline=None)
@given(json_like)
def test_json_and_truncated_envelopes_decode_or_raise_data_error(data):
    decode_all(data)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(st.none(), st.binary(max_size=40), st.text(max_size=40).map(str.encode)),
                min_size=1, max_size=6))
def test_header_values_always_parse(data):
    converter = SimpleHeaderConverter()
    converter.configure({})
    for value in data:
        result = converter.to_connect_header("fuzz", "h", value)
        assert (result is None) == (value is None) or result == (None, None) or value == b"null"
