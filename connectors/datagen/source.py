"""DatagenSource: synthetic records of a configurable shape, generated a whole batch at a time.

Record ``n`` of a connector is a pure function of ``n`` and ``random.seed``: each column's
random values come from a 64-bit hash (splitmix64's finaliser) of the sequence number,
computed with pyarrow compute over the whole batch, so there is no loop per record and a
restart, or another ``tasks.max``, produces the very same records. Task ``i`` of ``k`` emits
the sequence numbers ``i, i+k, i+2k, ...``; together the tasks emit exactly ``0..iterations-1``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import string
import time
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import (
    ConfigDef,
    ConfigError,
    Importance,
    SourceBatch,
    SourceConnector,
    SourceTask,
    Type,
    at_least,
    connect_schema_to_field,
    non_empty_string,
)
from fastconnect.api.arrays import concat_elementwise
from fastconnect_connectors.datagen.presets import (
    FIELDS,
    KEY_FIELD,
    PADDING,
    PRESETS,
    QUICKSTART,
    SCHEMA_FILENAME,
    SCHEMA_KEYFIELD,
    SCHEMA_STRING,
    TIMESTAMP_RANGE,
    VALUE_SIZE_BYTES,
    ColumnSpec,
    Shape,
)

log = logging.getLogger(__name__)

KAFKA_TOPIC = "kafka.topic"
MAX_INTERVAL = "max.interval"
ITERATIONS = "iterations"
MAX_RECORDS = "max.records"
RANDOM_SEED = "random.seed"
BATCH_SIZE = "batch.size"
TASK_ID = "task.id"
TASK_COUNT = "task.count"

PARTITION_PREFIX = "datagen-"
COUNT_FIELD = "count"
IDLE_WAIT = 0.25
MAX_POLL_WAIT = 1.0
POOL_BITS = 12  # each string column draws from 4096 distinct values
KEY_SCHEMA = connect_schema_to_field({"type": "string", "optional": False}, "key")

CONFIG_DEF = (
    ConfigDef()
    .define(KAFKA_TOPIC, Type.STRING, validator=non_empty_string, importance=Importance.HIGH,
            documentation="Topic to write to")
    .define(QUICKSTART, Type.STRING, "", importance=Importance.HIGH,
            documentation="Name of quickstart to use: " + ", ".join(PRESETS))
    .define(SCHEMA_STRING, Type.STRING, "", importance=Importance.HIGH,
            documentation="The literal JSON-encoded Avro schema to use (the subset described "
                          "in presets.py: records, primitives, enums, arg.properties range, "
                          "iteration, options and an approximated regex)")
    .define(SCHEMA_FILENAME, Type.STRING, "", importance=Importance.HIGH,
            documentation="Filename of an Avro schema (.avsc) to use, same subset")
    .define(FIELDS, Type.STRING, "", importance=Importance.HIGH,
            documentation="fastconnect's own shape: name:type items separated by commas; types "
                          "int32, int64, float32, float64 (optionally (min,max)), string(length), "
                          "boolean, timestamp, seq(start,step); e.g. "
                          "id:seq,user:string(12),amount:float64(0,100),ts:timestamp,flag:boolean")
    .define(SCHEMA_KEYFIELD, Type.STRING, "", importance=Importance.HIGH,
            documentation="Name of a top-level field whose value, as a string, is the message "
                          "key; a quickstart defaults to its own key field; empty: no key")
    .define(KEY_FIELD, Type.STRING, "", importance=Importance.LOW,
            documentation="Alias of schema.keyfield")
    .define(MAX_INTERVAL, Type.LONG, 500, at_least(0), Importance.HIGH,
            "Interval between messages (ms), applied as an even rate per task; "
            "0: as fast as possible")
    .define(ITERATIONS, Type.LONG, -1, importance=Importance.HIGH,
            documentation="Number of messages to send in all, split across the tasks and "
                          "counted across restarts, or less than 1 for unlimited")
    .define(MAX_RECORDS, Type.LONG, None, importance=Importance.LOW,
            documentation="Alias of iterations")
    .define(RANDOM_SEED, Type.LONG, None, importance=Importance.LOW,
            documentation="Numeric seed for generating random data. Two connectors started with "
                          "the same seed produce the same data; unset: a new seed each start")
    .define(BATCH_SIZE, Type.INT, 10000, at_least(1), Importance.LOW,
            "Maximum number of records returned by each poll")
    .define(VALUE_SIZE_BYTES, Type.INT, 0, at_least(0), Importance.LOW,
            "Pad each value with a string field 'padding' so that its schemaless JSON encoding "
            "is about this many bytes; 0: no padding")
    .define(TASK_ID, Type.INT, 0, at_least(0), Importance.LOW,
            "Set by the connector for each task")
    .define(TASK_COUNT, Type.INT, 1, at_least(1), Importance.LOW,
            "Set by the connector for each task")
)


def _json_default(value: Any) -> Any:
    return round(value.timestamp() * 1000)


# --- vector generation ----------------------------------------------------------------------

_U64 = pa.uint64()
_GOLDEN = pa.scalar(0x9E3779B97F4A7C15, _U64)
_M1 = pa.scalar(0xBF58476D1CE4E5B9, _U64)
_M2 = pa.scalar(0x94D049BB133111EB, _U64)
_MASK = (1 << 64) - 1


def _shr(z: pa.Array, bits: int) -> pa.Array:
    return pc.shift_right(z, pa.scalar(bits, _U64))


def _mix(z: pa.Array) -> pa.Array:
    """splitmix64's finaliser over a uint64 array (multiplication wraps, as in C)."""
    z = pc.multiply(pc.bit_wise_xor(z, _shr(z, 30)), _M1)
    z = pc.multiply(pc.bit_wise_xor(z, _shr(z, 27)), _M2)
    return pc.bit_wise_xor(z, _shr(z, 31))


