"""ProtobufConverter: Confluent's wire format and ProtobufData's schema mapping.

The registry is :class:`MemoryRegistry`, an in-memory double of our SchemaRegistry that
records the ``schemaType`` of every schema, as Confluent's registry keeps it.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from fastconnect.api.errors import DataError, RetriableError
from fastconnect.api.schema import connect_schema_to_field, field_to_connect_schema
from fastconnect.converters import BUILTIN_CONVERTERS
from fastconnect.converters.protobuf import (
    ProtobufConverter, read_message_indexes, write_message_indexes,
)
from fastconnect.converters.protobuf_schema import TAG, parse_proto, proto_from_connect
from fastconnect.converters.registry import MemorySchemaRegistry, RegistryUnavailableError

TOPIC = "topic"
URL = {"schema.registry.url": "http://registry.invalid:8081"}


MemoryRegistry = MemorySchemaRegistry


def _converter(registry: MemoryRegistry | None = None, is_key: bool = False,
               **configs: object) -> ProtobufConverter:
    converter = ProtobufConverter(registry if registry is not None else MemoryRegistry())
    converter.configure({**URL, **configs}, is_key)
    return converter


def _struct(*fields: tuple[str, dict], name: str | None = None, optional: bool = False) -> dict:
    schema = {"type": "struct", "optional": optional,
              "fields": [{**s, "field": f} for f, s in fields]}
    if name is not None:
        schema["name"] = name
    return schema


def _write(converter: ProtobufConverter, schema: dict, rows: list) -> pa.Array:
    field = connect_schema_to_field(schema, "value")
    return converter.from_connect(TOPIC, field, pa.array(rows, field.type))


INT64 = {"type": "int64", "optional": False}
STRING = {"type": "string", "optional": False}
OPT_STRING = {"type": "string", "optional": True}


# --- wire format ---------------------------------------------------------------------------

def test_wire_format_bytes_exactly():
    registry = MemoryRegistry()
    schema = _struct(("id", INT64), ("name", STRING), name="com.example.User")
    encoded = _write(_converter(registry), schema, [{"id": 1, "name": "a"}, None])
    # magic 0, id 1, message indexes [0] as one 0 byte, then field 1 varint 1, field 2 "a"
    assert encoded.to_pylist() == [b"\x00\x00\x00\x00\x01\x00\x08\x01\x12\x01a", None]
    assert registry.types == {1: "PROTOBUF"}
    assert registry.calls == [("register", "topic-value")]
    assert next(iter(registry.ids)) == (
        'syntax = "proto3";\npackage com.example;\n\nmessage User {\n  int64 id = 1;\n'
        '  string name = 2;\n}\n')


@pytest.mark.parametrize("indexes, raw", [
    ([0], b"\x00"), ([1], b"\x02\x02"), ([0, 2], b"\x04\x00\x04"), ([64], b"\x02\x80\x01"),
])
def test_message_indexes(indexes, raw):
    assert write_message_indexes(indexes) == raw
    assert read_message_indexes(b"xx" + raw + b"payload", 2) == (indexes, 2 + len(raw))


def test_reads_message_at_nested_indexes():
    text = ('syntax = "proto3";\npackage p;\nmessage A { int32 x = 1; }\n'
            'message B { string y = 1; message C { int64 z = 1; } }\n')
    registry = MemoryRegistry()
    registry.register("topic-value", text, "PROTOBUF")
    converter = _converter(registry)
    rows = [b"\x00\x00\x00\x00\x01\x02\x02\x0a\x02hi",  # [1]: B
            b"\x00\x00\x00\x00\x01\x04\x02\x00\x08\x07"]  # [1, 0]: B.C
    field, column = converter.to_connect(TOPIC, pa.array(rows, pa.binary()))
    assert pa.types.is_union(field.type)
    assert column.to_pylist() == [{"y": "hi"}, {"z": 7}]
    assert [field.type.field(i).metadata[b"connect.name"] for i in range(2)] == [b"B", b"C"]


# --- round trips ---------------------------------------------------------------------------

SCALARS = _struct(
    ("i32", {"type": "int32", "optional": False}), ("i64", INT64),
    ("f", {"type": "float", "optional": False}), ("d", {"type": "double", "optional": False}),
    ("b", {"type": "boolean", "optional": False}), ("s", STRING),
    ("raw", {"type": "bytes", "optional": False}), name="Scalars")


def test_round_trip_scalars():
    rows = [{"i32": -5, "i64": 2**40, "f": 1.5, "d": -2.25, "b": True, "s": "é",
             "raw": b"\x00\xff"},
            {"i32": 0, "i64": 0, "f": 0.0, "d": 0.0, "b": False, "s": "", "raw": b""}, None]
    converter = _converter()
    field, column = converter.to_connect(TOPIC, _write(converter, SCALARS, rows))
    assert column.to_pylist() == rows
    schema = field_to_connect_schema(field)
    assert schema["name"] == "Scalars" and schema["version"] == 1 and not schema["optional"]
    # ProtobufData: every field read is optional and carries its tag
    assert [(f["field"], f["type"], f["optional"], f["parameters"][TAG])
            for f in schema["fields"]] == [
        ("i32", "int32", True, "1"), ("i64", "int64", True, "2"), ("f", "float", True, "3"),
        ("d", "double", True, "4"), ("b", "boolean", True, "5"), ("s", "string", True, "6"),
        ("raw", "bytes", True, "7")]


def test_round_trip_nested_repeated_map():
    address = _struct(("city", OPT_STRING), name="com.example.Address", optional=True)
    schema = _struct(
        ("id", INT64),
        ("tags", {"type": "array", "items": STRING, "optional": True}),
        ("scores", {"type": "map", "keys": STRING, "values": {"type": "double", "optional": True},
                    "optional": True}),
        ("home", address),
        ("others", {"type": "array", "items": address, "optional": True}),
        ("nested", {"type": "map", "keys": STRING, "values": address, "optional": True}),
        name="com.example.Person")
    rows = [{"id": 1, "tags": ["a", "b"], "scores": [("x", 1.5), ("y", 2.0)],
             "home": {"city": "Paris"}, "others": [{"city": "Oslo"}, {"city": "Rome"}],
             "nested": [("k", {"city": "Lima"})]},
            {"id": 2, "tags": [], "scores": [], "home": None, "others": [], "nested": []}]
    registry = MemoryRegistry()
    converter = _converter(registry)
    field, column = converter.to_connect(TOPIC, _write(converter, schema, rows))
    assert column.to_pylist() == rows
    text = next(iter(registry.ids))
    assert "repeated ConnectDefault1Entry scores = 3;" in text
    assert "  Address home = 4;" in text and "repeated Address others = 5;" in text
    assert text.count("message Address {") == 1  # a named struct is defined once
    schema_read = field_to_connect_schema(field)
    assert schema_read["fields"][2]["type"] == "map"
    assert schema_read["fields"][2]["name"] == "connect_default1"


def test_default_names_and_unset_scalars_read_as_defaults():
    inner = _struct(("v", {"type": "int32", "optional": True}), optional=True)
    schema = _struct(("inner", inner), ("n", {"type": "int32", "optional": True}))
    text = proto_from_connect(schema).text
    assert "message ConnectDefault1 {" in text and "ConnectDefault2 inner = 1;" in text
    converter = _converter()
    _, column = converter.to_connect(TOPIC, _write(converter, schema, [{"inner": None, "n": None}]))
    assert column.to_pylist() == [{"inner": None, "n": 0}]  # proto3: a scalar has no null


def test_wrapper_for_nullables_keeps_nulls():
    schema = _struct(("n", {"type": "int32", "optional": True}), ("s", OPT_STRING),
                     ("req", INT64), name="W")
    registry = MemoryRegistry()
    converter = _converter(registry, **{"wrapper.for.nullables": "true"})
    rows = [{"n": None, "s": None, "req": 3}, {"n": 0, "s": "", "req": 4}]
    field, column = converter.to_connect(TOPIC, _write(converter, schema, rows))
    assert column.to_pylist() == rows
    text = next(iter(registry.ids))
    assert 'import "google/protobuf/wrappers.proto";' in text
    assert "google.protobuf.Int32Value n = 1;" in text
    assert [f["optional"] for f in field_to_connect_schema(field)["fields"]] == [True, True, False]


def test_reads_proto_text_written_elsewhere():
    text = """
    // written by hand, as a Java producer's schema would be
    syntax = "proto3";
    package shop;
    option java_package = "com.shop";
    message Order {
      reserved 9;
      int64 id = 1 [deprecated = true];
      map<string, int32> counts = 2;
      Status status = 3;
      optional string note = 4;
      enum Status { NEW = 0; DONE = 1; }
    }
    """
    registry = MemoryRegistry()
    registry.register("topic-value", text, "PROTOBUF")
    proto = parse_proto(text)
    assert proto.package == "shop" and proto.message_type[0].nested_type[0].options.map_entry
    converter = _converter(registry)
    # id 1, counts {"a": 2}, status DONE; note unset
    raw = b"\x00\x00\x00\x00\x01\x00" + b"\x08\x07" + b"\x12\x05\x0a\x01a\x10\x02" + b"\x18\x01"
    field, column = converter.to_connect(TOPIC, pa.array([raw], pa.binary()))
    assert column.to_pylist() == [{"id": 7, "counts": [("a", 2)], "status": "DONE", "note": None}]
    status = field_to_connect_schema(field)["fields"][2]
    assert status["name"] == "Status" and status["parameters"][
        "io.confluent.connect.protobuf.Enum.DONE"] == "1"


def test_use_latest_version_and_lookup():
    registry = MemoryRegistry()
    schema = _struct(("id", INT64), name="com.example.User")
    _write(_converter(registry), schema, [{"id": 1}])
    registry.calls.clear()
    latest = _converter(registry, **{"auto.register.schemas": "false",
                                     "use.latest.version": "true"})
    assert _write(latest, schema, [{"id": 2}]).to_pylist() == [b"\x00\x00\x00\x00\x01\x00\x08\x02"]
    assert registry.calls == [("latest_version", "topic-value")]
    lookup = _converter(registry, **{"auto.register.schemas": "false"})
    assert _write(lookup, schema, [{"id": 3}])[0].as_py()[:6] == b"\x00\x00\x00\x00\x01\x00"
    with pytest.raises(DataError) as error:
        _write(_converter(MemoryRegistry(), **{"auto.register.schemas": "false"}),
               schema, [None, {"id": 3}])
    assert error.value.index == 1 and "topic-value" in str(error.value)


def test_record_name_strategy_uses_message_full_name():
    registry = MemoryRegistry()
    converter = _converter(registry, **{"value.subject.name.strategy": "RecordNameStrategy"})
    _write(converter, _struct(("id", INT64), name="com.example.User"), [{"id": 1}])
    assert list(registry.subjects) == ["com.example.User"]


def test_registered_by_java_name():
    assert BUILTIN_CONVERTERS["io.confluent.connect.protobuf.ProtobufConverter"] \
        is ProtobufConverter
    assert BUILTIN_CONVERTERS["ProtobufConverter"] is ProtobufConverter


# --- errors --------------------------------------------------------------------------------

def test_bad_magic_byte_names_row():
    with pytest.raises(DataError, match="Unknown magic byte") as error:
        _converter().to_connect(TOPIC, pa.array([None, b"\x01\x00\x00\x00\x01\x00"]))
    assert error.value.index == 1


def test_short_record_names_row():
    with pytest.raises(DataError, match="too short") as error:
        _converter().to_connect(TOPIC, pa.array([b"\x00\x00"]))
    assert error.value.index == 0


def test_unknown_id_names_row():
    with pytest.raises(DataError, match="id 42") as error:
        _converter().to_connect(TOPIC, pa.array([None, None, b"\x00\x00\x00\x00\x2a\x00"]))
    assert error.value.index == 2


def test_undecodable_payload_names_row():
    registry = MemoryRegistry()
    converter = _converter(registry)
    good = _write(converter, _struct(("id", INT64), name="U"), [{"id": 1}])[0].as_py()
    with pytest.raises(DataError, match="deserializing Protobuf message for id 1") as error:
        converter.to_connect(TOPIC, pa.array([good, good + b"\x0a\xff\xff"]))
    assert error.value.index == 1


def test_value_out_of_range_names_row():
    narrow = pa.field("value", pa.struct([pa.field("n", pa.uint64())]))
    with pytest.raises(DataError) as error:
        _converter().from_connect(TOPIC, narrow, pa.array([{"n": 1}, {"n": 2**64 - 1}],
                                                          narrow.type))
    assert error.value.index == 1


def test_non_struct_schema_is_refused():
    field = pa.field("value", pa.int64())
    with pytest.raises(DataError, match="Unsupported root schema") as error:
        _converter().from_connect(TOPIC, field, pa.array([None, 5]))
    assert error.value.index == 1


def test_registry_unavailable_is_retriable():
    class Down(MemoryRegistry):
        def register(self, subject, schema, schema_type="AVRO"):
            raise RegistryUnavailableError("connection refused")

    with pytest.raises(RetriableError) as error:
        _write(_converter(Down()), _struct(("id", INT64), name="U"), [{"id": 1}])
    assert isinstance(error.value, DataError) and error.value.index == 0
