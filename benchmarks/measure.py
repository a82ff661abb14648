"""What the harness measures with: RSS sampling, progress probes, the raw client limits.

Everything here reads the outside of a run (``/proc/<pid>/status``, the topic's end offset,
the output file's line count), so the same probes time both contenders.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

SAMPLE_S = 0.05  # progress and RSS are sampled this often
STALL_S = 60.0  # a run that delivered some records but no more for this long has failed


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --- memory -------------------------------------------------------------------------------

def proc_status_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in kB; (0, 0) once it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return rss, hwm


class RssSampler:
    """Samples VmRSS/VmHWM of a pid every SAMPLE_S in a thread; ``peak_mb`` is the largest
    of the samples and the last high-water mark read (the kernel's own peak)."""

    def __init__(self, pid_of) -> None:
        self._pid_of = pid_of  # callable: the pid may only exist after start-up began
        self._peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            pid = self._pid_of()
            if pid:
                rss, hwm = proc_status_kb(pid)
                self._peak_kb = max(self._peak_kb, rss, hwm)
            self._stop.wait(SAMPLE_S)

    def stop(self) -> float:
        """Take a last sample (while the process still lives) and return the peak in MB."""
        pid = self._pid_of()
        if pid:
            self._peak_kb = max(self._peak_kb, *proc_status_kb(pid))
        self._stop.set()
        self._thread.join()
        return self._peak_kb / 1024


# --- progress probes ------------------------------------------------------------------------

class TopicEnd:
    """The end offset of a one-partition topic, asked of the broker (not cached) each call."""

    def __init__(self, bootstrap: str) -> None:
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("probe"),
                                   "enable.auto.commit": False})

    def __call__(self, topic: str) -> int:
        try:
            return self._consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=5,
                                                        cached=False)[1]
        except KafkaException:
            return 0

    def close(self) -> None:
        self._consumer.close()


class LineCounter:
    """Lines in a file that is being appended to, counted incrementally."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pos = 0
        self._lines = 0

    def __call__(self) -> int:
        try:
            with open(self.path, "rb") as f:
                f.seek(self._pos)
                while chunk := f.read(1 << 22):
                    self._lines += chunk.count(b"\n")
                    self._pos += len(chunk)
        except FileNotFoundError:
            pass
        return self._lines


def wait_progress(progress, target: int, t0: float, *, alive, timeout: float) -> dict:
    """Poll ``progress()`` every SAMPLE_S until it reaches ``target``.

    Returns {"first_s", "done_s", "delivered"} measured from ``t0`` (time.monotonic());
    "error" is set instead of "done_s" if ``alive()`` returns a reason or time runs out.
    """
    first = None
    count = last = 0
    last_change = t0
    deadline = t0 + timeout
    while True:
        count = progress()
        now = time.monotonic()
        if count > 0 and first is None:
            first = now - t0
        if count != last:
            last, last_change = count, now
        elif count > 0 and now - last_change > STALL_S:
            return {"first_s": first, "delivered": count,
                    "error": f"stalled: {count}/{target} records, none for {STALL_S:.0f}s"}
        if count >= target:
            return {"first_s": first, "done_s": now - t0, "delivered": count}
        reason = alive()
        if reason:
            return {"first_s": first, "delivered": count, "error": reason}
        if now > deadline:
            return {"first_s": first, "delivered": count,
                    "error": f"timed out after {timeout:.0f}s with {count}/{target} records"}
        time.sleep(SAMPLE_S)


# --- topics and data ------------------------------------------------------------------------

def create_topic(bootstrap: str, topic: str) -> None:
    """One partition, one replica; returns once the topic has a leader."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        future.result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        meta = admin.list_topics(topic, timeout=5).topics.get(topic)
        if meta is not None and meta.error is None and meta.partitions and \
                meta.partitions[0].leader >= 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"topic {topic} has no leader after 30s")


