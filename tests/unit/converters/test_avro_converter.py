"""AvroConverter, with the vectors of Confluent's AvroDataTest and AvroConverterTest.

The registry is :class:`MemoryRegistry`, an in-memory double of our own registry interface
(``fastconnect.converters.registry.SchemaRegistry``) that behaves as Confluent's registry
does for the four calls the converter makes, and counts them. Expected Avro schema texts are
what AvroData builds for the same Connect schema in AvroDataTest, written as Avro Java's
``Schema.toString()`` writes them (key order, named types defined once, then by name).
"""

from __future__ import annotations

import base64
import datetime
import io
import json
from decimal import Decimal

import fastavro
import pyarrow as pa
import pytest

from fastconnect.api.errors import ConfigError, DataError, RetriableError
from fastconnect.api.schema import (
    DATE, DECIMAL, SCHEMALESS_TYPE, TIME, TIMESTAMP, connect_schema_to_field,
    field_to_connect_schema, schemaless_field,
)
from fastconnect.converters import BUILTIN_CONVERTERS
from fastconnect.converters.avro import AvroConverter
from fastconnect.converters.avro_schema import AvroData, avro_text
from fastconnect.converters.registry import (
    CachedSchemaRegistry, MemorySchemaRegistry, RegistryUnavailableError, RestSchemaRegistry,
    SchemaRegistry,
)

TOPIC = "topic"
UTC = datetime.timezone.utc
URL = {"schema.registry.url": "http://registry.invalid:8081"}


MemoryRegistry = MemorySchemaRegistry


class DownRegistry(MemoryRegistry):
    """A registry that cannot be reached."""

    def _down(self, *args: object) -> None:
        raise RegistryUnavailableError("Schema registry unreachable (http://r:8081: "
                                       "Connection refused)")

    register = lookup = schema_by_id = latest_version = _down  # type: ignore[assignment]


def converter(registry: SchemaRegistry | None = None, *, is_key: bool = False,
              **configs) -> AvroConverter:
    instance = AvroConverter(registry if registry is not None else MemoryRegistry())
    instance.configure({**URL, **configs}, is_key)
    return instance


def field_of(schema: dict, name: str = "value") -> pa.Field:
    return connect_schema_to_field(schema, name)


def write(conv: AvroConverter, schema: dict, values: list, topic: str = TOPIC) -> pa.Array:
    field = field_of(schema)
    return conv.from_connect(topic, field, pa.array(values, field.type))


def wire(schema_id: int, avro: object, *values: object) -> list[bytes]:
    """Records as another Confluent producer writes them."""
    parsed = fastavro.parse_schema(avro)
    out = []
    for value in values:
        buf = io.BytesIO(b"\x00" + schema_id.to_bytes(4, "big"))
        buf.seek(5)
        fastavro.schemaless_writer(buf, parsed, value)
        out.append(buf.getvalue())
    return out


def avro_of(schema: dict, **options) -> str:
    return avro_text(AvroData(**options).from_connect_schema(schema))


def opt(kind: str, **extra) -> dict:
    return {"type": kind, "optional": True, **extra}


def req(kind: str, **extra) -> dict:
    return {"type": kind, "optional": False, **extra}


def struct(*fields: tuple[str, dict], optional: bool = False, **extra) -> dict:
    return {"type": "struct", "fields": [{**s, "field": n} for n, s in fields],
            "optional": optional, **extra}


# --- Connect schema -> Avro schema: AvroDataTest's expected schemas ------------------------

CONNECT_DEFAULT = '"name":"ConnectDefault","namespace":"io.confluent.connect.avro"'


@pytest.mark.parametrize("schema, expected", [
    (req("boolean"), '"boolean"'),
    (req("int8"), '{"type":"int","connect.type":"int8"}'),
    (req("int16"), '{"type":"int","connect.type":"int16"}'),
    (req("int32"), '"int"'),
    (req("int64"), '"long"'),
    (req("float"), '"float"'),
    (req("double"), '"double"'),
    (req("bytes"), '"bytes"'),
    (req("string"), '"string"'),
    (opt("boolean"), '["null","boolean"]'),
    (opt("int8"), '["null",{"type":"int","connect.type":"int8"}]'),
    # testFromConnectMapWithStringKey
    (req("map", keys=req("string"), values=req("int32")), '{"type":"map","values":"int"}'),
    # testFromConnectMapWithOptionalKey
    (req("map", keys=opt("string"), values=req("int32")),
     '{"type":"array","items":{"type":"record","name":"MapEntry","namespace":'
     '"io.confluent.connect.avro","fields":[{"name":"key","type":["null","string"],'
     '"default":null},{"name":"value","type":"int"}]}}'),
    # testFromConnectMapWithNonStringKey
    (req("map", keys=req("int32"), values=req("int32")),
     '{"type":"array","items":{"type":"record","name":"MapEntry","namespace":'
     '"io.confluent.connect.avro","fields":[{"name":"key","type":"int"},'
     '{"name":"value","type":"int"}]}}'),
    # testFromNamedConnectMapWithNonStringKey (NAMED_MAP_SCHEMA)
    (req("map", keys=opt("string"), values=req("int32"), name="foo.bar"),
     '{"type":"array","items":{"type":"record","name":"bar","namespace":"foo","fields":['
     '{"name":"key","type":["null","string"],"default":null},{"name":"value","type":"int"}],'
     '"connect.internal.type":"MapEntry"},"connect.name":"foo.bar"}'),
    (req("bytes", name=DECIMAL, version=1, parameters={"scale": "2"}),
     '{"type":"bytes","scale":2,"precision":64,"connect.version":1,"connect.parameters":'
     '{"scale":"2"},"connect.name":"org.apache.kafka.connect.data.Decimal",'
     '"logicalType":"decimal"}'),
    (req("bytes", name=DECIMAL, version=1,
         parameters={"scale": "2", "connect.decimal.precision": "10"}),
     '{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":'
     '{"scale":"2","connect.decimal.precision":"10"},"connect.name":'
     '"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}'),
    (req("int32", name=DATE, version=1),
     '{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date",'
     '"logicalType":"date"}'),
    (req("int32", name=TIME, version=1),
     '{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Time",'
     '"logicalType":"time-millis"}'),
    (req("int64", name=TIMESTAMP, version=1),
     '{"type":"long","connect.version":1,"connect.name":'
     '"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}'),
])
def test_avro_schema_of_connect_types(schema, expected):
    assert avro_of(schema) == expected


