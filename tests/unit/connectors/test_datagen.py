import asyncio
import json

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError
from fastconnect.api.schema import field_to_connect_schema
from fastconnect.testing import source_task_context
from fastconnect_connectors.datagen import DatagenConnector, DatagenTask

from fastconnect_connectors.datagen import source

BASE = {"kafka.topic": "gen", "max.interval": "0", "random.seed": "42"}


@pytest.fixture(autouse=True)
def no_idle_wait(monkeypatch):
    monkeypatch.setattr(source, "IDLE_WAIT", 0)


def run(coro):
    return asyncio.run(coro)


async def start_task(config, context=None):
    task = DatagenTask()
    task.initialize(context or source_task_context())
    await task.start({**BASE, **config})
    return task


async def drain(task, polls=100):
    batches = []
    for _ in range(polls):
        batch = await task.poll()
        if batch is None:
            break
        batches.append(batch)
    return batches


def generate(config, polls=100):
    async def scenario():
        return await drain(await start_task(config), polls)
    return run(scenario())


def values(batches):
    return [v for b in batches for v in b.records.column("value").to_pylist()]


def value_schema(batch):
    return field_to_connect_schema(batch.records.schema.field("value"))


@pytest.mark.parametrize("preset, name, fields, key", [
    ("users", "ksql.users", {"registertime": "int64", "userid": "string",
                             "regionid": "string", "gender": "string"}, "userid"),
    ("pageviews", "ksql.pageviews", {"viewtime": "int64", "userid": "string",
                                     "pageid": "string"}, "viewtime"),
    ("orders", "ksql.orders", {"ordertime": "int64", "orderid": "int32", "itemid": "string",
                               "orderunits": "double", "address": "struct"}, "orderid"),
])
def test_quickstart_shapes(preset, name, fields, key):
    batches = generate({"quickstart": preset, "iterations": "50"})
    schema = value_schema(batches[0])
    assert schema["name"] == name and schema["optional"] is False
    assert {f["field"]: f["type"] for f in schema["fields"]} == fields
    rows = values(batches)
    assert len(rows) == 50
    keys = [k for b in batches for k in b.records.column("key").to_pylist()]
    assert keys == [str(r[key]) for r in rows]


def test_quickstart_values_follow_the_datagen_arg_properties():
    users = values(generate({"quickstart": "users", "iterations": "500"}))
    assert {u["gender"] for u in users} == {"MALE", "FEMALE", "OTHER"}
    assert {u["userid"] for u in users} == {f"User_{i}" for i in range(1, 10)}
    assert all(1487715775521 <= u["registertime"] <= 1519273364600 for u in users)
    views = values(generate({"quickstart": "pageviews", "iterations": "5"}))
    assert [v["viewtime"] for v in views] == [1, 11, 21, 31, 41]
    orders = values(generate({"quickstart": "orders", "iterations": "300"}))
    assert [o["orderid"] for o in orders] == list(range(300))
    assert all(0.1 <= o["orderunits"] <= 10.0 for o in orders)
    assert all(10000 <= o["address"]["zipcode"] <= 99999 for o in orders)
    assert all(o["address"]["city"].startswith("City_") for o in orders)


def test_field_spec_types_and_ranges():
    batches = generate({"fields": "id:seq(100,2),user:string(12),amount:float64(5,6),"
                                  "ts:timestamp,flag:boolean,n:int32,m:int64(-3,3),f:float32",
                        "iterations": "2000"})
    struct = batches[0].records.schema.field("value").type
    assert {f.name: f.type for f in struct} == {
        "id": pa.int64(), "user": pa.string(), "amount": pa.float64(),
        "ts": pa.timestamp("ms", tz="UTC"), "flag": pa.bool_(), "n": pa.int32(),
        "m": pa.int64(), "f": pa.float32()}
    assert value_schema(batches[0])["fields"][3]["name"] == "org.apache.kafka.connect.data.Timestamp"
    rows = values(batches)
    assert [r["id"] for r in rows[:3]] == [100, 102, 104]
    assert all(len(r["user"]) == 12 for r in rows)
    assert all(5 <= r["amount"] < 6 for r in rows)
    assert {r["m"] for r in rows} == set(range(-3, 4))
    assert {r["flag"] for r in rows} == {True, False}
    assert all(r["n"] >= 0 for r in rows)
    assert all(r["ts"].year == 2024 for r in rows)
    assert "key" not in batches[0].records.schema.names


def test_value_size_bytes_pads_the_json_value():
    rows = values(generate({"fields": "id:seq,user:string(12),amount:float64",
                            "value.size.bytes": "200", "iterations": "100"}))
    sizes = [len(json.dumps(r, separators=(",", ":"))) for r in rows]
    assert 190 <= sum(sizes) / len(sizes) <= 210


def test_iterations_give_exact_counts_in_batches_of_batch_size():
    batches = generate({"quickstart": "users", "iterations": "25", "batch.size": "10"})
    assert [len(b) for b in batches] == [10, 10, 5]
    assert [b.offsets for b in batches] == [
        [({"task": "datagen-0"}, {"count": n})] for n in (10, 20, 25)]
    alias = generate({"quickstart": "users", "max.records": "7", "batch.size": "10"})
    assert [len(b) for b in alias] == [7]


def test_default_batch_size_and_unbounded_iterations():
    batches = generate({"quickstart": "pageviews"}, polls=3)
    assert [len(b) for b in batches] == [10000] * 3


