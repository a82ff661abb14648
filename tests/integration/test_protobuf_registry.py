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


def test_standalone_file_to_kafka_to_file_with_protobuf_values(kafka_bootstrap,
                                                                schema_registry_url, tmp_path):
    """Lines wrapped in a struct (HoistField) go through ProtobufConverter into the topic in
    Confluent's wire format and come back out (ExtractField) as the same lines."""
    import struct
    import uuid

    from worker_helpers import (
        append,
        count_lines,
        read_topic,
        start_worker,
        stop_worker,
        wait_for,
        write_config,
    )

    topic = f"proto-e2e-{uuid.uuid4().hex[:8]}"
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    expected = [f"line {i} ✓" for i in range(1500)]
    append(source_file, expected)
    worker_config = tmp_path / "worker.properties"
    worker_config.write_text(
        f"bootstrap.servers={kafka_bootstrap}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=io.confluent.connect.protobuf.ProtobufConverter\n"
        f"value.converter.schema.registry.url={schema_registry_url}\n"
        f"offset.storage.file.filename={tmp_path}/connect.offsets\n"
        "offset.flush.interval.ms=100\n")
    worker = start_worker(
        tmp_path, worker_config,
        write_config(tmp_path, "proto-source", **{
            "connector.class": "FileStreamSource", "file": str(source_file), "topic": topic,
            "transforms": "wrap",
            "transforms.wrap.type": "org.apache.kafka.connect.transforms.HoistField$Value",
            "transforms.wrap.field": "line"}),
        write_config(tmp_path, "proto-sink", **{
            "connector.class": "FileStreamSink", "file": str(sink_file), "topics": topic,
            "transforms": "unwrap",
            "transforms.unwrap.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
            "transforms.unwrap.field": "line"}))
    wait_for(lambda: count_lines(sink_file) >= len(expected), 120, "all lines in the sink",
             worker, tmp_path / "worker.log")
    stop_worker(worker, tmp_path)
    assert sink_file.read_text(encoding="utf-8").splitlines() == expected
    raw = read_topic(kafka_bootstrap, topic, len(expected))
    assert {struct.unpack(">bI", value[:5])[0] for value in raw} == {0}
    assert len({value[1:5] for value in raw}) == 1
    # Message index path [0] is one 0 byte; then field 1 (line), wire type 2, length, bytes.
    first = expected[0].encode()
    assert raw[0][5:] == b"\x00" + bytes([0x0A, len(first)]) + first
