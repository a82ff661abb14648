"""Arrow columns -> Avro binary: the plan of a Connect schema, and the writer.

Column work is done on the column. Before encoding, pyarrow rewrites the typed column
(dates, times and timestamps as integers, maps as lists of ``{key, value}`` structs, null
struct fields replaced by their default, refused where the schema allows no null), then
it becomes Python values column by column: dicts for records and Avro maps, lists of
``{key, value}`` for ``MapEntry`` arrays, ``(member, value)`` for Connect union structs.
What is left per record is fastavro's own loop, writing every record of the batch into one
buffer from which the binary column is built: no bytes object is made per record.
"""

from __future__ import annotations

import base64
import bisect
import io
from dataclasses import dataclass, field as dc_field
from decimal import Decimal
from typing import Any, Callable

import fastavro
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api.arrays import concat_elementwise
from fastconnect.api.errors import DataError
from fastconnect.api.schema import (
    DATE, DECIMAL, TIME, TIMESTAMP, connect_schema_to_field, decimal_unscaled,
    epoch_millis, java_hash, java_hashmap_order,
)
from fastconnect.converters.avro_schema import ENUM, FIXED_SIZE, UNION

__all__ = ["HEADER_SIZE", "ValueWriter", "plan"]

HEADER_SIZE = 5  # magic byte 0 and the schema id, 4 bytes big-endian
_MS_PER_DAY = 86_400_000
_INT64_MAX = 2**63 - 1
Locate = Callable[[int], int]


@dataclass(eq=False)
class _Node:
    """One level of a Connect schema, with what the Avro values at that level need."""

    kind: str
    optional: bool
    name: str | None
    scale: int = 0
    default: Any = None  # the default as a pa.Scalar; None when there is none
    names: list[str] = dc_field(default_factory=list)
    children: list[_Node] = dc_field(default_factory=list)
    entries: bool = False  # a map written as an array of MapEntry records
    union: bool = False  # io.confluent.connect.avro.Union: one member set per value
    member_names: list[str] = dc_field(default_factory=list)  # Avro names of union members
    has_union: bool = False
    has_entries: bool = False


def plan(schema: dict, enhanced: bool = False) -> _Node:
    """The plan of a Connect schema (JSON form, as field_to_connect_schema gives it);
    ``enhanced``: strings from Avro enums are enums again (enhanced.avro.schema.support)."""
    kind = schema["type"]
    node = _Node(kind, bool(schema.get("optional")), schema.get("name"))
    if node.name == DECIMAL:
        node.scale = int((schema.get("parameters") or {}).get("scale", 0))
    if kind == "struct":
        node.names = [f["field"] for f in schema["fields"]]
        node.children = [plan(f, enhanced) for f in schema["fields"]]
        node.union = node.name == UNION
        if node.union:
            node.member_names = [_avro_name(f, enhanced) for f in schema["fields"]]
    elif kind == "array":
        node.children = [plan(schema["items"], enhanced)]
    elif kind == "map":
        keys = schema["keys"]
        node.children = [plan(keys, enhanced), plan(schema["values"], enhanced)]
        node.entries = not (keys["type"] == "string" and not keys.get("optional"))
    if schema.get("default") is not None:
        default_type = connect_schema_to_field(schema, "default").type
        node.default = pa.scalar(_default_value(schema, schema["default"]), default_type)
    node.has_union = node.union or any(c.has_union for c in node.children)
    node.has_entries = (kind == "map" and node.entries) or any(c.has_entries
                                                               for c in node.children)
    return node


_AVRO_TYPES = {"int8": "int", "int16": "int", "int32": "int", "int64": "long", "float": "float",
               "double": "double", "boolean": "boolean", "string": "string", "bytes": "bytes",
               "array": "array", "map": "map"}


def _avro_name(member: dict, enhanced: bool) -> str:
    """What fastavro knows a union member by: a named type's full name, else its type."""
    kind, params = member["type"], member.get("parameters") or {}
    if kind == "struct" or kind == "bytes" and FIXED_SIZE in params and member.get("name"):
        return member.get("name") or ""
    if kind == "string" and ENUM in params and enhanced:
        return params[ENUM]
    if kind == "map" and not (member["keys"]["type"] == "string"
                              and not member["keys"].get("optional")):
        return "array"  # of MapEntry records
    return _AVRO_TYPES[kind]


def _default_value(schema: dict, value: Any) -> Any:
    """A default in JsonConverter's JSON as the Python value pa.scalar takes for its type."""
    if value is None:
        return None
    kind, name = schema["type"], schema.get("name")
    if kind == "bytes":
        raw = base64.b64decode(value) if isinstance(value, str) else None
        if name == DECIMAL:
            scale = int((schema.get("parameters") or {}).get("scale", 0))
            if raw is None:
                return Decimal(str(value))
            return Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-scale)
        return raw
    if kind == "array":
        return [_default_value(schema["items"], v) for v in value]
    if kind == "map":
        if isinstance(value, dict):
            return [(k, _default_value(schema["values"], v)) for k, v in value.items()]
        return [(_default_value(schema["keys"], k), _default_value(schema["values"], v))
                for k, v in value]
    if kind == "struct":
        return {f["field"]: _default_value(f, value.get(f["field"], f.get("default")))
                for f in schema["fields"]}
    return value


