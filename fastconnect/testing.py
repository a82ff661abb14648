"""Test doubles for connector authors: run a task without a worker or a broker.

::

    task = MySourceTask()
    task.initialize(source_task_context({"filename": "f"}, {"position": 10}))
    await task.start(config)
    batch = await task.poll()

    sink = MySinkTask()
    sink.initialize(SinkTaskContext())
    await sink.put(sink_batch(["a", "b"], topic="t"))
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pyarrow as pa

from fastconnect.api import (
    OffsetStorageReader,
    SinkTaskContext,
    SourceTaskContext,
    TIMESTAMP_TYPE,
    constant_topic,
)
from fastconnect.api.task import freeze_partition

__all__ = ["MemoryOffsetReader", "source_task_context", "sink_batch", "SinkTaskContext"]


class MemoryOffsetReader(OffsetStorageReader):
    """An offset reader over a dict of source partition -> source offset."""

    def __init__(self, offsets: Mapping[Any, Mapping[str, Any]] | None = None) -> None:
        self._offsets = {freeze_partition(dict(p)) if not isinstance(p, tuple) else p: dict(o)
                         for p, o in (offsets or {}).items()}

    def set(self, partition: Mapping[str, Any], offset: Mapping[str, Any]) -> None:
        self._offsets[freeze_partition(partition)] = dict(offset)

    def offsets(self, partitions):
        found = {}
        for partition in partitions:
            key = freeze_partition(partition)
            if key in self._offsets:
                found[key] = self._offsets[key]
        return found


def source_task_context(partition: Mapping[str, Any] | None = None,
                        offset: Mapping[str, Any] | None = None) -> SourceTaskContext:
    """A context whose offset reader knows ``offset`` for ``partition`` (if given)."""
    reader = MemoryOffsetReader()
    if partition is not None and offset is not None:
        reader.set(partition, offset)
    return SourceTaskContext(reader)


def sink_batch(values: Sequence[Any] | pa.Array, *, topic: str = "topic", partition: int = 0,
               first_offset: int = 0, keys: Sequence[Any] | pa.Array | None = None,
               value_field: pa.Field | None = None) -> pa.RecordBatch:
    """A converted batch as ``SinkTask.put`` receives it, from plain values."""
    values = values if isinstance(values, pa.Array) else pa.array(values)
    n = len(values)
    keys = keys if isinstance(keys, pa.Array) or keys is None else pa.array(keys)
    if keys is None:
        keys = pa.nulls(n, pa.binary())
    value_field = (value_field or pa.field("value", values.type)).with_name("value")
    schema = pa.schema([
        pa.field("topic", constant_topic(topic, 0).type, nullable=False),
        pa.field("partition", pa.int32(), nullable=False),
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("timestamp", TIMESTAMP_TYPE),
        pa.field("key", keys.type),
        value_field,
        pa.field("headers", pa.list_(pa.struct([("key", pa.string()), ("value", pa.binary())]))),
    ])
    return pa.RecordBatch.from_arrays([
        constant_topic(topic, n),
        pa.array([partition] * n, pa.int32()),
        pa.array(range(first_offset, first_offset + n), pa.int64()),
        pa.nulls(n, TIMESTAMP_TYPE),
        keys,
        values,
        pa.nulls(n, schema.field("headers").type),
    ], schema=schema)