def test_from_connect_complex():
    """AvroDataTest.testFromConnectComplex."""
    schema = struct(
        ("int8", req("int8", default=2, doc="int8 field")), ("int16", req("int16")),
        ("int32", req("int32")), ("int64", req("int64")), ("float32", req("float")),
        ("float64", req("double")), ("boolean", req("boolean")), ("string", req("string")),
        ("bytes", req("bytes")), ("array", req("array", items=req("string"))),
        ("map", req("map", keys=req("string"), values=req("int32"))),
        ("mapNonStringKeys", req("map", keys=req("int32"), values=req("int32"))))
    assert avro_of(schema) == (
        '{"type":"record",' + CONNECT_DEFAULT + ',"fields":['
        '{"name":"int8","type":{"type":"int","connect.doc":"int8 field","connect.default":2,'
        '"connect.type":"int8"},"default":2},'
        '{"name":"int16","type":{"type":"int","connect.type":"int16"}},'
        '{"name":"int32","type":"int"},{"name":"int64","type":"long"},'
        '{"name":"float32","type":"float"},{"name":"float64","type":"double"},'
        '{"name":"boolean","type":"boolean"},{"name":"string","type":"string"},'
        '{"name":"bytes","type":"bytes"},'
        '{"name":"array","type":{"type":"array","items":"string"}},'
        '{"name":"map","type":{"type":"map","values":"int"}},'
        '{"name":"mapNonStringKeys","type":{"type":"array","items":{"type":"record",'
        '"name":"MapEntry","fields":[{"name":"key","type":"int"},'
        '{"name":"value","type":"int"}]}}}]}')


def test_from_connect_complex_with_defaults():
    """AvroDataTest.testFromConnectComplexWithDefaults: connect.default and field defaults,
    bytes and decimals as ISO-8859-1 text of their bytes."""
    decimal_default = base64.b64encode(bytes([0x04, 0xCB, 0x2F])).decode()  # 3.14159
    schema = struct(
        ("float32", req("float", default=12.2, doc="float32 field")),
        ("bytes", req("bytes", default=base64.b64encode(b"foo").decode(), doc="bytes field")),
        ("array", req("array", items=req("string"), default=["a", "b", "c"])),
        ("map", req("map", keys=req("string"), values=req("int32"), default={"field": 1})),
        ("date", req("int32", name=DATE, version=1, default=100, doc="date field")),
        ("decimal", req("bytes", name=DECIMAL, version=1, parameters={"scale": "5"},
                        default=decimal_default, doc="decimal field")))
    assert avro_of(schema) == (
        '{"type":"record",' + CONNECT_DEFAULT + ',"fields":['
        '{"name":"float32","type":{"type":"float","connect.doc":"float32 field",'
        '"connect.default":12.2},"default":12.2},'
        '{"name":"bytes","type":{"type":"bytes","connect.doc":"bytes field",'
        '"connect.default":"foo"},"default":"foo"},'
        '{"name":"array","type":{"type":"array","items":"string",'
        '"connect.default":["a","b","c"]},"default":["a","b","c"]},'
        '{"name":"map","type":{"type":"map","values":"int","connect.default":{"field":1}},'
        '"default":{"field":1}},'
        '{"name":"date","type":{"type":"int","connect.doc":"date field","connect.version":1,'
        '"connect.default":100,"connect.name":"org.apache.kafka.connect.data.Date",'
        '"logicalType":"date"},"default":100},'
        '{"name":"decimal","type":{"type":"bytes","scale":5,"precision":64,'
        '"connect.doc":"decimal field","connect.version":1,"connect.parameters":'
        '{"scale":"5"},"connect.default":"\\u0004\u00cb/","connect.name":'
        '"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"},'
        '"default":"\\u0004\u00cb/"}]}')


def test_from_connect_optional_and_non_optional_struct():
    """AvroDataTest.testFromConnectOptionalAndNonOptionalStruct: the record is defined once
    and referred to by name after."""
    inner = struct(("value", req("int64")), optional=True, name="inner")
    schema = struct(("struct", inner), ("array", req("array", items=inner)), name="outer")
    assert avro_of(schema) == (
        '{"type":"record","name":"outer","fields":[{"name":"struct","type":["null",'
        '{"type":"record","name":"inner","fields":[{"name":"value","type":"long"}],'
        '"connect.name":"inner"}],"default":null},{"name":"array","type":{"type":"array",'
        '"items":["null","inner"]}}],"connect.name":"outer"}')


