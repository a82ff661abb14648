"""ReplaceField, with the records of Kafka's ReplaceFieldTest (4.3.1)."""

import json

import pyarrow as pa
import pytest

from fastconnect.api.schema import is_schemaless_struct
from fastconnect.transforms._maps import to_text
from fastconnect.api import ConfigError, DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue

SCHEMA = {"type": "struct", "optional": False, "fields": [
    {"type": "string", "optional": False, "field": "dont"},
    {"type": "int32", "optional": False, "field": "abc"},
    {"type": "boolean", "optional": False, "field": "foo"},
    {"type": "string", "optional": False, "field": "etc"}]}
VALUE = {"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"}


def column(schema, values, name):
    if schema is None:
        return schemaless_field(name), json_column(
            [None if v is None else json.dumps(v) for v in values])
    field = connect_schema_to_field(schema, name)
    return field, pa.array(values, field.type)


def record(schema, values, *, key_schema=None, keys=None):
    field, array = column(schema, values, "value")
    batch = sink_batch(array, value_field=field)
    if keys is not None:
        batch = batch.set_column(4, *column(key_schema, keys, "key"))
    return batch


def replace(batch, key=False, **config):
    xform = ReplaceFieldKey() if key else ReplaceFieldValue()
    xform.configure(config)
    return xform.apply(batch)


def schemaless_values(batch, name="value"):
    field, column = batch.schema.field(name), batch.column(name)
    if is_schemaless_struct(field):  # the SMT worked on the struct form
        field, column = to_text(field, column)
    return [None if t is None else json.loads(t) for t in json_texts(column)]


def test_tombstone_schemaless():
    batch = record(None, [None])
    assert replace(batch, include="abc,foo", renames="abc:xyz,foo:bar").equals(batch)


def test_tombstone_with_schema():
    batch = record(SCHEMA, [None])
    out = replace(batch, include="abc,foo", renames="abc:xyz,foo:bar")
    assert out.equals(batch)
    assert schema_of(out.schema.field("value")) == SCHEMA


def test_schemaless():
    out = replace(record(None, [VALUE]), exclude="dont", renames="abc:xyz,foo:bar")
    assert schemaless_values(out) == [{"xyz": 42, "bar": True, "etc": "etc"}]


def test_with_schema():
    out = replace(record(SCHEMA, [VALUE]), include="abc,foo", renames="abc:xyz,foo:bar")
    assert schema_of(out.schema.field("value")) == {"type": "struct", "optional": False,
                                                    "fields": [
        {"type": "int32", "optional": False, "field": "xyz"},
        {"type": "boolean", "optional": False, "field": "bar"}]}
    assert out.column("value").to_pylist() == [{"xyz": 42, "bar": True}]


@pytest.mark.parametrize("replace_null, expected", [(False, None), (True, 42)])
def test_replace_null_with_default_on_value_and_key(replace_null, expected):
    schema = {"type": "struct", "optional": False, "fields": [
        {"type": "int32", "optional": True, "default": 42, "field": "abc"}]}
    config = {"include": "abc", "renames": "abc:optional_with_default",
              "replace.null.with.default": str(replace_null).lower()}
    out = replace(record(schema, [{"abc": None}]), **config)
    assert out.column("value").to_pylist() == [{"optional_with_default": expected}]
    batch = record(None, [None], key_schema=schema, keys=[{"abc": None}])
    out = replace(batch, key=True, **config)
    assert out.column("key").to_pylist() == [{"optional_with_default": expected}]


# --- beyond Kafka's tests ---------------------------------------------------------------------

def test_deprecated_whitelist_and_blacklist_still_work_as_in_kafka_3():
    out = replace(record(SCHEMA, [VALUE]), whitelist="abc,foo", blacklist="foo")
    assert out.column("value").to_pylist() == [{"abc": 42}]
    out = replace(record(SCHEMA, [VALUE]), include="etc", whitelist="abc")
    assert out.column("value").to_pylist() == [{"etc": "etc"}]


def test_output_schema_keeps_name_and_drops_optional_and_default():
    schema = {**SCHEMA, "optional": True, "name": "n", "version": 2, "doc": "d"}
    out = replace(record(schema, [VALUE, None]).slice(0), exclude="dont,etc")
    assert schema_of(out.schema.field("value")) == {
        "type": "struct", "optional": False, "name": "n", "version": 2, "doc": "d",
        "fields": SCHEMA["fields"][1:3]}
    assert out.column("value").to_pylist() == [{"abc": 42, "foo": True}, None]


def test_rename_onto_an_existing_field_and_non_struct():
    with pytest.raises(DataError, match="^Cannot create field because of field name "
                                        "duplication etc$"):
        replace(record(SCHEMA, [VALUE]), renames="abc:etc")
    with pytest.raises(DataError) as caught:
        replace(record(None, [VALUE, "x"]), exclude="dont")
    assert str(caught.value) == ("Only Map objects supported in absence of schema for "
                                 "[field replacement], found: java.lang.String")
    assert caught.value.index == 1


@pytest.mark.parametrize("config, message", [
    ({"renames": "foo"}, "Invalid value [foo] for configuration renames: Invalid rename "
                         "mapping: foo"),
    ({"renames": "a:b,c:d:e"}, "Invalid value [a:b, c:d:e] for configuration renames: Invalid "
                               "rename mapping: c:d:e"),
    ({"renames": "a:"}, "Invalid value [a:] for configuration renames: Invalid rename "
                        "mapping: a:"),
    ({"include": "a,a"}, "Configuration 'include' values must not be duplicated."),
    ({"exclude": "a,,b"}, "Configuration 'exclude' values must not be empty."),
])
def test_invalid_configs(config, message):
    with pytest.raises(ConfigError) as caught:
        ReplaceFieldValue().configure(config)
    assert str(caught.value) == message


def test_aliases():
    plugins = Plugins().transforms
    assert plugins["org.apache.kafka.connect.transforms.ReplaceField$Value"] is ReplaceFieldValue
    assert plugins["org.apache.kafka.connect.transforms.ReplaceField$Key"] is ReplaceFieldKey