def _salt(seed: int, path: str) -> int:
    salt = seed & _MASK
    for byte in path.encode():
        salt = ((salt ^ byte) * 0x100000001B3) & _MASK
    return salt


def _unit(h: pa.Array) -> pa.Array:
    """Floats uniform in [0, 1) from the top 53 bits of the hashes."""
    return pc.multiply(_shr(h, 11).cast(pa.float64()), 2.0 ** -53)


def _int_range(h: pa.Array, low: float, high: float) -> pa.Array:
    span = int(high) - int(low) + 1
    return pc.add(pc.floor(pc.multiply(_unit(h), float(span))).cast(pa.int64()), int(low))


_ALPHABET = (string.ascii_letters + string.digits).encode()
_TO_ALPHABET = bytes(_ALPHABET[b % len(_ALPHABET)] for b in range(256))


def _string_pool(length: int, salt: int) -> pa.Array:
    """``2**POOL_BITS`` random alphanumeric strings of ``length`` characters."""
    size = 1 << POOL_BITS
    data = random.Random(salt).randbytes(size * length).translate(_TO_ALPHABET)
    offsets = pa.array([i * length for i in range(size + 1)], pa.int32())
    return pa.StringArray.from_buffers(size, offsets.buffers()[1], pa.py_buffer(data))


_POOLS: dict[tuple[int, int], pa.Array] = {}


