"""WorkerSinkTask: consume, convert, put, and commit offsets after the sink flushed.

Every call into the consumer runs on one dedicated thread, so the event loop never blocks
in librdkafka; that thread consumes the next batch while the loop delivers the current one.
The consumer hands over whole ``RAW_SCHEMA`` batches (:mod:`fastconnect.runtime.kafka_client`).
Rebalance callbacks fire on that thread, inside ``consume``; they hand the work (``open``,
``pre_commit`` + ``close``) to the loop and wait for it, and for the delivery in progress,
so partitions are committed with what the sink durably wrote before they move to another
worker.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import (
    KEY,
    OFFSET,
    PARTITION,
    TOPIC,
    VALUE,
    ConnectError,
    Converter,
    DataError,
    SinkTask,
    SinkTaskContext,
    TopicPartition,
)
from fastconnect.config.connector import (
    DLQ_CONTEXT_HEADERS,
    DLQ_REPLICATION_FACTOR,
    DLQ_TOPIC_NAME,
    SINK_CONNECTOR_CONFIG_DEF,
    TOPICS,
    TOPICS_REGEX,
)
from fastconnect.runtime.clients import admin_config, consumer_config, producer_config
from fastconnect.runtime.conversion import record_error, replace_column
from fastconnect.runtime.dead_letter_queue import DeadLetterQueueReporter
from fastconnect.runtime.errors import ErrorHandler, Failure, Stage, plugin_name
from fastconnect.runtime.kafka_client import BatchConsumer, KafkaBatchConsumer, KafkaClientError
from fastconnect.runtime.status import ConnectorTaskId, State
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.runtime.worker_task import WorkerTask
from fastconnect.transforms._maps import texts_for, to_struct

__all__ = ["WorkerSinkTask"]

MAX_BATCH = 10000
POLL_TIMEOUT = 0.2


class _Context(SinkTaskContext):
    def __init__(self, owner: WorkerSinkTask, configs: Mapping[str, str]) -> None:
        super().__init__(configs)
        self._owner = owner

    def assignment(self) -> set[TopicPartition]:
        return set(self._owner.assignment)

    def pause(self, *partitions: TopicPartition) -> None:
        self._owner.pending_calls.append(("pause", list(partitions)))

    def resume(self, *partitions: TopicPartition) -> None:
        self._owner.pending_calls.append(("resume", list(partitions)))

    def offset(self, offsets: Mapping[TopicPartition, int]) -> None:
        self._owner.pending_calls.append(("seek", dict(offsets)))

    def request_commit(self) -> None:
        self._owner.commit_requested = True


class ErrantRecordReporter:
    """What a sink task reports a record it cannot write through (``context.
    errant_record_reporter``): the record goes where the connector's error handling says
    (log, dead letter queue) and, with ``errors.tolerance=none``, the task fails."""

    def __init__(self, owner: WorkerSinkTask) -> None:
        self._owner = owner

    def report(self, batch: pa.RecordBatch, index: int, error: BaseException) -> None:
        owner = self._owner
        record = batch.slice(index, 1)
        if not owner.errors.tolerate_all:
            raise record_error(f"{Stage.TASK_PUT.value} ({plugin_name(owner.task)})", batch,
                               DataError(str(error), index), slice(0, batch.num_rows))
        owner.errors.report(Failure(Stage.TASK_PUT, plugin_name(owner.task), error, record))


def partition_offsets(raw: pa.RecordBatch, aggregate: str) -> dict[TopicPartition, int]:
    """The lowest (``"min"``) or highest (``"max"``) offset of each partition in ``raw``."""
    table = pa.table({TOPIC: raw.column(TOPIC).dictionary_decode(),
                      PARTITION: raw.column(PARTITION), OFFSET: raw.column(OFFSET)})
    found = table.group_by([TOPIC, PARTITION]).aggregate([(OFFSET, aggregate)])
    return {TopicPartition(topic, partition): offset
            for topic, partition, offset in zip(*(c.to_pylist() for c in found.columns))}


def subscription(config: Mapping[str, str]) -> list[str]:
    """What the consumer subscribes to: the ``topics`` list, or ``topics.regex``."""
    regex = (config.get(TOPICS_REGEX) or "").strip()
    if regex:
        return ["^" + regex.removeprefix("^")]
    return [t.strip() for t in (config.get(TOPICS) or "").split(",") if t.strip()]


class WorkerSinkTask(WorkerTask):
    def __init__(
        self,
        task_id: ConnectorTaskId,
        task: SinkTask,
        task_config: Mapping[str, str],
        worker_config: Mapping[str, Any],
        worker_raw: Mapping[str, str],
        key_converter: Converter,
        value_converter: Converter,
        transformation_chain: TransformationChain | None = None,
    ) -> None:
        super().__init__(task_id, task, task_config, worker_config, worker_raw, key_converter,
                         value_converter, transformation_chain)
        self._thread = concurrent.futures.ThreadPoolExecutor(1, f"sink-{task_id}")
        self._consumer: KafkaBatchConsumer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.assignment: set[TopicPartition] = set()
        # Next offset to consume, per partition, for records already given to put().
        self._positions: dict[TopicPartition, int] = {}
        self.pending_calls: list[tuple[str, Any]] = []
        self.commit_requested = False
        self.records_put = 0
        self.records_consumed = 0
        self._connector_config = SINK_CONNECTOR_CONFIG_DEF.parse(task_config)
        self.errors = ErrorHandler(task_id, self._connector_config)
        self._dlq: DeadLetterQueueReporter | None = None
        self._current_raw: pa.RecordBatch | None = None
        self._delivering = asyncio.Lock()
        accept = getattr(value_converter, "accept_schemaless_structs", None)
        if accept is not None:
            accept(self._chain.reads_value_structs(self.task.ACCEPTS_SCHEMALESS_STRUCTS))

    async def _dead_letter_queue(self) -> DeadLetterQueueReporter | None:
        topic = self._connector_config[DLQ_TOPIC_NAME].strip()
        if not topic:
            return None
        dlq = DeadLetterQueueReporter(
            self.id, topic, self._connector_config[DLQ_REPLICATION_FACTOR],
            self._connector_config[DLQ_CONTEXT_HEADERS],
            producer_config(self._worker_config, self._worker_raw,
                            f"connector-dlq-producer-{self.id}"),
            admin_config(self._worker_config, self._worker_raw), self.original_record)
        await dlq.start()
        return dlq

    async def _call(self, fn, *args):
        """Run a consumer call on the task's consumer thread."""
        return await self._loop.run_in_executor(self._thread, fn, *args)

    async def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        group = f"connect-{self.id.connector}"
        self._consumer = BatchConsumer(consumer_config(
            self._worker_config, self._worker_raw, group, f"connector-consumer-{self.id}"))
        self._dlq = await self._dead_letter_queue()
        self.errors = ErrorHandler(self.id, self._connector_config,
                                   [self._dlq] if self._dlq is not None else [])
        context = _Context(self, self.task_config)
        context.errant_record_reporter = ErrantRecordReporter(self)
        self.task.initialize(context)
        await self.task.start(self.task_config)
        topics = subscription(self.task_config)
        await self._call(lambda: self._consumer.subscribe(
            topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost))
        self.log.info("Sink task started, subscribed to %s", topics)

    async def _execute(self) -> None:
        next_commit = time.monotonic() + self._flush_interval
        ahead: asyncio.Future | None = None  # the next batch, consumed during a delivery
        try:
            while not self._stopping.is_set():
                # The task may pause, resume or rewind partitions while a batch is consumed
                # (in put, or in open during a rebalance): that batch is handed back, to come
                # again once those requests are carried out.
                if self.pending_calls:
                    if ahead is not None:
                        await self._hand_back(*await ahead)
                        ahead = None
                    await self._apply_pending_calls()
                raw, errors = await (ahead or self._consume())
                ahead = None
                if self.pending_calls:
                    await self._hand_back(raw, errors)
                    continue
                for error in errors:
                    self._consumer_error(error)
                if raw.num_rows:
                    # The consumer copies the next batch out of librdkafka, without the GIL,
                    # while this one is delivered.
                    ahead = self._consume()
                    started = time.perf_counter()
                    await self._deliver(raw)
                    self.batch_seconds.append(time.perf_counter() - started)
                    self.records_consumed += raw.num_rows
                if self.commit_requested or time.monotonic() >= next_commit:
                    self.commit_requested = False
                    await self._commit()
                    next_commit = time.monotonic() + self._flush_interval
        finally:
            if ahead is not None:  # consumed, never delivered, so never committed
                with contextlib.suppress(Exception):
                    await ahead
        await self._commit()

    def _consume(self) -> asyncio.Future:
        """The next batch and the consumer's errors, consumed on the consumer thread."""
        return self._loop.run_in_executor(self._thread, self._consumer.consume, MAX_BATCH,
                                          POLL_TIMEOUT)

    async def _hand_back(self, raw: pa.RecordBatch, errors: list[KafkaClientError]) -> None:
        """Seek back to the first offset of each assigned partition of ``raw``."""
        for error in errors:
            self._consumer_error(error)
        if raw.num_rows:
            offsets = {tp: offset for tp, offset in partition_offsets(raw, "min").items()
                       if tp in self.assignment}
            if offsets:
                await self._call(self._consumer.seek, offsets)

    async def _apply_pending_calls(self) -> None:
        """Carry out the pause/resume/seek requests the task made through its context."""
        while self.pending_calls:
            what, partitions = self.pending_calls.pop(0)
            await self._call(getattr(self._consumer, what), partitions)

    async def _deliver(self, raw: pa.RecordBatch) -> None:
        async with self._delivering:
            self._current_raw = raw
            self.count_bytes(raw)
            for converted in await self._convert(raw):
                for batch in await self._chain.apply_guarded(converted, self.errors):
                    await self._put(batch)
            # Filtered and failed records count as processed: their offsets advance too.
            self._advance_positions(raw)

    async def _convert(self, raw: pa.RecordBatch) -> list[pa.RecordBatch]:
        """Keys then values from bytes to Connect data; bad records go to the ErrorHandler."""
        out = []
        for _, keyed in await self.errors.run(
                Stage.KEY_CONVERTER, self._key_converter, raw,
                lambda b: replace_column(b, KEY, self._key_converter.to_connect)):
            for _, converted in await self.errors.run(
                    Stage.VALUE_CONVERTER, self._value_converter, keyed,
                    lambda b: replace_column(b, VALUE, self._value_converter.to_connect)):
                out.append(converted)
        return out

    async def _put(self, batch: pa.RecordBatch) -> None:
        """``put``, retried on RetriableError; a DataError(index) from the task means the rows
        before it were taken and that row is bad: report it and put the rest."""
        rest = self._sink_form(batch)
        while rest.num_rows:
            try:
                await self.errors.retry_forever(lambda: self.task.put(rest), self._stopping)
                self.records_put += rest.num_rows
                return
            except DataError as error:
                if not self.errors.tolerate_all or error.index is None:
                    raise record_error(f"{Stage.TASK_PUT.value} ({plugin_name(self.task)})",
                                       rest, error, slice(0, rest.num_rows)) from None
                self.records_put += error.index
                self.errors.report(Failure(Stage.TASK_PUT, plugin_name(self.task), error,
                                           rest.slice(error.index, 1)))
                rest = rest.slice(error.index + 1)

    def _sink_form(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Schemaless values as the task takes them: JSON text, or where it takes the struct
        form and all objects of the batch have one shape, that."""
        if not self.task.ACCEPTS_SCHEMALESS_STRUCTS:
            return texts_for(batch)
        index = batch.schema.get_field_index(VALUE)
        decoded = to_struct(batch.schema.field(index), batch.column(index))
        return batch if decoded is None else batch.set_column(index, *decoded)

    def original_record(self, record: pa.RecordBatch) -> pa.RecordBatch | None:
        """The consumed (raw) form of a one-row batch, found by its topic/partition/offset."""
        raw = self._current_raw
        if raw is None or OFFSET not in record.schema.names:
            return None
        topic, partition, offset = (record.column(c)[0].as_py() for c in (TOPIC, PARTITION, OFFSET))
        mask = pc.and_(pc.equal(raw.column(OFFSET), offset),
                       pc.equal(raw.column(PARTITION), partition))
        candidates = raw.filter(mask)
        for row in range(candidates.num_rows):
            if candidates.column(TOPIC)[row].as_py() == topic:
                return candidates.slice(row, 1)
        return None

    @property
    def records_done(self) -> int:
        # Filtered and tolerated records are done too: count what went through _deliver.
        return self.records_consumed

    def _consumer_error(self, error: KafkaClientError) -> None:
        """Fail on what librdkafka calls fatal; anything else it recovers from by itself.

        A subscribed topic that does not exist yet is the common case: like Kafka Connect's
        consumer, the task waits for it rather than failing.
        """
        where = f"topic={error.topic}, partition={error.partition}"
        if error.fatal:
            raise ConnectError(f"Consumer error on {where}: {error.reason}")
        if error.name in ("_PARTITION_EOF", "UNKNOWN_TOPIC_OR_PART"):
            self.log.debug("Consumer: %s (%s)", error.reason, where)
        else:
            self.log.warning("Consumer error, retrying: %s (%s)", error.reason, where)

    def _advance_positions(self, raw: pa.RecordBatch) -> None:
        topics, partitions = raw.column(TOPIC), raw.column(PARTITION)
        lowest, highest = pc.min_max(partitions).values()
        if len(topics.dictionary) == 1 and lowest == highest:
            # One partition (the common case): its position is the batch's last offset + 1,
            # without the group-by (most of a millisecond a batch).
            tp = TopicPartition(topics.dictionary[0].as_py(), lowest.as_py())
            self._positions[tp] = pc.max(raw.column(OFFSET)).as_py() + 1
            return
        for tp, offset in partition_offsets(raw, "max").items():
            self._positions[tp] = offset + 1

    async def _commit(self, partitions: set[TopicPartition] | None = None) -> None:
        """Let the sink flush, then commit what it says is safe."""
        current = {tp: off for tp, off in self._positions.items()
                   if partitions is None or tp in partitions}
        if not current:
            return
        safe = await self.task.pre_commit(current)
        if self._dlq is not None:
            await self._dlq.flush()
        offsets = {tp: off for tp, off in safe.items() if tp in self.assignment}
        if offsets:
            await self._call(self._consumer.commit, offsets)
            self.log.debug("Committed offsets %s", {str(tp): off for tp, off in safe.items()})

    # Rebalance callbacks run on the consumer thread, inside consume(), which may be the
    # consume of the next batch while the loop delivers one: their work waits for that
    # delivery to end, so the task never sees open/close/pre_commit in the middle of a put.
    def _run_on_loop(self, coroutine) -> Any:
        return asyncio.run_coroutine_threadsafe(self._between_batches(coroutine),
                                                self._loop).result()

    async def _between_batches(self, coroutine) -> Any:
        async with self._delivering:
            return await coroutine

    def _on_assign(self, partitions: list[TopicPartition]) -> None:
        assigned = set(partitions)
        self.assignment |= assigned
        self.log.info("Assigned %s", sorted(assigned))
        self._run_on_loop(self.task.open(assigned))

    def _on_revoke(self, partitions: list[TopicPartition]) -> None:
        revoked = set(partitions)
        offsets = self._run_on_loop(self._safe_offsets(revoked))
        if offsets:
            self._consumer.commit(offsets)
        self._run_on_loop(self._release(revoked))

    def _on_lost(self, partitions: list[TopicPartition]) -> None:
        # Lost partitions may already belong to another worker: close without committing.
        self._run_on_loop(self._release(set(partitions)))

    async def _safe_offsets(self, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
        """What the sink flushed of ``partitions`` (nothing if the task already failed)."""
        current = {tp: off for tp, off in self._positions.items() if tp in partitions}
        if not current or self.status.state is not State.RUNNING:
            return {}
        safe = await self.task.pre_commit(current)
        if self._dlq is not None:
            await self._dlq.flush()
        return dict(safe)

    async def _release(self, partitions: set[TopicPartition]) -> None:
        partitions &= self.assignment
        if not partitions:
            return
        await self.task.close(partitions)
        self.assignment -= partitions
        for tp in partitions:
            self._positions.pop(tp, None)

    async def _shutdown(self) -> None:
        if self._consumer is not None:
            try:
                # close() revokes the assignment, which runs _release on the loop.
                await self._call(self._consumer.close)
            except (KafkaClientError, RuntimeError) as error:
                self.log.warning("Consumer close failed: %s", error)
        try:
            await self.task.stop()
        except Exception as error:
            self.log.warning("Task stop raised: %s", error)
        self._thread.shutdown(wait=False)
        if self._dlq is not None:
            await self._dlq.close()
        self.log.info("Sink task stopped after %d records", self.records_put)
