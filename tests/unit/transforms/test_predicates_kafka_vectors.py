"""Kafka's own predicate tests (TopicNameMatchesTest, HasHeaderKeyTest, RecordIsTombstoneTest)."""

import pyarrow as pa
import pytest

from fastconnect.api import HEADERS_TYPE, ConfigError, constant_topic
from fastconnect.transforms.predicates import HasHeaderKey, RecordIsTombstone, TopicNameMatches
from fastconnect.testing import sink_batch


def with_topics(topics: list[str]) -> pa.RecordBatch:
    batch = sink_batch([f"v{i}" for i in range(len(topics))])
    return batch.set_column(0, "topic", pa.array(topics).dictionary_encode().cast(
        constant_topic("x", 0).type))


def test_topic_name_matches_config():
    TopicNameMatches.CONFIG_DEF.parse({"pattern": "my-prefix-.*"})
    [value] = TopicNameMatches.CONFIG_DEF.validate({"pattern": "*"})
    assert len(value.errors) == 1 and "Invalid regex" in value.errors[0]
    with pytest.raises(ConfigError, match="String must be non-empty"):
        TopicNameMatches().configure({"pattern": ""})
    with pytest.raises(ConfigError, match='Missing required configuration "pattern"'):
        TopicNameMatches().configure({})


def test_topic_name_matches_test():
    predicate = TopicNameMatches()
    predicate.configure({"pattern": "my-prefix-.*"})
    topics = ["my-prefix-", "my-prefix-foo", "x-my-prefix-", "x-my-prefix-foo", "your-prefix-",
              "your-prefix-foo"]
    assert predicate.test(with_topics(topics)).to_pylist() == [True, True, False, False, False,
                                                                False]


def test_has_header_key_config():
    HasHeaderKey.CONFIG_DEF.parse({"name": "foo"})
    [value] = HasHeaderKey.CONFIG_DEF.validate({"name": ""})
    assert value.errors == ["Invalid value  for configuration name: String must be non-empty"]


def test_has_header_key_test():
    predicate = HasHeaderKey()
    predicate.configure({"name": "foo"})
    headers = [
        [{"key": "foo", "value": b"bar"}],
        [{"key": "foo", "value": None}],
        [{"key": "foo", "value": b"bar"}, {"key": "foo", "value": b"baz"}],
        None,
        [{"key": "bar", "value": b"foo"}],
        [{"key": "FOO", "value": b"bar"}],
    ]
    batch = sink_batch(["a"] * len(headers))
    batch = batch.set_column(batch.schema.get_field_index("headers"), "headers",
                             pa.array(headers, HEADERS_TYPE))
    assert predicate.test(batch).to_pylist() == [True, True, True, False, False, False]


def test_has_header_key_without_a_name_matches_nothing():
    predicate = HasHeaderKey()
    predicate.configure({})
    assert predicate.test(sink_batch(["a", "b"])).to_pylist() == [False, False]


def test_record_is_tombstone():
    predicate = RecordIsTombstone()
    predicate.configure({})
    batch = sink_batch([None, "", "x", None], keys=["k", None, "k", None])
    assert predicate.test(batch).to_pylist() == [True, False, False, True]
