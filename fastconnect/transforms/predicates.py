"""Kafka's three predicates: TopicNameMatches, HasHeaderKey, RecordIsTombstone."""

from __future__ import annotations

import re
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import (
    HEADERS,
    TOPIC,
    VALUE,
    ConfigDef,
    ConfigError,
    Importance,
    Type,
    non_empty_string,
)
from fastconnect.api.transform import Predicate

__all__ = ["TopicNameMatches", "HasHeaderKey", "RecordIsTombstone"]

_PREFIX = "org.apache.kafka.connect.transforms.predicates."


def _valid_regex(name: str, value: Any) -> None:
    non_empty_string(name, value)
    try:
        re.compile(value)
    except re.error as error:
        raise ConfigError.invalid(name, value, f"Invalid regex: {error}") from None


class TopicNameMatches(Predicate):
    """True for records whose whole topic name matches ``pattern``."""

    ALIASES = (_PREFIX + "TopicNameMatches",)
    ACCEPTS_SCHEMALESS_STRUCTS = True  # reads no value
    CONFIG_DEF = ConfigDef().define(
        "pattern", Type.STRING, validator=_valid_regex, importance=Importance.MEDIUM,
        documentation="A Java regular expression for matching against the name of a record's "
                      "topic.")

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._pattern = re.compile(self.config["pattern"])

    def test(self, batch: pa.RecordBatch) -> pa.BooleanArray:
        topics = batch.column(TOPIC)
        if not isinstance(topics, pa.DictionaryArray):
            topics = topics.dictionary_encode()
        # Topics are few: match each distinct name once, then spread by index.
        matches = pa.array([self._pattern.fullmatch(name) is not None
                            for name in topics.dictionary.to_pylist()], pa.bool_())
        return matches.take(topics.indices)


class HasHeaderKey(Predicate):
    """True for records with at least one header named ``name``."""

    ALIASES = (_PREFIX + "HasHeaderKey",)
    ACCEPTS_SCHEMALESS_STRUCTS = True  # reads no value
    CONFIG_DEF = ConfigDef().define(
        "name", Type.STRING, None, non_empty_string, Importance.MEDIUM, "The header name.")

    def test(self, batch: pa.RecordBatch) -> pa.BooleanArray:
        if self.config["name"] is None:  # as in Kafka: no name, no header matches
            return pa.array([False] * batch.num_rows, pa.bool_())
        headers = batch.column(HEADERS)
        rows = pa.array(range(batch.num_rows), pa.int64())
        keys = pc.list_flatten(headers).field("key")
        owners = pc.list_parent_indices(headers).filter(pc.equal(keys, self.config["name"]))
        return pc.is_in(rows, value_set=owners.cast(pa.int64()))


class RecordIsTombstone(Predicate):
    """True for records whose value is null."""

    ALIASES = (_PREFIX + "RecordIsTombstone",)
    ACCEPTS_SCHEMALESS_STRUCTS = True  # reads no value

    def test(self, batch: pa.RecordBatch) -> pa.BooleanArray:
        return pc.is_null(batch.column(VALUE))
