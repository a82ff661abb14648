"""WorkerTask: what running a source task and running a sink task have in common."""

from __future__ import annotations

import asyncio
import collections
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import KEY, VALUE, Converter
from fastconnect.runtime.status import ConnectorTaskId, State, TaskStatus
from fastconnect.runtime.task_logging import task_logger
from fastconnect.runtime.transformation_chain import TransformationChain

__all__ = ["WorkerTask"]


class WorkerTask:
    """One task of one connector on the worker's loop: start, execute until stopped, shut down.

    Subclasses fill in ``_start`` (clients and the plugin task), ``_execute`` (the loop,
    returning once ``stopping`` is set) and ``_shutdown`` (always run, failed or not). A
    failure anywhere turns the status FAILED with the error as its trace; it never
    escapes ``run``, so one task cannot take the worker down.
    """

    def __init__(self, task_id: ConnectorTaskId, task: Any, task_config: Mapping[str, str],
                 worker_config: Mapping[str, Any], worker_raw: Mapping[str, str],
                 key_converter: Converter, value_converter: Converter,
                 transformation_chain: TransformationChain | None = None) -> None:
        self.id = task_id
        self.task = task
        self.task_config = dict(task_config)
        self.status = TaskStatus(task_id)
        self._worker_config = worker_config
        self._worker_raw = worker_raw
        self._key_converter = key_converter
        self._value_converter = value_converter
        self._chain = transformation_chain or TransformationChain([])
        self._flush_interval = worker_config["offset.flush.interval.ms"] / 1000
        self._stopping = asyncio.Event()
        self.log = task_logger(type(self).__module__, task_id)
        # Seconds each recent batch took through this task (bench reports percentiles).
        self.batch_seconds: collections.deque[float] = collections.deque(maxlen=10000)
        self.bytes_done = 0  # key and value bytes as they are in Kafka

    def count_bytes(self, batch: pa.RecordBatch) -> None:
        """Add the key and value bytes of a serialised batch (one vector sum per column)."""
        for column in (KEY, VALUE):
            total = pc.sum(pc.binary_length(batch.column(column))).as_py()
            self.bytes_done += total or 0

    @property
    def records_done(self) -> int:
        """Records fully through this task (acknowledged by Kafka, or given to the sink)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Ask the task to finish its current batch, commit what is safe, and end."""
        self._stopping.set()

    async def run(self) -> None:
        """Run until ``stop()`` or a failure; the outcome is in ``self.status``."""
        try:
            await self._start()
            self.status.state = State.RUNNING
            await self._execute()
        except Exception as error:
            self.status.fail(error)
            self.log.error("Task failed and will not recover until manually restarted: %s", error)
        finally:
            await self._shutdown()
            self._chain.close()
            if self.status.state is State.RUNNING:
                self.status.state = State.STOPPED

    async def _start(self) -> None:
        raise NotImplementedError

    async def _execute(self) -> None:
        raise NotImplementedError

    async def _shutdown(self) -> None:
        raise NotImplementedError
