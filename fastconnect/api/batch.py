"""The Arrow batch model: how records travel through fastconnect.

A batch of Kafka records is one ``pyarrow.RecordBatch`` with these columns:

=============  ==============================  =============================================
column         type                            meaning
=============  ==============================  =============================================
``topic``      ``dictionary<int32, string>``   the Kafka topic
``partition``  ``int32`` (nullable)            the Kafka partition; null on a source record
                                               means "let the producer's partitioner choose"
``offset``     ``int64``                       the Kafka offset (sink side only)
``timestamp``  ``timestamp[ms, UTC]`` (null.)  the record timestamp
``key``        binary, or typed after          the record key
               conversion
``value``      binary, or typed after          the record value; null is a tombstone
               conversion
``headers``    ``list<struct<key, value>>``    the record headers, in order (nullable)
=============  ==============================  =============================================

Before conversion ``key`` and ``value`` are ``binary``: the bytes Kafka stores. After a
converter has read them they are typed Arrow columns whose ``pyarrow.Field`` carries the
Connect schema (see :mod:`fastconnect.api.schema`). Sources hand the runtime typed columns
in a :class:`SourceBatch`; sinks receive a typed ``RecordBatch`` in ``SinkTask.put``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple, Sequence

import pyarrow as pa

__all__ = [
    "TOPIC",
    "PARTITION",
    "OFFSET",
    "TIMESTAMP",
    "KEY",
    "VALUE",
    "HEADERS",
    "TOPIC_TYPE",
    "TIMESTAMP_TYPE",
    "HEADERS_TYPE",
    "RAW_SCHEMA",
    "TopicPartition",
    "SourceBatch",
    "constant_topic",
]

TOPIC = "topic"
PARTITION = "partition"
OFFSET = "offset"
TIMESTAMP = "timestamp"
KEY = "key"
VALUE = "value"
HEADERS = "headers"

TOPIC_TYPE = pa.dictionary(pa.int32(), pa.string())
TIMESTAMP_TYPE = pa.timestamp("ms", tz="UTC")
HEADERS_TYPE = pa.list_(pa.struct([("key", pa.string()), ("value", pa.binary())]))

#: A batch as read from Kafka, before the key and value converters ran.
RAW_SCHEMA = pa.schema(
    [
        pa.field(TOPIC, TOPIC_TYPE, nullable=False),
        pa.field(PARTITION, pa.int32(), nullable=False),
        pa.field(OFFSET, pa.int64(), nullable=False),
        pa.field(TIMESTAMP, TIMESTAMP_TYPE),
        pa.field(KEY, pa.binary()),
        pa.field(VALUE, pa.binary()),
        pa.field(HEADERS, HEADERS_TYPE),
    ]
)


class TopicPartition(NamedTuple):
    """A Kafka topic partition, as sink tasks see their assignment."""

    topic: str
    partition: int


def constant_topic(topic: str, length: int) -> pa.DictionaryArray:
    """A ``topic`` column of ``length`` rows all naming ``topic``, without a copy per row."""
    indices = pa.repeat(pa.scalar(0, pa.int32()), length)
    return pa.DictionaryArray.from_arrays(indices, pa.array([topic], pa.string()))


@dataclass(slots=True)
class SourceBatch:
    """What ``SourceTask.poll`` returns: typed records, and how far they take each source.

    ``records`` holds at least ``topic`` and ``value``; ``key``, ``partition``, ``timestamp``
    and ``headers`` are optional columns. ``offsets`` lists, for each source partition the
    batch read from, the source offset reached once every record of this batch is in Kafka,
    as ``(source_partition, source_offset)`` pairs of JSON-compatible mappings: the runtime
    stores them only after Kafka acknowledged the whole batch and every batch before it.
    A source with no notion of position (stdin) leaves ``offsets`` empty.
    """

    records: pa.RecordBatch
    offsets: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        topic: str | pa.Array,
        value: pa.Array,
        *,
        key: pa.Array | None = None,
        partition: pa.Array | None = None,
        timestamp: pa.Array | None = None,
        headers: pa.Array | None = None,
        offsets: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]] = (),
        value_field: pa.Field | None = None,
        key_field: pa.Field | None = None,
    ) -> SourceBatch:
        """Assemble a batch from columns; ``topic`` may be one name for every row.

        ``value_field``/``key_field`` carry a Connect schema (type and metadata) for the
        column; without them the column's Arrow type alone describes it.
        """
        n = len(value)
        if isinstance(topic, str):
            topic = constant_topic(topic, n)
        columns = {TOPIC: topic}
        fields = [pa.field(TOPIC, topic.type, nullable=False)]
        for name, array, given in (
            (PARTITION, partition, None),
            (TIMESTAMP, timestamp, None),
            (KEY, key, key_field),
            (VALUE, value, value_field),
            (HEADERS, headers, None),
        ):
            if array is None:
                continue
            if len(array) != n:
                raise ValueError(f"column {name!r} has {len(array)} rows, value has {n}")
            columns[name] = array
            fields.append(given.with_name(name) if given is not None else pa.field(name, array.type))
        return cls(pa.RecordBatch.from_arrays(list(columns.values()), schema=pa.schema(fields)),
                   list(offsets))

    def __len__(self) -> int:
        return self.records.num_rows
