"""The batch clients against the real broker: each against the contract, and the two
against each other (``_kafka_client_py`` over confluent-kafka is the specification of the
compiled ``fastconnect._ext.rdkafka``)."""

from __future__ import annotations

import logging
import time
import uuid

import pyarrow as pa
import pytest

pytestmark = pytest.mark.integration

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from fastconnect.api.batch import HEADERS_TYPE, RAW_SCHEMA, TopicPartition  # noqa: E402
from fastconnect.runtime import _kafka_client_py, kafka_client  # noqa: E402
from fastconnect.runtime._kafka_client_py import KafkaClientError  # noqa: E402
from fastconnect.runtime._messages_py import ProduceRowError  # noqa: E402

# The tests need the compiled module: a build that failed must fail them, not skip them.
from fastconnect._ext import rdkafka as _compiled  # noqa: E402

IMPLEMENTATIONS = [
    pytest.param(_kafka_client_py.BatchConsumer, id="python"),
    pytest.param(_compiled.BatchConsumer, id="cython"),
]
RECORDS = 600
STAMP = 1_700_000_000_000


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _record(i: int) -> dict:
    """Row i of the test topic: null keys, tombstones, empty values, headers of all kinds."""
    return {
        "partition": i % 2,
        "key": None if i % 3 == 0 else f"key-{i}".encode(),
        "value": None if i % 10 == 0 else b"" if i % 10 == 5 else f"value-{i}-é".encode(),
        "headers": (None if i % 4 else
                    [{"key": "trace", "value": str(i).encode()},
                     {"key": "empty", "value": None},
                     {"key": "nämé", "value": b""}]),
        "timestamp": STAMP + i,
    }


@pytest.fixture(scope="module")
def topic(kafka_bootstrap) -> str:
    name = _unique("client")
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(name, 2, 1)])[name].result(30)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for i in range(RECORDS):
        row = _record(i)
        producer.produce(name, row["value"], row["key"], partition=row["partition"],
                         timestamp=row["timestamp"],
                         headers=None if row["headers"] is None else
                         [(h["key"], h["value"]) for h in row["headers"]])
    assert producer.flush(30) == 0
    return name


