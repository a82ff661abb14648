"""JsonConverter: Kafka's ``org.apache.kafka.connect.json.JsonConverter`` on whole columns.

Writes the bytes Kafka's JsonConverter writes: compact JSON, with ``schemas.enable`` an
envelope ``{"schema":...,"payload":...}`` whose schema keys come in Kafka's order; struct
fields in schema order; maps with string keys as objects and other maps as ``[[k,v],...]``,
both in the iteration order of the ``java.util.HashMap`` Kafka builds when it reads JSON;
bytes and (``decimal.format=BASE64``) decimals as base64; numbers as JDK 17 prints them
(see :func:`~fastconnect.api.schema.java_double_str`); escapes as Jackson writes them.

Where Kafka coerces a payload that does not match its schema (``"abc"`` read as int32 0,
300 read as int8 44), this converter raises :class:`DataError` for that row instead.

Reading: a batch whose rows carry different schemas (a schema change inside the batch)
gives a dense union column, one child field per schema (see :func:`JsonConverter.to_connect`).
A null row is a tombstone in both directions: Kafka writes ``{"schema":..,"payload":null}``
for a null value that has a schema, but in a column a null row means no value at all.

Records are parsed and written one by one with orjson for now; columns are built in bulk.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import json
import math
import re
from collections import OrderedDict
from dataclasses import dataclass, field as dc_field
from decimal import Decimal
from typing import Any, Callable, Mapping

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api.config import ConfigDef, Importance, Type, one_of
from fastconnect.api.errors import DataError
from fastconnect.api.schema import (
    DATE, DECIMAL, SCHEMALESS_TYPE, TIME, TIMESTAMP, connect_schema_to_field, decimal_unscaled,
    epoch_millis, field_to_connect_schema, java_double_str, java_float_str, java_hash,
    java_hashmap_order, java_key_hashes, java_big_decimal_str, schemaless_field,
)

__all__ = ["JsonConverter", "CONFIG_DEF"]

SCHEMAS_ENABLE = "schemas.enable"
SCHEMAS_CACHE_SIZE = "schemas.cache.size"
DECIMAL_FORMAT = "decimal.format"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"

CONFIG_DEF = (
    ConfigDef()
    .define(SCHEMAS_ENABLE, Type.BOOLEAN, True, None, Importance.HIGH,
            "Whether each key or value is written with its schema, as an envelope "
            '{"schema": ..., "payload": ...}, and read expecting one.', group="Schemas")
    .define(SCHEMAS_CACHE_SIZE, Type.INT, 1000, None, Importance.HIGH,
            "How many distinct schemas this converter remembers, in each direction.",
            group="Schemas")
    .define(DECIMAL_FORMAT, Type.STRING, "BASE64",
            one_of("BASE64", "NUMERIC", case_sensitive=False), Importance.LOW, "How decimals are written: BASE64 (the two's-complement bytes of the "
            "unscaled value, base64-encoded) or NUMERIC (a JSON number). Case-insensitive.",
            group="Serialization")
    .define(REPLACE_NULL_WITH_DEFAULT, Type.BOOLEAN, True, None, Importance.LOW,
            "Whether a null whose schema has a default value is replaced by that default, when "
            "reading and when writing; if false the null is kept.", group="Serialization")
)

_ENVELOPE_ERROR = ('JsonConverter with schemas.enable requires "schema" and "payload" fields and '
                   "may not contain additional fields. If you are trying to deserialize plain "
                   "JSON data, set schemas.enable=false in your converter configuration.")
_TYPE_NAMES = {"float": "FLOAT32", "double": "FLOAT64"}
_INT_RANGES = {"int8": 7, "int16": 15, "int32": 31, "int64": 63}
_LOGICAL = {(DECIMAL, "bytes"): "decimal", (DATE, "int32"): "date", (TIME, "int32"): "time",
            (TIMESTAMP, "int64"): "timestamp"}
_MS_PER_DAY = 86_400_000
_LOWER_HEX_ESCAPE = re.compile(rb"(\\+)u00([01][a-f])")
_ASTRAL = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")


def _surrogate_pair(match: re.Match) -> bytes:
    code = ord(match[0].decode("utf-8")) - 0x10000
    return b"\\u%04X\\u%04X" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def _java_escapes(text: bytes) -> bytes:
    """Escape as Jackson does where orjson differs: ``\\u001F`` (orjson: ``\\u001f``), and
    characters beyond U+FFFF as an escaped surrogate pair (orjson: raw UTF-8)."""
    if b"\\u00" in text:
        text = _LOWER_HEX_ESCAPE.sub(
            lambda m: m[1] + b"u00" + m[2].upper() if len(m[1]) % 2 else m[0], text)
    if not text.isascii():
        text = _ASTRAL.sub(_surrogate_pair, text)
    return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(raw: bytes | str) -> Any:
    """Parse JSON with orjson; numbers orjson refuses (``1E400``) are read as Jackson does."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        try:
            return json.loads(raw, parse_constant=_reject_constant)
        except ValueError:
            raise error from None


