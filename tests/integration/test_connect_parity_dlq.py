"""fastconnect's dead letter queue records are Apache Kafka Connect's.

A topic with some malformed JSON values goes through FileStreamSink with
``errors.tolerance=all`` and a dead letter queue with context headers, on Apache Kafka
Connect standalone and on fastconnect standalone. The files must be equal, and the DLQ
records too: key, value, the record's own headers, then the ``__connect.errors.*`` headers
in Kafka's order and with Kafka's values, except the connector's name (each worker runs its
own) and what only says how the error came about in each language (the exception's message
and stack trace; fastconnect's message names the parse error, Kafka's leaves it to the
stack trace).
"""

from __future__ import annotations

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from worker_helpers import (
    ordered_producer, read_records, start_worker, stop_worker, topic_end, unique, wait_for,
)

from fastconnect.services.connect import KafkaConnectStandalone, _write_properties

pytestmark = pytest.mark.integration

TIMEOUT = 120.0
TOTAL = 200
BAD = [offset for offset in range(TOTAL) if offset % 7 == 3]
PREFIX = "__connect.errors."
OWN = {PREFIX + "connector.name", PREFIX + "exception.message", PREFIX + "exception.stacktrace"}


def fill(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result()
    producer = ordered_producer(bootstrap)
    for offset in range(TOTAL):
        value = b'{"broken": %d' % offset if offset in BAD else b'{"a":%d,"b":"x"}' % offset
        producer.produce(topic, value, key=f"k{offset}".encode(),
                         headers=[("origin", b"test"), ("n", str(offset).encode())])
        producer.poll(0)
    assert producer.flush(30) == 0


def configs(bootstrap: str, work, topic: str, dlq: str):
    worker = {"bootstrap.servers": bootstrap,
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false",
              "offset.storage.file.filename": str(work / "offsets"),
              "offset.flush.interval.ms": "1000"}
    connector = {"name": f"parity-dlq-{work.name}", "connector.class": "FileStreamSink",
                 "tasks.max": "1", "file": str(work / "out.txt"), "topics": topic,
                 "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
                 "errors.deadletterqueue.topic.replication.factor": "1",
                 "errors.deadletterqueue.context.headers.enable": "true"}
    return worker, connector


def test_dead_letter_records_are_kafka_connects(kafka_bootstrap, tmp_path):
    topic = unique("parity-dlq-in")
    fill(kafka_bootstrap, topic)
    dlqs = {who: unique(f"parity-dlq-{who}") for who in ("connect", "fast")}

    connect_dir = tmp_path / "connect"
    connect_dir.mkdir()
    worker, connector = configs(kafka_bootstrap, connect_dir, topic, dlqs["connect"])
    connect = KafkaConnectStandalone(worker, [connector], work_dir=connect_dir)
    connect.start(timeout=TIMEOUT)
    try:
        wait_for(lambda: topic_end(kafka_bootstrap, dlqs["connect"]) >= len(BAD), TIMEOUT,
                 "Apache Kafka Connect's dead letters")
    finally:
        connect.stop()

    fast_dir = tmp_path / "fast"
    fast_dir.mkdir()
    worker, connector = configs(kafka_bootstrap, fast_dir, topic, dlqs["fast"])
    fast = start_worker(fast_dir, _write_properties(fast_dir / "worker.properties", worker),
                        _write_properties(fast_dir / "connector.properties", connector))
    try:
        wait_for(lambda: topic_end(kafka_bootstrap, dlqs["fast"]) >= len(BAD), TIMEOUT,
                 "fastconnect's dead letters", fast, fast_dir / "worker.log")
        wait_for(lambda: (fast_dir / "out.txt").exists()
                 and (fast_dir / "out.txt").read_bytes().count(b"\n") >= TOTAL - len(BAD),
                 TIMEOUT, "fastconnect's good records", fast, fast_dir / "worker.log")
    finally:
        stop_worker(fast, fast_dir)

    assert (fast_dir / "out.txt").read_bytes() == (connect_dir / "out.txt").read_bytes()
    theirs = read_records(kafka_bootstrap, dlqs["connect"], len(BAD))
    ours = read_records(kafka_bootstrap, dlqs["fast"], len(BAD))
    assert len(theirs) == len(ours) == len(BAD)
    for (key, value, headers), (our_key, our_value, our_headers) in zip(theirs, ours):
        assert (our_key, our_value) == (key, value)
        assert [k for k, _ in our_headers] == [k for k, _ in headers]
        assert [(k, v) for k, v in our_headers if k not in OWN] == \
            [(k, v) for k, v in headers if k not in OWN]
        ours_named = dict(our_headers)
        assert ours_named[PREFIX + "connector.name"] == b"parity-dlq-fast"
        assert ours_named[PREFIX + "exception.message"].startswith(
            dict(headers)[PREFIX + "exception.message"])
