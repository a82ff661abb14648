"""Writing for the JSON converter: a typed Arrow column -> the JSON bytes Kafka writes.

A column is first offered to the vector fast path (:mod:`~fastconnect.converters.json_fast`),
which writes it only when it can prove the bytes equal to this module's. Otherwise each
column is turned into JSON-ready Python values (numbers as JDK 17 prints them, maps in Java
HashMap order, logical types as Kafka holds them), written with orjson, re-escaped as Jackson
escapes and wrapped in the schema envelope. :mod:`fastconnect.converters.json` says what is
written.
"""

from __future__ import annotations

import base64
import bisect
import functools
import re
from typing import Any, Callable

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api.errors import DataError
from fastconnect.api.java_text import (
    decimal_unscaled, epoch_millis, java_big_decimal_str, java_double_str, java_float_str,
    java_hash, java_hashmap_order, java_key_hashes,
)
from fastconnect.api.schema import field_to_connect_schema, in_hashmap_order
from fastconnect.converters.json_common import LRU, MS_PER_DAY, Node, loads
from fastconnect.converters.json_fast import write_column

__all__ = ["JsonEncoder"]

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


def _number(text: str) -> Any:
    """A JSON number written as given; non-finite doubles are quoted as Jackson does."""
    return orjson.Fragment(f'"{text}"' if text[-1] in "yN" else text)


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


def _java_top(value: Any) -> Any:
    """A schemaless value an SMT wrote (see ``connect.schemaless.order``): its keys already
    in HashMap order and its top-level numbers as Java holds them; nested values are still
    as JsonConverter read them."""
    if type(value) is dict:
        return {key: _java_scalar(item) for key, item in value.items()}
    return _java_scalar(value)


def _java_scalar(value: Any) -> Any:
    if type(value) is float:
        return _number(java_double_str(value))
    return value if type(value) in _AS_IS else _java_json(value)


def _schemaless_values(data: pa.Array) -> list[Any]:
    """The values of a schemaless column as JSON text reads: from its text, or from the
    struct form's rows (a Float child, which Cast makes, as ``Float.toString`` prints it)."""
    if not pa.types.is_struct(data.type):
        texts = (data.storage if isinstance(data, pa.ExtensionArray) else data).to_pylist()
        return [loads(text) for text in texts]
    rows = data.to_pylist()
    floats = [f.name for f in data.type if pa.types.is_float32(f.type)]
    for row in rows if floats else ():
        for name in floats:
            if row is not None and row[name] is not None:
                row[name] = _number(java_float_str(row[name]))
    return rows


def _twos_complement(unscaled: int) -> bytes:
    """``BigInteger.toByteArray()``: minimal big-endian two's complement."""
    bits = unscaled.bit_length() if unscaled >= 0 else (~unscaled).bit_length()
    return unscaled.to_bytes(bits // 8 + 1, "big", signed=True)


Locate = Callable[[int], int | None]


class JsonEncoder:
    """Writes JSON columns for one configured ``JsonConverter``.

    ``compile_schema`` turns a Connect schema (normalised JSON form) into a :class:`Node`;
    ``cache`` keeps the node and envelope prefix of each field written, keyed by the serialised
    field.
    """

    def __init__(self, compile_schema: Callable[[dict], Node], cache: LRU, *,
                 schemas_enable: bool, numeric_decimals: bool, replace_null: bool) -> None:
        self._compile = compile_schema
        self._cache = cache
        self._schemas_enable = schemas_enable
        self._numeric_decimals = numeric_decimals
        self._replace_null = replace_null

    @property
    def numeric_decimals(self) -> bool:
        return self._numeric_decimals

    @property
    def replace_null(self) -> bool:
        return self._replace_null

    def json_text(self, value: Any) -> bytes:
        """The JSON of a JSON-ready value (see ``encode_valid``) as Kafka writes it."""
        return _java_escapes(orjson.dumps(value))

    def json_texts(self, node: Node, array: pa.Array) -> list[bytes]:
        """The JSON of each row of a field's column, nulls replaced or refused (DataError,
        with the row's index) as in a struct."""
        return [_java_escapes(orjson.dumps(v)) for v in self._encode(node, array, lambda i: i)]

    def from_connect(self, field: pa.Field, data: pa.Array) -> pa.Array:
        """The JSON of each row of ``data``, as ``JsonConverter.from_connect`` says."""
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if pa.types.is_union(data.type):
            return self._from_union(data)
        node, prefix = self._cached(field)
        if node is not None:
            fast = write_column(self, node, prefix, data)
            if fast is not None:
                return fast
        out: list[bytes | None] = [None] * len(data)
        if data.null_count:
            valid = data.is_valid()
            positions: Any = pc.indices_nonzero(valid).to_pylist()
            data = data.filter(valid)
        else:
            positions = range(len(data))
        if node is None:
            write = _java_top if in_hashmap_order(field) else _java_json
            payloads = [write(value) for value in _schemaless_values(data)]
        else:
            payloads = self.encode_valid(node, data, positions.__getitem__)
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

    def _cached(self, field: pa.Field) -> tuple[Node | None, bytes | None]:
        key = pa.schema([field]).serialize().to_pybytes()
        cached = self._cache.get(key)
        if cached is None:
            schema = field_to_connect_schema(field)
            node = None if schema is None else self._compile(schema)
            schema_json = b"null" if node is None else _java_escapes(orjson.dumps(node.json))
            prefix = b'{"schema":' + schema_json + b',"payload":' if self._schemas_enable else None
            cached = (node, prefix)
            self._cache.put(key, cached)
        return cached

    def _from_union(self, data: pa.UnionArray) -> pa.Array:
        t = data.type
        codes = data.type_codes.to_pylist()
        offsets = data.offsets.to_pylist() if t.mode == "dense" else list(range(len(data)))
        child_of = {code: i for i, code in enumerate(t.type_codes)}
        encoded = []
        for i in range(t.num_fields):
            try:
                encoded.append(self.from_connect(t.field(i), data.field(i)))
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

    def _encode(self, node: Node, array: pa.Array, locate: Locate) -> list[Any]:
        """JSON-ready values of ``array`` (nulls replaced by default or null, or refused)."""
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if not array.null_count:
            return self.encode_valid(node, array, locate)
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
            values = self.encode_valid(node, array.filter(valid), lambda j: locate(positions[j]))
            for pos, value in zip(positions, values):
                out[pos] = value
        return out

    def encode_valid(self, node: Node, array: pa.Array, locate: Locate) -> list[Any]:
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

    def _encode_nested(self, node: Node, array: pa.Array, locate: Locate) -> list[Any]:
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

    def _encode_logical(self, node: Node, array: pa.Array, locate: Locate) -> list[Any]:
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
                if ms % MS_PER_DAY:
                    raise DataError("Kafka Connect Date type should not have any time fields set "
                                    "to non-zero values.", locate(i))
            return [ms // MS_PER_DAY for ms in millis]
        for i, ms in enumerate(millis):
            if not 0 <= ms < MS_PER_DAY:
                raise DataError("Kafka Connect Time type should not have any date fields set to "
                                "non-zero values.", locate(i))
        return millis