# --- Arrow -> Avro --------------------------------------------------------------------------

class ValueWriter:
    """Writes a column of one Connect schema as Confluent wire-format Avro records."""

    def __init__(self, connect: dict | None, avro: Any, enhanced: bool = False) -> None:
        # no plan: schemaless values, written as Confluent's Anything record
        self.plan = None if connect is None else plan(connect, enhanced)
        self.schema = fastavro.parse_schema(avro)
        self.raw = avro_type(avro) == "bytes"  # Confluent writes top-level bytes as they are

    def encode(self, data: pa.Array, header: bytes, fail: Callable[[str, int], DataError]
               ) -> pa.Array:
        """The records of ``data`` (nulls stay null), each prefixed with ``header``."""
        if self.raw:
            return self._encode_raw(data, header)
        if self.plan is None:
            texts = (data.storage if isinstance(data, pa.ExtensionArray) else data).to_pylist()
            parsed = (None if t is None else orjson.loads(t) for t in texts)
            values = [None if v is None else _to_anything(v) for v in parsed]
            # a JSON null is no value: a null row, as Java writes no bytes for it
            data = pa.array([None if v is None else True for v in values], pa.bool_())
        else:
            values = _python(_wire(data, self.plan, _same), self.plan)
        out = io.BytesIO()
        write, tell, schema = out.write, out.tell, self.schema
        writer = fastavro.schemaless_writer
        ends = [0]
        for i, value in enumerate(values):
            if value is not None:
                write(header)
                try:
                    writer(out, schema, value)
                except Exception as error:  # fastavro raises many kinds for a wrong value
                    raise fail(f"{type(error).__name__}: {error}", i) from None
            ends.append(tell())
        return _binary(data, ends, out.getvalue())

    def _encode_raw(self, data: pa.Array, header: bytes) -> pa.Array:
        if pa.types.is_decimal(data.type):
            if data.type.scale != self.plan.scale:
                data = data.cast(pa.decimal256(76, self.plan.scale))
            raws = iter([_twos_complement(u) for u in decimal_unscaled(data.drop_null())])
            data = pa.array([next(raws) if ok else None for ok in data.is_valid().to_pylist()],
                            pa.binary())
        elif not pa.types.is_binary(data.type):
            data = data.cast(pa.binary())
        return concat_elementwise(header, data)


def _to_anything(value: Any) -> dict:
    """A schemaless JSON value as Confluent's Anything record (numbers as JsonConverter reads
    them: integers as long, others as double; object keys in Java HashMap order)."""
    if value is None:
        return {}
    kind = type(value)
    if kind is bool:
        return {"boolean": value}
    if kind is int:
        return {"long": value}
    if kind is float:
        return {"double": value}
    if kind is str:
        return {"string": value}
    if kind is list:
        return {"array": [_to_anything(v) for v in value]}
    keys = list(value)
    order = java_hashmap_order([java_hash(k, "string") for k in keys])
    return {"map": [{"key": {"string": keys[i]}, "value": _to_anything(value[keys[i]])}
                    for i in order]}


def avro_type(avro: Any) -> str:
    return avro if isinstance(avro, str) else avro.get("type") if isinstance(avro, dict) else ""


