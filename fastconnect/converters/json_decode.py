"""Reading for the JSON converter: JSON bytes -> a typed Arrow column and its field.

Each row is an envelope ``{"schema":...,"payload":...}`` (with ``schemas.enable=false``,
plain JSON kept as schemaless JSON text). A batch is first offered to the vector fast path
(:mod:`~fastconnect.converters.json_fast`), which reads it only when it can prove the result
equal to this module's. Otherwise, record by record: payloads are grouped by schema, checked
against the compiled schema and turned into the values ``pa.array`` takes; the groups become
one column, a dense union when the schemas differ. :mod:`fastconnect.converters.json` says
what is read.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field as dc_field
from decimal import Decimal
from typing import Any, Callable

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api.errors import DataError
from fastconnect.api.schema import (
    SCHEMALESS_TYPE, connect_schema_to_field, field_to_connect_schema, schemaless_field,
)
from fastconnect.converters.json_common import LRU, MS_PER_DAY, Node, loads
from fastconnect.converters.json_fast import read_envelopes, read_schemaless
from fastconnect.converters.json_objects import read_struct

__all__ = ["JsonDecoder"]

_ENVELOPE_ERROR = ('JsonConverter with schemas.enable requires "schema" and "payload" fields and '
                   "may not contain additional fields. If you are trying to deserialize plain "
                   "JSON data, set schemas.enable=false in your converter configuration.")
_TYPE_NAMES = {"float": "FLOAT32", "double": "FLOAT64"}
_INT_RANGES = {"int8": 7, "int16": 15, "int32": 31, "int64": 63}
_NODE_TYPES = {type(None): "NULL", bool: "BOOLEAN", str: "STRING", list: "ARRAY", dict: "OBJECT"}


def _json_type(value: Any) -> str:
    """Jackson's node type name of a parsed JSON value, for error messages."""
    return _NODE_TYPES.get(type(value), "NUMBER")


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


@dataclass(eq=False)
class _Group:
    field: pa.Field
    node: Node
    rows: list[int] = dc_field(default_factory=list)
    values: list[Any] = dc_field(default_factory=list)


class JsonDecoder:
    """Reads JSON columns for one configured ``JsonConverter``.

    ``compile_schema`` turns a Connect schema (normalised JSON form) into a :class:`Node`;
    ``cache`` keeps the field and node of each schema read, keyed by the schema's sorted JSON.
    """

    def __init__(self, compile_schema: Callable[[dict], Node], cache: LRU, *,
                 schemas_enable: bool, replace_null: bool) -> None:
        self._compile = compile_schema
        self._cache = cache
        self._schemas_enable = schemas_enable
        self._replace_null = replace_null
        # Whether schemaless objects of one shape may come out in the struct form.
        self.schemaless_structs = False

    def to_connect(self, name: str, data: pa.Array) -> tuple[pa.Field, pa.Array]:
        """The column ``name`` read from ``data``, as ``JsonConverter.to_connect`` says."""
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if not pa.types.is_binary(data.type):
            data = data.cast(pa.binary())
        if not self._schemas_enable:
            return self._schemaless_to_connect(name, data)
        fast = read_envelopes(data, name, self._cached, self._replace_null)
        if fast is not None:
            return fast
        rows = data.to_pylist()
        groups: dict[bytes, _Group] = {}
        schemaless: list[tuple[int, str]] = []
        for i, raw in enumerate(rows):
            if raw is None:
                continue
            try:
                envelope = loads(raw)
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
                    group = groups[key] = _Group(*self._cached(key, schema, name))
                if group.node.has_decimal:  # read numbers exactly, as Kafka's BigDecimal
                    payload = json.loads(raw, parse_float=Decimal)["payload"]
                group.values.append(self.decode(group.node, payload))
            except DataError as error:
                error.index = i
                raise
            group.rows.append(i)
        return self._assemble(name, len(rows), list(groups.values()), schemaless)

    def _cached(self, key: bytes, schema: Any, name: str) -> tuple[pa.Field, Node]:
        cached = self._cache.get(key)
        if cached is None:
            field = connect_schema_to_field(schema, name)
            cached = (field, self._compile(field_to_connect_schema(field)))
            self._cache.put(key, cached)
        return cached

    def _schemaless_to_connect(self, name: str, data: pa.Array) -> tuple[pa.Field, pa.Array]:
        if self.schemaless_structs:
            # What reads the struct form checks the JSON as it goes: no pass to validate it
            # first, and none to read the text again after.
            struct = read_struct(data)
            if struct is not None:
                return schemaless_field(name, struct.type), struct
        text = read_schemaless(data)
        if text is not None:
            return schemaless_field(name), pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, text)
        nulls = []
        for i, raw in enumerate(data.to_pylist()):
            if raw is None:
                continue
            try:
                if loads(raw) is None:
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
            return group.field, self.build(group.field.type, values, list(range(n)))
        children, fields = [], []
        type_ids, offsets = [0] * n, [0] * n  # null rows: a null in child 0
        for code, group in enumerate(groups):
            values = [None] if code == 0 else []
            for k, i in enumerate(group.rows):
                type_ids[i], offsets[i] = code, len(values) + k
            fields.append(group.field.with_name(str(code)))
            children.append(self.build(group.field.type, values + group.values,
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
    def build(arrow_type: pa.DataType, values: list[Any], rows: list[int | None]) -> pa.Array:
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

    def decode(self, node: Node, value: Any) -> Any:
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
            return [self.decode(item, v) for v in value]
        elif kind == "map":
            return self._decode_map(node, value)
        elif kind == "struct":
            if type(value) is not dict:
                raise DataError("Structs should be encoded as JSON objects, but found "
                                + _json_type(value))
            return {name: self.decode(child, value.get(name))
                    for name, child in zip(node.names, node.children)}
        raise DataError(f"Invalid value for a {_TYPE_NAMES.get(kind, kind.upper())} schema: "
                        f"{_json_type(value)} {str(value)[:40]}")

    def _decode_map(self, node: Node, value: Any) -> list[tuple[Any, Any]]:
        key_node, value_node = node.children
        if key_node.kind == "string":
            if type(value) is not dict:
                raise DataError("Maps with string fields should be encoded as JSON objects, but "
                                "found " + _json_type(value))
            return [(self.decode(key_node, k), self.decode(value_node, v))
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
            entries.append((self.decode(key_node, entry[0]), self.decode(value_node, entry[1])))
        return entries

    def _decode_logical(self, node: Node, value: Any) -> Any:
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
        if logical == "time" and not 0 <= number <= MS_PER_DAY:
            raise DataError("Time values must use number of milliseconds greater than 0 and less "
                            "than 86400000")
        return number
