"""The per-message loops: each implementation against the contract, and against each other.

Input messages are real ``confluent_kafka.Message`` objects (its constructor is public for
tests), plus a duck-typed class to show that only the methods matter. ``produce_rows`` is
checked against a recording producer whose ``produce`` has confluent-kafka's keyword names,
and once against a real ``confluent_kafka.Producer`` that only queues locally.
"""

from __future__ import annotations

import importlib

import confluent_kafka as ck
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastconnect.api.batch import RAW_SCHEMA
from fastconnect.runtime import _messages_py
from fastconnect.runtime import messages as chooser
from fastconnect.runtime._messages_py import ProduceRowError

# The tests need the compiled module: a build that failed must fail them, not skip them.
from fastconnect._ext import messages as _compiled

IMPLEMENTATIONS = [
    pytest.param(_messages_py, id="python"),
    pytest.param(_compiled, id="cython"),
]
EOF_ERROR = ck.KafkaError(ck.KafkaError._PARTITION_EOF)


def message(topic="t", partition=0, offset=0, key=None, value=None, headers=None,
            timestamp=(ck.TIMESTAMP_CREATE_TIME, 1_700_000_000_000), error=None):
    return ck.Message(topic=topic, partition=partition, offset=offset, key=key, value=value,
                      headers=headers, timestamp=timestamp, error=error)


class RecordingProducer:
    """Records produce() calls; raises BufferError (queue full) once ``accept`` rows went.

    The parameters are confluent-kafka's, in the order of its C signature, which
    produce_rows passes positionally.
    """

    def __init__(self, accept: int | None = None):
        self.calls: list[dict] = []
        self.accept = accept

    def produce(self, topic, value=None, key=None, partition=-1, callback=None,
                on_delivery=None, timestamp=0, headers=None):
        if self.accept is not None and len(self.calls) >= self.accept:
            raise BufferError("Local: Queue full")
        self.calls.append(dict(topic=topic, value=value, key=key, partition=partition,
                               timestamp=timestamp, headers=headers,
                               on_delivery=callback if callback is not None else on_delivery))


def expected_call(msg, on_delivery=None) -> dict:
    kind, millis = msg.timestamp()
    return dict(topic=msg.topic(), value=msg.value(), key=msg.key(), partition=msg.partition(),
                timestamp=0 if kind == ck.TIMESTAMP_NOT_AVAILABLE else millis,
                headers=msg.headers() or None, on_delivery=on_delivery)


def columns(batch: pa.RecordBatch) -> dict:
    return {name: batch.column(name) for name in
            ("topic", "partition", "timestamp", "key", "value", "headers")}


def produce_all(impl, producer, cols: dict, start=0, on_delivery=None) -> int:
    return impl.produce_rows(producer, start=start, on_delivery=on_delivery, **cols)


# ---------------------------------------------------------------- messages_to_batch

@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_messages_become_rows_of_the_raw_schema(impl):
    msgs = [
        message("orders", 1, 5, b"k", b"v", [("a", b"x"), ("b", None)], (1, 123)),
        message("users", 2, 6, None, b"", None, (ck.TIMESTAMP_NOT_AVAILABLE, 0)),
        message("orders", 0, 7, b"", None, [], (ck.TIMESTAMP_LOG_APPEND_TIME, 5)),
    ]
    batch, errors = impl.messages_to_batch(msgs)
    batch.validate(full=True)
    assert errors == []
    assert batch.schema == RAW_SCHEMA
    assert batch.column("topic").dictionary.to_pylist() == ["orders", "users"]
    assert batch.column("topic").indices.to_pylist() == [0, 1, 0]
    assert batch.column("partition").to_pylist() == [1, 2, 0]
    assert batch.column("offset").to_pylist() == [5, 6, 7]
    assert batch.column("timestamp").cast(pa.int64()).to_pylist() == [123, None, 5]
    assert batch.column("key").to_pylist() == [b"k", None, b""]
    assert batch.column("value").to_pylist() == [b"v", b"", None]
    assert batch.column("headers").to_pylist() == [
        [{"key": "a", "value": b"x"}, {"key": "b", "value": None}], None, None]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_error_events_are_returned_not_rows(impl):
    eof = message("t", 0, 9, error=EOF_ERROR)
    other = message("t", 1, error=ck.KafkaError(ck.KafkaError._TRANSPORT))
    batch, errors = impl.messages_to_batch([eof, message("t", 0, 8, value=b"x"), other])
    assert batch.num_rows == 1 and batch.column("offset").to_pylist() == [8]
    assert errors == [eof, other]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("msgs", [[], [message(error=EOF_ERROR)]], ids=["empty", "only-errors"])
