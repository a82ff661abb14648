"""WorkerSinkTask in this process against the real broker: what the task asks through its
context while the next batch is already being consumed, and rebalances during a put.

The worker consumes the next batch while the task's ``put`` works on the current one; these
tests check that the task never sees that batch when it paused or rewound its partitions in
``put``, and that rebalance work never lands in the middle of a ``put``.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pyarrow as pa
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from worker_helpers import ordered_producer, unique

from fastconnect.api import SinkTask, TopicPartition
from fastconnect.config.worker import STANDALONE_CONFIG_DEF
from fastconnect.converters.string import StringConverter
from fastconnect.runtime.sink_task import MAX_BATCH, WorkerSinkTask
from fastconnect.runtime.status import ConnectorTaskId, State

pytestmark = pytest.mark.integration

RECORDS = 3 * MAX_BATCH  # several batches, so that one is consumed ahead of each put
TIMEOUT = 60


def fill(bootstrap: str) -> str:
    """A one-partition topic of RECORDS records."""
    topic = unique("sink-task")
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1,
                                  replication_factor=1)])[topic].result()
    producer = ordered_producer(bootstrap)
    for i in range(RECORDS):
        producer.produce(topic, str(i).encode(), partition=0)
        if i % 1000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0
    return topic


class RecordingTask(SinkTask):
    """Keeps the (partition, offset) of every record put, in order; subclasses act on them."""

    def __init__(self) -> None:
        super().__init__()
        self.puts: list[list[tuple[int, int]]] = []

    async def start(self, props):
        pass

    async def put(self, batch: pa.RecordBatch) -> None:
        self.puts.append(list(zip(batch.column("partition").to_pylist(),
                                  batch.column("offset").to_pylist())))

    async def stop(self):
        pass

    def offsets(self) -> list[int]:
        return [offset for put in self.puts for _, offset in put]


def worker_task(bootstrap: str, topic: str, task: SinkTask, group: str,
                index: int = 0) -> WorkerSinkTask:
    worker_raw = {"bootstrap.servers": bootstrap,
                  "key.converter": "StringConverter", "value.converter": "StringConverter",
                  "offset.storage.file.filename": "/dev/null",
                  "offset.flush.interval.ms": "100"}
    config = {"name": group, "connector.class": "Recording", "topics": topic}
    return WorkerSinkTask(ConnectorTaskId(group, index), task, config,
                          STANDALONE_CONFIG_DEF.parse(worker_raw), worker_raw,
                          StringConverter(), StringConverter())


async def run_until(worker: WorkerSinkTask, done, what: str) -> None:
    running = asyncio.ensure_future(worker.run())
    deadline = time.monotonic() + TIMEOUT
    try:
        while not done():
            assert not running.done(), f"task ended: {worker.status.trace}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await asyncio.sleep(0.02)
    finally:
        worker.stop()
        await running
    assert worker.status.state is State.STOPPED, worker.status.trace


def test_rewind_in_put_is_not_overtaken_by_the_batch_consumed_meanwhile(kafka_bootstrap):
    topic = fill(kafka_bootstrap)

    class Rewinding(RecordingTask):
        async def put(self, batch):
            await super().put(batch)
            if len(self.puts) == 1:  # once: back to the start
                self.context.offset({TopicPartition(topic, 0): 0})

    task = Rewinding()
    worker = worker_task(kafka_bootstrap, topic, task, unique("rewind"))
    asyncio.run(run_until(worker, lambda: task.puts and len(task.offsets()) >= len(
        task.puts[0]) + RECORDS, "every record after the rewind"))
    first = len(task.puts[0])
    offsets = task.offsets()
    # The first put, then everything again from offset 0 in order: nothing consumed ahead
    # of the rewind was put in between.
    assert offsets[:first] == list(range(first))
    assert offsets[first:first + RECORDS] == list(range(RECORDS))


def test_pause_in_put_holds_back_the_batch_consumed_meanwhile(kafka_bootstrap):
    topic = fill(kafka_bootstrap)
    tp = TopicPartition(topic, 0)

    class Pausing(RecordingTask):
        paused_at = None
        put_while_paused = 0

        async def put(self, batch):
            await super().put(batch)
            if self.paused_at is not None:
                self.put_while_paused += batch.num_rows
            elif len(self.puts) == 1:
                self.context.pause(tp)
                self.paused_at = time.monotonic()

        async def pre_commit(self, offsets):
            # Commits come every 100 ms: resume at the first one half a second after.
            if self.paused_at is not None and time.monotonic() - self.paused_at > 0.5:
                self.paused_at = None
                self.context.resume(tp)
            return offsets

    task = Pausing()
    worker = worker_task(kafka_bootstrap, topic, task, unique("pause"))
    asyncio.run(run_until(worker, lambda: len(task.offsets()) >= RECORDS, "every record"))
    assert task.put_while_paused == 0
    assert task.offsets() == list(range(RECORDS))  # none lost, none twice


def test_rebalance_work_waits_for_the_put_in_progress(kafka_bootstrap):
    # A rebalance callback fires on the consumer thread, possibly inside the consume of the
    # next batch while put() awaits: its work on the loop must wait until that put ends.
    topic = fill(kafka_bootstrap)
    tp = TopicPartition(topic, 0)
    events: list[str] = []
    revoking: list[threading.Thread] = []

    class Slow(RecordingTask):
        async def put(self, batch):
            events.append("put")
            if not revoking:
                revoking.append(threading.Thread(target=worker._on_revoke, args=([tp],)))
                revoking[0].start()
            await asyncio.sleep(0.3)  # the loop is free meanwhile
            await super().put(batch)
            events.append("put done")

        async def close(self, partitions):
            events.append("close")

        async def pre_commit(self, offsets):
            events.append("pre_commit")
            return offsets

    task = Slow()
    worker = worker_task(kafka_bootstrap, topic, task, unique("rebalance"))
    asyncio.run(run_until(worker, lambda: "close" in events, "the revocation"))
    revoking[0].join(TIMEOUT)
    assert "close" in events
    for start in (i for i, event in enumerate(events) if event == "put"):
        assert events[start + 1] == "put done", events  # no rebalance work within a put
