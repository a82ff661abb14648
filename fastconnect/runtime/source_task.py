"""WorkerSourceTask: poll a SourceTask, convert, produce, and commit offsets after acks.

At-least-once comes from the order of things: a batch's source offsets are written to the
offset store only once Kafka acknowledged every record of that batch and of every batch
before it. A crash loses nothing acknowledged; it can repeat only what was sent after the
last offset commit.
"""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any, Mapping

import orjson
import pyarrow as pa

from fastconnect.api import (
    HEADERS,
    HEADERS_TYPE,
    TIMESTAMP_TYPE,
    KEY,
    PARTITION,
    TIMESTAMP,
    TOPIC,
    VALUE,
    ConnectError,
    Converter,
    SourceBatch,
    SourceTask,
    SourceTaskContext,
)
from fastconnect.herder.offsets import ConnectorOffsetReader, OffsetBackingStore, offset_key
from fastconnect.runtime.clients import producer_config
from fastconnect.config.connector import CONNECTOR_CONFIG_DEF
from fastconnect.runtime.conversion import replace_column
from fastconnect.runtime.errors import ErrorHandler, Stage
from fastconnect.runtime.kafka_client import BatchProducer, DeliveryBatch, KafkaBatchProducer
from fastconnect.runtime.status import ConnectorTaskId, State
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.runtime.worker_task import WorkerTask
from fastconnect.transforms._maps import texts_for

__all__ = ["WorkerSourceTask", "normalise"]


def normalise(records: pa.RecordBatch) -> pa.RecordBatch:
    """A polled batch with every column transforms may rely on (nulls where absent)."""
    n = records.num_rows
    present = {name: (records.schema.field(name), records.column(name))
               for name in records.schema.names}
    defaults = {PARTITION: pa.int32(), TIMESTAMP: TIMESTAMP_TYPE, KEY: pa.binary(),
                HEADERS: HEADERS_TYPE}
    fields, columns = [], []
    for name in (TOPIC, PARTITION, TIMESTAMP, KEY, VALUE, HEADERS):
        field, column = present.get(name) or (pa.field(name, defaults[name]),
                                              pa.nulls(n, defaults[name]))
        fields.append(field)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))