def test_no_rows_is_an_empty_batch(impl, msgs):
    batch, errors = impl.messages_to_batch(msgs)
    batch.validate(full=True)
    assert batch.num_rows == 0 and batch.schema == RAW_SCHEMA and len(errors) == len(msgs)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_any_object_with_the_message_methods_will_do(impl):
    class Duck:
        def error(self): return None
        def topic(self): return "t"
        def partition(self): return 3
        def offset(self): return 4
        def timestamp(self): return (1, 10)
        def key(self): return bytearray(b"k")
        def value(self): return memoryview(b"value")
        def headers(self): return [("h", b"1")]

    batch, _ = impl.messages_to_batch((Duck(), Duck()))   # a tuple, not a list
    assert batch.column("value").to_pylist() == [b"value", b"value"]
    assert batch.column("key").to_pylist() == [b"k", b"k"]


def test_large_values_grow_the_buffers_and_match():
    # Beyond the compiled version's first guesses (256 bytes a value, 16 a key): regrowth.
    msgs = [message("t", 0, i, bytes(100 + i % 7), bytes([i % 256]) * (300 + i),
                    [("h", bytes(i % 50))] * (i % 3)) for i in range(2000)]
    compiled, _ = _compiled.messages_to_batch(msgs)
    compiled.validate(full=True)
    assert compiled.equals(_messages_py.messages_to_batch(msgs)[0])
    assert compiled.column("value").to_pylist() == [m.value() for m in msgs]


# ---------------------------------------------------------------- produce_rows

