"""FileStreamSink: each record's value, as text, becomes one line of a file (or stdout)."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import (
    VALUE,
    ConfigDef,
    ConfigError,
    Importance,
    SinkConnector,
    SinkTask,
    TopicPartition,
    Type,
)
from fastconnect.api.arrays import concat_elementwise, concatenated_values
from fastconnect.api.schema import format_values

FILE = "file"


class FileStreamSinkConnector(SinkConnector):
    """Appends record values to ``file`` (or stdout), one line each. One task."""

    ALIASES = ("org.apache.kafka.connect.file.FileStreamSinkConnector", "FileStreamSink")
    CONFIG_DEF = ConfigDef().define(
        FILE, Type.STRING, None, None, Importance.HIGH,
        "Destination filename. If not specified, the standard output will be used")

    async def start(self, config: Mapping[str, str]) -> None:
        self.CONFIG_DEF.parse(config)
        self._config = dict(config)

    def task_class(self) -> type:
        return FileStreamSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._config)]


class FileStreamSinkTask(SinkTask):
    """Writes each batch as one block; ``flush`` fsyncs, so committed offsets are on disk.

    A null value is written as ``null``, as Java's ``println(null)`` does; values that are
    not strings are written as Kafka Connect's ``toString`` renders them.
    """

    ACCEPTS_SCHEMALESS_STRUCTS = True  # format_values renders both forms

    async def start(self, config: Mapping[str, str]) -> None:
        self.filename = FileStreamSinkConnector.CONFIG_DEF.parse(config)[FILE]
        if self.filename is None:
            self._out = sys.stdout.buffer
            return
        try:
            self._out = open(self.filename, "ab")
        except OSError as error:
            raise ConfigError.invalid(FILE, self.filename,
                                      f"cannot open for writing: {error.strerror}") from None

    async def put(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        text = format_values(batch.schema.field(VALUE), batch.column(VALUE))
        if not (pa.types.is_string(text.type) or pa.types.is_binary(text.type)):
            text = text.cast(pa.string())
        lines = concat_elementwise(pc.fill_null(text, "null"), "\n")
        await asyncio.to_thread(self._out.write, concatenated_values(lines))

    async def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        await asyncio.to_thread(self._sync)

    def _sync(self) -> None:
        self._out.flush()
        if self.filename is not None:
            os.fsync(self._out.fileno())

    async def stop(self) -> None:
        if self.filename is not None and not self._out.closed:
            self._sync()
            self._out.close()