def test_from_connect_structs_with_null_name():
    """AvroDataTest.testFromConnectStructsWithNullName: ConnectDefault, ConnectDefault2."""
    inner = struct(("value", req("int64")), optional=True)
    schema = struct(("struct", inner), ("array", req("array", items=inner)))
    assert avro_of(schema) == (
        '{"type":"record",' + CONNECT_DEFAULT + ',"fields":[{"name":"struct","type":['
        '"null",{"type":"record","name":"ConnectDefault2","fields":[{"name":"value",'
        '"type":"long"}]}],"default":null},{"name":"array","type":{"type":"array",'
        '"items":["null","ConnectDefault2"]}}]}')


def test_from_connect_optional_with_default():
    """AvroDataTest.testFromConnectOptionalWithDefaultNull; a non-null default puts null
    last, as Avro requires the default to match the union's first type."""
    schema = struct(("optionalBool", opt("boolean")), ("withDefault", opt("int32", default=42)))
    assert avro_of(schema) == (
        '{"type":"record",' + CONNECT_DEFAULT + ',"fields":[{"name":"optionalBool",'
        '"type":["null","boolean"],"default":null},{"name":"withDefault","type":[{"type":'
        '"int","connect.default":42},"null"],"default":42}]}')


def test_connect_meta_data_false_writes_plain_avro():
    schema = struct(("a", req("int8", doc="d")), name="com.example.Rec", version=3)
    assert avro_of(schema, connect_meta=False) == (
        '{"type":"record","name":"Rec","namespace":"com.example","fields":'
        '[{"name":"a","type":"int"}]}')


# --- Avro schema -> Connect schema ----------------------------------------------------------

def test_decimal_avsc_reads_as_connect_decimal():
    """avro-converter's test/avro/Decimal.avsc."""
    avsc = {"type": "bytes", "scale": 2, "precision": 64, "connect.version": 1,
            "connect.parameters": {"scale": "2", "connect.decimal.precision": "64"},
            "connect.name": "org.apache.kafka.connect.data.Decimal", "logicalType": "decimal"}
    assert AvroData().to_connect_schema(avsc) == req(
        "bytes", name=DECIMAL, version=1,
        parameters={"scale": "2", "connect.decimal.precision": "64"})


def test_foreign_avro_types_read_as_avro_data_does():
    avsc = {"type": "record", "name": "Rec", "namespace": "ns", "doc": "a record", "fields": [
        {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"],
                                   "doc": "colors"}},
        {"name": "four", "type": {"type": "fixed", "name": "Four", "size": 4}},
        {"name": "u", "type": ["null", "int", "string"], "default": None},
        {"name": "d", "type": "string", "default": "x", "doc": "field doc"},
        {"name": "micros", "type": {"type": "long", "logicalType": "timestamp-micros"}}]}
    assert AvroData().to_connect_schema(avsc, version=4) == struct(
        ("color", req("string", name="ns.Color", parameters={
            "io.confluent.connect.avro.enum.doc.Color": "colors",
            "io.confluent.connect.avro.Enum": "ns.Color",
            "io.confluent.connect.avro.Enum.RED": "RED",
            "io.confluent.connect.avro.Enum.GREEN": "GREEN"})),
        ("four", req("bytes", name="ns.Four", parameters={"connect.fixed.size": "4"})),
        ("u", struct(("int", opt("int32")), ("string", opt("string")), optional=True,
                     name="io.confluent.connect.avro.Union",
                     parameters={"io.confluent.connect.avro.field.default": "true"})),
        ("d", req("string", parameters={"io.confluent.connect.avro.field.default": "true"},
                  default="x")),
        ("micros", req("int64")),
        name="ns.Rec", version=4, parameters={
            "io.confluent.connect.avro.record.doc": "a record",
            "io.confluent.connect.avro.field.doc.d": "field doc"})


def test_recursive_avro_schema_is_refused():
    avsc = {"type": "record", "name": "Node", "fields": [
        {"name": "next", "type": ["null", "Node"], "default": None}]}
    with pytest.raises(DataError, match="Recursive Avro schema Node"):
        AvroData().to_connect_schema(avsc)


# --- round trips of every Connect type ------------------------------------------------------

