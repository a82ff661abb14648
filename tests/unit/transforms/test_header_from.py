"""HeaderFrom, with the records of Kafka's HeaderFromTest (4.3.1), on the key and the value,
with schemas and schemaless. Header bytes are what SimpleHeaderConverter writes."""

import datetime as dt
import json

import pyarrow as pa
import pytest

from fastconnect.api import HEADERS_TYPE, ConfigError, DataError, connect_schema_to_field
from fastconnect.api import field_to_connect_schema as schema_of
from fastconnect.api.schema import schemaless_field
from fastconnect.api.values import convert_to_string
from fastconnect.api.values_text import timestamp_from_millis
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms.header_from import HeaderFromKey, HeaderFromValue

STRING = {"type": "string", "optional": False}
OPTIONAL_WITH_DEFAULT = {"type": "string", "optional": True, "default": "default"}
FOO = {"type": "struct", "optional": False, "fields": [{**STRING, "field": "foo"}]}


def h(key, value):
    return {"key": key, "value": value}


class Record:
    """Kafka's RecordBuilder: named fields with schemas and values, and headers."""

    def __init__(self, *fields, headers=()):
        self.fields = fields
        self.headers = list(headers)

    def schema(self):
        return {"type": "struct", "optional": False,
                "fields": [{**s, "field": n} for n, s, _ in self.fields]}

    def batch(self, key: bool, with_schema: bool) -> pa.RecordBatch:
        values = {n: v for n, _, v in self.fields}
        if with_schema:
            field = connect_schema_to_field(self.schema(), "x")
            column = pa.array([values], field.type)
        else:
            field, column = schemaless_field("x"), json_column([json.dumps(values)])
        batch = sink_batch(["value"] if key else column,
                           value_field=None if key else field.with_name("value"),
                           keys=column if key else ["key"])
        if key:
            batch = batch.set_column(4, field.with_name("key"), column)
        return batch.set_column(6, "headers", pa.array([self.headers], HEADERS_TYPE))


CASES = [
    ("basic copy",
     Record(("field1", STRING, "field1-value"), ("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value")]),
     ["field1"], ["inserted1"], "copy", True,
     Record(("field1", STRING, "field1-value"), ("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value"), h("inserted1", b"field1-value")])),
    ("basic move",
     Record(("field1", STRING, "field1-value"), ("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value")]),
     ["field1"], ["inserted1"], "move", True,
     Record(("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value"), h("inserted1", b"field1-value")])),
    ("copy with preexisting header",
     Record(("field1", STRING, "field1-value"), ("field2", STRING, "field2-value"),
            headers=[h("inserted1", b"existing-value")]),
     ["field1"], ["inserted1"], "copy", True,
     Record(("field1", STRING, "field1-value"), ("field2", STRING, "field2-value"),
            headers=[h("inserted1", b"existing-value"), h("inserted1", b"field1-value")])),
    ("move with preexisting header",
     Record(("field1", STRING, "field1-value"), ("field2", STRING, "field2-value"),
            headers=[h("inserted1", b"existing-value")]),
     ["field1"], ["inserted1"], "move", True,
     Record(("field2", STRING, "field2-value"),
            headers=[h("inserted1", b"existing-value"), h("inserted1", b"field1-value")])),
    ("copy with struct value",
     Record(("field1", FOO, {"foo": "foo-value"}), ("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value")]),
     ["field1"], ["inserted1"], "copy", True,
     Record(("field1", FOO, {"foo": "foo-value"}), ("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value"), h("inserted1", b'{"foo":"foo-value"}')])),
    ("move with struct value",
     Record(("field1", FOO, {"foo": "foo-value"}), ("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value")]),
     ["field1"], ["inserted1"], "move", True,
     Record(("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value"), h("inserted1", b'{"foo":"foo-value"}')])),
    ("two headers from same field",
     Record(("field1", STRING, "field1-value"), ("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value")]),
     ["field1", "field1"], ["inserted1", "inserted2"], "move", True,
     Record(("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value"), h("inserted1", b"field1-value"),
                     h("inserted2", b"field1-value")])),
    ("two fields to same header",
     Record(("field1", STRING, "field1-value"), ("field2", STRING, "field2-value"),
            headers=[h("header1", b"existing-value")]),
     ["field1", "field2"], ["inserted1", "inserted1"], "move", True,
     Record(headers=[h("header1", b"existing-value"), h("inserted1", b"field1-value"),
                     h("inserted1", b"field2-value")])),
    ("copy null field without default",
     Record(("field1", OPTIONAL_WITH_DEFAULT, "field1-value"),
            ("field2", OPTIONAL_WITH_DEFAULT, None), headers=[h("header1", b"existing-value")]),
     ["field1", "field2"], ["inserted1", "inserted2"], "copy", False,
     Record(("field1", OPTIONAL_WITH_DEFAULT, "field1-value"),
            ("field2", OPTIONAL_WITH_DEFAULT, None),
            headers=[h("header1", b"existing-value"), h("inserted1", b"field1-value"),
                     h("inserted2", None)])),
    ("move null field without default",
     Record(("field1", OPTIONAL_WITH_DEFAULT, "field1-value"),
            ("field2", OPTIONAL_WITH_DEFAULT, None), headers=[h("header1", b"existing-value")]),
     ["field1", "field2"], ["inserted1", "inserted2"], "move", False,
     Record(headers=[h("header1", b"existing-value"), h("inserted1", b"field1-value"),
                     h("inserted2", None)])),
]


