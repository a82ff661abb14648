"""Where source offsets live between runs.

Keys and values are stored in the form Kafka Connect gives them: the key is the JSON array
``["<connector name>", {source partition}]`` and the value is the JSON source offset, so the
stored offsets read the same as Kafka Connect's offset topic entries.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

import orjson

from fastconnect.api import ConfigError, OffsetStorageReader
from fastconnect.api.task import freeze_partition

__all__ = [
    "OffsetBackingStore",
    "MemoryOffsetBackingStore",
    "FileOffsetBackingStore",
    "ConnectorOffsetReader",
    "offset_key",
]


def offset_key(connector: str, partition: Mapping[str, Any]) -> bytes:
    return orjson.dumps([connector, partition])


class OffsetBackingStore(Protocol):
    """Holds committed source offsets. ``get`` reads memory; ``set`` persists durably."""

    def get(self, keys: Iterable[bytes]) -> dict[bytes, bytes | None]: ...

    async def set(self, values: Mapping[bytes, bytes | None]) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class MemoryOffsetBackingStore:
    """Offsets held in memory only: for tests and for sources without positions."""

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}

    def get(self, keys: Iterable[bytes]) -> dict[bytes, bytes | None]:
        return {key: self._data.get(key) for key in keys}

    async def set(self, values: Mapping[bytes, bytes | None]) -> None:
        for key, value in values.items():
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class FileOffsetBackingStore(MemoryOffsetBackingStore):
    """``offset.storage.file.filename``: offsets rewritten to one file at every commit.

    The file is replaced atomically (write a temporary file, fsync, rename) so a crash at
    any moment leaves either the previous or the new offsets, never a torn file.
    """

    def __init__(self, filename: str | Path) -> None:
        super().__init__()
        self.path = Path(filename)

    async def start(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as error:
            raise ConfigError(f"Cannot read offset file {self.path} (offset.storage.file."
                              f"filename): {error.strerror}", "offset.storage.file.filename")
        try:
            entries = orjson.loads(raw) if raw.strip() else []
        except orjson.JSONDecodeError as error:
            raise ConfigError(f"Offset file {self.path} is corrupt: {error}",
                              "offset.storage.file.filename") from None
        self._data = {orjson.dumps(k): orjson.dumps(v) for k, v in entries}

    async def set(self, values: Mapping[bytes, bytes | None]) -> None:
        await super().set(values)
        snapshot = [[orjson.loads(k), orjson.loads(v)] for k, v in self._data.items()]
        await asyncio.to_thread(self._write, orjson.dumps(snapshot))

    def _write(self, data: bytes) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, dir=directory)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class ConnectorOffsetReader(OffsetStorageReader):
    """The :class:`OffsetStorageReader` a source task of one connector sees."""

    def __init__(self, store: OffsetBackingStore, connector: str) -> None:
        self._store = store
        self._connector = connector

    def offsets(self, partitions: Iterable[Mapping[str, Any]]) -> dict[Any, dict[str, Any]]:
        partitions = list(partitions)
        keys = {offset_key(self._connector, p): p for p in partitions}
        found = self._store.get(keys)
        return {freeze_partition(keys[k]): orjson.loads(v) for k, v in found.items()
                if v is not None}
