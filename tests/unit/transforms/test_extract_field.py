"""ExtractField, with the records of Kafka's ExtractFieldTest, SingleFieldPathTest and
FieldPathNotationTest (4.3.1)."""

import json

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError, DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts, parse_path
from fastconnect.transforms.extract_field import ExtractFieldKey, ExtractFieldValue

INT32 = {"type": "int32", "optional": False}


def struct(*fields, optional=False) -> dict:
    return {"type": "struct", "fields": [{**s, "field": n} for n, s in fields],
            "optional": optional}


def column(schema, values, name):
    if schema is None:
        return schemaless_field(name), json_column(
            [None if v is None else json.dumps(v) for v in values])
    field = connect_schema_to_field(schema, name)
    return field, pa.array(values, field.type)


def record(key_schema, keys, value_schema=None, values=None):
    value_field, value_array = column(value_schema, values or [None] * len(keys), "value")
    key_field, key_array = column(key_schema, keys, "key")
    return sink_batch(value_array, value_field=value_field).set_column(4, key_field, key_array)


def extract(batch, key=True, **config):
    xform = ExtractFieldKey() if key else ExtractFieldValue()
    xform.configure(config)
    return xform.apply(batch)


def schemaless_values(batch, name="key"):
    return [None if t is None else json.loads(t) for t in json_texts(batch.column(name))]


V2 = {"field.syntax.version": "V2"}


def test_schemaless():
    out = extract(record(None, [{"magic": 42}]), field="magic")
    assert out.schema.field("key").equals(schemaless_field("key"), check_metadata=True)
    assert schemaless_values(out) == [42]


def test_schemaless_and_nested_path():
    out = extract(record(None, [{"magic": {"foo": 42}}]), field="magic.foo", **V2)
    assert schemaless_values(out) == [42]


def test_null_schemaless():
    assert schemaless_values(extract(record(None, [None]), field="magic")) == [None]


def test_with_schema():
    out = extract(record(struct(("magic", INT32)), [{"magic": 42}]), field="magic")
    assert schema_of(out.schema.field("key")) == INT32
    assert out.column("key").to_pylist() == [42]


def test_with_schema_and_nested_path():
    schema = struct(("magic", struct(("foo", INT32))))
    out = extract(record(schema, [{"magic": {"foo": 42}}]), field="magic.foo", **V2)
    assert schema_of(out.schema.field("key")) == INT32
    assert out.column("key").to_pylist() == [42]


def test_null_with_schema():
    schema = struct(("magic", INT32), optional=True)
    out = extract(record(schema, [{"magic": 1}, None]), field="magic")
    assert schema_of(out.schema.field("key")) == INT32
    assert out.column("key").to_pylist() == [1, None]


def test_non_existent_field_schemaless_returns_null():
    assert schemaless_values(extract(record(None, [{"magic": 42}]), field="nonexistent")) == [None]
    out = extract(record(None, [{"magic": {"foo": 42}}]), field="magic.nonexistent", **V2)
    assert schemaless_values(out) == [None]


def test_non_existent_field_with_schema_fails():
    with pytest.raises(DataError, match="^Unknown field: nonexistent$"):
        extract(record(struct(("magic", INT32)), [{"magic": 42}]), field="nonexistent")
    schema = struct(("magic", struct(("foo", INT32))))
    with pytest.raises(DataError, match="^Unknown field: magic.nonexistent$"):
        extract(record(schema, [{"magic": {"foo": 42}}]), field="magic.nonexistent", **V2)


@pytest.mark.parametrize("replace, expected", [(False, None), (True, 42)])
def test_unset_optional_key_and_value(replace, expected):
    schema = struct(("optional_with_default", {"type": "int32", "optional": True, "default": 42}))
    config = {"field": "optional_with_default", "replace.null.with.default": replace}
    out = extract(record(schema, [{"optional_with_default": None}]), **config)
    assert out.column("key").to_pylist() == [expected]
    batch = record({"type": "string", "optional": True}, [None], schema,
                   [{"optional_with_default": None}])
    assert extract(batch, key=False, **config).column("value").to_pylist() == [expected]


# --- nested paths, as SingleFieldPathTest reads them ------------------------------------------

BAZ = struct(("inner", {"type": "string", "optional": False}), optional=True)
BAR = struct(("bar", INT32), ("baz", BAZ))
FOO = struct(("foo", BAR))


def test_v2_finds_values_in_struct_and_null_for_null_parents():
    batch = record(FOO, [{"foo": {"bar": 42, "baz": None}}])
    assert extract(batch, field="foo.bar", **V2).column("key").to_pylist() == [42]
    assert extract(batch, field="foo.baz", **V2).column("key").to_pylist() == [None]
    assert extract(batch, field="foo.baz.inner", **V2).column("key").to_pylist() == [None]
    for unknown in ("un.known", "foo.unknown", "unknown"):
        with pytest.raises(DataError, match=f"^Unknown field: {unknown}$"):
            extract(batch, field=unknown, **V2)


