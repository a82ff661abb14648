"""DropHeaders, with the records of Kafka's DropHeadersTest (4.3.1)."""

import pyarrow as pa
import pytest

from fastconnect.api import HEADERS_TYPE, ConfigError
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms.drop_headers import DropHeaders


def batch_with(headers: list) -> pa.RecordBatch:
    batch = sink_batch(["value"] * len(headers), keys=["key"] * len(headers))
    return batch.set_column(6, "headers", pa.array(headers, HEADERS_TYPE))


def h(key: str, value: bytes | None) -> dict:
    return {"key": key, "value": value}


def drop(config_value, batch):
    xform = DropHeaders()
    xform.configure({"headers": config_value})
    return xform.apply(batch)


def assert_non_headers_unchanged(original, out):
    for name in ("topic", "partition", "offset", "timestamp", "key", "value"):
        assert out.column(name).equals(original.column(name))


def test_drop_existing_header():
    original = batch_with([[h("existing", b"existing-value"), h("to-drop", b"existing-value")]])
    out = drop("to-drop", original)
    assert_non_headers_unchanged(original, out)
    assert out.column("headers").to_pylist() == [[h("existing", b"existing-value")]]


def test_drop_existing_header_with_multiple_values():
    original = batch_with([[h("existing", b"existing-value"), h("to-drop", b"existing-value"),
                            h("to-drop", b"existing-other-value")]])
    out = drop("to-drop", original)
    assert out.column("headers").to_pylist() == [[h("existing", b"existing-value")]]


def test_drop_non_existing_header():
    original = batch_with([[h("existing", b"existing-value")]])
    out = drop("to-drop", original)
    assert out.column("headers").to_pylist() == [[h("existing", b"existing-value")]]


def test_many_rows_several_names_order_kept_nulls_kept():
    original = batch_with([
        [h("a", b"1"), h("x", b"2"), h("b", None), h("y", b"3")],
        None,
        [],
        [h("x", b"4")],
        [h("c", b"5"), h("y", None)],
    ])
    out = drop("x, y", original)
    assert out.column("headers").to_pylist() == [
        [h("a", b"1"), h("b", None)], None, [], [], [h("c", b"5")]]
    sliced = drop("x,y", original.slice(3))  # a batch cut by a predicate
    assert sliced.column("headers").to_pylist() == [[], [h("c", b"5")]]


def test_duplicate_names_are_harmless():
    out = drop("to-drop,to-drop", batch_with([[h("to-drop", b"v"), h("k", b"v")]]))
    assert out.column("headers").to_pylist() == [[h("k", b"v")]]


@pytest.mark.parametrize("value, message", [
    ("", "Configuration 'headers' must not be empty. Valid values include: any non-empty value"),
    ("a,,b", "Configuration 'headers' values must not be empty."),
    ("a,", "Configuration 'headers' values must not be empty."),
])
def test_config_rejects_empty_list_and_empty_names(value, message):
    with pytest.raises(ConfigError) as caught:
        DropHeaders().configure({"headers": value})
    assert str(caught.value) == message
    assert caught.value.key == "headers"


def test_config_requires_headers():
    with pytest.raises(ConfigError) as caught:
        DropHeaders().configure({})
    assert str(caught.value) == ('Missing required configuration "headers" which has no '
                                 'default value.')


def test_java_name_in_a_chain():
    chain = TransformationChain.from_config({
        "transforms": "d", "transforms.d.type": "org.apache.kafka.connect.transforms.DropHeaders",
        "transforms.d.headers": "secret"}, Plugins())
    [out] = chain.apply(batch_with([[h("secret", b"s"), h("trace", b"t")]]))
    assert out.column("headers").to_pylist() == [[h("trace", b"t")]]
