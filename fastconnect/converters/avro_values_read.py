"""Avro binary -> Arrow columns: fastavro reads each record, one ``pa.array`` builds the
column (see :mod:`fastconnect.converters.avro_values` for the shape of the values).

Each record is read from one buffer holding the whole batch, at its offset, and must end
within its own bytes. fastavro's decoding of dates and times into Python objects is skipped
(their logical types are taken off the schema it reads with): their integers go straight
into Arrow's date, time and timestamp types.
"""

from __future__ import annotations

import base64
import io
from decimal import Decimal
from typing import Any, Callable

import fastavro
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api.errors import DataError
from fastconnect.api.schema import DECIMAL, SCHEMALESS_TYPE
from fastconnect.converters.avro_values import HEADER_SIZE, _Node, avro_type, plan

__all__ = ["ValueReader"]


def _reader_schema(avro: Any) -> Any:
    """A copy of ``avro`` without the logical types fastavro would turn into Python dates
    and times: their integers go straight into Arrow's date/time/timestamp types."""
    if isinstance(avro, list):
        return [_reader_schema(m) for m in avro]
    if not isinstance(avro, dict):
        return avro
    out = {}
    for k, v in avro.items():
        if k == "logicalType" and v != "decimal":
            continue
        if k in ("items", "values", "type") and isinstance(v, (dict, list)):
            v = _reader_schema(v)
        elif k == "fields":
            v = [{**f, "type": _reader_schema(f["type"])} for f in v]
        out[k] = v
    return out


class ValueReader:
    """Reads the records of one writer schema into a column of that schema's Connect type."""

    def __init__(self, avro: Any, connect: dict | None, field: pa.Field) -> None:
        self.field = field
        self.raw = avro_type(avro) == "bytes"
        self.schema = fastavro.parse_schema(_reader_schema(avro))
        if connect is None:  # Confluent's Anything record: JSON text
            self.plan = None
            self.adapt: Callable[[Any], Any] | None = _from_anything
            self.wire_type = pa.string()
        else:
            self.plan = plan(connect, enhanced=True)  # every Avro name a member may have
            self.adapt = _read_adapter(self.plan) if self.plan.has_union else None
            self.wire_type = _wire_type(field.type, self.plan)

    def decode(self, buffer: io.BytesIO, offsets: list[int], rows: list[int],
               fail: Callable[[str, int], DataError]) -> list[Any]:
        """The Python values of ``rows`` (records ``offsets[row]:offsets[row + 1]`` of
        ``buffer``, header included) as ``pa.array`` takes them."""
        seek, tell, schema = buffer.seek, buffer.tell, self.schema
        read, adapt = fastavro.schemaless_reader, self.adapt
        # union members by name (record_name and named_type, without override for [null, T])
        named = (None, True, True, "strict", True, True) if self.plan and self.plan.has_union \
            else ()
        values = []
        for row in rows:
            seek(offsets[row] + HEADER_SIZE)
            try:
                value = read(buffer, schema, *named)
            except Exception as error:  # fastavro raises many kinds on malformed input
                raise fail(f"{type(error).__name__}: {error}", row) from None
            if tell() > offsets[row + 1]:
                raise fail("the record is shorter than its schema says (truncated)", row)
            values.append(value if adapt is None else adapt(value))
        return values

    def raw_values(self, data: pa.Array) -> pa.Array:
        """Top-level bytes, which Confluent writes without Avro encoding."""
        body = pc.binary_slice(data, HEADER_SIZE, 2**31 - 1)  # (no stop: arrow 26 fails on
        body = body.cast(pa.binary())  # values shorter than the start)
        if not pa.types.is_decimal(self.field.type):
            return body
        scale = self.field.type.scale
        return pa.array([None if b is None else Decimal(int.from_bytes(b, "big", signed=True))
                         .scaleb(-scale) for b in body.to_pylist()], self.field.type)

    def build(self, values: list[Any], rows: list[int | None]) -> pa.Array:
        """The column of ``values``; DataError at the row of a value Arrow cannot hold."""
        if self.plan is None:
            texts = [None if v is None else orjson.dumps(v).decode() for v in values]
            return pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, pa.array(texts, pa.string()))
        try:
            wired = pa.array(values, self.wire_type)
        except (pa.ArrowException, TypeError, ValueError, OverflowError, ArithmeticError):
            for value, row in zip(values, rows):
                try:
                    pa.array([value], self.wire_type)
                except (pa.ArrowException, TypeError, ValueError, OverflowError,
                        ArithmeticError) as error:
                    raise DataError(f"Value does not fit the Connect schema's Arrow type "
                                    f"{self.field.type}: {error}", row) from None
            raise
        if not self.plan.has_entries:
            return wired
        try:
            return _unwire(wired, self.plan, self.field.type)
        except pa.ArrowException as error:
            raise DataError(f"Map does not fit {self.field.type}: {error}") from None


