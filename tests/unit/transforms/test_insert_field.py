"""InsertField, with the records of Kafka's InsertFieldTest (4.3.1)."""

import datetime
import json

import pyarrow as pa
import pytest

from fastconnect.api.schema import is_schemaless_struct
from fastconnect.transforms._maps import to_text
from fastconnect.api import TIMESTAMP_TYPE, ConfigError, DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms.insert_field import InsertFieldKey, InsertFieldValue

OPT_INT64 = {"type": "int64", "optional": True}
TIMESTAMP = {"type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1}
PROPS = {"topic.field": "topic_field!", "partition.field": "partition_field",
         "timestamp.field": "timestamp_field?", "static.field": "instance_id",
         "static.value": "my-instance-id"}
SIMPLE = {"type": "struct", "fields": [{**OPT_INT64, "field": "magic"}], "optional": False,
          "name": "name", "version": 1, "doc": "doc"}


def column(schema, values, name):
    if schema is None:
        return schemaless_field(name), json_column(
            [None if v is None else json.dumps(v) for v in values])
    field = connect_schema_to_field(schema, name)
    return field, pa.array(values, field.type)


def record(schema, values, *, timestamps=None, key_schema=None, keys=None, topic="test"):
    batch = sink_batch(column(schema, values, "value")[1], topic=topic,
                       value_field=column(schema, values, "value")[0])
    if timestamps is not None:
        batch = batch.set_column(3, "timestamp", pa.array(timestamps, TIMESTAMP_TYPE))
    if keys is not None:
        batch = batch.set_column(4, *column(key_schema, keys, "key"))
    return batch


def insert(batch, key=False, **config):
    xform = InsertFieldKey() if key else InsertFieldValue()
    xform.configure(config)
    return xform.apply(batch)


def schemaless_values(batch, name="value"):
    field, column = batch.schema.field(name), batch.column(name)
    if is_schemaless_struct(field):  # the SMT worked on the struct form
        field, column = to_text(field, column)
    return [None if t is None else json.loads(t) for t in json_texts(column)]


def test_top_level_struct_required():
    with pytest.raises(DataError) as caught:
        insert(record({"type": "int32", "optional": False}, [42]), **{"topic.field":
                                                                      "topic_field"})
    assert str(caught.value) == ("Only Struct objects supported for [field insertion], found: "
                                 "java.lang.Integer")


def test_copy_schema_and_insert_configured_fields():
    batch = record(SIMPLE, [{"magic": 42}, {"magic": None}], timestamps=[789, 789])
    batch = batch.set_column(1, "partition", pa.array([0, 1], pa.int32()))
    out = insert(batch, **PROPS)
    assert schema_of(out.schema.field("value")) == {
        "type": "struct", "fields": [
            {**OPT_INT64, "field": "magic"},
            {"type": "string", "optional": False, "field": "topic_field"},
            {"type": "int32", "optional": True, "field": "partition_field"},
            {**TIMESTAMP, "optional": True, "field": "timestamp_field"},
            {"type": "string", "optional": True, "field": "instance_id"}],
        "optional": False, "name": "name", "version": 1, "doc": "doc"}
    stamp = datetime.datetime(1970, 1, 1, 0, 0, 0, 789000, tzinfo=datetime.timezone.utc)
    assert out.column("value").to_pylist() == [
        {"magic": 42, "topic_field": "test", "partition_field": 0, "timestamp_field": stamp,
         "instance_id": "my-instance-id"},
        {"magic": None, "topic_field": "test", "partition_field": 1, "timestamp_field": stamp,
         "instance_id": "my-instance-id"}]


def test_schemaless_insert_configured_fields():
    out = insert(record(None, [{"magic": 42}], timestamps=[123]), **PROPS)
    assert schemaless_values(out) == [{"magic": 42, "topic_field": "test", "partition_field": 0,
                                       "timestamp_field": 123, "instance_id": "my-instance-id"}]


def test_tombstones_without_and_with_schema_are_unchanged():
    batch = record(None, [None])
    assert insert(batch, **PROPS).equals(batch)
    batch = record(SIMPLE, [None])
    out = insert(batch, **PROPS)
    assert out.equals(batch)
    assert schema_of(out.schema.field("value")) == SIMPLE


def test_insert_key_fields_into_tombstone_event():
    batch = record(None, [None], key_schema=None, keys=[{"magic": 42}])
    out = insert(batch, key=True, **PROPS)
    assert schemaless_values(out, "key") == [{"magic": 42, "topic_field": "test",
                                              "partition_field": 0,
                                              "instance_id": "my-instance-id"}]
    assert out.column("value").to_pylist() == [None]


def test_insert_into_null_key_leaves_record_unchanged():
    batch = record(None, [{"magic": 42}], key_schema=None, keys=[None])
    assert insert(batch, key=True, **PROPS).equals(batch)


@pytest.mark.parametrize("replace, expected", [(False, None), (True, 42)])
def test_unset_optional_field(replace, expected):
    schema = {**SIMPLE, "fields": [{**OPT_INT64, "default": 42, "field": "magic_with_default"}]}
    out = insert(record(schema, [{"magic_with_default": None}], timestamps=[789]),
                 **PROPS, **{"replace.null.with.default": replace})
    fields = schema_of(out.schema.field("value"))
    assert (fields["name"], fields["version"], fields["doc"]) == ("name", 1, "doc")
    assert fields["fields"][0] == {**OPT_INT64, "default": 42, "field": "magic_with_default"}
    assert out.column("value").to_pylist()[0]["magic_with_default"] == expected


# --- beyond Kafka's tests ---------------------------------------------------------------------

def test_offset_needs_a_sink_record_and_null_timestamps_are_not_put():
    batch = record(None, [None, {"a": 1}]).drop_columns(["offset"])
    with pytest.raises(DataError) as caught:
        insert(batch, **{"offset.field": "o"})
    assert str(caught.value) == ("Only SinkRecord supported for [field insertion], found: "
                                 "org.apache.kafka.connect.source.SourceRecord")
    assert caught.value.index == 1
    out = insert(record(None, [{"a": 1}], timestamps=[None]).slice(0),
                 **{"offset.field": "o", "timestamp.field": "t"})
    assert schemaless_values(out) == [{"a": 1, "o": 0}]


def test_existing_field_schemaless_is_replaced_with_schema_refused():
    out = insert(record(None, [{"topic": "old"}], topic="new"), **{"topic.field": "topic"})
    assert schemaless_values(out) == [{"topic": "new"}]
    schema = {"type": "struct", "fields": [{"type": "string", "optional": True,
                                            "field": "topic"}], "optional": False}
    with pytest.raises(DataError, match="^Cannot create field because of field name "
                                        "duplication topic$"):
        insert(record(schema, [{"topic": "old"}]), **{"topic.field": "topic"})


def test_invalid_configs():
    with pytest.raises(ConfigError) as caught:
        InsertFieldValue().configure({})
    assert str(caught.value) == "No field insertion configured"
    with pytest.raises(ConfigError) as caught:
        InsertFieldValue().configure({"static.field": "s"})
    # Kafka prints its InsertionSpec object after the colon; the field name is printed here
    assert str(caught.value) == ("Invalid value null for configuration static.value: No value "
                                 "specified for static field: s")
    with pytest.raises(ConfigError) as caught:
        InsertFieldValue().configure({"topic.field": "t", "replace.null.with.default": "x"})
    assert str(caught.value) == ("Invalid value x for configuration replace.null.with.default: "
                                 "Expected value to be either true or false")
    plugins = Plugins().transforms
    assert plugins["org.apache.kafka.connect.transforms.InsertField$Value"] is InsertFieldValue
    assert plugins["org.apache.kafka.connect.transforms.InsertField$Key"] is InsertFieldKey
