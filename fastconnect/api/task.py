"""Tasks: the code that moves the data, one coroutine each on the worker's event loop.

Every method is a coroutine run on the worker's loop and must not block it: a blocking
client call goes to ``asyncio.to_thread``. Exceptions mean:

- :class:`~fastconnect.api.errors.RetriableError`: the runtime retries the same call
  (``poll``, ``put``) after a back-off, without losing or repeating data;
- :class:`~fastconnect.api.errors.DataError`: the record at ``index`` is bad; the task
  fails, or that record goes to the dead letter queue under ``errors.tolerance=all``;
- anything else: the task fails, its status turns FAILED with the error as its trace.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Iterable, Mapping

import pyarrow as pa

from fastconnect.api.batch import SourceBatch, TopicPartition

__all__ = [
    "OffsetStorageReader",
    "SinkTask",
    "SinkTaskContext",
    "SourceTask",
    "SourceTaskContext",
]


class OffsetStorageReader:
    """Reads the source offsets committed for this connector, to resume where it stopped.

    A source partition and its offset are JSON-compatible mappings chosen by the connector,
    e.g. ``{"filename": "/var/log/app.log"}`` and ``{"position": 4096}``. Reads come from
    memory and do not block.
    """

    def offset(self, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        """The last committed offset of ``partition``, or None if there is none."""
        return self.offsets([partition]).get(_freeze(partition))

    def offsets(self, partitions: Iterable[Mapping[str, Any]]) -> dict[Any, dict[str, Any]]:
        """Committed offsets of several partitions, keyed by ``freeze(partition)``."""
        return {}


def _freeze(mapping: Mapping[str, Any]) -> Any:
    return tuple(sorted((k, _freeze(v) if isinstance(v, Mapping) else v) for k, v in mapping.items()))


freeze_partition = _freeze


class SourceTaskContext:
    """What the runtime offers a source task: ``offset_storage_reader`` and the config."""

    def __init__(self, offset_storage_reader: OffsetStorageReader,
                 configs: Mapping[str, str] | None = None) -> None:
        self.offset_storage_reader = offset_storage_reader
        self.configs = dict(configs or {})


class SinkTaskContext:
    """What the runtime offers a sink task: its assignment and flow control.

    ``assignment()`` is the set of partitions the task owns now. ``pause``/``resume`` stop and
    restart fetching from partitions (to apply back-pressure per partition). ``offset`` asks
    the consumer to rewind or skip a partition to a given offset before the next ``put``
    (used by sinks that store their own offsets). ``request_commit`` asks for an offset
    commit soon rather than at the next ``offset.flush.interval.ms``.
    ``errant_record_reporter.report(batch, index, error)`` hands a record the task cannot
    write to the connector's error handling: with ``errors.tolerance=all`` it is logged and
    sent to the dead letter queue (if one is configured) and the task goes on; with
    ``none`` the call raises and the task fails naming the record.
    """

    def __init__(self, configs: Mapping[str, str] | None = None) -> None:
        self.configs = dict(configs or {})
        self.errant_record_reporter = None

    def assignment(self) -> set[TopicPartition]:
        return set()

    def pause(self, *partitions: TopicPartition) -> None:
        pass

    def resume(self, *partitions: TopicPartition) -> None:
        pass

    def offset(self, offsets: Mapping[TopicPartition, int]) -> None:
        pass

    def request_commit(self) -> None:
        pass


class SourceTask(ABC):
    """Reads from an external system and returns batches for Kafka.

    ``initialize(context)``, then ``await start(config)``, then ``await poll()`` in a loop,
    ``await commit()`` after each time the runtime stored offsets, and ``await stop()``.
    """

    def __init__(self) -> None:
        self.context: SourceTaskContext | None = None

    def initialize(self, context: SourceTaskContext) -> None:
        self.context = context

    @abstractmethod
    async def start(self, config: Mapping[str, str]) -> None:
        """Start with this task's configuration (one entry of ``task_configs``).

        Read ``context.offset_storage_reader`` here to resume from committed offsets.
        """

    @abstractmethod
    async def poll(self) -> SourceBatch | None:
        """Return the next batch, or None when nothing is available yet.

        May await new data for a short while (about a second at most) before returning None,
        so that ``stop`` is not held up; the runtime calls ``poll`` again at once. The
        returned batch's ``offsets`` say how far it takes each source partition; they are
        committed only after Kafka acknowledged the batch and all earlier ones.
        """

    async def commit(self) -> None:
        """Offsets of everything returned so far and acknowledged were stored. No-op default."""

    async def stop(self) -> None:
        """Release resources; ``poll`` is not called again. No-op default."""


class SinkTask(ABC):
    """Writes batches from Kafka to an external system.

    ``initialize(context)``, ``await start(config)``, ``await open(partitions)`` on each
    assignment, ``await put(batch)`` per batch, ``await pre_commit(offsets)`` before each
    offset commit, ``await close(partitions)`` on revocation, and ``await stop()``.
    """

    #: True if ``put`` takes schemaless values in the struct form (see
    #: :mod:`fastconnect.api.schema`): the runtime then reads JSON objects of one shape into
    #: it where it can. Otherwise ``put`` always gets schemaless values as JSON text.
    ACCEPTS_SCHEMALESS_STRUCTS: ClassVar[bool] = False

    def __init__(self) -> None:
        self.context: SinkTaskContext | None = None

    def initialize(self, context: SinkTaskContext) -> None:
        self.context = context

    @abstractmethod
    async def start(self, config: Mapping[str, str]) -> None:
        """Start with this task's configuration (one entry of ``task_configs``)."""

    @abstractmethod
    async def put(self, batch: pa.RecordBatch) -> None:
        """Take a batch of converted records (see :mod:`fastconnect.api.batch`).

        May buffer them: only a later ``flush`` must make them durable. Returning applies
        back-pressure: the next batch is fetched only after ``put`` returned.

        Raise RetriableError to have the same batch put again after a back-off. Raise
        ``DataError(message, index)`` when row ``index`` cannot be written: the rows before
        it count as taken; under ``errors.tolerance=all`` that row goes to the error
        handling and ``put`` is called again with the rows after it.
        """

    async def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Make every record given to ``put`` durable.

        ``offsets`` maps each partition to the next offset to consume; once ``flush``
        returns, the runtime commits them to Kafka. No-op default (for sinks that write
        synchronously in ``put``).
        """

    async def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> Mapping[TopicPartition, int]:
        """Return the offsets that are safe to commit; default: ``flush`` them all."""
        await self.flush(offsets)
        return offsets

    async def open(self, partitions: set[TopicPartition]) -> None:
        """Partitions newly assigned to this task. No-op default."""

    async def close(self, partitions: set[TopicPartition]) -> None:
        """Partitions taken away from this task; drop their buffered state. No-op default."""

    async def stop(self) -> None:
        """Release resources; called after the last ``close``. No-op default."""