def _wire_type(t: pa.DataType, node: _Node) -> pa.DataType:
    """``t`` with the maps Avro holds as MapEntry arrays as lists of {key, value} structs."""
    if not node.has_entries:
        return t
    if node.kind == "struct":
        return pa.struct([t.field(i).with_type(_wire_type(t.field(i).type, c))
                          for i, c in enumerate(node.children)])
    if node.kind == "array":
        return pa.list_(t.value_field.with_type(_wire_type(t.value_type, node.children[0])))
    key = t.key_field.with_type(_wire_type(t.key_type, node.children[0]))
    item = t.item_field.with_type(_wire_type(t.item_type, node.children[1]))
    if node.entries:
        return pa.list_(pa.struct([key.with_name("key").with_nullable(True),
                                   item.with_name("value")]))
    return pa.map_(key, item)


def _unwire(array: pa.Array, node: _Node, t: pa.DataType) -> pa.Array:
    if not node.has_entries:
        return array
    mask = array.is_null() if array.null_count else None
    if node.kind == "struct":
        children = [_unwire(array.field(i), c, t.field(i).type)
                    for i, c in enumerate(node.children)]
        return pa.StructArray.from_arrays(children, fields=list(t), mask=mask)
    if node.kind == "array":
        return pa.ListArray.from_arrays(array.offsets, _unwire(array.values, node.children[0],
                                                               t.value_type), type=t, mask=mask)
    if node.entries:
        entries = array.values
        keys, items = entries.field(0), entries.field(1)
    else:
        keys, items = array.keys, array.items
    keys = _unwire(keys, node.children[0], t.key_type)
    items = _unwire(items, node.children[1], t.item_type)
    return pa.MapArray.from_arrays(array.offsets, keys, items, type=t, mask=mask)


def _read_adapter(node: _Node) -> Callable[[Any], Any] | None:
    """A per-value pass turning the member value fastavro read for an Avro union into the
    Connect union struct ``{member: value}``; None if the schema holds no union."""
    if not node.has_union:
        return None
    if node.union:
        subs = [_read_adapter(c) for c in node.children]
        by_name: dict[str, int] = {}
        for i, (name, avro_name) in enumerate(zip(node.names, node.member_names)):
            by_name[name] = i
            if avro_name:
                by_name[avro_name] = i
                by_name[avro_name.rpartition(".")[2]] = i
        kinds = [_python_kinds(c) for c in node.children]

        def union(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is tuple and len(value) == 2 and value[0] in by_name:
                index, value = by_name[value[0]], value[1]
            else:
                index = next((i for i, k in enumerate(kinds) if type(value) in k), None)
                if index is None:
                    raise DataError(f"Did not find matching union field for data: {value!r}")
            out = dict.fromkeys(node.names)
            sub = subs[index]
            out[node.names[index]] = value if sub is None else sub(value)
            return out
        return union
    if node.kind == "struct":
        subs = [(n, a) for n, a in zip(node.names, map(_read_adapter, node.children)) if a]

        def struct(value: Any) -> Any:
            if value is None:
                return None
            for name, sub in subs:
                value[name] = sub(value[name])
            return value
        return struct
    if node.kind == "array":
        sub = _read_adapter(node.children[0])
        return lambda value: None if value is None else [sub(v) for v in value]
    key, val = (_read_adapter(c) or _identity for c in node.children)
    if node.entries:
        return lambda value: None if value is None else [
            {"key": key(e["key"]), "value": val(e["value"])} for e in value]
    return lambda value: None if value is None else {k: val(v) for k, v in value.items()}


def _python_kinds(node: _Node) -> tuple[type, ...]:
    """The Python types fastavro reads a union member of this Connect type as."""
    if node.name == DECIMAL:
        return (Decimal,)
    return {"boolean": (bool,), "int8": (int,), "int16": (int,), "int32": (int,),
            "int64": (int,), "float": (float,), "double": (float,), "string": (str,),
            "bytes": (bytes,), "array": (list,), "map": (dict, list),
            "struct": (dict,)}[node.kind]



def _from_anything(record: Any) -> Any:
    """The JSON value of an Anything record (bytes as base64 text)."""
    if record is None:
        return None
    for kind in ("boolean", "bytes", "double", "float", "int", "long", "string"):
        value = record.get(kind)
        if value is not None:
            return base64.b64encode(value).decode("ascii") if kind == "bytes" else value
    if record.get("array") is not None:
        return [_from_anything(v) for v in record["array"]]
    if record.get("map") is not None:
        out = {}
        for entry in record["map"]:
            key = _from_anything(entry["key"])
            out[key if isinstance(key, str) else orjson.dumps(key).decode()] = \
                _from_anything(entry["value"])
        return out
    return None


def _identity(value: Any) -> Any:
    return value
