"""The per-message loops between librdkafka and Arrow, in plain Python: the specification.

``src_ext/messages.pyx`` implements the same two functions with the same signatures and
results; ``fastconnect.runtime.messages`` chooses between them. Whatever this module does is
what the compiled version must do (the unit tests compare them on random data), so keep it
obvious rather than fast. It is also the fallback when the extension is not built, so it
avoids the worst per-row costs (``array[i].as_py()``) by converting columns a chunk at a time.

The input normalisation of ``produce_rows`` (:func:`produce_columns`) is vector work shared by
both implementations: the loop itself then sees one Arrow layout per column.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import pyarrow as pa
from confluent_kafka import TIMESTAMP_NOT_AVAILABLE

from fastconnect.api.batch import HEADERS_TYPE, RAW_SCHEMA, TIMESTAMP_TYPE, TOPIC_TYPE

__all__ = ["messages_to_batch", "produce_rows", "produce_columns", "ProduceColumns",
           "ProduceRowError"]

# librdkafka's own "not given" values for produce(): the partitioner chooses, the producer
# stamps the current time.
PARTITION_UNASSIGNED = -1
TIMESTAMP_NOW = 0

# Rows converted to Python objects at a time by the twin's produce_rows: bounded work per
# call when the queue fills early, without paying array[i].as_py() for every cell.
_CHUNK = 4096


class ProduceRowError(Exception):
    """``producer.produce()`` refused row ``row`` for a reason other than a full queue.

    Rows ``start .. row - 1`` were handed to librdkafka (their delivery callbacks will come);
    row ``row`` and later ones were not. The original exception is ``__cause__``: a
    ``KafkaException`` (message too large, unknown partition, producer closed...) or a
    ``TypeError`` for a row that cannot be produced at all (a null topic or header key).
    """

    def __init__(self, row: int, cause: BaseException) -> None:
        super().__init__(f"producing row {row} failed: {cause}")
        self.row = row


def messages_to_batch(messages: list) -> tuple[pa.RecordBatch, list]:
    """Turn what ``Consumer.consume()`` returned into one batch of ``RAW_SCHEMA``.

    Returns ``(batch, errors)``: messages whose ``error()`` is not None are not rows; they are
    returned in ``errors``, in their order, for the caller to skip (``_PARTITION_EOF``) or fail
    on. Anything with the methods of ``confluent_kafka.Message`` is accepted. Keys, values and
    header values are ``bytes`` or None. The ``topic`` dictionary lists topics in the order
    they first appear. A message without headers (None or an empty list, which Kafka's wire
    format does not tell apart) has a null ``headers`` cell. A timestamp of type
    ``TIMESTAMP_NOT_AVAILABLE`` is null.
    """
    topics: dict[str, int] = {}
    topic_index: list[int] = []
    partitions: list[int] = []
    offsets: list[int] = []
    timestamps: list[int | None] = []
    keys: list[bytes | None] = []
    values: list[bytes | None] = []
    headers: list[list[tuple[str, bytes | None]] | None] = []
    errors = []
    for message in messages:
        if message.error() is not None:
            errors.append(message)
            continue
        topic = message.topic()
        if topic is None:
            raise TypeError("a consumed message without a topic")
        topic_index.append(topics.setdefault(topic, len(topics)))
        partitions.append(message.partition())
        offsets.append(message.offset())
        kind, millis = message.timestamp()
        timestamps.append(None if kind == TIMESTAMP_NOT_AVAILABLE else millis)
        keys.append(message.key())
        values.append(message.value())
        pairs = message.headers()
        headers.append([(name, value) for name, value in pairs] if pairs else None)
    columns = [
        pa.DictionaryArray.from_arrays(pa.array(topic_index, pa.int32()),
                                       pa.array(list(topics), pa.string())),
        pa.array(partitions, pa.int32()),
        pa.array(offsets, pa.int64()),
        pa.array(timestamps, TIMESTAMP_TYPE),
        pa.array(keys, pa.binary()),
        pa.array(values, pa.binary()),
        pa.array(headers, HEADERS_TYPE),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=RAW_SCHEMA), errors


class ProduceColumns(NamedTuple):
    """The columns of :func:`produce_rows` in the one layout the loops read."""

    topic: pa.DictionaryArray        # dictionary<int32, string>, no null index
    partition: pa.Array | None       # int32
    timestamp: pa.Array | None       # int64 milliseconds since the epoch
    key: pa.Array | None             # binary
    value: pa.Array | None           # binary
    headers: pa.Array | None         # HEADERS_TYPE
    length: int


def _single(array: Any, name: str) -> pa.Array | None:
    if array is None:
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not isinstance(array, pa.Array):
        raise TypeError(f"column {name!r} must be a pyarrow Array, not {type(array).__name__}")
    return array


def produce_columns(topic, partition, timestamp, key, value, headers) -> ProduceColumns:
    """Check the columns of a produce call and bring each to the layout the loops read.

    Accepted: ``topic`` a string, dictionary or (large) string array, or one ``str`` for every
    row; ``partition`` any integer type; ``timestamp`` a timestamp of any unit (truncated to
    milliseconds) or int64 milliseconds; ``key``/``value`` (large) binary or string, or the
    null type; ``headers`` a list of ``struct<key: string, value: binary>`` (large variants are
    cast). Every column given must have as many rows as ``value`` (or ``topic``). The casts are
    zero-copy when the column already has the target layout.
    """
    arrays = {name: _single(array, name) for name, array in (
        ("topic", None if isinstance(topic, str) else topic), ("partition", partition),
        ("timestamp", timestamp), ("key", key), ("value", value), ("headers", headers))}
    lengths = {name: len(array) for name, array in arrays.items() if array is not None}
    if not lengths:
        raise ValueError("produce_rows needs at least a topic or a value column")
    n = lengths.get("value", next(iter(lengths.values())))
    for name, length in lengths.items():
        if length != n:
            raise ValueError(f"column {name!r} has {length} rows, expected {n}")
    if isinstance(topic, str):
        topics = pa.DictionaryArray.from_arrays(pa.repeat(pa.scalar(0, pa.int32()), n),
                                                pa.array([topic], pa.string()))
    else:
        topics = arrays["topic"].cast(TOPIC_TYPE)
        if topics.null_count:
            raise ValueError("the topic column has null rows")

    partitions = arrays["partition"]
    if partitions is not None and partitions.type != pa.int32():
        partitions = partitions.cast(pa.int32())

    stamps = arrays["timestamp"]
    if stamps is not None:
        if pa.types.is_timestamp(stamps.type):
            stamps = stamps.cast(pa.timestamp("ms", tz=stamps.type.tz), safe=False)
        stamps = stamps.cast(pa.int64())

    def as_binary(array: pa.Array | None) -> pa.Array | None:
        if array is None or pa.types.is_null(array.type):
            return None
        return array if array.type == pa.binary() else array.cast(pa.binary())

    pairs = arrays["headers"]
    if pairs is not None and pairs.type != HEADERS_TYPE:
        pairs = pairs.cast(HEADERS_TYPE)
    return ProduceColumns(topics, partitions, stamps, as_binary(arrays["key"]),
                          as_binary(arrays["value"]), pairs, n)


def _header_tuples(cell: list[dict | None] | None) -> list[tuple] | None:
    # A row without headers goes out as headers=None, whether null or an empty list. A null
    # struct entry becomes (None, None), for produce() to refuse.
    if not cell:
        return None
    return [(None, None) if pair is None else (pair["key"], pair["value"]) for pair in cell]


def produce_rows(producer, topic, partition, timestamp, key, value, headers, start: int,
                 on_delivery: Callable | None) -> int:
    """Call ``producer.produce(...)`` for rows ``start .. n-1``; return the first row not produced.

    The columns are already serialised (see :func:`produce_columns` for what is accepted;
    None means the column is absent). Each row becomes one call, with positional arguments
    in the order of confluent-kafka's C signature::

        producer.produce(topic, value, key, partition, on_delivery, None, timestamp, headers)

    (the fifth slot is ``callback``, the sixth its alias ``on_delivery``). Positional, because
    confluent-kafka parses seven keywords more slowly than librdkafka enqueues the message:
    the same rows take 2 to 3 times as long with keywords (benchmarks/test_messages_bench.py,
    2 cores). A producer double must therefore accept these positions.

    An absent or null partition is ``-1`` (the partitioner chooses), an absent or null
    timestamp ``0`` (librdkafka stamps the current time; a real timestamp of exactly 0 cannot
    be expressed), a null key or value None, and headers a list of ``(str, bytes | None)``,
    or None when the row has none (null or empty).

    Stops at the first ``BufferError`` (librdkafka's queue is full) and returns that row's
    index, so the caller polls and calls again from there; returns ``n`` when every row went.
    Any other exception from ``produce()`` is raised as :class:`ProduceRowError` naming the row.
    """
    cols = produce_columns(topic, partition, timestamp, key, value, headers)
    n = cols.length
    if not 0 <= start <= n:
        raise ValueError(f"start={start} is outside the {n} rows")
    names = cols.topic.dictionary.to_pylist()   # a DictionaryArray's to_pylist() is slow
    produce = producer.produce
    for begin in range(start, n, _CHUNK):
        length = min(_CHUNK, n - begin)

        def chunk(array: pa.Array | None) -> list:
            return [None] * length if array is None else array.slice(begin, length).to_pylist()

        rows = zip(chunk(cols.topic.indices), chunk(cols.partition), chunk(cols.timestamp),
                   chunk(cols.key), chunk(cols.value), chunk(cols.headers))
        for i, (number, part, stamp, key_bytes, value_bytes, pairs) in enumerate(rows, begin):
            try:
                produce(names[number], value_bytes, key_bytes,
                        PARTITION_UNASSIGNED if part is None else part, on_delivery, None,
                        TIMESTAMP_NOW if stamp is None else stamp, _header_tuples(pairs))
            except BufferError:
                return i
            except Exception as error:
                raise ProduceRowError(i, error) from error
    return n
