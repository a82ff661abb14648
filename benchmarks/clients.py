"""The Kafka clients alone: fastconnect's batch clients against confluent-kafka's own loop.

    python -m benchmarks.clients                     # 1,000,000 records of 200 B, 5 rounds
    python -m benchmarks.clients --records 200000 --bootstrap-servers 127.0.0.1:9092

Consume: a fresh group reads one pre-filled topic to its end, into ``RAW_SCHEMA`` batches
(``kafka_client.BatchConsumer``, compiled and twin) or, as the raw client rate, confluent-
kafka's ``consume(10000)`` loop that only counts the messages. Produce: the same 200-byte
values, from an Arrow column (``BatchProducer``, compiled and twin, the worker's producer
settings) or from a list of ``bytes`` in confluent-kafka's tight ``produce``/``poll`` loop
(librdkafka's defaults), each to a fresh topic, timed until flushed. The contenders
alternate, the order rotating each round; medians and ratios are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa  # noqa: E402
from confluent_kafka import Consumer, Producer  # noqa: E402

from benchmarks import measure  # noqa: E402
from fastconnect.runtime import _kafka_client_py  # noqa: E402
from fastconnect.runtime.clients import consumer_config, producer_config  # noqa: E402

try:
    from fastconnect._ext import rdkafka as _compiled
except ImportError:  # pragma: no cover
    _compiled = None


def _consume_batches(module, bootstrap: str, topic: str, n: int) -> float:
    config = consumer_config({"bootstrap.servers": bootstrap}, {}, measure.unique("bench"),
                             "bench")
    consumer = module.BatchConsumer(config)
    consumer.subscribe([topic])
    t0, got = time.perf_counter(), 0
    while got < n:
        batch, _ = consumer.consume(min(10000, n - got), 1.0)
        got += batch.num_rows
    elapsed = time.perf_counter() - t0
    consumer.close()
    return elapsed


def _consume_raw(bootstrap: str, topic: str, n: int) -> float:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": measure.unique("raw"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "fetch.queue.backoff.ms": 10})
    consumer.subscribe([topic])
    t0, got = time.perf_counter(), 0
    while got < n:
        got += sum(1 for m in consumer.consume(min(10000, n - got), 1.0) if m.error() is None)
    elapsed = time.perf_counter() - t0
    consumer.close()
    return elapsed


def _produce_batches(module, bootstrap: str, values: pa.Array) -> float:
    topic = measure.unique("bench-produce")
    measure.create_topic(bootstrap, topic)
    producer = module.BatchProducer(producer_config({"bootstrap.servers": bootstrap}, {},
                                                    "bench"))
    delivery = module.DeliveryBatch(len(values))
    t0, start = time.perf_counter(), 0
    while start < len(values):
        start = producer.produce(topic, None, None, None, values, None, start, delivery)
        if start < len(values):
            producer.poll(0.05)
    if producer.flush(120) or delivery.remaining or delivery.error is not None:
        raise RuntimeError(f"not all delivered: {delivery.remaining} left, {delivery.error}")
    elapsed = time.perf_counter() - t0
    producer.close()
    return elapsed


def _produce_raw(bootstrap: str, values: list[bytes]) -> float:
    topic = measure.unique("bench-produce")
    measure.create_topic(bootstrap, topic)
    t0 = time.perf_counter()
    measure.produce_all(Producer({"bootstrap.servers": bootstrap}), topic, values)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.clients")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bootstrap-servers", help="use this broker instead of starting one")
    args = parser.parse_args(argv)
    if _compiled is None:
        print("fastconnect._ext.rdkafka is not built", file=sys.stderr)
        return 1
    broker = None
    bootstrap = args.bootstrap_servers
    if bootstrap is None:
        from fastconnect.services.kafka import KafkaServer

        broker = KafkaServer().start()
        bootstrap = broker.bootstrap_servers
    try:
        n = args.records
        raw_values = [b"%010d " % i + b"x" * 189 for i in range(n)]
        values = pa.array(raw_values, pa.binary())
        topic = measure.unique("bench-consume")
        measure.prefill(bootstrap, topic, raw_values)
        contenders = {
            "consume: BatchConsumer (librdkafka)": lambda: _consume_batches(
                _compiled, bootstrap, topic, n),
            "consume: BatchConsumer (confluent-kafka twin)": lambda: _consume_batches(
                _kafka_client_py, bootstrap, topic, n),
            "consume: confluent-kafka loop, counting only": lambda: _consume_raw(
                bootstrap, topic, n),
            "produce: BatchProducer (librdkafka)": lambda: _produce_batches(
                _compiled, bootstrap, values),
            "produce: BatchProducer (confluent-kafka twin)": lambda: _produce_batches(
                _kafka_client_py, bootstrap, values),
            "produce: confluent-kafka loop": lambda: _produce_raw(bootstrap, raw_values),
        }
        names = list(contenders)
        times: dict[str, list[float]] = {name: [] for name in names}
        for r in range(args.rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                times[name].append(contenders[name]())
                print(f"[{r + 1}/{args.rounds}] {name:48s} {n / times[name][-1]:12,.0f} rec/s",
                      flush=True)
        print(f"\n{n:,} records of 200 bytes, {args.rounds} rounds, medians:\n")
        print("| contender | rec/s | vs confluent-kafka loop |\n|---|---:|---:|")
        for name in names:
            kind = name.split(":")[0]
            reference = statistics.median(times[next(k for k in names if k.startswith(kind)
                                                     and "loop" in k)])
            median = statistics.median(times[name])
            print(f"| {name} | {n / median:,.0f} | {reference / median:.2f} |")
        print(f"\nmachine: {measure.machine()}; run {uuid.uuid4().hex[:6]} at "
              f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    finally:
        if broker is not None:
            broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