ROUND_TRIPS = [
    (req("boolean"), [True, False]),
    (req("int8"), [-128, 0, 127]),
    (req("int16"), [-32768, 1, 32767]),
    (req("int32"), [-(2**31), 0, 2**31 - 1]),
    (req("int64"), [-(2**63), 0, 2**63 - 1]),
    (req("float"), [1.5, -0.25, float("inf")]),
    (req("double"), [12.2, -1e300, 0.0]),
    (req("string"), ["", "héllo", "\U0001F600"]),
    (req("bytes"), [b"", b"\x00\xff", b"jellomellow"]),
    (req("array", items=req("string")), [["a", "b"], []]),
    (req("array", items=opt("int64")), [[1, None, 3]]),
    (req("map", keys=req("string"), values=req("int32")), [[("field", 1), ("x", 2)], []]),
    (req("map", keys=req("int32"), values=opt("string")), [[(1, "one"), (2, None)], []]),
    (req("map", keys=opt("string"), values=req("int32")), [[("k", 1)]]),
    (struct(("a", req("int32")), ("b", opt("string")), name="com.example.Pair"),
     [{"a": 1, "b": "x"}, {"a": 2, "b": None}]),
    (struct(("inner", struct(("x", req("double")), optional=True)), ("n", req("int16"))),
     [{"inner": {"x": 1.0}, "n": 1}, {"inner": None, "n": 2}]),
    (req("bytes", name=DECIMAL, version=1, parameters={"scale": "2"}),
     [Decimal("1.56"), Decimal("-0.01"), Decimal("123456789012345678.90")]),
    (req("int32", name=DATE, version=1), [datetime.date(2020, 2, 29), datetime.date(1960, 1, 1)]),
    (req("int32", name=TIME, version=1), [datetime.time(0, 0), datetime.time(23, 59, 59, 999000)]),
    (req("int64", name=TIMESTAMP, version=1),
     [datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
      datetime.datetime(1900, 1, 1, tzinfo=UTC)]),
]


def _without_top_version(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if k != "version"}


@pytest.mark.parametrize("schema, values", ROUND_TRIPS)
@pytest.mark.parametrize("optional", [False, True])
def test_round_trip_every_connect_type(schema, values, optional):
    schema = {**schema, "optional": optional}
    values = values + [None]  # a null row stays null, optional or not
    conv = converter()
    encoded = write(conv, schema, values)
    assert encoded.to_pylist()[-1] is None
    field, column = conv.to_connect(TOPIC, encoded)
    assert column.to_pylist() == pa.array(values, field_of(schema).type).to_pylist()
    read = field_to_connect_schema(field)
    assert _without_top_version(read) == _without_top_version(field_to_connect_schema(
        field_of(schema)))


def test_struct_of_everything_round_trips_with_registry_version():
    everything = [case for case in ROUND_TRIPS if case[0].get("keys") != opt("string")]
    schema = struct(*[(f"f{i}", s) for i, (s, _) in enumerate(everything)],
                    name="com.example.Everything")
    row = {f"f{i}": values[0] for i, (_, values) in enumerate(everything)}
    conv = converter()
    field, column = conv.to_connect(TOPIC, write(conv, schema, [row, None, row]))
    assert column.to_pylist() == pa.array([row, None, row], field_of(schema).type).to_pylist()
    assert field_to_connect_schema(field) == {**field_to_connect_schema(field_of(schema)),
                                              "version": 1}


def test_explicitly_named_nested_maps_with_non_string_keys():
    """AvroConverterTest.testExplicitlyNamedNestedMapsWithNonStringKeys."""
    schema = req("map", keys=opt("string"), values=req(
        "map", keys=opt("string"), values=req("int32"), name="foo.bar"),
        name="biz.baz", version=1)
    conv = converter()
    field, column = conv.to_connect(TOPIC, write(conv, schema, [[("foo", [("bar", 1)])]]))
    assert field_to_connect_schema(field) == field_to_connect_schema(field_of(schema))
    assert column.to_pylist() == [[("foo", [("bar", 1)])]]


def test_two_different_unnamed_entry_maps_clash_as_in_avro_data():
    """Both would be records io.confluent.connect.avro.MapEntry: Avro refuses that, and so
    does AvroData (ksql names its maps for this reason); a named map gets its own record."""
    schema = struct(("a", req("map", keys=req("int32"), values=req("string"))),
                    ("b", req("map", keys=req("int64"), values=req("string"))))
    with pytest.raises(DataError, match="Can't redefine: io.confluent.connect.avro.MapEntry"):
        write(converter(), schema, [None, {"a": [], "b": []}])
    named = struct(("a", req("map", keys=req("int32"), values=req("string"))),
                   ("b", req("map", keys=req("int64"), values=req("string"), name="x.B")))
    assert write(converter(), named, [{"a": [(1, "x")], "b": []}])[0] is not None


def test_map_with_non_string_keys_is_an_array_of_map_entries():
    schema = req("map", keys=req("int32"), values=req("string"))
    registry = MemoryRegistry()
    encoded = write(converter(registry), schema, [[(1, "one"), (2, "two")]])
    avro = json.loads(registry.schema_by_id(1))
    assert avro["items"]["name"] == "MapEntry"
    body = io.BytesIO(encoded[0].as_py()[5:])
    assert fastavro.schemaless_reader(body, fastavro.parse_schema(avro)) == [
        {"key": 1, "value": "one"}, {"key": 2, "value": "two"}]


def test_logical_types_are_written_as_avro_integers_and_bytes():
    schema = struct(("d", req("int32", name=DATE, version=1)),
                    ("t", req("int32", name=TIME, version=1)),
                    ("ts", req("int64", name=TIMESTAMP, version=1)),
                    ("dec", req("bytes", name=DECIMAL, version=1, parameters={"scale": "2"})))
    value = {"d": datetime.date(1970, 1, 11), "t": datetime.time(0, 0, 1),
             "ts": datetime.datetime(1970, 1, 1, 0, 0, 10, tzinfo=UTC), "dec": Decimal("1.56")}
    encoded = write(converter(), schema, [value])[0].as_py()
    # 10 days, 1000 ms, 10000 ms as zig-zag varints; 156 as two's complement bytes 00 9c
    assert encoded == b"\x00\x00\x00\x00\x01" + b"\x14" + b"\xd0\x0f" + b"\xa0\x9c\x01" + \
        b"\x04\x00\x9c"