def delete_topic(bootstrap: str, topic: str) -> None:
    """Delete a run's topic, so that every run meets the broker as the first did."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.delete_topics([topic], operation_timeout=30).values():
        try:
            future.result(60)
        except KafkaException as error:  # a run that failed before making it
            if error.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise


def produce_all(producer: Producer, topic: str, values: list[bytes]) -> None:
    """The tight batch loop: produce + poll(0), waiting on a full queue, then flush."""
    produce, poll = producer.produce, producer.poll
    for value in values:
        while True:
            try:
                produce(topic, value)
                break
            except BufferError:
                poll(0.01)
        poll(0)
    if producer.flush(120) != 0:
        raise RuntimeError("producer did not flush all records within 120s")


def prefill(bootstrap: str, topic: str, values: list[bytes]) -> None:
    create_topic(bootstrap, topic)
    produce_all(Producer({"bootstrap.servers": bootstrap}), topic, values)


# --- the physical limits --------------------------------------------------------------------

def raw_produce(bootstrap: str, topic: str, values: list[bytes], end: TopicEnd) -> dict:
    """S1's limit: librdkafka producer defaults, the same lines, nothing else."""
    create_topic(bootstrap, topic)
    t0 = time.monotonic()
    producer = Producer({"bootstrap.servers": bootstrap})
    produce_all(producer, topic, values)
    done = time.monotonic() - t0
    delivered = end(topic)
    result = {"first_s": None, "done_s": done, "delivered": delivered}
    if delivered < len(values):
        result["error"] = f"only {delivered}/{len(values)} records in the topic after flush"
    return result


def raw_consume(bootstrap: str, topic: str, target: int, timeout: float) -> dict:
    """S2/S3's limit: a fresh group reading the topic with consume(10000), nothing else."""
    t0 = time.monotonic()
    # fetch.queue.backoff.ms as fastconnect's sinks set it: with librdkafka's 1 s default
    # the raw loop stalls whenever its prefetch queue fills, which is no physical limit.
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("raw"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "fetch.queue.backoff.ms": 10})
    consumer.subscribe([topic])
    count, first = 0, None
    slow = []  # calls that took over half a second: where a noisy limit lost its time
    try:
        while count < target and time.monotonic() - t0 < timeout:
            t = time.monotonic()
            # The last call asks for exactly what is left: consume() otherwise waits out
            # its timeout for a batch that can never fill.
            messages = consumer.consume(min(10000, target - count), 1.0)
            if messages and first is None:
                first = time.monotonic() - t0
            count += sum(1 for m in messages if m.error() is None)
            if time.monotonic() - t > 0.5:
                slow.append({"at_s": round(t - t0, 3), "took_s": round(time.monotonic() - t, 3),
                             "messages": len(messages)})
        done = time.monotonic() - t0
    finally:
        consumer.close()
    result = {"first_s": first, "done_s": done, "delivered": count, "slow_consume_calls": slow}
    if count < target:
        result.pop("done_s")
        result["error"] = f"consumed {count}/{target} records in {timeout:.0f}s"
    return result


def batch_produce(bootstrap: str, topic: str, values: list[bytes], end: TopicEnd) -> dict:
    """S1's librdkafka floor: the same lines from one Arrow column through fastconnect's
    compiled BatchProducer (no Python per record), librdkafka's defaults as raw_produce."""
    import pyarrow as pa

    from fastconnect._ext import rdkafka

    create_topic(bootstrap, topic)
    column = pa.array(values, pa.binary())
    t0 = time.monotonic()
    producer = rdkafka.BatchProducer({"bootstrap.servers": bootstrap})
    delivery = rdkafka.DeliveryBatch(len(column))
    start = 0
    while start < len(column):
        start = producer.produce(topic, None, None, None, column, None, start, delivery)
        if start < len(column):
            producer.poll(0.01)
    producer.flush(120)
    done = time.monotonic() - t0
    producer.close()
    delivered = end(topic)
    result = {"first_s": None, "done_s": done, "delivered": delivered}
    if delivered < len(values) or delivery.error is not None:
        result["error"] = f"{delivered}/{len(values)} records in the topic ({delivery.error})"
    return result


def batch_consume(bootstrap: str, topic: str, target: int, timeout: float) -> dict:
    """S2/S3's librdkafka floor: raw_consume's loop on fastconnect's compiled BatchConsumer,
    which builds each Arrow batch without a Python object per message."""
    from fastconnect._ext import rdkafka

    t0 = time.monotonic()
    consumer = rdkafka.BatchConsumer({"bootstrap.servers": bootstrap, "group.id": unique("raw"),
                                      "auto.offset.reset": "earliest",
                                      "enable.auto.commit": False, "fetch.queue.backoff.ms": 10})
    consumer.subscribe([topic])
    count, first = 0, None
    try:
        while count < target and time.monotonic() - t0 < timeout:
            batch, _ = consumer.consume(min(10000, target - count), 1.0)
            if batch.num_rows and first is None:
                first = time.monotonic() - t0
            count += batch.num_rows
        done = time.monotonic() - t0
    finally:
        consumer.close()
    result = {"first_s": first, "done_s": done, "delivered": count}
    if count < target:
        result.pop("done_s")
        result["error"] = f"consumed {count}/{target} records in {timeout:.0f}s"
    return result


def machine() -> dict:
    info = {"cores": os.cpu_count()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info
