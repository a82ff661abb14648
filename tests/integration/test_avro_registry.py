"""AvroConverter against a real Confluent-compatible schema registry (Apicurio's ccompat API).

``schema_registry_url`` (tests/conftest.py) is the base URL of the registry's
Confluent-compatible API, e.g. ``http://127.0.0.1:8080/apis/ccompat/v7``. The registry lives
for the session, so every test uses topics of its own.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pyarrow as pa
import pytest

from fastconnect.api.errors import DataError
from fastconnect.api.schema import DATE, DECIMAL, TIMESTAMP, connect_schema_to_field, \
    field_to_connect_schema
from fastconnect.converters.avro import AvroConverter
from fastconnect.converters.registry import RegistryError, RestSchemaRegistry

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc


def _topic() -> str:
    return f"avro-{uuid.uuid4().hex[:12]}"


def _converter(url: str, **configs: str) -> AvroConverter:
    converter = AvroConverter()
    converter.configure({"schema.registry.url": url, **configs}, False)
    return converter


def _struct(*fields: tuple[str, dict], name: str) -> dict:
    return {"type": "struct", "name": name, "optional": False,
            "fields": [{**schema, "field": field} for field, schema in fields]}


V1 = _struct(("id", {"type": "int64", "optional": False}),
             ("name", {"type": "string", "optional": False}), name="com.example.User")
V2 = _struct(("id", {"type": "int64", "optional": False}),
             ("name", {"type": "string", "optional": False}),
             ("email", {"type": "string", "optional": True}), name="com.example.User")


def _write(converter: AvroConverter, topic: str, schema: dict, rows: list) -> pa.Array:
    field = connect_schema_to_field(schema, "value")
    return converter.from_connect(topic, field, pa.array(rows, field.type))


def test_round_trip_with_auto_register(schema_registry_url):
    topic = _topic()
    schema = _struct(
        ("id", {"type": "int64", "optional": False}),
        ("price", {"type": "bytes", "optional": False, "name": DECIMAL, "version": 1,
                   "parameters": {"scale": "2"}}),
        ("day", {"type": "int32", "optional": True, "name": DATE, "version": 1}),
        ("at", {"type": "int64", "optional": False, "name": TIMESTAMP, "version": 1}),
        ("tags", {"type": "map", "optional": False, "keys": {"type": "int32", "optional": False},
                  "values": {"type": "string", "optional": True}}),
        name="com.example.Order")
    rows = [{"id": i, "price": Decimal(f"{i}.25"), "day": datetime.date(2024, 1, 1 + i % 28),
             "at": datetime.datetime(2024, 5, 1, 12, 0, i % 60, tzinfo=UTC),
             "tags": [(i, f"t{i}"), (-i, None)]} for i in range(1000)] + [None]
    converter = _converter(schema_registry_url)
    encoded = _write(converter, topic, schema, rows)
    assert encoded[0].as_py()[:1] == b"\x00" and encoded[1000].as_py() is None

    reader = _converter(schema_registry_url)  # no cache shared with the writer
    field, column = reader.to_connect(topic, encoded)
    expected = pa.array(rows, connect_schema_to_field(schema, "value").type)
    assert column.to_pylist() == expected.to_pylist()
    assert field_to_connect_schema(field) == {**field_to_connect_schema(
        connect_schema_to_field(schema, "value")), "version": 1}

    latest = RestSchemaRegistry([schema_registry_url]).latest_version(f"{topic}-value")
    assert latest.id == int.from_bytes(encoded[0].as_py()[1:5], "big")


def test_evolution_each_record_in_its_writer_schema(schema_registry_url):
    topic = _topic()
    writer = _converter(schema_registry_url)
    old = _write(writer, topic, V1, [{"id": 1, "name": "ada"}, {"id": 2, "name": "bob"}])
    new = _write(writer, topic, V2, [{"id": 3, "name": "cy", "email": "cy@example.com"}])
    assert old[0].as_py()[1:5] != new[0].as_py()[1:5]

    reader = _converter(schema_registry_url)
    field, column = reader.to_connect(topic, pa.concat_arrays([old, new]))
    assert pa.types.is_union(field.type)
    v1, v2 = (field_to_connect_schema(field.type.field(i)) for i in range(2))
    assert v1["version"] == 1 and [f["field"] for f in v1["fields"]] == ["id", "name"]
    assert v2["version"] == 2 and [f["field"] for f in v2["fields"]] == ["id", "name", "email"]
    assert column.to_pylist() == [{"id": 1, "name": "ada"}, {"id": 2, "name": "bob"},
                                  {"id": 3, "name": "cy", "email": "cy@example.com"}]

    # each batch alone is read in its own writer schema too
    assert field_to_connect_schema(reader.to_connect(topic, old)[0])["version"] == 1
    assert field_to_connect_schema(reader.to_connect(topic, new)[0])["version"] == 2

    # with use.latest.version, v1 data is written with v2, its new field at its default
    latest = _converter(schema_registry_url, **{"auto.register.schemas": "false",
                                                "use.latest.version": "true"})
    rewritten = _write(latest, topic, V1, [{"id": 4, "name": "dee"}])
    assert rewritten[0].as_py()[1:5] == new[0].as_py()[1:5]
    assert reader.to_connect(topic, rewritten)[1].to_pylist() == [
        {"id": 4, "name": "dee", "email": None}]


def test_auto_register_false_needs_the_schema_registered(schema_registry_url):
    topic = _topic()
    strict = _converter(schema_registry_url, **{"auto.register.schemas": "false"})
    with pytest.raises(DataError, match=f"subject {topic}-value") as error:
        _write(strict, topic, V1, [None, {"id": 1, "name": "ada"}])
    assert error.value.index == 1
    registered = _write(_converter(schema_registry_url), topic, V1, [{"id": 1, "name": "ada"}])
    assert _write(strict, topic, V1, [{"id": 1, "name": "ada"}]).equals(registered)


def test_unknown_schema_id_is_a_data_error(schema_registry_url):
    topic = _topic()
    good = _write(_converter(schema_registry_url), topic, V1, [{"id": 1, "name": "ada"}])
    unknown = b"\x00" + (2**31 - 7).to_bytes(4, "big") + b"\x02\x06ada"
    with pytest.raises(DataError, match=f"for id {2**31 - 7}") as error:
        _converter(schema_registry_url).to_connect(
            topic, pa.array([good[0].as_py(), None, unknown], pa.binary()))
    assert error.value.index == 2
    with pytest.raises(RegistryError) as missing:
        RestSchemaRegistry([schema_registry_url]).schema_by_id(2**31 - 7)
    assert missing.value.status == 404


def test_standalone_file_to_kafka_to_file_with_avro_values(kafka_bootstrap, schema_registry_url,
                                                            tmp_path):
    """A worker configured with Confluent's AvroConverter writes the wire format to the topic
    and reads it back, through the real registry."""
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

    topic = f"avro-e2e-{uuid.uuid4().hex[:8]}"
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    expected = [f"line {i} é" for i in range(2000)]
    append(source_file, expected)
    worker_config = tmp_path / "worker.properties"
    worker_config.write_text(
        f"bootstrap.servers={kafka_bootstrap}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=io.confluent.connect.avro.AvroConverter\n"
        f"value.converter.schema.registry.url={schema_registry_url}\n"
        f"offset.storage.file.filename={tmp_path}/connect.offsets\n"
        "offset.flush.interval.ms=100\n")
    worker = start_worker(
        tmp_path, worker_config,
        write_config(tmp_path, "avro-source", **{"connector.class": "FileStreamSource",
                                                 "file": str(source_file), "topic": topic}),
        write_config(tmp_path, "avro-sink", **{"connector.class": "FileStreamSink",
                                               "file": str(sink_file), "topics": topic}))
    wait_for(lambda: count_lines(sink_file) >= len(expected), 120, "all lines in the sink",
             worker, tmp_path / "worker.log")
    stop_worker(worker, tmp_path)
    assert sink_file.read_text(encoding="utf-8").splitlines() == expected
    raw = read_topic(kafka_bootstrap, topic, len(expected))
    ids = {struct.unpack(">bI", value[:5]) for value in raw}
    assert len(ids) == 1 and next(iter(ids))[0] == 0  # magic byte 0, one schema id
    # The Avro body of a string is its zig-zag length and UTF-8 bytes.
    first = expected[0].encode()
    assert raw[0][5:] == bytes([len(first) * 2]) + first
