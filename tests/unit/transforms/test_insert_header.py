"""InsertHeader, with the records of Kafka's InsertHeaderTest (4.3.1); the header bytes are
what Kafka 4.3.1's SimpleHeaderConverter writes for ``Values.parseString(value.literal)``."""

import pyarrow as pa
import pytest

from fastconnect.api import HEADERS_TYPE, ConfigError
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms.insert_header import InsertHeader


def batch_with(headers: list) -> pa.RecordBatch:
    batch = sink_batch(["value"] * len(headers), keys=["key"] * len(headers))
    return batch.set_column(6, "headers", pa.array(headers, HEADERS_TYPE))


def h(key: str, value: bytes | None) -> dict:
    return {"key": key, "value": value}


def insert(header, literal, batch):
    xform = InsertHeader()
    xform.configure({"header": header, "value.literal": literal})
    return xform.apply(batch)


def test_insertion_with_existing_other_header():
    original = batch_with([[h("existing", b"existing-value")]])
    out = insert("inserted", "inserted-value", original)
    for name in ("topic", "partition", "offset", "timestamp", "key", "value"):
        assert out.column(name).equals(original.column(name))
    assert out.column("headers").to_pylist() == [[h("existing", b"existing-value"),
                                                  h("inserted", b"inserted-value")]]


def test_insertion_with_existing_same_header():
    out = insert("existing", "inserted-value", batch_with([[h("existing", b"preexisting-value")]]))
    assert out.column("headers").to_pylist() == [[h("existing", b"preexisting-value"),
                                                  h("existing", b"inserted-value")]]


def test_insertion_with_byte_header():
    # Kafka adds the byte 1; SimpleHeaderConverter writes it as the text "1".
    out = insert("inserted", "1", batch_with([[h("existing", b"existing-value")]]))
    assert out.column("headers").to_pylist() == [[h("existing", b"existing-value"),
                                                  h("inserted", b"1")]]


@pytest.mark.parametrize("literal, written", [
    ("inserted-value", b"inserted-value"), ("300", b"300"), ("true", b"true"),
    ("1.5", b"1.5"), ("1e3", b"1000"), ("[1, 2]", b"[1,2]"), ('{"a":1}', b'{"a":1}'),
    ("2017-01-03", b"2017-01-03"), ("12:00:00.000Z", b"12:00:00.000Z"), ("", b""),
    ("abc def", b"abc def"), ('"quoted"', b'"quoted"'), ("null", None),
    ("99999999999999999999", b"99999999999999999999"),
])
def test_literals_are_written_as_simple_header_converter_writes_them(literal, written):
    out = insert("h", literal, batch_with([None]))
    assert out.column("headers").to_pylist() == [[h("h", written)]]


def test_every_row_gets_the_header_nulls_and_slices_included():
    original = batch_with([None, [], [h("a", b"1"), h("b", None)], None])
    out = insert("x", "v", original.slice(1))
    assert out.column("headers").to_pylist() == [
        [h("x", b"v")], [h("a", b"1"), h("b", None), h("x", b"v")], [h("x", b"v")]]


@pytest.mark.parametrize("config, message", [
    ({"value.literal": "1"}, 'Missing required configuration "header" which has no default '
     "value."),
    ({"header": "inserted"}, 'Missing required configuration "value.literal" which has no '
     "default value."),
    ({"header": None, "value.literal": "1"}, "Invalid value null for configuration header: "
     "entry must be non null"),
    ({"header": "inserted", "value.literal": None}, "Invalid value null for configuration "
     "value.literal: entry must be non null"),
])
def test_config_rejects_missing_and_null(config, message):
    with pytest.raises(ConfigError) as caught:
        InsertHeader().configure(config)
    assert str(caught.value) == message


def test_java_name_in_a_chain():
    chain = TransformationChain.from_config({
        "transforms": "i",
        "transforms.i.type": "org.apache.kafka.connect.transforms.InsertHeader",
        "transforms.i.header": "source", "transforms.i.value.literal": " fastconnect "},
        Plugins())
    [out] = chain.apply(batch_with([None]))
    assert out.column("headers").to_pylist() == [[h("source", b"fastconnect")]]