def _column(spec: ColumnSpec, arrow_type: pa.DataType, seq: pa.Array, base: pa.Array,
            seed: int, path: str) -> pa.Array:
    if spec.type == "struct":
        return generate(spec.fields, arrow_type, seq, seed, base, path + ".")
    if spec.mode == "iteration":
        if pa.types.is_integer(arrow_type) and float(spec.step).is_integer() \
                and float(spec.low).is_integer():
            values = pc.add(pc.multiply(seq, int(spec.step)), int(spec.low))
            return values.cast(arrow_type, safe=False)
        values = pc.add(pc.multiply(seq.cast(pa.float64()), float(spec.step)), float(spec.low))
        return values.cast(arrow_type)
    salt = _salt(seed, path)
    h = _mix(pc.add(base, pa.scalar(salt, _U64)))
    if spec.mode == "options":
        choices = pa.array(list(spec.options))
        index = pc.floor(pc.multiply(_unit(h), float(len(choices)))).cast(pa.int64())
        return choices.take(index).cast(arrow_type)
    if spec.mode == "prefix":
        numbers = _int_range(h, spec.low, spec.high).cast(pa.string())
        return concat_elementwise(spec.prefix, numbers)
    if spec.type == "string":
        pool = _POOLS.get((spec.length, salt))
        if pool is None:
            if len(_POOLS) >= 64:  # unseeded restarts would otherwise grow it without end
                _POOLS.clear()
            pool = _POOLS[(spec.length, salt)] = _string_pool(spec.length, salt)
        return pool.take(_shr(h, 64 - POOL_BITS))
    if spec.type == "boolean":
        return pc.equal(pc.bit_wise_and(h, pa.scalar(1, _U64)), pa.scalar(1, _U64))
    if spec.type in ("float", "double"):
        low = 0.0 if spec.low is None else float(spec.low)
        high = 1.0 if spec.high is None else float(spec.high)
        return pc.add(pc.multiply(_unit(h), high - low), low).cast(arrow_type)
    if spec.type == "timestamp":
        return _int_range(h, *TIMESTAMP_RANGE).cast(arrow_type)
    if spec.low is None:  # an integer over its whole non-negative range
        bits = 64 - arrow_type.bit_width + 1
        return _shr(h, bits).cast(arrow_type)
    return _int_range(h, spec.low, spec.high).cast(arrow_type)


def generate(columns: tuple[ColumnSpec, ...], struct_type: pa.StructType, seq: pa.Array,
             seed: int, base: pa.Array | None = None, path: str = "") -> pa.StructArray:
    """The values of the records with sequence numbers ``seq`` (int64), as a struct column."""
    if base is None:
        base = pc.multiply(seq.cast(_U64), _GOLDEN)
    children = [_column(spec, struct_type.field(i).type, seq, base, seed, path + spec.name)
                for i, spec in enumerate(columns)]
    return pa.StructArray.from_arrays(children, fields=list(struct_type))


def pad_to(shape: Shape, size: int, seed: int) -> None:
    """Fix the padding's length so that a value's JSON text is about ``size`` bytes."""
    sample = generate(shape.columns, shape.field.type, pa.array(range(64), pa.int64()), seed)
    rows = [json.dumps(row, separators=(",", ":"), default=_json_default)
            for row in sample.to_pylist()]
    average = sum(len(r.encode()) for r in rows) / len(rows)
    length = max(0, round(size - average))
    shape.columns = shape.columns[:-1] + (ColumnSpec(PADDING, "string", length=length),)


# --- connector and task ---------------------------------------------------------------------

def _parse(config: Mapping[str, str]) -> dict[str, Any]:
    parsed = CONFIG_DEF.parse(config)
    if parsed[MAX_RECORDS] is not None:
        if ITERATIONS in config and parsed[ITERATIONS] != parsed[MAX_RECORDS]:
            raise ConfigError.invalid(MAX_RECORDS, parsed[MAX_RECORDS],
                                      f"it is an alias of {ITERATIONS}, which is "
                                      f"{parsed[ITERATIONS]}; set only one")
        parsed[ITERATIONS] = parsed[MAX_RECORDS]
    if parsed[TASK_ID] >= parsed[TASK_COUNT]:
        raise ConfigError.invalid(TASK_ID, parsed[TASK_ID],
                                  f"must be less than {TASK_COUNT} ({parsed[TASK_COUNT]})")
    return parsed