def test_decimals_with_precision_and_at_top_level():
    schema = req("bytes", name=DECIMAL, version=1,
                 parameters={"scale": "3", "connect.decimal.precision": "10"})
    conv = converter()
    encoded = write(conv, schema, [Decimal("-1.000"), Decimal("9999999.999")])
    # a top-level bytes schema is written raw after the header, as Confluent does
    assert encoded[0].as_py() == b"\x00\x00\x00\x00\x01" + (-1000).to_bytes(2, "big", signed=True)
    field, column = conv.to_connect(TOPIC, encoded)
    assert field.type == pa.decimal128(10, 3)
    assert column.to_pylist() == [Decimal("-1.000"), Decimal("9999999.999")]


# --- defaults and nulls ---------------------------------------------------------------------

def test_null_struct_field_with_default_is_written_as_its_default():
    """Connect's Struct.get returns a field's default for a null, so AvroData writes it."""
    schema = struct(("a", req("int32", default=7)), ("b", opt("string", default="d")))
    conv = converter()
    field, column = conv.to_connect(TOPIC, write(conv, schema, [{"a": None, "b": None}]))
    assert column.to_pylist() == [{"a": 7, "b": "d"}]


def test_null_in_required_field_without_default_names_the_row():
    schema = struct(("a", req("int32")))
    with pytest.raises(DataError, match="null value for non-optional schema") as error:
        write(converter(), schema, [{"a": 1}, None, {"a": None}])
    assert error.value.index == 2


def test_null_in_required_array_element_names_the_row():
    schema = req("array", items=req("int32"))
    with pytest.raises(DataError, match="non-optional") as error:
        write(converter(), schema, [[1, 2], [3], [4, None]])
    assert error.value.index == 2


def test_all_null_column_needs_no_registry():
    registry = MemoryRegistry()
    out = write(converter(registry), struct(("a", req("int32"))), [None, None])
    assert out.to_pylist() == [None, None] and registry.calls == []
    field, column = converter(registry).to_connect(TOPIC, out)
    assert column.to_pylist() == [None, None]


# --- the wire format ------------------------------------------------------------------------

def test_wire_format_bytes():
    registry = MemoryRegistry()
    for i in range(41):
        registry.register(f"other-{i}", f'"s{i}"')  # so that the next id is 42
    conv = converter(registry)
    assert write(conv, req("int32"), [1, -1]).to_pylist() == [
        b"\x00\x00\x00\x00\x2a\x02", b"\x00\x00\x00\x00\x2a\x01"]
    assert write(conv, opt("string"), ["hi", None]).to_pylist() == [
        b"\x00\x00\x00\x00\x2b\x02\x04hi", None]
    assert write(conv, struct(("a", req("int64")), ("b", opt("boolean"))),
                 [{"a": 300, "b": True}]).to_pylist() == [b"\x00\x00\x00\x00\x2c\xd8\x04\x02\x01"]
    assert registry.subjects[f"{TOPIC}-value"] == [42, 43, 44]


def test_reads_what_other_confluent_producers_write():
    registry = MemoryRegistry()
    avro = {"type": "record", "name": "Foo", "fields": [{"name": "key", "type": "int"}]}
    schema_id = registry.register(f"{TOPIC}-value", json.dumps(avro))
    field, column = converter(registry).to_connect(
        TOPIC, pa.array(wire(schema_id, avro, {"key": 15}), pa.binary()))
    assert column.to_pylist() == [{"key": 15}]
    assert field_to_connect_schema(field) == struct(("key", req("int32")), name="Foo", version=1)


