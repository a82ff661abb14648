"""The project's own Apache Kafka Connect worker: Apache's FileStreamSource moves a file
into a topic exactly, and the worker stops cleanly.

This is the peer the benchmarks and compatibility checks compare fastconnect against, so
the test checks the real thing end to end: lines in a file -> Connect -> the broker of the
``kafka_bootstrap`` fixture -> read back with confluent_kafka.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

import confluent_kafka  # noqa: E402  (a hard dependency: never skip for it)

from fastconnect.services import ServiceError  # noqa: E402
from fastconnect.services.connect import KafkaConnectStandalone, _escape  # noqa: E402

STRING = "org.apache.kafka.connect.storage.StringConverter"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True  # stop() reaped it (Popen.wait), so no zombie can answer here


def _consume(bootstrap: str, topic: str, count: int, wait: float = 60.0) -> list[bytes]:
    """Up to ``count`` values of ``topic`` from the start, then one more second of polling
    to catch any extra (duplicate) records."""
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"fc-connect-test-{uuid.uuid4().hex[:8]}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    received: list[bytes] = []
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + wait
        while len(received) < count and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=count, timeout=1.0):
                if msg.error() is None:
                    received.append(msg.value())
                elif msg.error().code() != confluent_kafka.KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise AssertionError(msg.error())  # the topic may not exist just yet
        received.extend(m.value() for m in consumer.consume(num_messages=count, timeout=1.0)
                        if m.error() is None)
    finally:
        consumer.close()
    return received


def _worker(bootstrap: str) -> dict[str, str]:
    return {"bootstrap.servers": bootstrap, "key.converter": STRING, "value.converter": STRING}


def test_file_stream_source_to_topic_and_clean_stop(kafka_bootstrap: str, tmp_path: Path) -> None:
    topic = f"fc-connect-{uuid.uuid4().hex[:8]}"
    lines = [f"line {i:04d} ünïcode={i * 7}" for i in range(1000)]
    source_file = tmp_path / "input with space.txt"
    source_file.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")

    connect = KafkaConnectStandalone(
        _worker(kafka_bootstrap),
        [{"name": "fc-file-source", "connector.class": "FileStreamSource",
          "file": str(source_file), "topic": topic, "tasks.max": "1"}])
    started = time.monotonic()
    connect.start(timeout=180)
    try:
        print(f"Kafka Connect RUNNING in {time.monotonic() - started:.1f}s at {connect.rest_url}")
        pid = connect.pid
        assert pid is not None and _pid_alive(pid)
        assert connect.rest_url.startswith("http://127.0.0.1:")
        assert connect.task_states() == {"fc-file-source": ["RUNNING"]}
        log_file = connect.log_file
        assert log_file is not None and log_file.parent.is_dir()

        received = _consume(kafka_bootstrap, topic, len(lines))
        assert [v.decode("utf-8") for v in received] == lines
    finally:
        connect.stop()

    assert connect.pid is None
    assert not _pid_alive(pid)
    assert connect.work_dir is None  # its temp dir, removed by stop()
    connect.stop()  # idempotent


def test_failed_connector_raises_with_the_reason(kafka_bootstrap: str, tmp_path: Path) -> None:
    # A sink that cannot open its output file fails at start: start() must say so.
    bad = {"name": "fc-bad-sink", "connector.class": "FileStreamSink", "topics": "fc-nothing",
           "file": str(tmp_path / "no-such-dir" / "out.txt")}
    with pytest.raises(ServiceError, match="FAILED") as info:
        with KafkaConnectStandalone(_worker(kafka_bootstrap), [bad], work_dir=tmp_path / "w"):
            pass
    assert "fc-bad-sink" in str(info.value)
    assert (tmp_path / "w" / "worker.properties").is_file()  # a given work_dir is kept


def test_properties_escaping() -> None:
    assert _escape("a b=c:d", key=True) == r"a\ b\=c\:d"
    assert _escape(" x=y", key=False) == r"\ x=y"
    assert _escape("C:\\dir\nü", key=False) == "C:\\\\dir\\n\\u00fc"