def _config(bootstrap: str, **extra) -> dict:
    return {"bootstrap.servers": bootstrap, "group.id": _unique("group"),
            "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "logger": logging.getLogger("test.librdkafka"), **extra}


def _consume(consumer, want: int, timeout: float = 30.0) -> pa.Table:
    batches, got = [], 0
    deadline = time.monotonic() + timeout
    while got < want and time.monotonic() < deadline:
        batch, errors = consumer.consume(min(250, want - got), 0.5)
        assert errors == []
        assert batch.schema == RAW_SCHEMA
        if batch.num_rows:
            batches.append(batch)
            got += batch.num_rows
    return pa.Table.from_batches(batches, RAW_SCHEMA)


def _by_position(table: pa.Table) -> pa.Table:
    return table.sort_by([("partition", "ascending"), ("offset", "ascending")])


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_consume_gives_every_record_as_produced(make, kafka_bootstrap, topic):
    consumer = make(_config(kafka_bootstrap))
    consumer.subscribe([topic])
    table = _by_position(_consume(consumer, RECORDS))
    consumer.close()

    assert table.num_rows == RECORDS
    expected = sorted((_record(i) | {"n": i} for i in range(RECORDS)),
                      key=lambda r: (r["partition"], r["n"]))
    rows = table.to_pylist()
    for position, (row, want) in enumerate(zip(rows, expected)):
        assert row["topic"] == topic
        assert (row["partition"], row["key"], row["value"], row["headers"]) == \
            (want["partition"], want["key"], want["value"], want["headers"]), position
        assert int(row["timestamp"].timestamp() * 1000) == want["timestamp"]
    for partition in (0, 1):
        offsets = [r["offset"] for r in rows if r["partition"] == partition]
        assert offsets == list(range(RECORDS // 2))


def test_both_implementations_give_the_same_batches(kafka_bootstrap, topic):
    tables = []
    for make in (_kafka_client_py.BatchConsumer, _compiled.BatchConsumer):
        consumer = make(_config(kafka_bootstrap))
        consumer.subscribe([topic])
        tables.append(_by_position(_consume(consumer, RECORDS)))
        consumer.close()
    assert tables[0].num_rows == RECORDS
    assert tables[0].equals(tables[1])


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_commit_seek_pause_and_resume(make, kafka_bootstrap, topic):
    consumer = make(_config(kafka_bootstrap))
    assigned = []
    consumer.subscribe([topic], on_assign=assigned.append)
    _consume(consumer, RECORDS)
    p0, p1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    assert assigned == [[p0, p1]]
    assert sorted(consumer.assignment()) == [p0, p1]

    consumer.commit({p0: 17, p1: 4})
    assert consumer.committed([p0, p1], 10) == {p0: 17, p1: 4}

    consumer.seek({p0: 290})
    again = _consume(consumer, 10)
    assert again.column("partition").to_pylist() == [0] * 10
    assert again.column("offset").to_pylist() == list(range(290, 300))

    consumer.seek({p1: 0})
    consumer.pause([p1])
    consumer.seek({p0: 295})
    paused = _consume(consumer, 5)
    assert paused.column("partition").to_pylist() == [0] * 5
    batch, _ = consumer.consume(100, 1.0)
    assert batch.num_rows == 0            # p1 is paused, p0 is at its end
    consumer.resume([p1])
    resumed = _consume(consumer, RECORDS // 2)
    assert resumed.column("partition").unique().to_pylist() == [1]
    assert resumed.column("offset").to_pylist()[:3] == [0, 1, 2]
    consumer.close()


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_an_assignment_starts_at_the_committed_offset_else_where_the_reset_policy_says(
        make, kafka_bootstrap, topic):
    p0, p1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    config = _config(kafka_bootstrap)
    first = make(config)
    first.subscribe([topic])
    _consume(first, RECORDS)
    first.commit({p0: 100, p1: 250})
    first.close()

    again = make(config)
    again.subscribe([topic])
    resumed = _consume(again, RECORDS // 2 - 100 + RECORDS // 2 - 250)
    again.close()
    starts = {p: min(o for q, o in zip(resumed.column("partition").to_pylist(),
                                      resumed.column("offset").to_pylist()) if q == p)
              for p in (0, 1)}
    assert starts == {0: 100, 1: 250}
    assert resumed.num_rows == 200 + 50

    # A new group on "latest" reads only what comes after its assignment.
    fresh = _new_topic(kafka_bootstrap)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for old in (b"old-1", b"old-2"):
        producer.produce(fresh, old)
    assert producer.flush(30) == 0
    latest = make(_config(kafka_bootstrap, **{"auto.offset.reset": "latest"}))
    assigned = []
    latest.subscribe([fresh], on_assign=assigned.append)
    deadline = time.monotonic() + 30
    while not assigned and time.monotonic() < deadline:
        assert latest.consume(10, 0.2)[0].num_rows == 0
    assert latest.consume(10, 1.0)[0].num_rows == 0
    producer.produce(fresh, b"new")
    assert producer.flush(30) == 0
    new = _consume(latest, 1)
    latest.close()
    assert new.column("value").to_pylist() == [b"new"]
    assert new.column("offset").to_pylist() == [2]


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_a_rebalance_revokes_then_assigns_and_the_revoke_may_commit(make, kafka_bootstrap,
                                                                    topic):
    config = _config(kafka_bootstrap)
    first, second = make(config), make(config)
    events = []

    def on_revoke(partitions):
        events.append(("revoke", sorted(partitions)))
        first.commit({tp: 100 + tp.partition for tp in partitions})

    first.subscribe([topic], on_assign=lambda ps: events.append(("assign", sorted(ps))),
                    on_revoke=on_revoke)
    _consume(first, 1)
    second.subscribe([topic])
    deadline = time.monotonic() + 60
    while len(events) < 3 and time.monotonic() < deadline:
        first.consume(100, 0.2)
        second.consume(100, 0.2)
    p0, p1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    assert events[0] == ("assign", [p0, p1])
    assert events[1] == ("revoke", [p0, p1])
    assert events[2][0] == "assign" and len(events[2][1]) == 1
    assert first.committed([p0, p1], 10) == {p0: 100, p1: 101}
    second.close()
    first.close()
    assert events[-1] == ("revoke", events[2][1])   # close() leaves the group


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_an_exception_in_a_callback_is_raised_by_consume_after_the_assignment(
        make, kafka_bootstrap, topic):
    consumer = make(_config(kafka_bootstrap))

    def on_assign(partitions):
        raise RuntimeError("open failed")

    consumer.subscribe([topic], on_assign=on_assign)
    deadline = time.monotonic() + 30
    with pytest.raises(RuntimeError, match="open failed"):
        while time.monotonic() < deadline:
            consumer.consume(10, 0.5)
    assert len(consumer.assignment()) == 2
    consumer.close()


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_a_missing_topic_comes_back_as_an_error_not_a_row(make, kafka_bootstrap):
    consumer = make(_config(kafka_bootstrap, **{"allow.auto.create.topics": False}))
    missing = _unique("missing")
    consumer.subscribe([missing])
    errors = []
    deadline = time.monotonic() + 30
    while not errors and time.monotonic() < deadline:
        batch, errors = consumer.consume(10, 0.5)
        assert batch.num_rows == 0
    consumer.close()
    assert [e.name for e in errors] == ["UNKNOWN_TOPIC_OR_PART"]
    assert not errors[0].fatal
    assert missing in str(errors[0])


@pytest.mark.parametrize("make", IMPLEMENTATIONS)
def test_bad_settings_and_closed_consumers_raise_kafka_client_errors(make, kafka_bootstrap):
    with pytest.raises(KafkaClientError, match="fetch.wait.max.ms") as bad:
        make(_config(kafka_bootstrap, **{"fetch.wait.max.ms": "soon"}))
    assert bad.value.name == "_INVALID_ARG"
    with pytest.raises(KafkaClientError, match="no.such.setting"):
        make(_config(kafka_bootstrap, **{"no.such.setting": "1"}))

    consumer = make(_config(kafka_bootstrap))
    consumer.close()
    consumer.close()   # a second close is harmless
    with pytest.raises(KafkaClientError, match="closed"):
        consumer.consume(1, 0)


def test_the_worker_uses_the_compiled_consumer():
    assert kafka_client.IMPLEMENTATION == "cython"
    assert kafka_client.BatchConsumer is _compiled.BatchConsumer


# --- the producer ----------------------------------------------------------------------------

PRODUCERS = [
    pytest.param(_kafka_client_py, id="python"),
    pytest.param(_compiled, id="cython"),
]


def _produce_all(module, producer, columns: dict, topic, n: int) -> object:
    delivery = module.DeliveryBatch(n, offsets="carried")
    start = 0
    while start < n:
        start = producer.produce(topic=topic, start=start, delivery=delivery, **columns)
        if start < n:
            producer.poll(0.05)   # the queue is full: let it deliver
    assert producer.flush(30) == 0
    return delivery


def _read_back(bootstrap: str, topic: str, n: int) -> pa.Table:
    consumer = _kafka_client_py.BatchConsumer(_config(bootstrap))
    consumer.subscribe([topic])
    table = _by_position(_consume(consumer, n))
    consumer.close()
    return table


def _new_topic(bootstrap: str, partitions: int = 1) -> str:
    name = _unique("produced")
    admin = AdminClient({"bootstrap.servers": bootstrap})   # alive until the topic exists
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)
    return name


@pytest.mark.parametrize("module", PRODUCERS)
def test_produce_writes_every_row_as_given(module, kafka_bootstrap):
    topic = _new_topic(kafka_bootstrap, 2)
    rows = [_record(i) for i in range(RECORDS)]
    columns = {
        "partition": pa.array([None if i % 7 == 0 else r["partition"]
                               for i, r in enumerate(rows)], pa.int32()),
        "timestamp": pa.array([r["timestamp"] for r in rows], pa.int64()),
        "key": pa.array([r["key"] for r in rows], pa.binary()),
        "value": pa.array([r["value"] for r in rows], pa.binary()),
        "headers": pa.array([r["headers"] for r in rows], HEADERS_TYPE),
    }
    # a small queue, so that produce() stops at a full queue and resumes from there
    producer = module.BatchProducer({"bootstrap.servers": kafka_bootstrap,
                                     "queue.buffering.max.messages": 50})
    delivery = _produce_all(module, producer, columns, topic, RECORDS)
    producer.close()
    assert (delivery.remaining, delivery.error, delivery.offsets) == (0, None, "carried")

    table = _read_back(kafka_bootstrap, topic, RECORDS)
    assert table.num_rows == RECORDS
    got = {(r["key"], r["value"], r["timestamp"].timestamp() * 1000): r
           for r in table.to_pylist()}
    for i, want in enumerate(rows):
        row = got[(want["key"], want["value"], want["timestamp"])]
        assert row["headers"] == want["headers"]
        if i % 7:
            assert row["partition"] == want["partition"]
    # Within a partition, the rows keep the order they were given in.
    for partition in (0, 1):
        stamps = [r["timestamp"] for r in table.to_pylist() if r["partition"] == partition]
        assert stamps == sorted(stamps)


@pytest.mark.parametrize("module", PRODUCERS)
def test_a_row_librdkafka_refuses_is_named_and_the_rows_before_it_are_sent(module,
                                                                           kafka_bootstrap):
    topic = _new_topic(kafka_bootstrap)
    values = pa.array([b"a", b"b", b"c", b"x" * 5000, b"e"], pa.binary())
    producer = module.BatchProducer({"bootstrap.servers": kafka_bootstrap,
                                     "message.max.bytes": 2000})
    delivery = module.DeliveryBatch(3)
    with pytest.raises(ProduceRowError) as refused:
        producer.produce(topic, None, None, None, values, None, 0, delivery)
    assert refused.value.row == 3
    assert isinstance(refused.value.__cause__, KafkaClientError)
    assert refused.value.__cause__.name == "MSG_SIZE_TOO_LARGE"
    assert producer.flush(30) == 0
    producer.close()
    assert (delivery.remaining, delivery.error) == (0, None)
    assert _read_back(kafka_bootstrap, topic, 3).column("value").to_pylist() == \
        [b"a", b"b", b"c"]


@pytest.mark.parametrize("module", PRODUCERS)
def test_a_failed_delivery_is_reported_with_where_it_failed(module):
    # Nothing listens on port 1: every row times out after message.timeout.ms.
    producer = module.BatchProducer({"bootstrap.servers": "127.0.0.1:1",
                                     "message.timeout.ms": 300, "logger": logging.getLogger()})
    delivery = module.DeliveryBatch(2)
    assert producer.produce("nowhere", None, None, None,
                            pa.array([b"1", b"2"]), None, 0, delivery) == 2
    assert producer.flush(10) == 0
    assert delivery.remaining == 0
    assert delivery.error.name == "_MSG_TIMED_OUT"
    assert delivery.error.topic == "nowhere"
    producer.close()


@pytest.mark.parametrize("module", PRODUCERS)
def test_close_reports_what_was_never_delivered(module):
    producer = module.BatchProducer({"bootstrap.servers": "127.0.0.1:1",
                                     "logger": logging.getLogger()})
    delivery = module.DeliveryBatch(3)
    producer.produce("nowhere", None, None, None, pa.array([b"1", b"2", b"3"]), None, 0,
                     delivery)
    assert delivery.remaining == 3
    producer.close()
    assert delivery.remaining == 0
    assert delivery.error.name == "_PURGE_QUEUE"
    with pytest.raises(KafkaClientError, match="closed"):
        producer.poll(0)


def test_the_worker_uses_the_compiled_producer():
    assert kafka_client.BatchProducer is _compiled.BatchProducer
    assert kafka_client.DeliveryBatch is _compiled.DeliveryBatch
