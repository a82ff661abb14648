"""ProtobufConverter against a real Confluent-compatible schema registry (Apicurio's ccompat).

Schemas are registered with ``schemaType: PROTOBUF``; every test uses topics of its own.
"""

from __future__ import annotations

import uuid

import pyarrow as pa
import pytest

from fastconnect.api.errors import DataError
from fastconnect.api.schema import connect_schema_to_field, field_to_connect_schema
from fastconnect.converters.protobuf import ProtobufConverter
from fastconnect.converters.registry import RestSchemaRegistry

pytestmark = pytest.mark.integration


def _topic() -> str:
    return f"proto-{uuid.uuid4().hex[:12]}"


def _converter(url: str, **configs: str) -> ProtobufConverter:
    converter = ProtobufConverter()
    converter.configure({"schema.registry.url": url, **configs}, False)
    return converter


ADDRESS = {"type": "struct", "name": "com.example.Address", "optional": True,
           "fields": [{"field": "city", "type": "string", "optional": True}]}
SCHEMA = {"type": "struct", "name": "com.example.Person", "optional": False, "fields": [
    {"field": "id", "type": "int64", "optional": False},
    {"field": "name", "type": "string", "optional": False},
    {"field": "score", "type": "double", "optional": False},
    {"field": "tags", "type": "array", "optional": True,
     "items": {"type": "string", "optional": False}},
    {"field": "counts", "type": "map", "optional": True,
     "keys": {"type": "string", "optional": False}, "values": {"type": "int32", "optional": True}},
    {"field": "home", **ADDRESS},
]}


def test_round_trip_with_auto_register(schema_registry_url):
    topic = _topic()
    rows = [{"id": i, "name": f"n{i}", "score": i / 4, "tags": [f"t{i}"] * (i % 3),
             "counts": [("a", i)], "home": {"city": f"c{i}"} if i % 2 else None}
            for i in range(200)] + [None]
    field = connect_schema_to_field(SCHEMA, "value")
    encoded = _converter(schema_registry_url).from_connect(topic, field, pa.array(rows, field.type))
    assert encoded[0].as_py()[:1] == b"\x00" and encoded[0].as_py()[5:6] == b"\x00"
    assert encoded[200].as_py() is None

    reader = _converter(schema_registry_url)  # no cache shared with the writer
    read_field, column = reader.to_connect(topic, encoded)
    assert column.to_pylist() == rows
    schema = field_to_connect_schema(read_field)
    assert schema["name"] == "Person" and schema["version"] == 1

    registry = RestSchemaRegistry([schema_registry_url])
    try:
        latest = registry.latest_version(f"{topic}-value")
        schema_id = int.from_bytes(encoded[0].as_py()[1:5], "big")
        assert latest.id == schema_id and latest.version == 1
        assert "message Person {" in registry.schema_by_id(schema_id)
    finally:
        registry.close()


def test_use_latest_version_writes_with_registered_schema(schema_registry_url):
    topic = _topic()
    field = connect_schema_to_field(SCHEMA, "value")
    row = [{"id": 1, "name": "a", "score": 0.5, "tags": [], "counts": [], "home": None}]
    first = _converter(schema_registry_url).from_connect(topic, field, pa.array(row, field.type))
    latest = _converter(schema_registry_url, **{"auto.register.schemas": "false",
                                                "use.latest.version": "true"})
    again = latest.from_connect(topic, field, pa.array(row, field.type))
    assert again.to_pylist() == first.to_pylist()


def test_unknown_schema_id_names_row(schema_registry_url):
    raw = b"\x00" + (2**31 - 7).to_bytes(4, "big") + b"\x00\x08\x01"
    with pytest.raises(DataError) as error:
        _converter(schema_registry_url).to_connect(_topic(), pa.array([None, raw]))
    assert error.value.index == 1