def test_v2_finds_values_in_maps():
    batch = record(None, [{"foo": {"bar": 42, "baz": None}}])
    assert schemaless_values(extract(batch, field="foo.bar", **V2)) == [42]
    for path in ("foo.baz", "un.known", "foo.unknown", "unknown", "foo.baz.inner"):
        assert schemaless_values(extract(batch, field=path, **V2)) == [None]


def test_v2_path_through_a_non_map_fails_and_v1_takes_the_dotted_name():
    with pytest.raises(DataError) as caught:
        extract(record(None, [{"foo": {"bar": 1}}, {"foo": 5}]), field="foo.bar", **V2)
    assert str(caught.value) == ("Only Map objects supported in absence of schema for "
                                 "[nested field access], found: java.lang.Long")
    assert caught.value.index == 1
    assert schemaless_values(extract(record(None, [{"foo.bar": 7}]), field="foo.bar")) == [7]


def test_nested_default_is_used_only_under_a_present_parent():
    inner = struct(("x", {"type": "int32", "optional": True, "default": 9}), optional=True)
    batch = record(struct(("a", inner)), [{"a": {"x": None}}, {"a": None}, None, {"a": {"x": 1}}])
    out = extract(batch.slice(0), field="a.x", **V2)
    assert out.column("key").to_pylist() == [9, None, None, 1]
    assert schema_of(out.schema.field("key")) == {"type": "int32", "optional": True, "default": 9}


@pytest.mark.parametrize("path, steps", [
    ("foo.bar.baz", ["foo", "bar", "baz"]), ("foobarbaz", ["foobarbaz"]), ("", []),
    ("..", ["", "", ""]), ("foo..", ["foo", "", ""]), (".bar.", ["", "bar", ""]),
    ("..baz", ["", "", "baz"]), ("foo`bar`baz", ["foo`bar`baz"]),
    ("`foo.bar.baz`", ["foo.bar.baz"]), ("foo.`bar.baz`", ["foo", "bar.baz"]),
    ("`foo.bar`.baz", ["foo.bar", "baz"]), ("foo.`bar`.baz", ["foo", "bar", "baz"]),
    ("foo.``bar.baz`", ["foo", "`bar.baz"]), ("foo.`bar.baz``", ["foo", "bar.baz`"]),
    ("foo.`ba`r.baz`", ["foo", "ba`r.baz"]), ("foo.ba`r.baz", ["foo", "ba`r", "baz"]),
    ("foo.``bar``.baz", ["foo", "`bar`", "baz"]), ("``foo.bar.baz``", ["`foo.bar.baz`"]),
    ("foo.`bar\\`.baz`", ["foo", "bar`.baz"]), ("foo.`bar.`baz`", ["foo", "bar.`baz"]),
    ("foo.`bar\\`.`baz`", ["foo", "bar`.`baz"]),
    ("foo.`bar\\\\`.\\`baz`", ["foo", "bar\\`.\\`baz"]),
])
def test_v2_path_notation(path, steps):
    assert parse_path(path, "V2") == steps


@pytest.mark.parametrize("path", ["foo.bar.baz", "foo`bar`", "foo.`bar.baz`"])
def test_v1_path_is_one_step(path):
    assert parse_path(path, "V1") == [path]


@pytest.mark.parametrize("path, position", [
    ("`foo.bar.baz", 0), ("foo.`bar.baz", 4), ("foo.bar.`baz", 8), ("foo.bar.`baz\\`", 8)])
def test_incomplete_backticks_fail_configure(path, position):
    with pytest.raises(ConfigError) as caught:
        ExtractFieldValue().configure({"field": path, "field.syntax.version": "v2"})
    assert str(caught.value) == (f"Incomplete backtick pair in path: [{path}], consider adding "
                                 f"a backslash before backtick at position {position} to escape it")


@pytest.mark.parametrize("version", ["v3", "V 1", "v", "V 2", "2", "1"])
def test_wrong_syntax_version(version):
    with pytest.raises(ConfigError) as caught:
        ExtractFieldValue().configure({"field": "a", "field.syntax.version": version})
    assert str(caught.value) == (f"Invalid value {version} for configuration field.syntax.version:"
                                 " String must be one of (case insensitive): V1, V2")


def test_missing_field_and_aliases():
    with pytest.raises(ConfigError) as caught:
        ExtractFieldKey().configure({})
    assert str(caught.value) == 'Missing required configuration "field" which has no default value.'
    plugins = Plugins().transforms
    assert plugins["org.apache.kafka.connect.transforms.ExtractField$Key"] is ExtractFieldKey
    assert plugins["org.apache.kafka.connect.transforms.ExtractField$Value"] is ExtractFieldValue
    assert "org.apache.kafka.connect.transforms.ExtractField" not in plugins


def test_non_struct_with_schema_fails():
    with pytest.raises(DataError) as caught:
        extract(record(INT32, [None, 3]), field="magic")
    assert str(caught.value) == ("Only Struct objects supported for [field extraction], found: "
                                 "java.lang.Integer")
    assert caught.value.index == 1