def configure(key: bool, fields, headers, operation, replace_null=True):
    xform = HeaderFromKey() if key else HeaderFromValue()
    xform.configure({"fields": ",".join(fields), "headers": ",".join(headers),
                     "operation": operation, "replace.null.with.default": str(replace_null)})
    return xform


def operating(batch, key):
    name = "key" if key else "value"
    field = batch.schema.field(name)
    if field.type == pa.string() and not key:
        return None
    if field.metadata and b"connect.schemaless" in field.metadata:
        return [json.loads(t) for t in json_texts(batch.column(name))]
    return batch.column(name).to_pylist()


@pytest.mark.parametrize("key", [True, False], ids=["key", "value"])
@pytest.mark.parametrize("description, original, fields, headers, operation, replace, expected",
                         CASES, ids=[c[0] for c in CASES])
def test_schemaless(description, key, original, fields, headers, operation, replace, expected):
    xform = configure(key, fields, headers, operation, replace)
    out = xform.apply(original.batch(key, with_schema=False))
    want = expected.batch(key, with_schema=False)
    assert out.column("headers").to_pylist() == want.column("headers").to_pylist()
    assert operating(out, key) == operating(want, key)
    assert out.column("value" if key else "key").equals(want.column("value" if key else "key"))


@pytest.mark.parametrize("key", [True, False], ids=["key", "value"])
@pytest.mark.parametrize("description, original, fields, headers, operation, replace, expected",
                         CASES, ids=[c[0] for c in CASES])
def test_with_schema(description, key, original, fields, headers, operation, replace, expected):
    xform = configure(key, fields, headers, operation, replace)
    out = xform.apply(original.batch(key, with_schema=True))
    want = expected.batch(key, with_schema=True)
    name = "key" if key else "value"
    assert out.column("headers").to_pylist() == want.column("headers").to_pylist()
    assert out.column(name).to_pylist() == want.column(name).to_pylist()
    assert schema_of(out.schema.field(name)) == schema_of(want.schema.field(name))


def test_null_field_with_default_reads_the_default():
    record = Record(("field1", OPTIONAL_WITH_DEFAULT, None), ("field2", STRING, "x"))
    out = configure(False, ["field1"], ["h1"], "move").apply(record.batch(False, True))
    assert out.column("headers").to_pylist() == [[h("h1", b"default")]]


