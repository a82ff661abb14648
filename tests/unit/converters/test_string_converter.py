"""StringConverter and ByteArrayConverter, with Kafka's StringConverterTest vectors."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from fastconnect.api.converter import Converter
from fastconnect.api.errors import ConfigError, DataError
from fastconnect.api.schema import SCHEMALESS_TYPE, connect_schema_to_field, schemaless_field
from fastconnect.converters import (
    BUILTIN_CONVERTERS, ByteArrayConverter, JsonConverter, StringConverter,
)

TOPIC = "topic"
SAMPLE_STRING = "a string"


def string_converter(**configs) -> StringConverter:
    converter = StringConverter()
    converter.configure(configs, is_key=False)
    return converter


def test_string_to_bytes_is_a_zero_copy_cast():
    column = pa.array([SAMPLE_STRING, "é"])
    out = string_converter().from_connect(TOPIC, pa.field("value", pa.string()), column)
    assert out.type == pa.binary()
    assert out.to_pylist() == [b"a string", "é".encode()]
    assert out.buffers()[2].address == column.buffers()[2].address


def test_non_string_to_bytes_writes_java_tostring():
    field = connect_schema_to_field({"type": "boolean"}, "value")
    assert string_converter().from_connect(TOPIC, field, pa.array([True])).to_pylist() == [b"true"]
    struct_type = pa.struct([("a", pa.int32()), ("b", pa.string())])
    out = string_converter().from_connect(TOPIC, pa.field("value", struct_type),
                                          pa.array([{"a": 1, "b": "x"}], struct_type))
    assert out.to_pylist() == [b"Struct{a=1,b=x}"]


def test_null_to_bytes_stays_null():
    out = string_converter().from_connect(TOPIC, pa.field("value", pa.string()),
                                          pa.array([None, "x"], pa.string()))
    assert out.to_pylist() == [None, b"x"]


def test_to_bytes_ignores_schema_for_schemaless_values():
    column = pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, pa.array(["true", '{"a": [1, 2.5]}']))
    out = string_converter().from_connect(TOPIC, schemaless_field("value"), column)
    assert out.to_pylist() == [b"true", b"{a=[1, 2.5]}"]


def test_to_bytes_non_utf8_encoding_writes_javas_utf16_with_byte_order_mark():
    out = string_converter(**{"converter.encoding": "UTF-16"}).from_connect(
        TOPIC, pa.field("value", pa.string()), pa.array([SAMPLE_STRING]))
    assert out.to_pylist() == [b"\xfe\xff" + SAMPLE_STRING.encode("utf-16-be")]


def test_bytes_to_string_gives_an_optional_string_without_copy():
    data = pa.array([SAMPLE_STRING.encode()], pa.binary())
    field, column = string_converter().to_connect(TOPIC, data)
    assert field == pa.field("value", pa.string(), nullable=True) and not field.metadata
    assert column.to_pylist() == [SAMPLE_STRING]
    assert column.buffers()[2].address == data.buffers()[2].address


def test_bytes_null_to_string_stays_null():
    field, column = string_converter().to_connect(TOPIC, pa.array([None], pa.binary()))
    assert field.type == pa.string() and field.nullable
    assert column.to_pylist() == [None]


def test_bytes_to_string_non_utf8_encoding():
    converter = string_converter(**{"converter.encoding": "UTF-16"})
    raw = b"\xfe\xff" + SAMPLE_STRING.encode("utf-16-be")
    _, column = converter.to_connect(TOPIC, pa.array([raw, SAMPLE_STRING.encode("utf-16-be")]))
    assert column.to_pylist() == [SAMPLE_STRING, SAMPLE_STRING]


def test_key_converter_names_its_column_key():
    converter = StringConverter()
    converter.configure({}, is_key=True)
    assert converter.to_connect(TOPIC, pa.array([b"k"]))[0].name == "key"


def test_invalid_utf8_raises_data_error_at_the_bad_row():
    data = pa.array([b"ok", None, b"bad \xff byte", b"\xc3"], pa.binary())
    with pytest.raises(DataError) as info:
        string_converter().to_connect(TOPIC, data)
    assert info.value.index == 2
    assert "utf-8" in str(info.value)


def test_undecodable_bytes_in_another_encoding_raise_data_error_at_the_bad_row():
    converter = string_converter(**{"converter.encoding": "US-ASCII"})
    with pytest.raises(DataError) as info:
        converter.to_connect(TOPIC, pa.array([b"fine", b"caf\xe9"]))
    assert info.value.index == 1


def test_unknown_encoding_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError) as info:
        string_converter(**{"converter.encoding": "no-such-charset"})
    assert info.value.key == "converter.encoding"


def test_string_converter_declares_its_settings():
    key = StringConverter.CONFIG_DEF["converter.encoding"]
    assert key.default == "UTF-8"


# --- ByteArrayConverter ---------------------------------------------------------------------

def test_byte_array_passes_bytes_through_in_both_directions():
    converter = ByteArrayConverter()
    converter.configure({}, is_key=False)
    data = pa.array([b"\x00\x01", None], pa.binary())
    field, column = converter.to_connect(TOPIC, data)
    assert field == pa.field("value", pa.binary()) and column is data
    assert converter.from_connect(TOPIC, field, column) is column
    large = pa.array([b"x"], pa.large_binary())
    assert converter.from_connect(TOPIC, pa.field("v", large.type), large).type == pa.binary()


def test_byte_array_refuses_a_non_bytes_schema_at_the_first_row():
    converter = ByteArrayConverter()
    field = connect_schema_to_field({"type": "int32"}, "value")
    with pytest.raises(DataError, match="Invalid schema type for ByteArrayConverter: INT32") as info:
        converter.from_connect(TOPIC, field, pa.array([None, 1], pa.int32()))
    assert info.value.index == 0


def test_byte_array_refuses_values_that_are_not_byte_arrays_at_their_row():
    converter = ByteArrayConverter()
    column = pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, pa.array([None, '{"a": 1}']))
    with pytest.raises(DataError) as info:
        converter.from_connect(TOPIC, schemaless_field("value"), column)
    assert info.value.index == 1
    decimals = pa.array([None, None, Decimal("1.5")], pa.decimal128(5, 1))
    with pytest.raises(DataError) as info:
        converter.from_connect(TOPIC, pa.field("value", decimals.type), decimals)
    assert info.value.index == 2


# --- registry ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, cls", [
    ("org.apache.kafka.connect.storage.StringConverter", StringConverter),
    ("StringConverter", StringConverter),
    ("fastconnect.converters.string.StringConverter", StringConverter),
    ("org.apache.kafka.connect.converters.ByteArrayConverter", ByteArrayConverter),
    ("ByteArrayConverter", ByteArrayConverter),
    ("fastconnect.converters.string.ByteArrayConverter", ByteArrayConverter),
    ("org.apache.kafka.connect.json.JsonConverter", JsonConverter),
    ("JsonConverter", JsonConverter),
    ("fastconnect.converters.json.JsonConverter", JsonConverter),
])
def test_builtin_converters_are_found_by_java_simple_and_python_names(name, cls):
    assert BUILTIN_CONVERTERS[name] is cls
    assert isinstance(cls(), Converter)