def _number(text: str) -> Any:
    """A JSON number written as given; non-finite doubles are quoted as Jackson does."""
    return orjson.Fragment(f'"{text}"' if text[-1] in "yN" else text)


_NODE_TYPES = {type(None): "NULL", bool: "BOOLEAN", str: "STRING", list: "ARRAY", dict: "OBJECT"}


def _json_type(value: Any) -> str:
    """Jackson's node type name of a parsed JSON value, for error messages."""
    return _NODE_TYPES.get(type(value), "NUMBER")


@functools.lru_cache(maxsize=1024)
def _hashmap_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The keys of a JSON object in the order Kafka's HashMap of it iterates them."""
    return tuple(keys[i] for i in java_hashmap_order([java_hash(k, "string") for k in keys]))


_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_AS_IS = (str, bool, type(None))


def _java_json(value: Any) -> Any:
    """A schemaless JSON value as Kafka writes it back: objects in HashMap order, integers
    as longs, other numbers as doubles (``-0.0`` read as a decimal becomes ``0.0``)."""
    kind = type(value)
    if kind is dict:
        out = {}
        for key in _hashmap_keys(tuple(value)):
            item = value[key]
            out[key] = item if type(item) in _AS_IS else _java_json(item)
        return out
    if kind is list:
        return [item if type(item) in _AS_IS else _java_json(item) for item in value]
    if kind is float:
        return _number(java_double_str(value + 0.0))
    if kind is int and not _LONG_MIN <= value <= _LONG_MAX:
        return (value - _LONG_MIN) % 2**64 + _LONG_MIN
    return value