def test_typed_fields_are_written_as_simple_header_converter_does():
    schema = {"type": "struct", "optional": False, "fields": [
        {"type": "int32", "optional": True, "field": "i"},
        {"type": "boolean", "optional": True, "field": "b"},
        {"type": "double", "optional": True, "field": "d"},
        {"type": "float", "optional": True, "field": "f"},
        {"type": "bytes", "optional": True, "field": "raw"},
        {"type": "int64", "optional": True, "name": "org.apache.kafka.connect.data.Timestamp",
         "version": 1, "field": "ts"},
        {"type": "int32", "optional": True, "name": "org.apache.kafka.connect.data.Date",
         "version": 1, "field": "day"},
        {"type": "array", "items": {"type": "int32", "optional": False}, "optional": True,
         "field": "list"},
        {"type": "map", "keys": STRING, "values": {"type": "int32", "optional": True},
         "optional": True, "field": "map"},
    ]}
    field = connect_schema_to_field(schema, "value")
    utc = dt.timezone.utc
    rows = [{"i": 42, "b": True, "d": 1e20, "f": 1.5, "raw": b"\x01\x02\x03",
             "ts": dt.datetime(2017, 1, 3, 6, 30, 1, 864000, tzinfo=utc),
             "day": dt.date(1970, 1, 4), "list": [1, 2], "map": [("b", 1), ("a", None)]},
            {"i": None, "b": None, "d": None, "f": None, "raw": None, "ts": None, "day": None,
             "list": None, "map": None}]
    names = [f["field"] for f in schema["fields"]]
    out = configure(False, names, names, "copy").apply(
        sink_batch(pa.array(rows, field.type), value_field=field))
    assert out.column("headers").to_pylist() == [
        [h("i", b"42"), h("b", b"true"), h("d", b"1.0E20"), h("f", b"1.5"), h("raw", b"AQID"),
         h("ts", b"2017-01-03T06:30:01.864Z"), h("day", b"1970-01-04"), h("list", b"[1,2]"),
         h("map", b'{"b":1,"a":null}')],
        [h(n, None) for n in names]]


def test_schemaless_values_are_written_as_simple_header_converter_does():
    batch = sink_batch(json_column(['{"n": 5, "d": 2.0, "m": {"b": 1, "a": "x"}, "l": [1, 2]}']),
                       value_field=schemaless_field("value"))
    out = configure(False, ["n", "d", "m", "l", "missing"], ["n", "d", "m", "l", "missing"],
                    "copy").apply(batch)
    assert out.column("headers").to_pylist() == [[
        h("n", b"5"), h("d", b"2.0"), h("m", b'{"b":1,"a":"x"}'), h("l", b"[1,2]"),
        h("missing", None)]]


def test_move_drops_optionality_and_default_as_copy_schema_basics_does():
    schema = {"type": "struct", "optional": True, "name": "com.acme.V", "version": 3,
              "fields": [{**STRING, "field": "a"}, {**STRING, "field": "b"}]}
    field = connect_schema_to_field(schema, "value")
    batch = sink_batch(pa.array([{"a": "1", "b": "2"}], field.type), value_field=field)
    out = configure(False, ["a"], ["a"], "move").apply(batch)
    assert schema_of(out.schema.field("value")) == {
        "type": "struct", "fields": [{**STRING, "field": "b"}], "optional": False,
        "name": "com.acme.V", "version": 3}