def test_foreign_unions_enums_and_fixed_round_trip_byte_for_byte():
    registry = MemoryRegistry()
    avro = {"type": "record", "name": "Rec", "namespace": "ns", "fields": [
        {"name": "u", "type": ["null", "int", "string",
                               {"type": "record", "name": "Inner",
                                "fields": [{"name": "x", "type": "int"}]}], "default": None},
        {"name": "e", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
        {"name": "f", "type": {"type": "fixed", "name": "Four", "size": 4}}]}
    schema_id = registry.register(f"{TOPIC}-value", json.dumps(avro))
    records = wire(schema_id, avro, {"u": 5, "e": "RED", "f": b"abcd"},
                   {"u": ("ns.Inner", {"x": 3}), "e": "GREEN", "f": b"wxyz"},
                   {"u": "s", "e": "RED", "f": b"1234"}, {"u": None, "e": "RED", "f": b"0000"})
    conv = converter(registry, **{"enhanced.avro.schema.support": "true"})
    field, column = conv.to_connect(TOPIC, pa.array(records, pa.binary()))
    # union members are named by type, records by full name (enhanced.avro.schema.support)
    assert column.to_pylist()[:2] == [
        {"u": {"int": 5, "string": None, "ns.Inner": None}, "e": "RED", "f": b"abcd"},
        {"u": {"int": None, "string": None, "ns.Inner": {"x": 3}}, "e": "GREEN", "f": b"wxyz"}]
    assert converter(registry).to_connect(TOPIC, pa.array(records[:1], pa.binary()))[
        1].to_pylist() == [{"u": {"int": 5, "string": None, "Inner": None}, "e": "RED",
                            "f": b"abcd"}]
    again = conv.from_connect("copy", field, column)
    assert [raw[5:] for raw in again.to_pylist()] == [raw[5:] for raw in records]
    assert json.loads(registry.schema_by_id(int.from_bytes(again[0].as_py()[1:5], "big")))[
        "fields"][1]["type"]["type"] == "enum"


@pytest.mark.parametrize("enhanced", ["false", "true"])
def test_union_of_enum_fixed_and_records_written_back(enhanced):
    registry = MemoryRegistry()
    color = {"type": "enum", "name": "Color", "namespace": "ns", "symbols": ["RED", "GREEN"]}
    four = {"type": "fixed", "name": "Four", "namespace": "ns", "size": 4}
    a = {"type": "record", "name": "A", "namespace": "ns", "fields": [{"name": "x",
                                                                        "type": "int"}]}
    b = {"type": "record", "name": "B", "namespace": "other", "fields": [{"name": "x",
                                                                           "type": "int"}]}
    avro = {"type": "record", "name": "R", "fields": [
        {"name": "u", "type": [color, four, a, b, "long", {"type": "array", "items": "int"}]}]}
    schema_id = registry.register(f"{TOPIC}-value", json.dumps(avro))
    records = wire(schema_id, avro, {"u": ("ns.Color", "GREEN")}, {"u": ("ns.Four", b"abcd")},
                   {"u": ("ns.A", {"x": 1})}, {"u": ("other.B", {"x": 2})}, {"u": 7},
                   {"u": [1, 2]})
    conv = converter(registry, **{"enhanced.avro.schema.support": enhanced})
    field, column = conv.to_connect(TOPIC, pa.array(records, pa.binary()))
    members = [[k for k, v in row["u"].items() if v is not None] for row in column.to_pylist()]
    names = ["ns.Color", "ns.Four", "ns.A", "other.B"] if enhanced == "true" else \
        ["Color", "Four", "A", "B"]
    assert members == [[n] for n in names] + [["long"], ["array"]]
    again = conv.to_connect("copy", conv.from_connect("copy", field, column))[1]
    expected = column.to_pylist()
    if enhanced == "false":  # the enum was written as a string, so it reads back as one
        expected = [{"u": {("string" if k == "Color" else k): v for k, v in row["u"].items()}}
                    for row in expected]
    assert again.to_pylist() == expected


def test_schemaless_values_use_the_anything_record():
    conv = converter()
    texts = ['{"a":1,"b":[true,null,2.5,"x"]}', None, "null", '"x"', "12"]
    data = pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, pa.array(texts, pa.string()))
    encoded = conv.from_connect(TOPIC, schemaless_field("value"), data)
    assert encoded.to_pylist()[1:3] == [None, None]  # a JSON null is no value
    field, column = conv.to_connect(TOPIC, encoded)
    assert field.type == SCHEMALESS_TYPE
    assert column.storage.to_pylist() == [texts[0], None, None, '"x"', "12"]


# --- registry, subjects, versions -----------------------------------------------------------

@pytest.mark.parametrize("strategy, is_key, subject", [
    ("io.confluent.kafka.serializers.subject.TopicNameStrategy", False, "topic-value"),
    ("io.confluent.kafka.serializers.subject.TopicNameStrategy", True, "topic-key"),
    ("TopicNameStrategy", True, "topic-key"),
    ("io.confluent.kafka.serializers.subject.RecordNameStrategy", False, "com.example.Rec"),
    ("io.confluent.kafka.serializers.subject.TopicRecordNameStrategy", True,
     "topic-com.example.Rec"),
    ("TopicRecordNameStrategy", False, "topic-com.example.Rec"),
])
def test_subject_name_strategies(strategy, is_key, subject):
    registry = MemoryRegistry()
    key = "key.subject.name.strategy" if is_key else "value.subject.name.strategy"
    conv = converter(registry, is_key=is_key, **{key: strategy})
    field = field_of(struct(("a", req("int32")), name="com.example.Rec"), "key")
    conv.from_connect(TOPIC, field, pa.array([{"a": 1}], field.type))
    assert list(registry.subjects) == [subject]


def test_record_name_strategy_needs_a_record():
    conv = converter(**{"value.subject.name.strategy": "RecordNameStrategy"})
    with pytest.raises(DataError, match="must only be an Avro record schema") as error:
        write(conv, req("string"), [None, "x"])
    assert error.value.index == 1


def test_config_errors():
    with pytest.raises(ConfigError, match="schema.registry.url"):
        AvroConverter(MemoryRegistry()).configure({}, False)
    with pytest.raises(ConfigError, match="value.subject.name.strategy"):
        converter(**{"value.subject.name.strategy": "com.acme.MyStrategy"})
    with pytest.raises(ConfigError, match="auto.register.schemas"):
        converter(**{"auto.register.schemas": "maybe"})


def test_auto_register_false_and_missing_schema_is_a_data_error():
    conv = converter(**{"auto.register.schemas": "false"})
    with pytest.raises(DataError, match="subject topic-value: Subject .* not found") as error:
        write(conv, struct(("a", req("int32"))), [None, {"a": 1}])
    assert error.value.index == 1