def _twos_complement(unscaled: int) -> bytes:
    bits = unscaled.bit_length() if unscaled >= 0 else (~unscaled).bit_length()
    return unscaled.to_bytes(bits // 8 + 1, "big", signed=True)


def _binary(data: pa.Array, ends: list[int], body: bytes) -> pa.Array:
    validity = data.is_valid().buffers()[1] if data.null_count else None
    offsets = pa.array(ends, pa.int32()).buffers()[1]
    return pa.Array.from_buffers(pa.binary(), len(data), [validity, offsets, pa.py_buffer(body)],
                                 null_count=data.null_count)


def _same(i: int) -> int:
    return i


def _wire(array: pa.Array, node: _Node, locate: Locate) -> pa.Array:
    """``array`` in the shape fastavro takes from ``to_pylist()``; DataError (with the row
    found by ``locate``) for a null where the schema allows none."""
    t = array.type
    if pa.types.is_dictionary(t):
        array, t = array.dictionary_decode(), t.value_type
    kind, name = node.kind, node.name
    if name == DECIMAL:
        if pa.types.is_decimal(t) and t.scale != node.scale:
            return array.cast(pa.decimal256(76, node.scale))
        return array
    if name in (DATE, TIME, TIMESTAMP) and not pa.types.is_integer(t):
        if name == DATE and pa.types.is_date32(t):
            return array.cast(pa.int32())
        millis = epoch_millis(array)
        if name == DATE:
            return pc.floor(pc.divide(millis.cast(pa.float64()), _MS_PER_DAY)).cast(pa.int32())
        return millis.cast(pa.int32()) if name == TIME else millis
    if kind == "struct":
        return _wire_struct(array, node, locate)
    if kind == "array":
        if not pa.types.is_list(t):
            array = array.cast(pa.list_(t.value_field))
        return _wire_list(array, node.children[0], locate)
    if kind == "map":
        return _wire_map(array, node, locate)
    if pa.types.is_unsigned_integer(t) and t.bit_width == 64 and len(array):
        too_big = pc.greater(array, _INT64_MAX)
        if pc.any(too_big).as_py():
            raise DataError(f"Value {pc.max(array)} does not fit in a Connect int64",
                            locate(too_big.to_pylist().index(True)))
    if pa.types.is_float16(t):
        return array.cast(pa.float32())
    return array


def _check_nulls(child: pa.Array, parent: pa.Array, node: _Node, name: str,
                 locate: Locate) -> pa.Array:
    """Fill a struct field's nulls with its default, or refuse them if it is required."""
    if child.null_count <= parent.null_count:
        return child
    if node.default is not None:
        return pc.coalesce(child, node.default)
    if node.optional:
        return child
    real = pc.and_(child.is_null(), parent.is_valid())
    if not pc.any(real).as_py():
        return child
    row = real.to_pylist().index(True)
    raise DataError(f"Found null value for non-optional schema (field {name!r})", locate(row))


def _wire_struct(array: pa.Array, node: _Node, locate: Locate) -> pa.Array:
    children = array.flatten()
    changed = False
    for i, (child, sub) in enumerate(zip(children, node.children)):
        new = _wire(_check_nulls(child, array, sub, node.names[i], locate), sub, locate)
        changed = changed or new is not child
        children[i] = new
    if not changed:
        return array
    mask = array.is_null() if array.null_count else None
    return pa.StructArray.from_arrays(children, names=node.names, mask=mask)


def list_parts(array: pa.Array) -> tuple[pa.Array, pa.Array, Locate]:
    """Offsets from 0, the values they index, and the row of a value position."""
    offsets = array.offsets
    first = offsets[0].as_py()
    if first:
        offsets = pc.subtract(offsets, first)
    bounds = offsets.to_pylist()
    return offsets, array.flatten(), lambda j: bisect.bisect_right(bounds, j) - 1


def _wire_list(array: pa.Array, item: _Node, locate: Locate) -> pa.Array:
    offsets, values, row_of = list_parts(array)

    def child_locate(j: int) -> int:
        return locate(row_of(j))

    if values.null_count and not item.optional:
        raise DataError("Found null value for non-optional schema (array element)",
                        child_locate(values.is_null().to_pylist().index(True)))
    new = _wire(values, item, child_locate)
    if new is values:
        return array
    mask = array.is_null() if array.null_count else None
    return pa.ListArray.from_arrays(offsets, new, mask=mask)


def _wire_map(array: pa.Array, node: _Node, locate: Locate) -> pa.Array:
    t = array.type
    entry_type = pa.struct([pa.field("key", t.key_type), pa.field("value", t.item_type)])
    as_list = array.cast(pa.list_(entry_type))
    key, value = node.children
    entry = _Node("struct", False, None, names=["key", "value"], children=[key, value])
    return _wire_list(as_list, entry, locate)  # _python makes dicts of Avro maps


def _python(array: pa.Array, node: _Node) -> list[Any]:
    """The values of a wired column as fastavro takes them, built column by column (faster
    than ``to_pylist`` on structs, and maps become dicts): a union struct becomes its set
    member, tagged ``(name, value)`` so that fastavro writes that member."""
    kind = node.kind
    if node.name == DECIMAL or kind not in ("struct", "array", "map"):
        return array.to_pylist()
    n = len(array)
    if kind == "struct":
        columns = [_python(child, sub) for child, sub in zip(array.flatten(), node.children)]
        if node.union:
            tags = node.member_names
            rows: list[Any] = [next(((tag, v) for tag, v in zip(tags, row) if v is not None), None)
                               for row in zip(*columns)]
        elif columns:
            names = node.names
            rows = [dict(zip(names, row)) for row in zip(*columns)]
        else:
            rows = [{} for _ in range(n)]
    else:  # a list, or a map (wired as a list of {key, value} structs unless an Avro map)
        if pa.types.is_map(array.type):
            array = array.cast(pa.list_(pa.struct([pa.field("key", array.type.key_type),
                                                   pa.field("value", array.type.item_type)])))
        offsets, values, _ = list_parts(array)
        bounds = offsets.to_pylist()
        if kind == "array":
            items = _python(values, node.children[0])
            rows = [items[bounds[i]:bounds[i + 1]] for i in range(n)]
        else:
            entries = values.flatten()
            keys = _python(entries[0], node.children[0])
            items = _python(entries[1], node.children[1])
            if node.entries:
                rows = [[{"key": keys[j], "value": items[j]} for j in range(bounds[i], bounds[i + 1])]
                        for i in range(n)]
            else:
                rows = [dict(zip(keys[bounds[i]:bounds[i + 1]], items[bounds[i]:bounds[i + 1]]))
                        for i in range(n)]
    if array.null_count:
        rows = [row if ok else None for row, ok in zip(rows, array.is_valid().to_pylist())]
    return rows