class WorkerSourceTask(WorkerTask):
    def __init__(
        self,
        task_id: ConnectorTaskId,
        task: SourceTask,
        task_config: Mapping[str, str],
        worker_config: Mapping[str, Any],
        worker_raw: Mapping[str, str],
        key_converter: Converter,
        value_converter: Converter,
        transformation_chain: TransformationChain | None,
        offset_store: OffsetBackingStore,
        connector_config: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(task_id, task, task_config, worker_config, worker_raw, key_converter,
                         value_converter, transformation_chain)
        self.errors = ErrorHandler(task_id, CONNECTOR_CONFIG_DEF.parse(
            connector_config or {"name": task_id.connector, "connector.class": "-"}))
        self._offset_store = offset_store
        self._flush_timeout = worker_config["offset.flush.timeout.ms"] / 1000
        # One DeliveryBatch per polled batch on its way to Kafka: its outstanding acks, and
        # the source offsets to store once they are all in.
        self._inflight: collections.deque[DeliveryBatch] = collections.deque()
        self._producer: KafkaBatchProducer | None = None
        self.records_sent = 0

    async def _start(self) -> None:
        self._producer = BatchProducer(producer_config(
            self._worker_config, self._worker_raw, f"connector-producer-{self.id}"))
        reader = ConnectorOffsetReader(self._offset_store, self.id.connector)
        self.task.initialize(SourceTaskContext(reader, self.task_config))
        await self.task.start(self.task_config)
        self.log.info("Source task started")

    async def _execute(self) -> None:
        next_commit = time.monotonic() + self._flush_interval
        while not self._stopping.is_set():
            batch = await self.task.poll()
            if batch is not None:
                started = time.perf_counter()
                await self._send(batch)
                self.batch_seconds.append(time.perf_counter() - started)
            self._producer.poll(0)
            self._raise_delivery_error()
            if time.monotonic() >= next_commit:
                await self._commit_offsets()
                next_commit = time.monotonic() + self._flush_interval

    async def _shutdown(self) -> None:
        try:
            await self.task.stop()
        except Exception as error:
            self.log.warning("Task stop raised: %s", error)
        if self._producer is None:
            return
        # Wait for outstanding acks (the delivery reports are served on that thread), then
        # store what was acknowledged, failed task or not: acked data is in Kafka.
        remaining = await asyncio.to_thread(self._producer.flush, self._flush_timeout)
        if remaining:
            self.log.warning("%d records not acknowledged within offset.flush.timeout.ms; "
                             "their offsets are not committed", remaining)
        try:
            await self._commit_offsets()
        except ConnectError as error:
            if self.status.state is not State.FAILED:
                self.status.fail(error)
            self.log.error("%s", error)
        self._producer.close()
        self.log.info("Source task stopped after sending %d records", self.records_sent)

    async def _serialise(self, records: pa.RecordBatch) -> list[pa.RecordBatch]:
        """Keys then values to bytes; bad records go to the ErrorHandler (no DLQ for sources)."""
        def to_bytes(column: str, converter: Converter):
            def convert(batch: pa.RecordBatch) -> pa.RecordBatch:
                field = batch.schema.field(column)
                return replace_column(batch, column, lambda topic, data: (
                    pa.field(column, pa.binary()), converter.from_connect(topic, field, data)))
            return convert

        out = []
        for _, keyed in await self.errors.run(Stage.KEY_CONVERTER, self._key_converter, records,
                                              to_bytes(KEY, self._key_converter)):
            for _, done in await self.errors.run(Stage.VALUE_CONVERTER, self._value_converter,
                                                 keyed, to_bytes(VALUE, self._value_converter)):
                out.append(done)
        return out

    async def _send(self, batch: SourceBatch) -> None:
        # Transforms and converters may drop rows (filters, tolerated errors) or cut the
        # batch in pieces; the polled batch's offsets are committed once every row that
        # remains is acknowledged (at once if none remains).
        records = normalise(batch.records)
        if len(self._chain):
            transformed = await self._chain.apply_guarded(records, self.errors)
        else:
            transformed = [records]
        # Converters take schemaless values as JSON text, not the struct form.
        outputs = [piece for part in transformed
                   for piece in await self._serialise(texts_for(part))]
        inflight = DeliveryBatch(sum(out.num_rows for out in outputs), batch.offsets)
        self._inflight.append(inflight)
        for records in outputs:
            if records.num_rows:
                await self._produce(records, inflight)

    async def _produce(self, records: pa.RecordBatch, inflight: DeliveryBatch) -> None:
        n = records.num_rows
        columns = {name: records.column(name)
                   for name in (TOPIC, PARTITION, TIMESTAMP, KEY, VALUE, HEADERS)}
        start = 0
        while True:
            start = self._producer.produce(start=start, delivery=inflight, **columns)
            if start >= n:
                break
            # librdkafka's queue is full: this is the back-pressure point. Let it deliver
            # (reports are served in the worker thread while the loop waits) and go on.
            await asyncio.to_thread(self._producer.poll, 0.05)
            self._raise_delivery_error()
        self.records_sent += n
        self.count_bytes(records)

    @property
    def records_done(self) -> int:
        return self.records_sent - sum(max(i.remaining, 0) for i in self._inflight)

    def _raise_delivery_error(self) -> None:
        for inflight in self._inflight:
            if inflight.error is not None:
                raise ConnectError(f"Kafka did not accept a record ({inflight.error})")

    async def _commit_offsets(self) -> None:
        """Store the offsets of the longest run of fully acknowledged batches."""
        merged: dict[bytes, bytes] = {}
        error = None
        while self._inflight and self._inflight[0].remaining <= 0:
            done = self._inflight.popleft()
            if done.error is not None:
                error = ConnectError(f"Kafka did not accept a record ({done.error})")
                break
            for partition, offset in done.offsets:
                merged[offset_key(self.id.connector, partition)] = orjson.dumps(offset)
        if merged:
            await self._offset_store.set(merged)
            self.log.debug("Committed offsets for %d source partitions", len(merged))
            await self.task.commit()
        if error is not None:
            raise error
