"""Flatten, with the records of Kafka's FlattenTest (4.3.1)."""

import base64
import json

import pyarrow as pa
import pytest

from fastconnect.api import DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms.flatten import FlattenKey, FlattenValue

OPT_INT32 = {"type": "int32", "optional": True}
OPT_STRING = {"type": "string", "optional": True}


def prim(kind: str) -> dict:
    return {"type": kind, "optional": False}


def struct(*fields, optional=False, **extra) -> dict:
    return {"type": "struct", "fields": [{**s, "field": n} for n, s in fields],
            "optional": optional, **extra}


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


def flatten(batch, key=False, **config):
    xform = FlattenKey() if key else FlattenValue()
    xform.configure(config)
    return xform.apply(batch)


def schemaless_values(batch, name="value"):
    return [None if t is None else json.loads(t) for t in json_texts(batch.column(name))]


SUPPORTED = struct(*[(k, prim(k)) for k in ("int8", "int16", "int32", "int64")],
                   ("float32", prim("float")), ("float64", prim("double")),
                   ("boolean", prim("boolean")), ("string", prim("string")),
                   ("bytes", prim("bytes")))
SUPPORTED_VALUES = {"int8": 8, "int16": 16, "int32": 32, "int64": 64, "float32": 32.0,
                    "float64": 64.0, "boolean": True, "string": "stringy", "bytes": b"bytes"}


def test_top_level_struct_required():
    with pytest.raises(DataError) as caught:
        flatten(record(prim("int32"), [42]))
    assert str(caught.value) == "Only Struct objects supported for [flattening], found: " \
                                "java.lang.Integer"


def test_top_level_map_required():
    with pytest.raises(DataError) as caught:
        flatten(record(None, [42]))
    assert str(caught.value) == ("Only Map objects supported in absence of schema for "
                                 "[flattening], found: java.lang.Long")


def test_nested_struct():
    schema = struct(("A", struct(("B", SUPPORTED))))
    out = flatten(record(schema, [{"A": {"B": SUPPORTED_VALUES}}]))
    fields = schema_of(out.schema.field("value"))["fields"]
    assert len(fields) == 9
    assert out.column("value").to_pylist() == [
        {f"A.B.{k}": v for k, v in SUPPORTED_VALUES.items()}]
    assert [f["type"] for f in fields] == [f["type"] for f in SUPPORTED["fields"]]


def test_nested_map_with_delimiter():
    values = {**SUPPORTED_VALUES, "bytes": base64.b64encode(b"bytes").decode()}
    out = flatten(record(None, [{"A": {"B": values}}]), delimiter="#")
    assert schemaless_values(out) == [{f"A#B#{k}": v for k, v in values.items()}]


def test_optional_field_struct():
    schema = struct(("B", struct(("opt_int32", OPT_INT32))))
    out = flatten(record(schema, [{"B": {"opt_int32": None}}]))
    assert out.column("value").to_pylist() == [{"B.opt_int32": None}]


def test_optional_struct_tombstone():
    schema = struct(("opt_int32", OPT_INT32), optional=True)
    batch = record(schema, [None])
    assert flatten(batch).equals(batch)


def test_optional_nested_struct():
    schema = struct(("B", struct(("opt_int32", OPT_INT32), optional=True)))
    out = flatten(record(schema, [{"B": None}]))
    assert out.column("value").to_pylist() == [{"B.opt_int32": None}]


def test_optional_field_map():
    out = flatten(record(None, [{"B": {"opt_int32": None}}]))
    assert schemaless_values(out) == [{"B.opt_int32": None}]


def test_key():
    out = flatten(record(None, [None], keys=[{"A": {"B": 12}}]), key=True)
    assert schemaless_values(out, "key") == [{"A.B": 12}]


def test_schemaless_array():
    value = {"foo": ["bar", {"baz": {"lfg": "lfg"}}]}
    assert schemaless_values(flatten(record(None, [value]))) == [value]


def test_array_with_schema():
    inner = struct(("baz", struct(("lfg", prim("string")))))
    schema = struct(("foo", {"type": "array", "items": inner, "optional": False, "doc": "durk"}))
    value = {"foo": [{"baz": {"lfg": "lfg"}}]}
    out = flatten(record(schema, [value]))
    assert out.column("value").to_pylist() == [value]
    assert schema_of(out.schema.field("value")) == schema


