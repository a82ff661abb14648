"""HoistField, with the records of Kafka's HoistFieldTest (4.3.1)."""

import json

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms.hoist_field import HoistFieldKey, HoistFieldValue

INT32 = {"type": "int32", "optional": False}


def column(schema, values, name):
    if schema is None:
        return schemaless_field(name), json_column(
            [None if v is None else json.dumps(v) for v in values])
    field = connect_schema_to_field(schema, name)
    return field, pa.array(values, field.type)


def record(key_schema, keys):
    return sink_batch(pa.nulls(len(keys), pa.string())).set_column(
        4, *column(key_schema, keys, "key"))


def hoist(batch, key=True, **config):
    xform = HoistFieldKey() if key else HoistFieldValue()
    xform.configure(config)
    return xform.apply(batch)


def schemaless_values(batch, name="key"):
    return [None if t is None else json.loads(t) for t in json_texts(batch.column(name))]


def test_schemaless():
    out = hoist(record(None, [42]), field="magic")
    assert out.schema.field("key").equals(schemaless_field("key"), check_metadata=True)
    assert schemaless_values(out) == [{"magic": 42}]


def test_with_schema():
    out = hoist(record(INT32, [42]), field="magic")
    assert schema_of(out.schema.field("key")) == {
        "type": "struct", "fields": [{**INT32, "field": "magic"}], "optional": False}
    assert out.column("key").to_pylist() == [{"magic": 42}]


def test_schemaless_map_is_a_new_object():
    out = hoist(record(None, [420]), field="magic")
    value = schemaless_values(out)[0]
    value["k"] = "v"
    assert value == {"k": "v", "magic": 420}


# --- beyond Kafka's tests ---------------------------------------------------------------------

def test_tombstones_are_wrapped_as_kafka_wraps_null():
    out = hoist(record(None, [None, "x", [1]]), field="w")
    assert json_texts(out.column("key")) == ['{"w":null}', '{"w":"x"}', '{"w":[1]}']
    out = hoist(record({"type": "string", "optional": True, "name": "n"}, [None, "x"]), field="w")
    assert out.column("key").to_pylist() == [{"w": None}, {"w": "x"}]
    assert schema_of(out.schema.field("key")) == {"type": "struct", "fields": [
        {"type": "string", "optional": True, "name": "n", "field": "w"}], "optional": False}


def test_required_schema_with_tombstones_becomes_optional_inside():
    out = hoist(record(INT32, [1, None]).slice(1), field="w")
    assert out.column("key").to_pylist() == [{"w": None}]
    assert schema_of(out.schema.field("key"))["fields"] == [{"type": "int32", "optional": True,
                                                             "field": "w"}]


def test_field_names_needing_json_escapes():
    out = hoist(record(None, [1]), field='a"b')
    assert schemaless_values(out) == [{'a"b': 1}]


def test_value_variant_keeps_the_key():
    batch = sink_batch(pa.array([{"x": 1}], pa.struct([("x", pa.int64())])))
    out = hoist(batch, key=False, field="v")
    assert out.column("value").to_pylist() == [{"v": {"x": 1}}]
    assert out.column("key").equals(batch.column("key"))


def test_missing_field_config_and_aliases():
    with pytest.raises(ConfigError) as caught:
        HoistFieldValue().configure({})
    assert str(caught.value) == 'Missing required configuration "field" which has no default value.'
    plugins = Plugins().transforms
    assert plugins["org.apache.kafka.connect.transforms.HoistField$Key"] is HoistFieldKey
    assert plugins["org.apache.kafka.connect.transforms.HoistField$Value"] is HoistFieldValue