def _twos_complement(unscaled: int) -> bytes:
    """``BigInteger.toByteArray()``: minimal big-endian two's complement."""
    bits = unscaled.bit_length() if unscaled >= 0 else (~unscaled).bit_length()
    return unscaled.to_bytes(bits // 8 + 1, "big", signed=True)


def _as_int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if type(value) in (float, Decimal) and math.isfinite(value) and value == int(value):
        return int(value)
    return None


def _is_number(value: Any) -> bool:
    return type(value) in (int, float, Decimal)


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DataError(f"Invalid bytes for {what}: not base64") from None


class _LRU(OrderedDict):
    """A mapping bounded to ``size`` entries that forgets the least recently used first."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get(self, key: Any) -> Any:
        value = super().get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        if self.size > 0:
            self[key] = value
            while len(self) > self.size:
                self.popitem(last=False)


@dataclass(eq=False)
class _Node:
    """One level of a compiled Connect schema."""

    kind: str
    optional: bool
    logical: str | None = None
    scale: int = 0
    names: list[str] = dc_field(default_factory=list)
    children: list[_Node] = dc_field(default_factory=list)
    has_default: bool = False
    default_value: Any = None  # the default as to_connect builds values (for pa.array)
    default_json: Any = None  # the default as from_connect writes it (for orjson)
    has_decimal: bool = False
    json: dict = dc_field(default_factory=dict)  # the schema as written, in Kafka's order


@dataclass(eq=False)
class _Group:
    field: pa.Field
    node: _Node
    rows: list[int] = dc_field(default_factory=list)
    values: list[Any] = dc_field(default_factory=list)


Locate = Callable[[int], int | None]


class JsonConverter:
    """Kafka's JsonConverter (``org.apache.kafka.connect.json.JsonConverter``) for columns.

    Configuration: ``schemas.enable``, ``schemas.cache.size``, ``decimal.format``,
    ``replace.null.with.default`` (see :data:`CONFIG_DEF`). Serves keys or values.
    """

    CONFIG_DEF = CONFIG_DEF

    def __init__(self) -> None:
        self.configure({}, is_key=False)

    def config(self) -> ConfigDef:
        """The configuration keys this converter accepts."""
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        """Read the settings; raises ConfigError naming the bad key."""
        parsed = CONFIG_DEF.parse(configs)
        self._is_key = is_key
        self._schemas_enable = parsed[SCHEMAS_ENABLE]
        self._numeric_decimals = parsed[DECIMAL_FORMAT].upper() == "NUMERIC"
        self._replace_null = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._writers = _LRU(parsed[SCHEMAS_CACHE_SIZE])  # field -> (node, envelope prefix)
        self._readers = _LRU(parsed[SCHEMAS_CACHE_SIZE])  # schema JSON -> (field, node)

    def close(self) -> None:
        """Nothing to release."""

    # --- from_connect: Arrow column -> JSON bytes --------------------------------------------

    def from_connect(self, topic: str, field: pa.Field, data: pa.Array) -> pa.Array:
        """Serialise a typed column to JSON, row by row as Kafka's JsonConverter would.

        ``field`` carries the Connect schema (a plain Arrow field implies one). A null row
        stays null. Raises DataError (with ``index``) for a null in a required field without
        default, or a value Connect cannot represent.
        """
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if pa.types.is_union(data.type):
            return self._from_union(topic, data)
        node, prefix = self._writer(field)
        out: list[bytes | None] = [None] * len(data)
        if data.null_count:
            valid = data.is_valid()
            positions: Any = pc.indices_nonzero(valid).to_pylist()
            data = data.filter(valid)
        else:
            positions = range(len(data))
        if node is None:
            texts = (data.storage if isinstance(data, pa.ExtensionArray) else data).to_pylist()
            payloads = [_java_json(_loads(text)) for text in texts]
        else:
            payloads = self._encode_valid(node, data, positions.__getitem__)
        for pos, payload in zip(positions, payloads):
            if node is None and payload is None:
                continue  # Kafka writes no bytes for a null value without schema
            try:
                body = _java_escapes(orjson.dumps(payload))
            except (orjson.JSONEncodeError, TypeError) as error:
                raise DataError(f"Converting Kafka Connect data to byte[] failed: {error}",
                                pos) from None
            out[pos] = prefix + body + b"}" if prefix is not None else body
        return pa.array(out, pa.binary())

    def _writer(self, field: pa.Field) -> tuple[_Node | None, bytes | None]:
        key = pa.schema([field]).serialize().to_pybytes()
        cached = self._writers.get(key)
        if cached is None:
            schema = field_to_connect_schema(field)
            node = None if schema is None else self._compile(schema)
            schema_json = b"null" if node is None else _java_escapes(orjson.dumps(node.json))
            prefix = b'{"schema":' + schema_json + b',"payload":' if self._schemas_enable else None
            cached = (node, prefix)
            self._writers.put(key, cached)
        return cached

    def _from_union(self, topic: str, data: pa.UnionArray) -> pa.Array:
        t = data.type
        codes = data.type_codes.to_pylist()
        offsets = data.offsets.to_pylist() if t.mode == "dense" else list(range(len(data)))
        child_of = {code: i for i, code in enumerate(t.type_codes)}
        encoded = []
        for i in range(t.num_fields):
            try:
                encoded.append(self.from_connect(topic, t.field(i), data.field(i)))
            except DataError as error:
                if error.index is not None:
                    error.index = next(row for row, (c, o) in enumerate(zip(codes, offsets))
                                       if child_of[c] == i and o == error.index)
                raise
        bases = [0]
        for array in encoded:
            bases.append(bases[-1] + len(array))
        indices = [bases[child_of[c]] + o for c, o in zip(codes, offsets)]
        return pa.concat_arrays(encoded).take(pa.array(indices, pa.int64()))

    def _encode(self, node: _Node, array: pa.Array, locate: Locate) -> list[Any]:
        """JSON-ready values of ``array`` (nulls replaced by default or null, or refused)."""
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if not array.null_count:
            return self._encode_valid(node, array, locate)
        if node.has_default and self._replace_null:
            fill = node.default_json
        elif node.optional:
            fill = None
        else:
            first = array.is_null().to_pylist().index(True)
            raise DataError("Conversion error: null value for field that is required and has "
                            "no default value", locate(first))
        out = [fill] * len(array)
        valid = array.is_valid()
        positions = pc.indices_nonzero(valid).to_pylist()
        if positions:
            values = self._encode_valid(node, array.filter(valid), lambda j: locate(positions[j]))
            for pos, value in zip(positions, values):
                out[pos] = value
        return out

    def _encode_valid(self, node: _Node, array: pa.Array, locate: Locate) -> list[Any]:
        """JSON-ready values of an array without nulls."""
        t = array.type
        if pa.types.is_dictionary(t):
            array, t = array.dictionary_decode(), t.value_type
        kind = node.kind
        if node.logical is not None:
            return self._encode_logical(node, array, locate)
        if kind == "struct":
            columns = [self._encode(child, array.field(i), locate)
                       for i, child in enumerate(node.children)]
            if not columns:
                return [{} for _ in range(len(array))]
            return [dict(zip(node.names, row)) for row in zip(*columns)]
        if kind in ("array", "map"):
            return self._encode_nested(node, array, locate)
        if kind in ("float", "double"):
            fmt = java_float_str if kind == "float" else java_double_str
            return [_number(fmt(x)) for x in array.cast(pa.float64()).to_pylist()]
        if kind == "bytes":
            return [base64.b64encode(b).decode("ascii") for b in array.to_pylist()]
        if pa.types.is_unsigned_integer(t) and t.bit_width == 64:
            too_big = pc.greater(array, 2**63 - 1)
            if pc.any(too_big).as_py():
                raise DataError(f"Value {pc.max(array)} does not fit in a Connect int64",
                                locate(too_big.to_pylist().index(True)))
        return array.to_pylist()  # boolean, string, integers

    def _encode_nested(self, node: _Node, array: pa.Array, locate: Locate) -> list[Any]:
        t = array.type
        if pa.types.is_map(t):
            array = array.cast(pa.list_(pa.struct([t.key_field, t.item_field])))
        elif not pa.types.is_list(t):
            array = array.cast(pa.list_(t.value_field))
        flat = array.flatten()
        lengths = pc.list_value_length(array).to_pylist()
        starts = [0]
        for n in lengths:
            starts.append(starts[-1] + n)

        def child_locate(position: int) -> int | None:
            return locate(bisect.bisect_right(starts, position) - 1)

        out, pos = [], 0
        if node.kind == "array":
            values = self._encode(node.children[0], flat, child_locate)
            for n in lengths:
                out.append(values[pos:pos + n])
                pos += n
            return out
        key_node, value_node = node.children
        keys = self._encode(key_node, flat.field(0), child_locate)
        values = self._encode(value_node, flat.field(1), child_locate)
        hashes = java_key_hashes(t.key_field, flat.field(0))
        for n in lengths:
            order = range(n) if hashes is None else java_hashmap_order(hashes[pos:pos + n])
            if key_node.kind == "string":
                out.append({("null" if keys[pos + i] is None else keys[pos + i]): values[pos + i]
                            for i in order})
            else:
                out.append([[keys[pos + i], values[pos + i]] for i in order])
            pos += n
        return out

    def _encode_logical(self, node: _Node, array: pa.Array, locate: Locate) -> list[Any]:
        t = array.type
        if node.logical == "decimal":
            if pa.types.is_decimal(t):
                if t.scale != node.scale:  # metadata and Arrow type disagree: trust the schema
                    array = array.cast(pa.decimal256(76, node.scale))
                unscaled = decimal_unscaled(array)
            else:
                unscaled = [int.from_bytes(b, "big", signed=True) for b in array.to_pylist()]
            if self._numeric_decimals:
                return [orjson.Fragment(java_big_decimal_str(u, node.scale)) for u in unscaled]
            return [base64.b64encode(_twos_complement(u)).decode("ascii") for u in unscaled]
        if pa.types.is_integer(t):
            return array.to_pylist()
        if node.logical == "date" and pa.types.is_date32(t):
            return array.cast(pa.int32()).to_pylist()
        if node.logical == "time" and pa.types.is_time(t):
            return epoch_millis(array).to_pylist()
        millis = epoch_millis(array).to_pylist()
        if node.logical == "timestamp":
            return millis
        if node.logical == "date":
            for i, ms in enumerate(millis):
                if ms % _MS_PER_DAY:
                    raise DataError("Kafka Connect Date type should not have any time fields set "
                                    "to non-zero values.", locate(i))
            return [ms // _MS_PER_DAY for ms in millis]
        for i, ms in enumerate(millis):
            if not 0 <= ms < _MS_PER_DAY:
                raise DataError("Kafka Connect Time type should not have any date fields set to "
                                "non-zero values.", locate(i))
        return millis

    # --- to_connect: JSON bytes -> Arrow column ----------------------------------------------

    def to_connect(self, topic: str, data: pa.Array) -> tuple[pa.Field, pa.Array]:
        """Deserialise a ``binary`` column of JSON into a typed column and its field.

        With ``schemas.enable=false`` (or envelopes whose schema is null) the column is
        schemaless JSON text. If the rows' schemas differ, the column is a dense union with
        one child per schema, in order of first appearance; its type codes say which schema
        each row has. A null row, empty input without schemas, and a null value stay null.
        Raises DataError with the ``index`` of a row that is not JSON, not an envelope, or
        whose payload does not match its schema.
        """
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if not pa.types.is_binary(data.type):
            data = data.cast(pa.binary())
        name = "key" if self._is_key else "value"
        if not self._schemas_enable:
            return self._schemaless_to_connect(name, data)
        rows = data.to_pylist()
        groups: dict[bytes, _Group] = {}
        schemaless: list[tuple[int, str]] = []
        for i, raw in enumerate(rows):
            if raw is None:
                continue
            try:
                envelope = _loads(raw)
            except orjson.JSONDecodeError as error:
                raise DataError("Converting byte[] to Kafka Connect data failed due to "
                                f"serialization error: {error}", i) from None
            if type(envelope) is not dict or len(envelope) != 2 or "schema" not in envelope \
                    or "payload" not in envelope:
                raise DataError(_ENVELOPE_ERROR, i)
            schema, payload = envelope["schema"], envelope["payload"]
            if schema is None:
                if payload is not None:
                    schemaless.append((i, orjson.dumps(payload).decode()))
                continue
            try:
                key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
                group = groups.get(key)
                if group is None:
                    group = groups[key] = _Group(*self._reader(key, schema, name))
                if group.node.has_decimal:  # read numbers exactly, as Kafka's BigDecimal
                    payload = json.loads(raw, parse_float=Decimal)["payload"]
                group.values.append(self._decode(group.node, payload))
            except DataError as error:
                error.index = i
                raise
            group.rows.append(i)
        return self._assemble(name, len(rows), list(groups.values()), schemaless)

    def _reader(self, key: bytes, schema: Any, name: str) -> tuple[pa.Field, _Node]:
        cached = self._readers.get(key)
        if cached is None:
            field = connect_schema_to_field(schema, name)
            cached = (field, self._compile(field_to_connect_schema(field)))
            self._readers.put(key, cached)
        return cached

    def _schemaless_to_connect(self, name: str, data: pa.Array) -> tuple[pa.Field, pa.Array]:
        nulls = []
        for i, raw in enumerate(data.to_pylist()):
            if raw is None:
                continue
            try:
                if _loads(raw) is None:
                    nulls.append(i)
            except orjson.JSONDecodeError as error:
                if raw.strip():
                    raise DataError("Converting byte[] to Kafka Connect data failed due to "
                                    f"serialization error: {error}", i) from None
                nulls.append(i)  # empty input: Kafka reads no value
        text = data.cast(pa.string())
        if nulls:
            mask = [False] * len(data)
            for i in nulls:
                mask[i] = True
            text = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), text)
        return schemaless_field(name), pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, text)

    def _assemble(self, name: str, n: int, groups: list[_Group],
                  schemaless: list[tuple[int, str]]) -> tuple[pa.Field, pa.Array]:
        if not groups:
            text = [None] * n
            for i, value in schemaless:
                text[i] = value
            storage = pa.array(text, pa.string())
            return schemaless_field(name), pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, storage)
        if len(groups) == 1 and not schemaless:
            group = groups[0]
            values = [None] * n
            for i, value in zip(group.rows, group.values):
                values[i] = value
            return group.field, self._build(group.field.type, values, list(range(n)))
        children, fields = [], []
        type_ids, offsets = [0] * n, [0] * n  # null rows: a null in child 0
        for code, group in enumerate(groups):
            values = [None] if code == 0 else []
            for k, i in enumerate(group.rows):
                type_ids[i], offsets[i] = code, len(values) + k
            fields.append(group.field.with_name(str(code)))
            children.append(self._build(group.field.type, values + group.values,
                                        [None] * len(values) + group.rows))
        if schemaless:
            code = len(groups)
            for position, (i, _) in enumerate(schemaless):
                type_ids[i], offsets[i] = code, position
            fields.append(schemaless_field(str(code)))
            storage = pa.array([text for _, text in schemaless], pa.string())
            children.append(pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, storage))
        union = pa.dense_union(fields)
        buffers = [None, pa.array(type_ids, pa.int8()).buffers()[1],
                   pa.array(offsets, pa.int32()).buffers()[1]]
        return pa.field(name, union), pa.Array.from_buffers(union, n, buffers, children=children)

    @staticmethod
    def _build(arrow_type: pa.DataType, values: list[Any], rows: list[int | None]) -> pa.Array:
        try:
            return pa.array(values, type=arrow_type)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            for value, row in zip(values, rows):
                try:
                    pa.array([value], type=arrow_type)
                except (pa.ArrowException, TypeError, ValueError, OverflowError) as error:
                    raise DataError(f"Value does not fit the schema's Arrow type {arrow_type}: "
                                    f"{error}", row) from None
            raise

    def _decode(self, node: _Node, value: Any) -> Any:
        """The Python value (as ``pa.array`` takes it) of a JSON payload read with a schema."""
        if value is None:
            if node.has_default and self._replace_null:
                return node.default_value
            if node.optional:
                return None
            raise DataError(f"Invalid null value for required "
                            f"{_TYPE_NAMES.get(node.kind, node.kind.upper())} field")
        kind = node.kind
        if node.logical is not None:
            return self._decode_logical(node, value)
        if kind == "string" and type(value) is str or kind == "boolean" and type(value) is bool:
            return value
        if kind in _INT_RANGES:
            number = _as_int(value)
            bits = _INT_RANGES[kind]
            if number is not None and -(2**bits) <= number < 2**bits:
                return number
        elif kind in ("float", "double") and _is_number(value):
            return float(value) + 0.0
        elif kind == "bytes" and type(value) is str:
            return _b64decode(value, "bytes field")
        elif kind == "array" and type(value) is list:
            item = node.children[0]
            return [self._decode(item, v) for v in value]
        elif kind == "map":
            return self._decode_map(node, value)
        elif kind == "struct":
            if type(value) is not dict:
                raise DataError("Structs should be encoded as JSON objects, but found "
                                + _json_type(value))
            return {name: self._decode(child, value.get(name))
                    for name, child in zip(node.names, node.children)}
        raise DataError(f"Invalid value for a {_TYPE_NAMES.get(kind, kind.upper())} schema: "
                        f"{_json_type(value)} {str(value)[:40]}")

    def _decode_map(self, node: _Node, value: Any) -> list[tuple[Any, Any]]:
        key_node, value_node = node.children
        if key_node.kind == "string":
            if type(value) is not dict:
                raise DataError("Maps with string fields should be encoded as JSON objects, but "
                                "found " + _json_type(value))
            return [(self._decode(key_node, k), self._decode(value_node, v))
                    for k, v in value.items()]
        if type(value) is not list:
            raise DataError("Maps with non-string fields should be encoded as JSON array of "
                            "tuples, but found " + _json_type(value))
        entries = []
        for entry in value:
            if type(entry) is not list:
                raise DataError("Found invalid map entry instead of array tuple: "
                                + _json_type(entry))
            if len(entry) != 2:
                raise DataError("Found invalid map entry, expected length 2 but found :"
                                f"{len(entry)}")
            entries.append((self._decode(key_node, entry[0]), self._decode(value_node, entry[1])))
        return entries

    def _decode_logical(self, node: _Node, value: Any) -> Any:
        logical = node.logical
        if logical == "decimal":
            if type(value) is Decimal or type(value) is int:
                return Decimal(value)
            if type(value) is float:
                return Decimal(repr(value))
            if type(value) is str:
                raw = _b64decode(value, "Decimal field")
                if not raw:
                    raise DataError("Invalid bytes for Decimal field: empty")
                return Decimal(f"{int.from_bytes(raw, 'big', signed=True)}E{-node.scale}")
            raise DataError("Invalid type for Decimal, underlying representation should be "
                            f"numeric or bytes but was {_json_type(value)}")
        number = value if type(value) is int else None
        if logical == "timestamp":
            if number is None or not -(2**63) <= number < 2**63:
                raise DataError("Invalid type for Timestamp, underlying representation should be "
                                f"integral but was {_json_type(value)}")
            return number
        if number is None or not -(2**31) <= number < 2**31:
            raise DataError(f"Invalid type for {logical.capitalize()}, underlying representation "
                            f"should be integer but was {_json_type(value)}")
        if logical == "time" and not 0 <= number <= _MS_PER_DAY:
            raise DataError("Time values must use number of milliseconds greater than 0 and less "
                            "than 86400000")
        return number

    # --- schemas --------------------------------------------------------------------------------

    def _compile(self, schema: dict) -> _Node:
        """Compile a Connect schema (normalised JSON form) for reading and writing."""
        kind = schema["type"]
        if kind == "struct":
            children = [self._compile(f) for f in schema["fields"]]
        elif kind == "array":
            children = [self._compile(schema["items"])]
        elif kind == "map":
            children = [self._compile(schema["keys"]), self._compile(schema["values"])]
        else:
            children = []
        node = _Node(kind, schema["optional"], _LOGICAL.get((schema.get("name"), kind)),
                     names=[f["field"] for f in schema.get("fields", ())], children=children)
        if node.logical == "decimal":
            try:
                node.scale = int(schema["parameters"]["scale"])
            except (KeyError, ValueError):
                raise DataError("Invalid Decimal schema: scale parameter not found.") from None
        node.has_decimal = node.logical == "decimal" or any(c.has_decimal for c in children)
        parts = {"fields": [c.json for c in children], "items": children[0].json if children
                 else None, "keys": children[0].json if children else None,
                 "values": children[-1].json if children else None}
        node.json = {k: parts[k] if k in parts else v for k, v in schema.items()}
        if "default" in schema:
            node.default_value = self._decode(node, schema["default"])
            arrow_type = connect_schema_to_field(schema, "default").type
            default = self._build(arrow_type, [node.default_value], [None])
            node.default_json = self._encode_valid(node, default, lambda _: None)[0]
            node.has_default = True
            node.json["default"] = node.default_json
        return node