def test_auto_register_false_uses_the_registered_schema():
    registry = MemoryRegistry()
    schema = struct(("a", req("int32")), name="Rec")
    registry.register("other", '"int"')
    schema_id = registry.register(f"{TOPIC}-value", avro_of(schema))
    out = write(converter(registry, **{"auto.register.schemas": "false"}), schema, [{"a": 1}])
    assert out[0].as_py()[:5] == b"\x00" + schema_id.to_bytes(4, "big")
    assert ("register", f"{TOPIC}-value") not in registry.calls[2:]


def test_use_latest_version_writes_with_the_latest_schema():
    registry = MemoryRegistry()
    v1 = struct(("a", req("int32")), name="Rec")
    v2 = struct(("a", req("int32")), ("b", opt("string")), name="Rec")
    registry.register(f"{TOPIC}-value", avro_of(v1))
    latest = registry.register(f"{TOPIC}-value", avro_of(v2))
    conv = converter(registry, **{"auto.register.schemas": "false", "use.latest.version": "true"})
    out = write(conv, v1, [{"a": 5}])
    assert out[0].as_py()[:5] == b"\x00" + latest.to_bytes(4, "big")
    field, column = conv.to_connect(TOPIC, out)
    assert column.to_pylist() == [{"a": 5, "b": None}]
    assert field_to_connect_schema(field)["version"] == 2


def test_use_latest_version_refuses_values_the_latest_cannot_hold():
    registry = MemoryRegistry()
    registry.register(f"{TOPIC}-value", avro_of(struct(("a", req("string")), name="Rec")))
    conv = converter(registry, **{"auto.register.schemas": "false", "use.latest.version": "true"})
    with pytest.raises(DataError, match="Failed to serialize Avro data") as error:
        write(conv, struct(("a", req("int32")), name="Rec"), [None, {"a": 5}])
    assert error.value.index == 1


def test_version_extracted_for_records_of_other_producers():
    """AvroConverterTest.testVersionExtracted: two compatible versions in the subject."""
    registry = MemoryRegistry()
    foo1 = {"type": "record", "name": "Foo", "fields": [{"name": "key", "type": "int"}]}
    foo2 = {"type": "record", "name": "Foo", "fields": [{"name": "key", "type": "int"},
                                                        {"name": "value", "type": "string"}]}
    id1 = registry.register(f"{TOPIC}-value", json.dumps(foo1))
    id2 = registry.register(f"{TOPIC}-value", json.dumps(foo2))
    conv = converter(registry)
    field1, _ = conv.to_connect(TOPIC, pa.array(wire(id1, foo1, {"key": 15}), pa.binary()))
    field2, _ = conv.to_connect(TOPIC, pa.array(wire(id2, foo2, {"key": 15, "value": "bar"}),
                                                pa.binary()))
    assert field_to_connect_schema(field1)["version"] == 1
    assert field_to_connect_schema(field2)["version"] == 2


def test_same_schema_in_two_subjects_has_each_subjects_version():
    """AvroConverterTest.assertSameSchemaMultipleTopic."""
    registry = MemoryRegistry()
    foo1 = {"type": "record", "name": "Foo", "fields": [{"name": "key", "type": "int"}]}
    foo2 = {"type": "record", "name": "Foo", "fields": [{"name": "key", "type": "int"},
                                                        {"name": "value", "type": "string"}]}
    registry.register("topic1-value", json.dumps(foo2))
    registry.register("topic2-value", json.dumps(foo1))
    schema_id = registry.register("topic2-value", json.dumps(foo2))
    data = pa.array(wire(schema_id, foo2, {"key": 15, "value": "bar"}), pa.binary())
    conv = converter(registry)
    for topic, version in (("topic1", 1), ("topic2", 2), ("topic2", 2)):
        assert field_to_connect_schema(conv.to_connect(topic, data)[0])["version"] == version


def test_version_of_the_connect_schema_is_kept():
    """AvroConverterTest.testVersionMaintained (named: fastconnect.api.schema keeps a
    version only with a name)."""
    conv = converter()
    newer = struct(("orig", opt("int16")), ("new", opt("int16")), name="S", version=2)
    older = struct(("orig", opt("int16")), name="S", version=1)
    newer_bytes = write(conv, newer, [{"orig": None, "new": None}])
    older_bytes = write(conv, older, [{"orig": None}])
    assert field_to_connect_schema(conv.to_connect(TOPIC, newer_bytes)[0])["version"] == 2
    assert field_to_connect_schema(conv.to_connect(TOPIC, older_bytes)[0])["version"] == 1


def test_evolution_each_record_read_in_its_writer_schema():
    registry = MemoryRegistry()
    conv = converter(registry)
    v1 = struct(("id", req("int64")), name="com.example.User")
    v2 = struct(("id", req("int64")), ("email", opt("string")), name="com.example.User")
    old = write(conv, v1, [{"id": 1}])
    new = write(conv, v2, [{"id": 2, "email": "a@b"}])
    batch = pa.concat_arrays([old, new, pa.nulls(1, pa.binary()), old])
    field, column = conv.to_connect(TOPIC, batch)
    assert pa.types.is_union(field.type)
    first, second = field.type.field(0), field.type.field(1)
    assert field_to_connect_schema(first) == {**field_to_connect_schema(field_of(v1)),
                                              "version": 1}
    assert field_to_connect_schema(second) == {**field_to_connect_schema(field_of(v2)),
                                               "version": 2}
    assert column.to_pylist() == [{"id": 1}, {"id": 2, "email": "a@b"}, None, {"id": 1}]
    assert column.type_codes.to_pylist() == [0, 1, 0, 0]
    # a mixed batch writes back (as AvroData would: now with connect.version, new ids)
    again = conv.from_connect(TOPIC, field, column)
    assert conv.to_connect(TOPIC, again)[1].to_pylist() == column.to_pylist()


