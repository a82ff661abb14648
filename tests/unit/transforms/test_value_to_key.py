"""ValueToKey, with the records of Kafka's ValueToKeyTest (4.3.1)."""

import json

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError, DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms.value_to_key import ValueToKey

INT32 = {"type": "int32", "optional": False}


def struct(*names, optional=False):
    return {"type": "struct", "fields": [{**INT32, "field": n} for n in names],
            "optional": optional}


def record(schema, values):
    if schema is None:
        return sink_batch(json_column([None if v is None else json.dumps(v) for v in values]),
                          value_field=schemaless_field("value"))
    field = connect_schema_to_field(schema, "value")
    return sink_batch(pa.array(values, field.type), value_field=field)


def to_key(batch, **config):
    xform = ValueToKey()
    xform.configure(config)
    return xform.apply(batch)


def test_schemaless():
    out = to_key(record(None, [{"a": 1, "b": 2, "c": 3}]), fields="a,b")
    assert out.schema.field("key").equals(schemaless_field("key", hashmap_order=True),
                                          check_metadata=True)
    assert [json.loads(t) for t in json_texts(out.column("key"))] == [{"a": 1, "b": 2}]


def test_with_schema():
    batch = record(struct("a", "b", "c"), [{"a": 1, "b": 2, "c": 3}])
    out = to_key(batch, fields="a,b")
    assert schema_of(out.schema.field("key")) == struct("a", "b")
    assert out.column("key").to_pylist() == [{"a": 1, "b": 2}]
    assert out.column("value").equals(batch.column("value"))


def test_non_existing_field():
    with pytest.raises(DataError) as caught:
        to_key(record(struct("a"), [{"a": 1}]), fields="not_exist")
    assert str(caught.value) == "Field does not exist: not_exist"


@pytest.mark.parametrize("replace, expected", [(False, None), (True, 42)])
def test_replace_null_with_default(replace, expected):
    schema = {"type": "struct", "optional": False, "fields": [
        {"type": "int32", "optional": True, "default": 42, "field": "optional_with_default"}]}
    out = to_key(record(schema, [{"optional_with_default": None}]),
                 fields="optional_with_default", **{"replace.null.with.default": replace})
    assert out.column("key").to_pylist() == [{"optional_with_default": expected}]


# --- beyond Kafka's tests ---------------------------------------------------------------------

def test_absent_schemaless_fields_are_null_and_order_is_the_hashmaps():
    # Kafka puts b then a into a new HashMap<>(2), which grows to 4 buckets: a (97) in
    # bucket 1 iterates before b (98) in bucket 2.
    out = to_key(record(None, [{"a": 1}, {"b": [2]}]), fields="b,a")
    assert json_texts(out.column("key")) == ['{"a":1,"b":null}', '{"a":null,"b":[2]}']


def test_tombstones_and_non_structs_are_refused():
    for batch in (record(None, [{"a": 1}, None]), record(struct("a"), [{"a": 1}, None])):
        with pytest.raises(DataError) as caught:
            to_key(batch, fields="a")
        assert str(caught.value) == ("Only Map objects supported in absence of schema for "
                                     "[copying fields from value to key], found: null")
        assert caught.value.index == 1
    with pytest.raises(DataError) as caught:
        to_key(record(None, [{"a": 1}, [1]]), fields="a")
    assert str(caught.value).endswith("found: java.util.ArrayList")
    with pytest.raises(DataError) as caught:
        to_key(record({**INT32, "optional": True}, [1, None]), fields="a")
    assert str(caught.value) == ("Only Struct objects supported for [copying fields from value "
                                 "to key], found: java.lang.Integer")


@pytest.mark.parametrize("fields, message", [
    ("", "Configuration 'fields' must not be empty. Valid values include: any non-empty value"),
    ("a,a", "Configuration 'fields' values must not be duplicated."),
    ("a,", "Configuration 'fields' values must not be empty."),
])
def test_invalid_fields(fields, message):
    with pytest.raises(ConfigError) as caught:
        ValueToKey().configure({"fields": fields})
    assert str(caught.value) == message


def test_alias():
    assert Plugins().transforms["org.apache.kafka.connect.transforms.ValueToKey"] is ValueToKey
