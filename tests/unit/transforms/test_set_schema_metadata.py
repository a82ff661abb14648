"""SetSchemaMetadata, with the records of Kafka's SetSchemaMetadataTest (4.3.1)."""

import json

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError, DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column
from fastconnect.transforms.set_schema_metadata import (
    SetSchemaMetadataKey, SetSchemaMetadataValue,
)

EMPTY_STRUCT = {"type": "struct", "fields": [], "optional": False}
ORIG = {"type": "struct", "optional": False, "name": "my.orig.SchemaDefn", "fields": [
    {"type": "string", "optional": False, "field": "f1"},
    {"type": "int32", "optional": False, "field": "f2"}]}


def record(schema, values):
    if schema is None:
        return sink_batch(json_column([None if v is None else json.dumps(v) for v in values]),
                          value_field=schemaless_field("value"))
    field = connect_schema_to_field(schema, "value")
    return sink_batch(pa.array(values, field.type), value_field=field)


def update(batch, key=False, **config):
    xform = SetSchemaMetadataKey() if key else SetSchemaMetadataValue()
    xform.configure(config)
    return xform.apply(batch)


def test_schema_name_update():
    out = update(record(EMPTY_STRUCT, [None]), **{"schema.name": "foo"})
    assert schema_of(out.schema.field("value"))["name"] == "foo"


def test_schema_version_update():
    out = update(record(EMPTY_STRUCT, [None]), **{"schema.version": 42})
    assert out.schema.field("value").metadata[b"connect.version"] == b"42"


def test_schema_name_and_version_update():
    out = update(record(EMPTY_STRUCT, [None]), **{"schema.name": "foo", "schema.version": "42"})
    assert schema_of(out.schema.field("value")) == {**EMPTY_STRUCT, "name": "foo", "version": 42}


def test_schema_name_and_version_update_with_struct():
    batch = record(ORIG, [{"f1": "value1", "f2": 1}])
    out = update(batch, **{"schema.name": "foo", "schema.version": "42"})
    assert schema_of(out.schema.field("value")) == {**ORIG, "name": "foo", "version": 42}
    assert out.column("value").to_pylist() == [{"f1": "value1", "f2": 1}]


@pytest.mark.parametrize("replace, expected", [(False, None), (True, "default")])
def test_schema_name_and_version_update_with_struct_and_null_field(replace, expected):
    schema = {**ORIG, "fields": [
        {"type": "string", "optional": True, "default": "default", "field": "f1"},
        {"type": "int32", "optional": False, "field": "f2"}]}
    out = update(record(schema, [{"f1": None, "f2": 1}]),
                 **{"schema.name": "foo", "schema.version": "42",
                    "replace.null.with.default": replace})
    assert schema_of(out.schema.field("value")) == {**schema, "name": "foo", "version": 42}
    assert out.column("value").to_pylist() == [{"f1": expected, "f2": 1}]


def test_value_schema_required():
    with pytest.raises(DataError) as caught:
        update(record(None, [None, 42]), **{"schema.name": "foo"})
    assert str(caught.value) == "Schema required for [updating schema metadata]"
    assert caught.value.index == 1


def test_ignore_record_with_null_value():
    batch = record(None, [None])
    assert update(batch, **{"schema.name": "foo"}).equals(batch)


def test_update_schema_of_non_struct_keeps_values():
    batch = record({"type": "int32", "optional": False}, [1])
    out = update(batch, **{"schema.name": "foo"})
    assert out.column("value").equals(batch.column("value"))
    assert schema_of(out.schema.field("value")) == {"type": "int32", "optional": False,
                                                    "name": "foo"}


# --- beyond Kafka's tests ---------------------------------------------------------------------

def test_logical_types_keep_their_implied_name_and_parameters():
    decimal_schema = {"type": "bytes", "optional": True, "name": "org.apache.kafka.connect.data."
                      "Decimal", "version": 1, "parameters": {"scale": "2"}}
    out = update(sink_batch(pa.array([1], pa.decimal128(10, 2))), **{"schema.version": 7})
    assert schema_of(out.schema.field("value")) == {**decimal_schema, "version": 7}
    out = update(sink_batch(pa.array([1], pa.decimal128(10, 2))), **{"schema.name": "money"})
    assert schema_of(out.schema.field("value")) == {**decimal_schema, "name": "money"}


def test_key_variant_and_invalid_configs():
    batch = record(ORIG, [{"f1": "a", "f2": 1}])
    batch = batch.set_column(4, batch.schema.field("value").with_name("key"),
                             batch.column("value"))
    out = update(batch, key=True, **{"schema.name": "k"})
    assert schema_of(out.schema.field("key"))["name"] == "k"
    assert schema_of(out.schema.field("value"))["name"] == "my.orig.SchemaDefn"
    with pytest.raises(ConfigError) as caught:
        SetSchemaMetadataValue().configure({})
    assert str(caught.value) == "Neither schema name nor version configured"
    with pytest.raises(ConfigError) as caught:
        SetSchemaMetadataValue().configure({"schema.version": "x"})
    assert str(caught.value) == "Invalid value x for configuration schema.version: Not a number " \
                                "of type INT"
    plugins = Plugins().transforms
    assert plugins["org.apache.kafka.connect.transforms.SetSchemaMetadata$Value"] is \
        SetSchemaMetadataValue
    assert plugins["org.apache.kafka.connect.transforms.SetSchemaMetadata$Key"] is \
        SetSchemaMetadataKey