def test_optional_and_default_values_nested():
    schema = struct(("req_field", prim("string")),
                    ("opt_field", {**OPT_STRING, "default": "child_default"}),
                    optional=True, default={"req_field": "req_default", "opt_field": None})
    out = flatten(record(schema, [{"req_field": None, "opt_field": None}]))
    assert schema_of(out.schema.field("value"))["fields"] == [
        {"type": "string", "optional": True, "default": "req_default", "field": "req_field"},
        {"type": "string", "optional": True, "default": "child_default", "field": "opt_field"}]
    # Struct.get of the unset optional field gives its own default, as Kafka copies it
    assert out.column("value").to_pylist() == [{"req_field": None, "opt_field": "child_default"}]


def test_tombstones_pass_through():
    batch = record(None, [None])
    assert flatten(batch).equals(batch)
    schema = struct(("magic", {"type": "int64", "optional": True}), name="name", version=1,
                    doc="doc")
    batch = record(schema, [None])
    out = flatten(batch)
    assert out.equals(batch)
    assert schema_of(out.schema.field("value")) == schema


def test_map_with_null_fields():
    value = {"firstNull": None, "firstNonNull": "nonNull", "secondNull": None,
             "secondNonNull": "alsoNonNull", "thirdNonNull": None}
    assert schemaless_values(flatten(record(None, [value]))) == [value]


def test_struct_with_null_fields():
    names = ("firstNull", "firstNonNull", "secondNull", "secondNonNull", "thirdNonNull")
    schema = struct(*[(n, OPT_STRING) for n in names])
    value = {"firstNull": None, "firstNonNull": "nonNull", "secondNull": None,
             "secondNonNull": "alsoNonNull", "thirdNonNull": None}
    out = flatten(record(schema, [value]))
    assert out.column("value").to_pylist() == [value]
    assert schema_of(out.schema.field("value")) == schema


# --- beyond Kafka's tests ---------------------------------------------------------------------

def test_map_field_with_schema_fails_and_names_collide():
    schema = struct(("m", {"type": "map", "keys": prim("string"), "values": prim("string"),
                           "optional": False}))
    with pytest.raises(DataError) as caught:
        flatten(record(schema, [None, {"m": [("a", "b")]}]))
    assert str(caught.value) == ("Flatten transformation does not support MAP for record with "
                                 "schemas (for field m).")
    assert caught.value.index == 1
    schema = struct(("a", struct(("b", prim("int32")))), ("a.b", prim("int32")))
    with pytest.raises(DataError, match="^Cannot create field because of field name "
                                        "duplication a.b$"):
        flatten(record(schema, [{"a": {"b": 1}, "a.b": 2}]))


def test_parent_nulls_and_metadata_of_leaves_in_a_sliced_batch():
    leaf = {"type": "int64", "optional": False, "name": "org.apache.kafka.connect.data.Timestamp",
            "version": 1, "doc": "when"}
    schema = struct(("a", struct(("t", leaf), ("n", {**OPT_INT32, "default": 5}), optional=True)),
                    name="rec", version=3)
    batch = record(schema, [None, {"a": {"t": 1, "n": None}}, {"a": None}, None])
    out = flatten(batch.slice(1), delimiter="_")
    values = out.column("value").to_pylist()
    values[0]["a_t"] = int(values[0]["a_t"].timestamp() * 1000)
    assert values == [
        {"a_t": 1, "a_n": 5}, {"a_t": None, "a_n": None}, None]
    assert schema_of(out.schema.field("value")) == {
        "type": "struct", "fields": [{**leaf, "optional": True, "field": "a_t"},
                                     {**OPT_INT32, "default": 5, "field": "a_n"}],
        "optional": False, "name": "rec", "version": 3}


def test_default_delimiter_and_aliases():
    from fastconnect.runtime.plugins import Plugins
    assert FlattenValue.CONFIG_DEF["delimiter"].default == "."
    plugins = Plugins().transforms
    assert plugins["org.apache.kafka.connect.transforms.Flatten$Value"] is FlattenValue
    assert plugins["org.apache.kafka.connect.transforms.Flatten$Key"] is FlattenKey
