"""The dead letter queue of a sink connector (``errors.deadletterqueue.*``).

A failed record goes to the DLQ topic as it was consumed: its original key, value and
headers, plus, with ``context.headers.enable``, Kafka Connect's ``__connect.errors.*``
headers saying where it came from and why it failed. The sink commits its offsets only
after the DLQ producer delivered, so a record is never both skipped and lost.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any, Callable, Mapping

import pyarrow as pa
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from fastconnect.api import HEADERS, KEY, OFFSET, PARTITION, TOPIC, VALUE, ConnectError
from fastconnect.api.errors import java_class_name
from fastconnect.runtime.errors import Failure
from fastconnect.runtime.status import ConnectorTaskId

__all__ = ["DeadLetterQueueReporter", "ERROR_HEADER_PREFIX"]

log = logging.getLogger(__name__)

ERROR_HEADER_PREFIX = "__connect.errors."


class DeadLetterQueueReporter:
    def __init__(self, task_id: ConnectorTaskId, topic: str, replication_factor: int,
                 context_headers: bool, producer_config: Mapping[str, Any],
                 admin_config: Mapping[str, Any],
                 original: Callable[[pa.RecordBatch], pa.RecordBatch | None]) -> None:
        self.topic = topic
        self._task_id = task_id
        self._replication = replication_factor
        self._context_headers = context_headers
        self._producer = Producer(dict(producer_config))
        self._admin_config = dict(admin_config)
        self._original = original
        self._errors: list[str] = []

    async def start(self) -> None:
        """Create the DLQ topic if it does not exist (one partition, as Kafka Connect does)."""
        admin = AdminClient(self._admin_config)
        future = admin.create_topics([NewTopic(self.topic, 1, self._replication)])[self.topic]
        try:
            await asyncio.to_thread(future.result, 30)
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise ConnectError(f"Could not create the dead letter queue topic {self.topic} "
                                   f"(errors.deadletterqueue.topic.replication.factor="
                                   f"{self._replication}): {error.args[0].str()}") from None

    def report(self, failure: Failure) -> None:
        record = self._original(failure.record) or failure.record
        key = _bytes(record, KEY)
        value = _bytes(record, VALUE)
        headers = [(h["key"], h["value"]) for h in (record.column(HEADERS)[0].as_py() or [])] \
            if HEADERS in record.schema.names else []
        if self._context_headers:
            headers += self._context(failure, record)
        self._producer.produce(self.topic, value=value, key=key, headers=headers or None,
                               on_delivery=self._delivered)
        self._producer.poll(0)

    def _context(self, failure: Failure, record: pa.RecordBatch) -> list[tuple[str, bytes]]:
        def field(name: str) -> str | None:
            if name not in record.schema.names:
                return None
            value = record.column(name)[0].as_py()
            return None if value is None else str(value)

        error = failure.error
        context = {
            "topic": field(TOPIC),
            "partition": field(PARTITION),
            "offset": field(OFFSET),
            "connector.name": self._task_id.connector,
            "task.id": str(self._task_id.task),
            "stage": failure.stage.value,
            "class.name": failure.plugin,
            "exception.class.name": java_class_name(error),
            "exception.message": str(error),
            "exception.stacktrace": "".join(traceback.format_exception(error)),
        }
        return [(ERROR_HEADER_PREFIX + k, v.encode()) for k, v in context.items() if v is not None]

    def _delivered(self, err, msg) -> None:
        if err is not None:
            self._errors.append(err.str())

    async def flush(self) -> None:
        """Wait until every reported record is in the DLQ topic; fail if one was refused."""
        remaining = await asyncio.to_thread(self._producer.flush, 30)
        if remaining or self._errors:
            raise ConnectError(f"Could not write to the dead letter queue topic {self.topic}: "
                               f"{self._errors[:1] or f'{remaining} records not acknowledged'}")

    async def close(self) -> None:
        await asyncio.to_thread(self._producer.flush, 30)


def _bytes(record: pa.RecordBatch, column: str) -> bytes | None:
    if column not in record.schema.names:
        return None
    array = record.column(column)
    if not (pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type)):
        return None
    return array[0].as_py()
