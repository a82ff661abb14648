"""Error handling as Kafka Connect's: errors.tolerance, retries, error log, dead letter queue.

With ``errors.tolerance=none`` the first bad record fails the task, its topic/partition/
offset in the error. With ``all``, every bad record of a batch is set aside, reported (log,
dead letter queue) and skipped, and the rest of the batch goes on: a plugin's DataError
names one row, so the runtime takes that row out and runs the plugin again on the rows
after it, until the batch is through.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Mapping, Protocol, TypeVar

import pyarrow as pa

from fastconnect.api import DataError, RetriableError
from fastconnect.config.connector import (
    ERRORS_LOG_ENABLE,
    ERRORS_LOG_INCLUDE_MESSAGES,
    ERRORS_RETRY_MAX_DELAY,
    ERRORS_RETRY_TIMEOUT,
    ERRORS_TOLERANCE,
)
from fastconnect.runtime.conversion import describe_record, record_error
from fastconnect.runtime.status import ConnectorTaskId

__all__ = ["Stage", "Failure", "ErrorReporter", "LogReporter", "ErrorHandler"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class Stage(enum.Enum):
    """Where a record failed, as ``__connect.errors.stage`` names it."""

    KEY_CONVERTER = "KEY_CONVERTER"
    VALUE_CONVERTER = "VALUE_CONVERTER"
    HEADER_CONVERTER = "HEADER_CONVERTER"
    TRANSFORMATION = "TRANSFORMATION"
    TASK_PUT = "TASK_PUT"
    TASK_POLL = "TASK_POLL"
    KAFKA_PRODUCE = "KAFKA_PRODUCE"
    KAFKA_CONSUME = "KAFKA_CONSUME"


@dataclass
class Failure:
    """One record that failed: ``record`` is a one-row batch holding it at that stage."""

    stage: Stage
    plugin: str
    error: BaseException
    record: pa.RecordBatch


class ErrorReporter(Protocol):
    def report(self, failure: Failure) -> None: ...


def plugin_name(plugin: object) -> str:
    """The class name a user knows a plugin by: its Java name if it stands in for one."""
    from fastconnect.converters import BUILTIN_CONVERTERS

    cls = plugin if isinstance(plugin, type) else type(plugin)
    python_name = f"{cls.__module__}.{cls.__qualname__}"
    aliases = list(getattr(cls, "ALIASES", ()))
    aliases += BUILTIN_CONVERTERS.names_of(cls)
    java = [a for a in aliases if "." in a and not a.startswith(("fastconnect", cls.__module__))]
    return java[0] if java else python_name


class LogReporter:
    """``errors.log.enable``: one ERROR line per failed record, with the record if asked."""

    def __init__(self, task_id: ConnectorTaskId, include_messages: bool) -> None:
        self._task_id = task_id
        self._include = include_messages

    def report(self, failure: Failure) -> None:
        where = describe_record(failure.record, 0)
        message = (f"Error encountered in task {self._task_id}. Executing stage "
                   f"'{failure.stage.value}' with class '{failure.plugin}', where record is "
                   f"{{{where}}}")
        if self._include:
            row = {name: failure.record.column(name)[0].as_py()
                   for name in ("key", "value") if name in failure.record.schema.names}
            message += f" with key={row.get('key')!r} and value={row.get('value')!r}"
        log.error("%s: %s", message, failure.error,
                  exc_info=(type(failure.error), failure.error, failure.error.__traceback__))


class ErrorHandler:
    """A task's errors.* settings applied to the plugins it runs on batches."""

    def __init__(self, task_id: ConnectorTaskId, config: Mapping[str, object],
                 reporters: list[ErrorReporter] | None = None) -> None:
        self.tolerate_all = str(config[ERRORS_TOLERANCE]).lower() == "all"
        self.retry_timeout = int(config[ERRORS_RETRY_TIMEOUT]) / 1000
        self.retry_max_delay = int(config[ERRORS_RETRY_MAX_DELAY]) / 1000
        self.reporters: list[ErrorReporter] = list(reporters or [])
        if config[ERRORS_LOG_ENABLE]:
            self.reporters.append(LogReporter(task_id, bool(config[ERRORS_LOG_INCLUDE_MESSAGES])))
        self.failed_records = 0

    def report(self, failure: Failure) -> None:
        self.failed_records += 1
        for reporter in self.reporters:
            reporter.report(failure)

    async def run(self, stage: Stage, plugin: object, batch: pa.RecordBatch,
                  fn: Callable[[pa.RecordBatch], T]) -> list[tuple[pa.RecordBatch, T]]:
        """Apply ``fn`` to ``batch``; return ``(rows, result)`` pieces for the rows that passed.

        Under ``errors.tolerance=none`` a DataError fails the task, naming the record; under
        ``all`` the failing row is reported and skipped and ``fn`` runs again on the rest.
        RetriableError is retried for ``errors.retry.timeout``.
        """
        pieces: list[tuple[pa.RecordBatch, T]] = []
        rest = batch
        while rest.num_rows:
            try:
                pieces.append((rest, await self._with_retries(fn, rest)))
                break
            except DataError as error:
                if not self.tolerate_all:
                    raise record_error(f"{stage.value} ({plugin_name(plugin)})", rest, error,
                                       slice(0, rest.num_rows)) from None
                index = error.index
                if index is None:
                    # The plugin cannot say which row: go one row at a time to find out.
                    if rest.num_rows == 1:
                        index = 0
                    else:
                        for row in range(rest.num_rows):
                            pieces.extend(await self.run(stage, plugin, rest.slice(row, 1), fn))
                        break
                if index > 0:
                    head = rest.slice(0, index)
                    pieces.append((head, await self._with_retries(fn, head)))
                self.report(Failure(stage, plugin_name(plugin), error, rest.slice(index, 1)))
                rest = rest.slice(index + 1)
        return pieces

    async def _with_retries(self, fn: Callable[[pa.RecordBatch], T], batch: pa.RecordBatch) -> T:
        """``fn(batch)``, retried on RetriableError for ``errors.retry.timeout`` (-1: forever)."""
        deadline = None
        delay = 0.3
        while True:
            try:
                return fn(batch)
            except RetriableError as error:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.retry_timeout if self.retry_timeout >= 0 else float("inf")
                if now + delay > deadline:
                    raise
                log.warning("Retriable error, trying again in %.1f s: %s", delay, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_delay)

    async def retry_forever(self, call: Callable[[], Awaitable[T]],
                            stopping: asyncio.Event) -> T | None:
        """Retry an async call on RetriableError with capped back-off (sink put, source poll),
        as Kafka Connect does; give up quietly when the task is stopping."""
        delay = 0.3
        while True:
            try:
                return await call()
            except RetriableError as error:
                if stopping.is_set():
                    return None
                log.warning("Retriable error, trying again in %.1f s: %s", delay, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_delay)