class DatagenConnector(SourceConnector):
    """Generates mock records into ``kafka.topic``; ``iterations`` is shared by the tasks."""

    ALIASES = ("io.confluent.kafka.connect.datagen.DatagenConnector", "DatagenConnector",
               "Datagen")
    CONFIG_DEF = CONFIG_DEF

    def validate(self, config: Mapping[str, str]):
        values = super().validate(config)
        if not any(v.errors for v in values):
            try:
                Shape(_parse(config))
            except ConfigError as error:
                for value in values:
                    if value.name == error.key:
                        value.errors.append(str(error))
        return values

    async def start(self, config: Mapping[str, str]) -> None:
        self._parsed = _parse(config)
        Shape(self._parsed)
        self._config = dict(config)

    def task_class(self) -> type:
        return DatagenTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        iterations = self._parsed[ITERATIONS]
        count = max(1, min(max_tasks, iterations) if iterations > 0 else max_tasks)
        return [{**self._config, TASK_ID: str(i), TASK_COUNT: str(count)} for i in range(count)]


class DatagenTask(SourceTask):
    """Emits this task's share of the records, ``batch.size`` at a time, paced by max.interval.

    The source partition is ``{"task": "datagen-<task.id>"}`` and the offset
    ``{"count": <records this task emitted>}``, so a restart continues the sequence and
    ``iterations`` bounds the total across restarts.
    """

    async def start(self, config: Mapping[str, str]) -> None:
        parsed = _parse(config)
        self.topic: str = parsed[KAFKA_TOPIC]
        self.batch_size: int = parsed[BATCH_SIZE]
        self.interval = parsed[MAX_INTERVAL] / 1000.0
        self.task_id, self.task_count = parsed[TASK_ID], parsed[TASK_COUNT]
        seed = parsed[RANDOM_SEED]
        self.seed = random.SystemRandom().getrandbits(63) if seed is None else seed
        self.shape = Shape(parsed)
        if parsed[VALUE_SIZE_BYTES]:
            pad_to(self.shape, parsed[VALUE_SIZE_BYTES], self.seed)
        iterations = parsed[ITERATIONS]
        # This task's share of seq 0..iterations-1: those equal to task.id modulo task.count.
        self.limit = None if iterations < 1 else max(
            0, (iterations - self.task_id + self.task_count - 1) // self.task_count)
        self.partition = {"task": f"{PARTITION_PREFIX}{self.task_id}"}
        stored = self.context.offset_storage_reader.offset(self.partition)
        self.count = int(stored.get(COUNT_FIELD, 0)) if stored else 0
        if stored:
            log.info("Datagen task %d resuming after %d records", self.task_id, self.count)
        self._paced_from = (time.monotonic(), self.count)
        self._steps: pa.Array | None = None  # 0, k, 2k, ...: seq = first + steps

    def _due(self) -> tuple[int, float]:
        """Records due now under max.interval, and seconds until the next one."""
        if self.interval <= 0:
            return self.batch_size, 0.0
        since, start_count = self._paced_from
        elapsed = time.monotonic() - since
        due = int(elapsed / self.interval) + 1 - (self.count - start_count)
        wait = (self.count - start_count) * self.interval - elapsed
        return due, max(0.0, wait)

    async def poll(self) -> SourceBatch | None:
        remaining = None if self.limit is None else self.limit - self.count
        if remaining is not None and remaining <= 0:
            await asyncio.sleep(IDLE_WAIT)
            return None
        due, wait = self._due()
        if due <= 0:
            await asyncio.sleep(min(wait, MAX_POLL_WAIT))
            due, _ = self._due()
            if due <= 0:
                return None
        n = min(self.batch_size, due, self.limit - self.count if self.limit else self.batch_size)
        first = self.count * self.task_count + self.task_id
        if self._steps is None or len(self._steps) < n:
            self._steps = pa.array(range(0, n * self.task_count, self.task_count), pa.int64())
        seq = pc.add(self._steps.slice(0, n), first)
        values = generate(self.shape.columns, self.shape.field.type, seq, self.seed)
        key = None
        if self.shape.key:
            key = values.field(self.shape.key)
            if pa.types.is_timestamp(key.type):
                key = key.cast(pa.int64())
            key = key.cast(pa.string())
        self.count += n
        return SourceBatch.build(self.topic, values, key=key,
                                 key_field=KEY_SCHEMA if key is not None else None,
                                 value_field=self.shape.field,
                                 offsets=[(self.partition, {COUNT_FIELD: self.count})])
