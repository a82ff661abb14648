"""FileStreamSource: each line of a file becomes one record with a string value."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from typing import Callable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import (
    ConfigDef,
    ConfigError,
    ConfigValue,
    Importance,
    SourceBatch,
    SourceConnector,
    SourceTask,
    Type,
    at_least,
    non_empty_string,
)
from fastconnect.api.arrays import value_offsets
from fastconnect.api.schema import connect_schema_to_field

log = logging.getLogger(__name__)

FILE = "file"
TOPIC = "topic"
BATCH_SIZE = "batch.size"
FILENAME_FIELD = "filename"
POSITION_FIELD = "position"

READ_SIZE = 1 << 20
IDLE_WAIT = 0.25
_TERMINATOR = re.compile(rb"\r\n|\r|\n")
_NO_LINES: Callable[[int], int] = [].__getitem__
# Kafka's FileStreamSource declares its values as a required STRING: converters that write
# schemas (JsonConverter with schemas.enable) must say "optional":false, as Kafka's do.
VALUE_FIELD = connect_schema_to_field({"type": "string", "optional": False}, "value")


def _readable(filename: str) -> None:
    """Refuse a file that cannot be read now, naming the key (a typo should not hang)."""
    if not os.path.isfile(filename) or not os.access(filename, os.R_OK):
        reason = "no such file" if not os.path.exists(filename) else "not a readable file"
        raise ConfigError.invalid(FILE, filename, reason)


class FileStreamSourceConnector(SourceConnector):
    """Reads lines from ``file`` (or stdin) into ``topic``. One task: a file has one reader."""

    ALIASES = ("org.apache.kafka.connect.file.FileStreamSourceConnector", "FileStreamSource")
    CONFIG_DEF = (
        ConfigDef()
        .define(FILE, Type.STRING, None, None, Importance.HIGH,
                "Source filename. If not specified, the standard input will be used")
        .define(TOPIC, Type.STRING, validator=non_empty_string, importance=Importance.HIGH,
                documentation="The topic to publish data to")
        .define(BATCH_SIZE, Type.INT, 2000, at_least(1), Importance.LOW,
                "The maximum number of records the source task can read from the file each "
                "time it is polled")
    )

    def validate(self, config: Mapping[str, str]) -> list[ConfigValue]:
        values = super().validate(config)
        for value in values:
            if value.name == FILE and value.value and not value.errors:
                try:
                    _readable(value.value)
                except ConfigError as error:
                    value.errors.append(str(error))
        return values

    async def start(self, config: Mapping[str, str]) -> None:
        parsed = self.CONFIG_DEF.parse(config)
        if parsed[FILE]:
            _readable(parsed[FILE])
        self._config = dict(config)

    def task_class(self) -> type:
        return FileStreamSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._config)]


class FileStreamSourceTask(SourceTask):
    """Reads whole blocks and splits them into lines with Arrow, all complete lines of a
    read at once, and hands them out ``batch.size`` at a time.

    The offset is the byte position just after the last line handed out, so a restart
    resumes at the first line not yet in Kafka. A last line without its terminator is held
    back until the terminator arrives, as Kafka's FileStreamSourceTask does.
    """

    async def start(self, config: Mapping[str, str]) -> None:
        parsed = FileStreamSourceConnector.CONFIG_DEF.parse(config)
        self.filename: str | None = parsed[FILE]
        self.topic: str = parsed[TOPIC]
        self.batch_size: int = parsed[BATCH_SIZE]
        self._pending = b""
        self._lines: pa.Array = pa.array([], pa.string())  # split, not yet handed out
        self._end_of: Callable[[int], int] = _NO_LINES
        self._next = 0
        self._base = 0  # the byte position _end_of counts from
        self._eof = False
        self._stdin_read: asyncio.Future | None = None
        self.position = 0
        if self.filename is None:
            self._stream = None
            return
        _readable(self.filename)
        self._stream = open(self.filename, "rb")
        stored = self.context.offset_storage_reader.offset({FILENAME_FIELD: self.filename})
        if stored is not None:
            self.position = int(stored.get(POSITION_FIELD, 0))
            self._stream.seek(self.position)
            log.info("Resuming %s at byte position %d", self.filename, self.position)

    async def _read_block(self) -> bytes:
        if self._stream is not None:
            return await asyncio.to_thread(self._stream.read, READ_SIZE)
        # stdin: keep one read outstanding across polls, so poll can give up after a
        # while without losing what the read returns later.
        if self._stdin_read is None:
            self._stdin_read = asyncio.ensure_future(
                asyncio.to_thread(os.read, 0, READ_SIZE))
        done, _ = await asyncio.wait({self._stdin_read}, timeout=IDLE_WAIT)
        if not done:
            return b""
        data, self._stdin_read = self._stdin_read.result(), None
        self._eof = data == b""
        return data

    async def poll(self) -> SourceBatch | None:
        if self._next >= len(self._lines):
            await self._read_lines()
        if self._next >= len(self._lines):
            # A file may grow: look again shortly. stdin already waited in _read_block,
            # unless it ended, and then nothing more will come.
            if self._stream is not None or self._eof:
                await asyncio.sleep(IDLE_WAIT)
            return None
        start, self._next = self._next, min(self._next + self.batch_size, len(self._lines))
        self.position = self._base + self._end_of(self._next - 1)
        offsets = []
        if self.filename is not None:
            offsets = [({FILENAME_FIELD: self.filename}, {POSITION_FIELD: self.position})]
        return SourceBatch.build(self.topic, self._lines.slice(start, self._next - start),
                                 offsets=offsets, value_field=VALUE_FIELD)

    async def _read_lines(self) -> None:
        """Read a block (more while no line ends in it) and split every complete line at
        once; polls then hand them out ``batch.size`` at a time."""
        data = self._pending
        while True:
            block = await self._read_block()
            data += block
            if not block or b"\n" in block or b"\r" in block:
                break
        self._base = self.position
        lines, self._end_of = self._split(data)
        consumed = self._end_of(len(lines) - 1) if len(lines) else 0
        self._lines, self._next, self._pending = lines, 0, data[consumed:]

    def _split(self, data: bytes) -> tuple[pa.Array, Callable[[int], int]]:
        """The complete lines of ``data``, and for line ``i`` the number of bytes up to and
        including its terminator."""
        end = max(data.rfind(b"\n"), data.rfind(b"\r"))
        # A trailing "\r" may be the first half of "\r\n": wait for the next byte.
        if end >= 0 and data[end:end + 1] == b"\r" and end == len(data) - 1 and not self._eof:
            end = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end))
        if end < 0:
            return pa.array([], pa.string()), _NO_LINES
        complete = data[:end + 1]
        if b"\r" in complete:
            return self._split_mixed(complete)
        # One binary value over the block's own bytes (no copy), less its last "\n".
        block = pa.Array.from_buffers(pa.binary(), 1, [
            None, pa.array([0, len(complete) - 1], pa.int32()).buffers()[1],
            pa.py_buffer(complete)])
        lines = pc.split_pattern(block, b"\n").values
        # Each line took its own bytes plus one "\n".
        offsets = value_offsets(lines)
        return _as_text(lines), lambda i: offsets[i + 1] - offsets[0] + i + 1

    def _split_mixed(self, complete: bytes) -> tuple[pa.Array, Callable[[int], int]]:
        """Lines ended by any of \\r\\n, \\r or \\n (rare: files from other systems)."""
        lines, ends, consumed = [], [], 0
        for match in _TERMINATOR.finditer(complete):
            lines.append(complete[consumed:match.start()])
            consumed = match.end()
            ends.append(consumed)
        return _as_text(pa.array(lines, pa.binary())), ends.__getitem__

    async def stop(self) -> None:
        stream = getattr(self, "_stream", None)  # None too if the worker failed before start
        if stream is not None:
            stream.close()


def _as_text(lines: pa.Array) -> pa.Array:
    """Lines as UTF-8 strings; undecodable bytes become U+FFFD as Java's reader makes them."""
    try:
        return lines.cast(pa.string())
    except pa.ArrowInvalid:
        return pa.array([line.decode("utf-8", "replace") for line in lines.to_pylist()],
                        pa.string())
