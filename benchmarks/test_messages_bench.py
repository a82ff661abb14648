"""Micro-benchmarks of the per-message loops: the compiled version against its Python twin.

100,000 messages of ~200 bytes (16-byte key, 200-byte value, with and without two headers).
``produce_rows`` is measured into a producer that only counts (our loop's own cost), and into
a real ``confluent_kafka.Producer`` that queues locally without a broker (librdkafka's
enqueue cost included). ``plain_loop`` is the floor: a Python loop over ready-made Python
objects, with no Arrow reading at all, calling ``produce`` positionally as produce_rows does
(and, against the real producer, with keywords: the reason produce_rows does not). Each
result's ``extra_info`` holds records/s; run with
``python -m pytest benchmarks/test_messages_bench.py``.
"""

from __future__ import annotations

import confluent_kafka as ck
import pytest

from fastconnect.runtime import _messages_py

try:
    from fastconnect._ext import messages as _compiled
except ImportError:  # pragma: no cover
    _compiled = None

N = 100_000
IMPLEMENTATIONS = [
    pytest.param(_messages_py, id="python"),
    pytest.param(_compiled, id="cython",
                 marks=pytest.mark.skipif(_compiled is None, reason="extension not built")),
]


def _messages(with_headers: bool) -> list:
    headers = [("trace-id", b"0123456789abcdef"), ("source", b"bench")] if with_headers else None
    value = b"x" * 200
    return [ck.Message(topic="bench", partition=i % 6, offset=i, key=b"key-%012d" % i,
                       value=value, headers=headers,
                       timestamp=(ck.TIMESTAMP_CREATE_TIME, 1_700_000_000_000 + i))
            for i in range(N)]


@pytest.fixture(scope="module", params=[False, True], ids=["no-headers", "2-headers"])
def messages(request):
    return _messages(request.param)


@pytest.fixture(scope="module")
def columns():
    batch, _ = _messages_py.messages_to_batch(_messages(False))
    return {name: batch.column(name) for name in
            ("topic", "partition", "timestamp", "key", "value", "headers")}


class CountingProducer:
    count = 0

    # confluent-kafka's parameters in its C order: produce_rows passes them positionally.
    def produce(self, topic, value=None, key=None, partition=-1, callback=None,
                on_delivery=None, timestamp=0, headers=None):
        self.count += 1


def _rate(benchmark) -> None:
    benchmark.extra_info["records_per_s"] = round(N / benchmark.stats.stats.median)


@pytest.mark.benchmark(group="messages_to_batch")
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_messages_to_batch(benchmark, impl, messages):
    batch, errors = benchmark(impl.messages_to_batch, messages)
    assert batch.num_rows == N and not errors
    _rate(benchmark)


@pytest.mark.benchmark(group="produce_rows (counting producer)")
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_produce_rows(benchmark, impl, columns):
    producer = CountingProducer()
    assert benchmark(impl.produce_rows, producer, start=0, on_delivery=None, **columns) == N
    _rate(benchmark)


def _plain_loop(producer, columns, keywords: bool):
    # The floor: ready-made Python objects, no Arrow reading, the same call per row.
    cols = _messages_py.produce_columns(**columns)
    rows = list(zip(*(array.to_pylist() for array in
                      (cols.topic, cols.partition, cols.timestamp, cols.key, cols.value))))
    produce = producer.produce

    def by_position():
        for topic, partition, timestamp, key, value in rows:
            produce(topic, value, key, partition, None, None, timestamp, None)

    def by_keyword():
        for topic, partition, timestamp, key, value in rows:
            produce(topic=topic, value=value, key=key, partition=partition,
                    on_delivery=None, timestamp=timestamp, headers=None)

    return by_keyword if keywords else by_position


@pytest.mark.benchmark(group="produce_rows (counting producer)")
def test_plain_loop(benchmark, columns):
    benchmark(_plain_loop(CountingProducer(), columns, keywords=False))
    _rate(benchmark)


@pytest.fixture
def real_producer():
    producer = ck.Producer({"bootstrap.servers": "127.0.0.1:9", "log_level": 0,
                            "queue.buffering.max.messages": 2 * N,
                            "queue.buffering.max.kbytes": 1024 * 1024})
    yield producer
    _empty(producer)


def _empty(producer) -> None:
    producer.purge()
    producer.flush(0)


@pytest.mark.benchmark(group="produce_rows (real producer, local queue)")
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_produce_rows_real_producer(benchmark, impl, columns, real_producer):
    went = benchmark.pedantic(impl.produce_rows, args=(real_producer,),
                              kwargs=dict(start=0, on_delivery=None, **columns),
                              setup=lambda: _empty(real_producer), rounds=7)
    assert went == N
    _rate(benchmark)


@pytest.mark.benchmark(group="produce_rows (real producer, local queue)")
@pytest.mark.parametrize("keywords", [False, True], ids=["positional", "keywords"])
def test_plain_loop_real_producer(benchmark, columns, real_producer, keywords):
    benchmark.pedantic(_plain_loop(real_producer, columns, keywords),
                       setup=lambda: _empty(real_producer), rounds=7)
    _rate(benchmark)