def test_registry_answers_are_cached():
    registry = MemoryRegistry()
    conv = converter(registry)
    schema = struct(("a", req("int32")), name="Rec")
    for _ in range(3):
        conv.to_connect(TOPIC, write(conv, schema, [{"a": 1}]))
    assert registry.calls == [("register", "topic-value"), ("lookup", "topic-value")]
    fresh = converter(registry)
    for _ in range(3):
        fresh.to_connect(TOPIC, write(conv, schema, [{"a": 1}]))
    assert registry.calls[2:] == [("schema_by_id", 1), ("lookup", "topic-value")]


def test_cached_registry_keeps_latest_for_its_ttl():
    registry = MemoryRegistry()
    registry.register("s", '"int"')
    now = [0.0]
    cached = CachedSchemaRegistry(registry, latest_ttl=10, clock=lambda: now[0])
    assert cached.latest_version("s").id == 1
    registry.register("s", '"long"')
    assert cached.latest_version("s").id == 1
    now[0] = 11
    assert cached.latest_version("s").id == 2
    assert isinstance(cached, SchemaRegistry)


# --- bad input ------------------------------------------------------------------------------

def _good(conv: AvroConverter) -> bytes:
    return write(conv, req("int32"), [7])[0].as_py()


@pytest.mark.parametrize("bad, reason", [
    (b"\x01\x00\x00\x00\x01\x0e", "Unknown magic byte!"),
    (b"plain text", "Unknown magic byte!"),
    (b"", "Unknown magic byte!"),
    (b"\x00\x00\x01", "3 bytes are too short"),
    (b"\x00\x00\x00\x00\x63\x0e", "Error retrieving Avro value schema for id 99: Schema not found"),
    (b"\x00\x00\x00\x00\x01", "Error deserializing Avro message for id 1"),
    (b"\x00\x00\x00\x00\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
     "Error deserializing Avro message for id 1"),
])
def test_bad_bytes_name_the_row(bad, reason):
    conv = converter()
    good = _good(conv)
    with pytest.raises(DataError, match=reason.replace("!", "!?")) as error:
        conv.to_connect(TOPIC, pa.array([good, None, bad, good], pa.binary()))
    assert error.value.index == 2
    assert "topic topic" in str(error.value)


def test_record_running_into_the_next_one_is_refused():
    conv = converter()
    struct_bytes = write(conv, struct(("a", req("int32")), ("b", req("int32"))), [{"a": 1, "b": 2}])
    cut = struct_bytes[0].as_py()[:-1]  # b's byte is missing: it would read the next record's
    with pytest.raises(DataError, match="truncated") as error:
        conv.to_connect(TOPIC, pa.array([cut, struct_bytes[0].as_py()], pa.binary()))
    assert error.value.index == 0


def test_value_outside_a_connect_type_names_the_row():
    registry = MemoryRegistry()
    avro = {"type": "int", "connect.type": "int8"}
    schema_id = registry.register(f"{TOPIC}-value", json.dumps(avro))
    data = pa.array(wire(schema_id, avro, 1, 300), pa.binary())
    with pytest.raises(DataError, match="does not fit") as error:
        converter(registry).to_connect(TOPIC, data)
    assert error.value.index == 1


def test_unreachable_registry_is_a_retriable_data_error():
    conv = converter(DownRegistry())
    with pytest.raises(DataError, match="unreachable") as error:
        write(conv, req("int32"), [None, 1])
    assert error.value.index == 1 and isinstance(error.value, RetriableError)
    with pytest.raises(DataError, match="Error retrieving Avro value schema for id 1") as error:
        conv.to_connect(TOPIC, pa.array([None, b"\x00\x00\x00\x00\x01\x02"], pa.binary()))
    assert error.value.index == 1 and isinstance(error.value, RetriableError)


def test_rest_client_reports_every_url_that_did_not_answer():
    client = RestSchemaRegistry(["http://127.0.0.1:9", "http://user:pw@127.0.0.1:1/base"],
                                connect_timeout=2, read_timeout=2)
    with pytest.raises(RegistryUnavailableError, match=r"127\.0\.0\.1:9.*127\.0\.0\.1:1/base"):
        client.schema_by_id(1)
    conv = AvroConverter()
    conv.configure({"schema.registry.url": "http://127.0.0.1:9"}, False)
    with pytest.raises(DataError, match="unreachable") as error:
        write(conv, req("int32"), [1])
    assert error.value.index == 0


def test_registered_under_every_name():
    for name in ("io.confluent.connect.avro.AvroConverter", "AvroConverter",
                 "fastconnect.converters.avro.AvroConverter"):
        assert BUILTIN_CONVERTERS[name] is AvroConverter