@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_a_consumed_batch_produces_the_same_records(impl):
    msgs = [message("a", 1, 0, b"k", b"v", [("x", b"1"), ("y", None)], (1, 42)),
            message("b", 2, 1, None, None, [], (ck.TIMESTAMP_NOT_AVAILABLE, 0)),
            message("a", 0, 2, b"", b"", None, (2, 7))]
    batch, _ = _messages_py.messages_to_batch(msgs)
    producer, callback = RecordingProducer(), object()
    assert produce_all(impl, producer, columns(batch), on_delivery=callback) == 3
    assert producer.calls == [expected_call(m, callback) for m in msgs]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_a_full_queue_stops_at_the_row_and_resumes_from_it(impl):
    msgs = [message("t", i % 3, i, value=b"%d" % i) for i in range(10)]
    cols = columns(_messages_py.messages_to_batch(msgs)[0])
    producer = RecordingProducer(accept=4)
    assert produce_all(impl, producer, cols) == 4
    assert produce_all(impl, producer, cols, start=4) == 4     # still full: nothing went
    producer.accept = 7
    assert produce_all(impl, producer, cols, start=4) == 7
    producer.accept = None
    assert produce_all(impl, producer, cols, start=7) == 10
    assert produce_all(impl, producer, cols, start=10) == 10
    assert [c["value"] for c in producer.calls] == [m.value() for m in msgs]
    with pytest.raises(ValueError):
        produce_all(impl, producer, cols, start=11)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_absent_and_null_columns_use_librdkafkas_defaults(impl):
    producer = RecordingProducer()
    n = impl.produce_rows(producer, "t", pa.array([None, 3], pa.int32()),
                          pa.array([None, 5], pa.timestamp("ms", tz="UTC")), None,
                          pa.array([b"a", None]), None, 0, None)
    assert n == 2
    assert [(c["partition"], c["timestamp"], c["key"], c["value"], c["headers"])
            for c in producer.calls] == [(-1, 0, None, b"a", None), (3, 5, None, None, None)]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("topic", [
    "t",
    pa.array(["t", "t", "t"]),
    pa.array(["t", "t", "t"], pa.large_string()),
    pa.array(["t", "t", "t"]).dictionary_encode().cast(pa.dictionary(pa.int8(), pa.string())),
    pa.chunked_array([["t"], ["t", "t"]]),
], ids=["str", "string", "large_string", "dict-int8", "chunked"])
def test_other_column_types_are_accepted(impl, topic):
    producer = RecordingProducer()
    impl.produce_rows(producer, topic, pa.array([0, 1, 2], pa.int64()),
                      pa.array([1_500, 2_999, None], pa.timestamp("us", tz="UTC")),
                      pa.array(["k", None, "k3"], pa.large_string()),
                      pa.array([b"v", b"w", b"x"], pa.large_binary()), None, 0, None)
    assert [(c["topic"], c["partition"], c["timestamp"], c["key"], c["value"])
            for c in producer.calls] == [("t", 0, 1, b"k", b"v"), ("t", 1, 2, None, b"w"),
                                         ("t", 2, 0, b"k3", b"x")]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_sliced_columns_are_read_at_their_offset(impl):
    msgs = [message(f"t{i % 2}", i, i, b"k%d" % i if i % 3 else None, b"v%d" % i,
                    [("h", b"%d" % i), ("n", None)] if i % 2 else None,
                    (1, i) if i % 4 else (0, 0)) for i in range(20)]
    batch = _messages_py.messages_to_batch(msgs)[0].slice(5, 11)
    producer = RecordingProducer()
    assert produce_all(impl, producer, columns(batch), start=2) == 11
    assert producer.calls == [expected_call(m) for m in msgs[7:16]]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_null_header_entries_are_passed_on_for_produce_to_refuse(impl):
    pairs = pa.array([[None, {"key": None, "value": b"v"}, {"key": "k", "value": None}], [],
                      None], pa.list_(pa.struct([("key", pa.large_string()),
                                                 ("value", pa.binary())])))
    producer = RecordingProducer()
    impl.produce_rows(producer, "t", None, None, None, pa.array([b"1", b"2", b"3"]), pairs, 0,
                      None)
    assert [c["headers"] for c in producer.calls] == [
        [(None, None), (None, b"v"), ("k", None)], None, None]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_other_produce_errors_name_the_row(impl):
    class Refusing(RecordingProducer):
        def produce(self, *args):
            if len(self.calls) == 2:
                raise ck.KafkaException(ck.KafkaError(ck.KafkaError.MSG_SIZE_TOO_LARGE))
            super().produce(*args)

    with pytest.raises(ProduceRowError) as caught:
        impl.produce_rows(Refusing(), "t", None, None, None, pa.array([b"1"] * 5), None, 1,
                          None)
    assert caught.value.row == 3
    assert isinstance(caught.value.__cause__, ck.KafkaException)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_columns_of_different_lengths_are_refused(impl):
    with pytest.raises(ValueError, match="'key' has 1 rows"):
        impl.produce_rows(RecordingProducer(), "t", None, None, pa.array([b"k"]),
                          pa.array([b"1", b"2"]), None, 0, None)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_the_real_producer_gets_each_field_in_its_place(impl):
    # No broker needed: produce() only queues. A 3-message queue raises BufferError for
    # real, and purging the queue sends delivery reports (through the callback slot) with the
    # topic, key and value librdkafka received. A timestamp or headers list in the wrong slot
    # would fail confluent-kafka's argument parsing ("L" and "O" formats).
    producer = ck.Producer({"bootstrap.servers": "127.0.0.1:9", "log_level": 0,
                            "queue.buffering.max.messages": 3})
    reports = []
    try:
        msgs = [message("t", 0, i, b"k%d" % i, b"v%d" % i,
                        [("h", None), ("i", b"%d" % i)] if i != 1 else None, (1, 1000 + i))
                for i in range(5)]
        cols = columns(_messages_py.messages_to_batch(msgs)[0])
        cols["partition"] = pa.array([None] * 5, pa.int32())
        went = produce_all(impl, producer, cols, on_delivery=lambda err, msg: reports.append(
            (err.code(), msg.topic(), msg.key(), msg.value())))
        assert went == 3
    finally:
        producer.purge()
        producer.flush(0)
    assert sorted(reports) == [
        (ck.KafkaError._PURGE_QUEUE, "t", m.key(), m.value()) for m in msgs[:3]]


