"""errors.tolerance and the dead letter queue, end to end on a real broker."""

from __future__ import annotations

import signal

import pytest
from confluent_kafka import Consumer
from worker_helpers import (
    count_lines,
    ordered_producer,
    start_worker,
    stop_worker,
    unique,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.integration

TOTAL = 700


def json_worker(tmp_path, bootstrap):
    path = tmp_path / "worker.properties"
    path.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
        "value.converter.schemas.enable=false\n"
        f"offset.storage.file.filename={tmp_path}/connect.offsets\n"
        "offset.flush.interval.ms=100\n"
        "consumer.session.timeout.ms=6000\n")
    return path


def produce_mixed(bootstrap: str, topic: str) -> tuple[list[str], dict[int, bytes]]:
    """Numbers as good JSON; every seventh record is malformed. Returns (good, {offset: bad})."""
    producer = ordered_producer(bootstrap)
    good, bad = [], {}
    for offset in range(TOTAL):
        if offset % 7 == 3:
            value = b'{"broken": ' + str(offset).encode()
            bad[offset] = value
        else:
            value = str(offset * 10).encode()
            good.append(str(offset * 10))
        producer.produce(topic, value, key=f"k{offset}".encode(), headers=[("origin", b"test")])
        producer.poll(0)
    producer.flush(30)
    return good, bad


def read_all(bootstrap: str, topic: str, expected: int) -> list:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("dlq-reader"),
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    messages = []
    try:
        for _ in range(120):
            messages += [m for m in consumer.consume(1000, 0.5) if m.error() is None]
            if len(messages) >= expected:
                break
    finally:
        consumer.close()
    return messages


def test_tolerance_all_sends_each_bad_record_to_the_dlq_and_keeps_the_rest(
        kafka_bootstrap, tmp_path):
    topic, dlq, name = unique("mixed"), unique("dlq"), unique("tolerant-sink")
    good, bad = produce_mixed(kafka_bootstrap, topic)
    sink_file = tmp_path / "out.txt"
    worker = start_worker(tmp_path, json_worker(tmp_path, kafka_bootstrap), write_config(
        tmp_path, name, **{
            "connector.class": "FileStreamSink", "file": str(sink_file), "topics": topic,
            "errors.tolerance": "all", "errors.log.enable": "true",
            "errors.deadletterqueue.topic.name": dlq,
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true"}))
    wait_for(lambda: count_lines(sink_file) >= len(good), 120, "the good records", worker,
             tmp_path / "worker.log")
    messages = read_all(kafka_bootstrap, dlq, len(bad))
    stop_worker(worker, tmp_path)

    assert sink_file.read_text().splitlines() == good
    assert [m.value() for m in messages] == list(bad.values())
    for message, offset in zip(messages, bad):
        headers = dict(message.headers())
        assert message.key() == f"k{offset}".encode()
        assert headers["origin"] == b"test"
        assert headers["__connect.errors.topic"] == topic.encode()
        assert headers["__connect.errors.partition"] == b"0"
        assert headers["__connect.errors.offset"] == str(offset).encode()
        assert headers["__connect.errors.connector.name"] == name.encode()
        assert headers["__connect.errors.task.id"] == b"0"
        assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
        assert headers["__connect.errors.class.name"] == b"org.apache.kafka.connect.json.JsonConverter"
        assert (headers["__connect.errors.exception.class.name"]
                == b"org.apache.kafka.connect.errors.DataException")
        assert headers["__connect.errors.exception.message"]
        assert b"DataError" in headers["__connect.errors.exception.stacktrace"]
    log = (tmp_path / "worker.log").read_text()
    assert "Executing stage 'VALUE_CONVERTER'" in log


def test_tolerance_none_fails_the_task_naming_the_record(kafka_bootstrap, tmp_path):
    topic, name = unique("mixed-strict"), unique("strict-sink")
    good, bad = produce_mixed(kafka_bootstrap, topic)
    first_bad = min(bad)
    sink_file = tmp_path / "out.txt"
    worker = start_worker(tmp_path, json_worker(tmp_path, kafka_bootstrap), write_config(
        tmp_path, name, **{"connector.class": "FileStreamSink", "file": str(sink_file),
                           "topics": topic}))
    log = tmp_path / "worker.log"
    wait_for(lambda: "Task failed" in log.read_text(), 120, "the task to fail", worker, log)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 1  # a failed task makes the worker exit non-zero
    text = log.read_text()
    assert (f"VALUE_CONVERTER (org.apache.kafka.connect.json.JsonConverter) failed for record "
            f"topic={topic}, partition=0, offset={first_bad}") in text
    assert f"Task {name}-0 ended FAILED" in text
    # Nothing at or after the bad record reached the sink.
    written = sink_file.read_text().splitlines()
    assert written == [str(offset * 10) for offset in range(len(written))]
    assert len(written) < first_bad