@pytest.mark.parametrize("operation", ["copy", "move"])
def test_tombstones_and_non_structs_fail_as_in_kafka(operation):
    field = Record(("field1", STRING, "v")).batch(False, True).schema.field("value")
    nulls = sink_batch(pa.array([{"field1": "v"}, None], field.type), value_field=field)
    with pytest.raises(DataError) as caught:
        configure(False, ["field1"], ["h"], operation).apply(nulls)
    assert str(caught.value) == ("Only Map objects supported in absence of schema for "
                                 f"[header {operation}], found: null")
    assert caught.value.index == 1
    with pytest.raises(DataError) as caught:
        configure(False, ["field1"], ["h"], operation).apply(sink_batch(["text"]))
    assert str(caught.value) == (f"Only Struct objects supported for [header {operation}], "
                                 "found: java.lang.String")
    schemaless = sink_batch(json_column(['{"a": 1}', "5"]), value_field=schemaless_field("value"))
    with pytest.raises(DataError) as caught:
        configure(False, ["a"], ["h"], operation).apply(schemaless)
    assert str(caught.value) == ("Only Map objects supported in absence of schema for "
                                 f"[header {operation}], found: java.lang.Long")
    assert caught.value.index == 1


@pytest.mark.parametrize("config, message", [
    ({"fields": "foo,bar", "headers": "foo", "operation": "copy"},
     "'fields' config must have the same number of elements as 'headers' config."),
    ({"fields": "foo", "headers": "foo,bar", "operation": "copy"},
     "'fields' config must have the same number of elements as 'headers' config."),
    ({"fields": "", "headers": "", "operation": "copy"},
     "Invalid value [] for configuration fields: Empty list"),
    ({"fields": "a", "headers": "", "operation": "copy"},
     "Invalid value [] for configuration headers: Empty list"),
    ({"fields": "a", "headers": "b"},
     'Missing required configuration "operation" which has no default value.'),
    ({"fields": "a", "headers": "b", "operation": "Copy"},
     "Invalid value Copy for configuration operation: String must be one of: move, copy"),
    ({"fields": "a", "headers": "b", "operation": "copy", "replace.null.with.default": "yes"},
     "Invalid value yes for configuration replace.null.with.default: Expected value to be "
     "either true or false"),
])
@pytest.mark.parametrize("cls", [HeaderFromKey, HeaderFromValue])
def test_invalid_config(cls, config, message):
    with pytest.raises(ConfigError) as caught:
        cls().configure(config)
    assert str(caught.value) == message


def test_java_names_in_a_chain():
    plugins = Plugins()
    assert plugins.transforms["org.apache.kafka.connect.transforms.HeaderFrom$Key"] \
        is HeaderFromKey
    chain = TransformationChain.from_config({
        "transforms": "hf",
        "transforms.hf.type": "org.apache.kafka.connect.transforms.HeaderFrom$Value",
        "transforms.hf.fields": "id", "transforms.hf.headers": "record_id",
        "transforms.hf.operation": "move"}, plugins)
    record = Record(("id", {"type": "int32", "optional": False}, 24), ("name", STRING, "John"))
    [out] = chain.apply(record.batch(False, True))
    assert out.column("value").to_pylist() == [{"name": "John"}]
    assert out.column("headers").to_pylist() == [[h("record_id", b"24")]]


def test_dates_are_written_by_value_as_values_convert_to_string_does():
    millis = [0, 1, 86_399_999, 86_400_000, 86_400_001, -1, -86_400_000, 1483425001864,
              1483401600000, -62135596800000, 253402300799999]
    schema = {"type": "struct", "optional": False, "fields": [
        {"type": "int64", "optional": False, "name": "org.apache.kafka.connect.data.Timestamp",
         "version": 1, "field": "ts"}]}
    field = connect_schema_to_field(schema, "value")
    column = pa.StructArray.from_arrays([pa.array(millis, pa.int64()).cast(field.type[0].type)],
                                        fields=list(field.type))
    out = configure(False, ["ts"], ["ts"], "copy").apply(sink_batch(column, value_field=field))
    written = [row[0]["value"].decode() for row in out.column("headers").to_pylist()]
    expected = [convert_to_string(schema["fields"][0], timestamp_from_millis(m)) for m in millis]
    assert written == expected
    assert written[:5] == ["00:00:00.000Z", "00:00:00.001Z", "23:59:59.999Z", "1970-01-02",
                           "1970-01-02T00:00:00.001Z"]
