"""Running a standalone worker as users run it, for integration tests."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition

def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write_worker(tmp_path: Path, bootstrap: str, name: str = "worker.properties") -> Path:
    path = tmp_path / name
    path.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
        f"offset.storage.file.filename={tmp_path}/connect.offsets\n"
        "offset.flush.interval.ms=100\n"
        # A killed worker's group membership must lapse quickly for the restart to get in.
        "consumer.session.timeout.ms=6000\n")
    return path


def write_config(tmp_path: Path, name: str, **config: str) -> Path:
    path = tmp_path / f"{name}.properties"
    path.write_text("".join(f"{k}={v}\n" for k, v in {"name": name, **config}.items()))
    return path


#: Every worker a test started, so that teardown can stop those a failing test left behind.
STARTED: list[subprocess.Popen] = []


def start_worker(tmp_path: Path, *configs: Path, **popen) -> subprocess.Popen:
    if "stdout" not in popen:
        popen.update(stdout=open(tmp_path / "worker.log", "ab"), stderr=subprocess.STDOUT)
    process = subprocess.Popen(
        [sys.executable, "-m", "fastconnect", "standalone", *map(str, configs)], **popen)
    STARTED.append(process)
    return process


def kill_leftover_workers() -> None:
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def stop_worker(process: subprocess.Popen, tmp_path: Path) -> int:
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    assert code == 0, (tmp_path / "worker.log").read_text()[-3000:]
    return code


def wait_for(condition, timeout: float, what: str, process: subprocess.Popen | None = None,
             log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if process is not None and process.poll() is not None:
            raise AssertionError(f"worker exited ({process.returncode}) while waiting for "
                                 f"{what}:\n{log.read_text()[-3000:] if log else ''}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}"
                         + (f":\n{log.read_text()[-3000:]}" if log else ""))


def count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def topic_end(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("probe")})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if metadata is None or metadata.error is not None:
            return 0
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                   for p in metadata.partitions)
    finally:
        consumer.close()


def read_topic(bootstrap: str, topic: str, expected: int) -> list[bytes]:
    return [value for _, value, _ in read_records(bootstrap, topic, expected)]


def read_records(bootstrap: str, topic: str, expected: int) -> list[tuple]:
    """(key, value, headers) of the topic's first ``expected`` records (fewer after 60 s)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("reader"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    records: list[tuple] = []
    deadline = time.monotonic() + 60
    try:
        while len(records) < expected and time.monotonic() < deadline:
            for message in consumer.consume(10000, 0.5):
                assert message.error() is None, message.error()
                records.append((message.key(), message.value(), message.headers()))
    finally:
        consumer.close()
    return records


def ordered_producer(bootstrap: str) -> Producer:
    # Without idempotence a retried batch (a new topic's leader is not known yet) can land
    # after the next one, and the topic itself would be out of order.
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                     "linger.ms": 5})


def lines(prefix: str, start: int, stop: int) -> list[str]:
    return [f'{{"{prefix}":{i},"payload":"{"x" * 150}"}}' for i in range(start, stop)]


def append(path: Path, items: list[str]) -> None:
    with path.open("a") as out:
        out.write("".join(item + "\n" for item in items))


def committed_offset(bootstrap: str, connector: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"connect-{connector}"})
    try:
        [tp] = consumer.committed([TopicPartition(topic, 0)], timeout=10)
        return max(tp.offset, 0)
    finally:
        consumer.close()