# ---------------------------------------------------------------- both, on random data

def _kafka_messages():
    headers = st.none() | st.lists(st.tuples(st.text(max_size=8),
                                             st.none() | st.binary(max_size=12)), max_size=4)
    timestamps = st.just((ck.TIMESTAMP_NOT_AVAILABLE, 0)) | st.tuples(
        st.sampled_from([ck.TIMESTAMP_CREATE_TIME, ck.TIMESTAMP_LOG_APPEND_TIME]),
        st.integers(1, 2**41))
    record = st.builds(
        message, topic=st.sampled_from(["orders", "users", "ünïcode", "t"]),
        partition=st.integers(0, 2**31 - 1), offset=st.integers(0, 2**63 - 1),
        key=st.none() | st.binary(max_size=24), value=st.none() | st.binary(max_size=64),
        headers=headers, timestamp=timestamps)
    event = st.builds(message, topic=st.just("t"), error=st.just(EOF_ERROR))
    return st.lists(record | event, max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(msgs=_kafka_messages())
def test_both_build_the_same_batch(msgs):
    compiled, compiled_errors = _compiled.messages_to_batch(msgs)
    twin, twin_errors = _messages_py.messages_to_batch(msgs)
    compiled.validate(full=True)
    assert compiled.equals(twin) and compiled.schema == twin.schema
    assert compiled_errors == twin_errors == [m for m in msgs if m.error() is not None]
    rows = [m for m in msgs if m.error() is None]
    assert compiled.column("value").to_pylist() == [m.value() for m in rows]
    assert compiled.column("headers").to_pylist() == [
        [{"key": k, "value": v} for k, v in m.headers()] if m.headers() else None for m in rows]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(msgs=_kafka_messages(), data=st.data())
def test_both_produce_the_same_calls(msgs, data):
    batch, _ = _messages_py.messages_to_batch(msgs)
    begin = data.draw(st.integers(0, batch.num_rows))
    batch = batch.slice(begin, data.draw(st.integers(0, batch.num_rows - begin)))
    start = data.draw(st.integers(0, batch.num_rows))
    accept = data.draw(st.none() | st.integers(0, batch.num_rows))
    results = []
    for impl in (_compiled, _messages_py):
        producer = RecordingProducer(accept)
        results.append((produce_all(impl, producer, columns(batch), start), producer.calls))
    assert results[0] == results[1]
    rows = [m for m in msgs if m.error() is None][begin:begin + batch.num_rows]
    went, calls = results[0]
    assert went == (batch.num_rows if accept is None else min(batch.num_rows, start + accept))
    assert calls == [expected_call(m) for m in rows[start:went]]


# ---------------------------------------------------------------- the choice

def test_the_environment_forces_the_python_twin(monkeypatch):
    try:
        monkeypatch.setenv("FASTCONNECT_PURE_PYTHON", "1")
        forced = importlib.reload(chooser)
        assert forced.IMPLEMENTATION == "python"
        assert forced.produce_rows is _messages_py.produce_rows
        monkeypatch.delenv("FASTCONNECT_PURE_PYTHON")
        default = importlib.reload(chooser)
        assert default.IMPLEMENTATION == "cython"
        assert default.messages_to_batch is _compiled.messages_to_batch
    finally:
        importlib.reload(chooser)
