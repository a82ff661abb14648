"""SimpleHeaderConverter, with the vectors of Kafka's SimpleHeaderConverterTest."""

from __future__ import annotations

import datetime
import logging

import pyarrow as pa
import pytest

from fastconnect.api.batch import HEADERS_TYPE
from fastconnect.api.converter import HeaderConverter
from fastconnect.api.errors import DataError
from fastconnect.api.values import Float32
from fastconnect.converters.header import (
    SimpleHeaderConverter, headers_from_connect, headers_to_connect,
)

TOPIC, HEADER = "topic", "header"


def schema(kind: str) -> dict:
    return {"type": kind, "optional": False}


def array(items: dict | None) -> dict:
    return {"type": "array", "items": items, "optional": False}


def map_of(keys: dict | None, values: dict | None) -> dict:
    return {"type": "map", "keys": keys, "values": values, "optional": False}


STRING, INT16, INT32 = schema("string"), schema("int16"), schema("int32")
STRING_MAP = {"foo": "123", "bar": "baz"}
STRING_SHORT_MAP = {"foo": 12345, "bar": 0, "baz": -4321}
STRING_INT_MAP = {"foo": 1234567890, "bar": 0, "baz": -987654321}


@pytest.fixture
def converter() -> SimpleHeaderConverter:
    return SimpleHeaderConverter()


def round_trip(converter, value_schema, value):
    serialized = converter.from_connect_header(TOPIC, HEADER, (value_schema, value))
    return converter.to_connect_header(TOPIC, HEADER, serialized)


def assert_round_trip(converter, value_schema, value) -> None:
    """Kafka's assertRoundTrip: write, read, and write and read what was read."""
    serialized = converter.from_connect_header(TOPIC, HEADER, (value_schema, value))
    assert serialized is not None
    result = converter.to_connect_header(TOPIC, HEADER, serialized)
    assert result == (value_schema, value)
    serialized2 = converter.from_connect_header(TOPIC, HEADER, result)
    assert serialized2 == serialized
    assert converter.to_connect_header(TOPIC, HEADER, serialized2) == result


def test_is_a_header_converter_without_settings(converter):
    assert isinstance(converter, HeaderConverter)
    assert converter.config().names() == []
    converter.configure({"anything": "ignored"})
    converter.close()


def test_null_value_converts_to_null(converter):
    assert converter.from_connect_header(TOPIC, HEADER, (STRING, None)) is None
    assert converter.from_connect_header(TOPIC, HEADER, None) is None
    assert converter.to_connect_header(TOPIC, HEADER, None) is None


@pytest.mark.parametrize("text", [
    "simple", "", 'three"blind\\"mice', "string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':",
])
def test_strings_round_trip(converter, text):
    assert_round_trip(converter, STRING, text)


@pytest.mark.parametrize("value_schema, value", [
    (map_of(STRING, STRING), STRING_MAP), (map_of(STRING, INT16), STRING_SHORT_MAP),
    (map_of(STRING, INT32), STRING_INT_MAP), (array(STRING), ["foo", "bar"]),
    (array(INT32), [1234567890, -987654321]),
])
def test_maps_and_lists_round_trip(converter, value_schema, value):
    assert_round_trip(converter, value_schema, value)


@pytest.mark.parametrize("text, expected", [
    ('{"foo":"123","bar":"baz"}', (map_of(STRING, STRING), STRING_MAP)),
    ('{ "foo" : "123", \n"bar" : "baz" } ', (map_of(STRING, STRING), STRING_MAP)),
    ('{"foo":12345,"bar":0,"baz":-4321}', (map_of(STRING, INT16), STRING_SHORT_MAP)),
    (' { "foo" :  12345 , "bar" : 0,  "baz" : -4321 }  ', (map_of(STRING, INT16),
                                                          STRING_SHORT_MAP)),
    ('{"foo":1234567890,"bar":0,"baz":-987654321}', (map_of(STRING, INT32), STRING_INT_MAP)),
    (' { "foo" :  1234567890 , "bar" : 0,  "baz" : -987654321 }  ', (map_of(STRING, INT32),
                                                                    STRING_INT_MAP)),
])
def test_string_header_of_a_map_reads_back_as_map(converter, text, expected):
    assert round_trip(converter, STRING, text) == expected


def test_map_with_mixed_values_reads_back_without_value_schema(converter):
    value = {"foo": "bar", "baz": 3456}
    written = converter.from_connect_header(TOPIC, HEADER, (None, value))
    assert written == b'{"foo":"bar","baz":3456}'
    assert round_trip(converter, None, value) == (map_of(STRING, None), value)


def test_list_with_mixed_values_reads_back_without_element_schema(converter):
    assert round_trip(converter, None, ["foo", 13344]) == (array(None), ["foo", 13344])


def test_empty_map_and_list_read_back_without_schemas(converter):
    assert round_trip(converter, None, {}) == (map_of(None, None), {})
    assert round_trip(converter, None, []) == (array(None), [])


# --- beyond Kafka's test ----------------------------------------------------------------------

def test_header_text_is_utf8(converter):
    assert converter.from_connect_header(TOPIC, HEADER, (STRING, "é€")) == "é€".encode()
    assert converter.to_connect_header(TOPIC, HEADER, "é€".encode()) == (STRING, "é€")


def test_unpaired_surrogate_is_written_as_question_mark(converter):
    assert converter.from_connect_header(TOPIC, HEADER, (STRING, "a\ud800b")) == b"a?b"


def test_malformed_utf8_is_replaced_like_java(converter):
    assert converter.to_connect_header(TOPIC, HEADER, b"a\xffb") == (STRING, "a\ufffdb")


def test_typed_header_reads_back_with_inferred_type(converter):
    assert round_trip(converter, STRING, "42") == (schema("int8"), 42)
    assert round_trip(converter, schema("double"), 1.1) == (schema("float"), Float32(1.1))
    assert round_trip(converter, None, datetime.date(2019, 8, 23)) == (
        {"type": "int32", "optional": False, "name": "org.apache.kafka.connect.data.Date",
         "version": 1}, datetime.date(2019, 8, 23))


def test_text_null_reads_back_as_null(converter):
    assert converter.from_connect_header(TOPIC, HEADER, (STRING, "null")) == b"null"
    assert converter.to_connect_header(TOPIC, HEADER, b"null") is None


def test_bytes_value_is_written_as_base64(converter):
    assert converter.from_connect_header(TOPIC, HEADER, (schema("bytes"), b"\x01\x02")) == b"AQI="


def test_unparseable_header_falls_back_to_its_bytes(converter, caplog):
    deep = b"[" * 5000 + b"]" * 5000
    with caplog.at_level(logging.WARNING):
        assert converter.to_connect_header(TOPIC, HEADER, deep) == (schema("bytes"), deep)
    assert "Failed to deserialize value for header 'header' on topic 'topic'" in caplog.text


def test_value_of_no_connect_type_is_refused(converter):
    with pytest.raises(DataError):
        converter.from_connect_header(TOPIC, HEADER, (None, object()))


def test_batch_headers_convert_row_by_row_and_back():
    headers = pa.array([
        [{"key": "n", "value": b"42"}, {"key": "s", "value": b"hi"},
         {"key": "z", "value": None}],
        None,
        [],
    ], HEADERS_TYPE)
    rows = headers_to_connect(TOPIC, headers)
    assert rows == [[("n", (schema("int8"), 42)), ("s", (STRING, "hi")), ("z", None)], None, []]
    back = headers_from_connect(TOPIC, rows)
    assert back.type == HEADERS_TYPE
    assert back.to_pylist() == headers.to_pylist()