def test_restart_resumes_counting_and_iterations_bound_the_total():
    whole = values(generate({"quickstart": "orders", "iterations": "30", "batch.size": "7"}))
    context = source_task_context({"task": "datagen-0"}, {"count": 20})

    async def scenario():
        task = await start_task({"quickstart": "orders", "iterations": "30", "batch.size": "7"},
                                context)
        return await drain(task)

    rest = run(scenario())
    assert values(rest) == whole[20:]
    assert rest[-1].offsets == [({"task": "datagen-0"}, {"count": 30})]
    done = source_task_context({"task": "datagen-0"}, {"count": 30})

    async def finished():
        task = await start_task({"quickstart": "orders", "iterations": "30"}, done)
        return await task.poll()

    assert run(finished()) is None


def test_tasks_split_iterations_and_together_emit_the_same_records():
    connector = DatagenConnector()
    config = {**BASE, "quickstart": "orders", "iterations": "10", "batch.size": "3"}
    run(connector.start(config))
    configs = connector.task_configs(3)
    assert [c["task.id"] for c in configs] == ["0", "1", "2"]

    async def scenario(task_config):
        return values(await drain(await start_task(task_config)))

    per_task = [run(scenario(c)) for c in configs]
    assert [len(rows) for rows in per_task] == [4, 3, 3]
    together = sorted((r for rows in per_task for r in rows), key=lambda r: r["orderid"])
    assert together == values(generate({"quickstart": "orders", "iterations": "10"}))
    assert len(connector.task_configs(20)) == 10


def test_random_seed_makes_runs_repeatable():
    config = {"fields": "a:string(5),b:float64,c:int64", "iterations": "100"}
    assert values(generate(config)) == values(generate(config))
    other = values(generate({**config, "random.seed": "43"}))
    assert other != values(generate(config))


def test_max_interval_paces_records():
    async def scenario():
        task = await start_task({"quickstart": "users", "max.interval": "100",
                                 "batch.size": "100"})
        first = await task.poll()
        second = await task.poll()
        return first, second

    first, second = run(scenario())
    assert len(first) == 1
    assert second is None or len(second) <= 2


def test_schema_string_and_filename(tmp_path):
    avro = {"type": "record", "name": "thing", "namespace": "x", "fields": [
        {"name": "id", "type": {"type": "long", "arg.properties": {"iteration": {"start": 5}}}},
        {"name": "kind", "type": {"type": "enum", "name": "K", "symbols": ["A", "B"]}},
        {"name": "note", "type": ["null", "string"]},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ]}
    rows = values(generate({"schema.string": json.dumps(avro), "iterations": "20",
                            "schema.keyfield": "kind"}))
    assert [r["id"] for r in rows[:2]] == [5, 6]
    assert {r["kind"] for r in rows} <= {"A", "B"}
    path = tmp_path / "thing.avsc"
    path.write_text(json.dumps(avro))
    batches = generate({"schema.filename": str(path), "iterations": "3"})
    schema = value_schema(batches[0])
    assert schema["name"] == "x.thing"
    assert schema["fields"][2]["optional"] is True


def error_of(config):
    connector = DatagenConnector()
    with pytest.raises(ConfigError) as info:
        run(connector.start({**BASE, **config}))
    return info.value


@pytest.mark.parametrize("config, key, text", [
    ({"quickstart": "nope"}, "quickstart", "String must be one of: users, pageviews, orders"),
    ({}, "quickstart", "one of them must be set"),
    ({"quickstart": "users", "fields": "a:int32"}, "fields", "only one may be set"),
    ({"fields": "a:int99"}, "fields", "unknown type 'int99'"),
    ({"fields": "a int32"}, "fields", "expected name:type"),
    ({"fields": "a:int32,a:int64"}, "fields", "given twice"),
    ({"fields": "a:int32(5)"}, "fields", "(min,max)"),
    ({"fields": "a:string(x)"}, "fields", "must be numbers"),
    ({"fields": "a:int32", "key.field": "b"}, "key.field", "no such field"),
    ({"quickstart": "users", "schema.keyfield": "zz"}, "schema.keyfield", "no such field"),
    ({"quickstart": "users", "batch.size": "0"}, "batch.size", "at least 1"),
    ({"quickstart": "users", "max.interval": "-1"}, "max.interval", "at least 0"),
    ({"quickstart": "users", "iterations": "5", "max.records": "6"}, "max.records", "alias"),
    ({"schema.string": "{not json"}, "schema.string", "not a JSON Avro schema"),
    ({"schema.string": '{"type":"record","name":"r","fields":[{"name":"a","type":'
                       '{"type":"array","items":"int"}}]}'}, "schema.string", "'array'"),
    ({"schema.filename": "/nonexistent.avsc"}, "schema.filename", "No such file"),
])
def test_invalid_config_names_the_key(config, key, text):
    error = error_of(config)
    assert error.key == key
    assert key in str(error) and text in str(error)


def test_validate_reports_shape_errors_on_their_key():
    results = {v.name: v.errors for v in DatagenConnector().validate(
        {**BASE, "fields": "a:nope"})}
    assert "unknown type 'nope'" in results["fields"][0]
    results = {v.name: v.errors for v in DatagenConnector().validate({"quickstart": "users"})}
    assert results["kafka.topic"] == [
        'Missing required configuration "kafka.topic" which has no default value.']


def test_registered_under_the_confluent_class_name():
    from importlib.metadata import entry_points

    names = {e.name: e.value for e in entry_points(group="fastconnect.connectors")}
    assert names["io.confluent.kafka.connect.datagen.DatagenConnector"] == \
        "fastconnect_connectors.datagen.source:DatagenConnector"
