"""ProtobufConverter: Confluent's ``io.confluent.connect.protobuf.ProtobufConverter`` on columns.

Each record is Confluent's wire format for Protobuf: the magic byte 0, the 4-byte big-endian
id of its schema in a Confluent-compatible registry, the *message indexes* naming the
message within that schema's file (a zig-zag varint count, then zig-zag varint indexes, the
path through nested messages; the common ``[0]``, the first top-level message, is the single
byte 0), then the Protobuf encoding of the message. Connect schemas map to ``.proto`` files
as Confluent's ``ProtobufData`` maps them (:mod:`fastconnect.converters.protobuf_schema`);
schemas are registered as ``.proto`` text with ``schemaType: PROTOBUF``.

Writing (``from_connect``): the column's Connect struct schema becomes a proto3 file,
registered under the subject of ``key.subject.name.strategy``/``value.subject.name.strategy``
(the record name of Record strategies is the message's full name) when
``auto.register.schemas`` is true; otherwise looked up there or, with ``use.latest.version``,
the subject's latest schema is used (the message of the struct's name, else its first).

Reading (``to_connect``): each record is decoded with the message its id and indexes name;
its Connect schema is a struct of optional fields carrying the subject version. Several
writer schemas in one batch give a dense union column, one child per schema, as the
AvroConverter does.

Messages are encoded and decoded by the protobuf runtime one record at a time, with message
classes built once per schema from a descriptor pool; the Arrow columns are built in bulk.
"""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from fastconnect.api.config import ConfigDef, Importance, Type
from fastconnect.api.errors import DataError
from fastconnect.api.schema import (
    SCHEMALESS_TYPE, connect_schema_to_field, field_to_connect_schema, is_schemaless,
    schemaless_field,
)
from fastconnect.converters import avro
from fastconnect.converters.protobuf_schema import (
    KNOWN_IMPORTS, connect_from_descriptor, is_map, parse_proto, proto_from_connect, repeated,
)
from fastconnect.converters.registry import RegistryError, registry_error

__all__ = ["CONFIG_DEF", "ProtobufConverter", "read_message_indexes", "write_message_indexes"]

SCHEMAS_CACHE_SIZE = "schemas.cache.size"
WRAPPER_FOR_NULLABLES = "wrapper.for.nullables"
PROTOBUF = "PROTOBUF"
HEADER_SIZE = 5

CONFIG_DEF = ConfigDef(k for k in avro.CONFIG_DEF if k.group == "Registry").merge(
    ConfigDef()
    .define(SCHEMAS_CACHE_SIZE, Type.INT, 1000, None, Importance.LOW,
            "How many converted schemas are cached, in each direction.", group="Protobuf")
    .define(WRAPPER_FOR_NULLABLES, Type.BOOLEAN, False, None, Importance.MEDIUM,
            "Whether optional primitives are written as Google's wrapper messages "
            "(google.protobuf.Int32Value, ...), so that null is told from zero, and wrapper "
            "messages read as optional primitives.", group="Protobuf"))

_WRAPPER_NAMES = frozenset(f"google.protobuf.{n}Value" for n in (
    "Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"))


# --- message indexes -----------------------------------------------------------------------

def _zigzag(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def write_message_indexes(indexes: list[int]) -> bytes:
    """Confluent's MessageIndexes bytes: ``[0]`` is the single byte 0."""
    if indexes == [0]:
        return b"\x00"
    return _zigzag(len(indexes)) + b"".join(_zigzag(i) for i in indexes)


def read_message_indexes(raw: bytes, pos: int) -> tuple[list[int], int]:
    """The message indexes at ``raw[pos:]`` and the position after them; ValueError if cut."""
    def varint() -> int:
        nonlocal pos
        shift = result = 0
        while True:
            if pos >= len(raw) or shift > 63:
                raise ValueError("the message indexes are cut short")
            byte = raw[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return (result >> 1) ^ -(result & 1)
            shift += 7

    count = varint()
    if count == 0:
        return [0], pos
    if count < 0 or count > 100:
        raise ValueError(f"invalid message index count {count}")
    return [varint() for _ in range(count)], pos


# --- Connect values <-> messages -------------------------------------------------------------

def _fill(message: Message, value: dict) -> None:
    fields = message.DESCRIPTOR.fields_by_name
    for name, item in value.items():
        if item is None:
            continue  # ProtobufData leaves nulls unset
        field = fields.get(name)
        if field is None:
            raise DataError(f"Cannot find field with name {name}")
        _set(message, field, item)


def _set(message: Message, field: FieldDescriptor, item: Any) -> None:
    name, kind = field.name, field.message_type
    if repeated(field):
        target = getattr(message, name)
        if kind is not None and kind.GetOptions().map_entry:
            value_field = kind.fields_by_name["value"]
            for key, entry in item:
                if entry is None:
                    continue
                if value_field.message_type is not None:
                    _into(target[key], value_field, entry)
                else:
                    target[key] = _scalar(value_field, entry)
        elif kind is not None and is_map(kind):
            for key, entry in item:
                _fill(target.add(), {"key": key, "value": entry})
        elif kind is not None:
            for entry in item:
                if entry is None:
                    raise DataError(f"Field {name}: a repeated message cannot hold null")
                _into(target.add(), field, entry)
        else:
            target.extend(_scalar(field, entry) for entry in item)
    elif kind is not None:
        child = getattr(message, name)
        child.SetInParent()
        _into(child, field, item)
    else:
        setattr(message, name, _scalar(field, item))


def _into(message: Message, field: FieldDescriptor, item: Any) -> None:
    if isinstance(item, dict):
        _fill(message, item)
    elif field.message_type.full_name in _WRAPPER_NAMES:
        message.value = item
    else:
        raise DataError(f"Field {field.name}: expected a struct for message "
                        f"{field.message_type.full_name}, got {type(item).__name__}")


def _scalar(field: FieldDescriptor, item: Any) -> Any:
    if field.enum_type is not None and isinstance(item, str):
        symbol = field.enum_type.values_by_name.get(item)
        if symbol is None:
            raise DataError(f"Field {field.name}: {item!r} is not a symbol of enum "
                            f"{field.enum_type.full_name}")
        return symbol.number
    return item


def _read(message: Message, wrappers: bool) -> dict:
    out = {}
    for field in message.DESCRIPTOR.fields:
        out[field.name] = _get(message, field, wrappers)
    return out


def _get(message: Message, field: FieldDescriptor, wrappers: bool) -> Any:
    value = getattr(message, field.name)
    kind = field.message_type
    if repeated(field):
        if kind is not None and kind.GetOptions().map_entry:
            value_field = kind.fields_by_name["value"]
            return [(key, _value(value_field, value[key], wrappers)) for key in value]
        if kind is not None and is_map(kind):
            return [(_get(e, kind.fields[0], wrappers), _get(e, kind.fields[1], wrappers))
                    for e in value]
        return [_value(field, item, wrappers) for item in value]
    if field.has_presence and not message.HasField(field.name):
        return None  # an unset message, or a proto3 ``optional`` scalar
    return _value(field, value, wrappers)


def _value(field: FieldDescriptor, value: Any, wrappers: bool) -> Any:
    if field.message_type is not None:
        if wrappers and field.message_type.full_name in _WRAPPER_NAMES:
            return value.value
        return _read(value, wrappers)
    if field.enum_type is not None:
        symbol = field.enum_type.values_by_number.get(value)
        return str(value) if symbol is None else symbol.name
    return value


# --- schemas ---------------------------------------------------------------------------------

def _message_class(text: str, full_name: str | None, indexes: list[int] | None
                   ) -> tuple[type[Message], list[int]]:
    """The message class of ``text`` by name (else the first message) or by indexes."""
    proto = parse_proto(text)
    pool = descriptor_pool.DescriptorPool()
    for dependency in proto.dependency:
        known = descriptor_pb2.FileDescriptorProto()
        KNOWN_IMPORTS[dependency].CopyToProto(known)
        pool.AddSerializedFile(known.SerializeToString())
    try:
        pool.AddSerializedFile(proto.SerializeToString())
        file = pool.FindFileByName(proto.name)
    except Exception as error:  # the runtime refuses the schema (unknown type, clash...)
        raise DataError(f"Invalid Protobuf schema: {error}") from None
    if not file.message_types_by_name:
        raise DataError("The Protobuf schema defines no message")
    if indexes is None:
        indexes = [0]
        for path in _paths(list(file.message_types_by_name.values()), []):
            if path[1].full_name == full_name:
                indexes = path[0]
                break
    descriptor: Descriptor | None = None
    candidates = list(file.message_types_by_name.values())
    for index in indexes:
        if not 0 <= index < len(candidates):
            raise DataError(f"The Protobuf schema has no message at indexes {indexes}")
        descriptor = candidates[index]
        candidates = list(descriptor.nested_types)
    return message_factory.GetMessageClass(descriptor), indexes


def _paths(messages: list[Descriptor], prefix: list[int]):
    for i, message in enumerate(messages):
        yield prefix + [i], message
        yield from _paths(list(message.nested_types), prefix + [i])


class ProtobufConverter(avro.RegistryConverter):
    """Confluent's ProtobufConverter (``io.confluent.connect.protobuf.ProtobufConverter``).

    ``registry`` replaces the HTTP client built from ``schema.registry.url`` (tests pass an
    in-memory :class:`~fastconnect.converters.registry.SchemaRegistry`, which must accept
    ``schema_type``); answers are cached either way.
    """

    CONFIG_DEF = CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        """Read the settings and set up the registry client (no request is made yet);
        raises ConfigError naming the bad key."""
        parsed = self._configure_registry(configs, is_key)
        self._wrappers = parsed[WRAPPER_FOR_NULLABLES]

    # --- from_connect -------------------------------------------------------------------------

    def from_connect(self, topic: str, field: pa.Field, data: pa.Array) -> pa.Array:
        """Serialise a struct column, one message per row behind the wire-format header. A
        null row stays null. Raises DataError with ``index`` for a value the message cannot
        hold, or the first row if the schema is not supported or the registry refuses or
        cannot be reached (then also a RetriableError)."""
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if data.null_count == len(data):
            return pa.nulls(len(data), pa.binary())
        values = data.to_pylist()
        first = next(i for i, v in enumerate(values) if v is not None)
        cls, header = self._writer(topic, field, first)
        out: list[bytes | None] = []
        for row, value in enumerate(values):
            if value is None:
                out.append(None)
                continue
            try:
                message = cls()
                _fill(message, value)
                out.append(header + message.SerializeToString())
            except (DataError, TypeError, ValueError) as error:
                raise DataError(f"Failed to serialize Protobuf data from topic {topic}: "
                                f"{error}", row) from None
        return pa.array(out, pa.binary())

    def _writer(self, topic: str, field: pa.Field, row: int) -> tuple[type[Message], bytes]:
        key = (topic, pa.schema([field]).serialize().to_pybytes())
        cached = self._writers.get(key)
        if cached is not None:
            return cached
        what = f"Failed to serialize Protobuf data from topic {topic}"
        try:
            if is_schemaless(field):
                raise DataError("schemaless values have no Protobuf schema")
            proto = proto_from_connect(field_to_connect_schema(field), self._wrappers)
            subject = self._strategy(topic, self._is_key, proto.full_name)
        except DataError as error:
            raise DataError(f"{what}: {error}", row) from None
        try:
            if self._auto_register:
                schema_id = self.registry.register(subject, proto.text, schema_type=PROTOBUF)
                text = proto.text
            elif self._use_latest:
                latest = self.registry.latest_version(subject)
                schema_id, text = latest.id, latest.schema
            else:
                schema_id = self.registry.lookup(subject, proto.text, schema_type=PROTOBUF).id
                text = proto.text
        except RegistryError as error:
            doing = "registering" if self._auto_register else "retrieving"
            raise registry_error(error, f"{what}: Error {doing} Protobuf {self._column} "
                                 f"schema for subject {subject}", row) from None
        try:
            cls, indexes = _message_class(text, proto.full_name, None)
        except DataError as error:
            raise DataError(f"{what}: schema {schema_id} of subject {subject}: {error}",
                            row) from None
        header = b"\x00" + schema_id.to_bytes(4, "big") + write_message_indexes(indexes)
        return self._writers.put(key, (cls, header))

    # --- to_connect ---------------------------------------------------------------------------

    def to_connect(self, topic: str, data: pa.Array) -> tuple[pa.Field, pa.Array]:
        """Deserialise a ``binary`` column, each record with the message its schema id and
        message indexes name. A null row stays null. Raises DataError with the ``index`` of a
        row without the magic byte, whose schema id the registry does not know (or cannot be
        asked about: also a RetriableError), or whose bytes do not decode."""
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if not pa.types.is_binary(data.type):
            data = data.cast(pa.binary())
        what = f"Failed to deserialize data for topic {topic} to Protobuf"
        groups: dict[tuple[int, tuple[int, ...]], list[tuple[int, Any]]] = {}
        raws = data.to_pylist()
        for row, raw in enumerate(raws):
            if raw is None:
                continue
            if raw[:1] != b"\x00":
                raise DataError(f"{what}: Unknown magic byte!", row)
            if len(raw) < HEADER_SIZE:
                raise DataError(f"{what}: {len(raw)} bytes are too short for the magic byte "
                                "and a 4-byte schema id", row)
            try:
                indexes, start = read_message_indexes(raw, HEADER_SIZE)
            except ValueError as error:
                raise DataError(f"{what}: {error}", row) from None
            key = (int.from_bytes(raw[1:HEADER_SIZE], "big"), tuple(indexes))
            groups.setdefault(key, []).append((row, start))
        if not groups:
            return schemaless_field(self._column), pa.ExtensionArray.from_storage(
                SCHEMALESS_TYPE, pa.nulls(len(data), pa.string()))
        built = []
        for (schema_id, indexes), rows in groups.items():
            field, cls = self._reader(topic, schema_id, list(indexes), rows[0][0])
            values = []
            for row, start in rows:
                try:
                    message = cls.FromString(raws[row][start:])
                except (DecodeError, RuntimeError, ValueError) as error:
                    raise DataError(f"{what}: Error deserializing Protobuf message for id "
                                    f"{schema_id}: {error}", row) from None
                values.append(_read(message, self._wrappers))
            built.append((field, [r for r, _ in rows], values))
        return _assemble(len(data), built)

    def _reader(self, topic: str, schema_id: int, indexes: list[int], row: int
                ) -> tuple[pa.Field, type[Message]]:
        key = (topic, schema_id, tuple(indexes))
        cached = self._readers.get(key)
        if cached is not None:
            return cached
        what = f"Failed to deserialize data for topic {topic} to Protobuf"
        try:
            text = self.registry.schema_by_id(schema_id)
        except RegistryError as error:
            raise registry_error(error, f"{what}: Error retrieving Protobuf {self._column} "
                                 f"schema for id {schema_id}", row) from None
        try:
            cls, _ = _message_class(text, None, indexes)
            subject = self._strategy(topic, self._is_key, cls.DESCRIPTOR.full_name)
            try:
                version = self.registry.lookup(subject, text, schema_type=PROTOBUF).version
            except RegistryError as error:
                raise registry_error(error, f"{what}: Error retrieving Protobuf schema version "
                                     f"for id {schema_id} in subject {subject}", row) from None
            connect = connect_from_descriptor(cls.DESCRIPTOR, version, self._wrappers)
            field = connect_schema_to_field(connect, self._column)
        except DataError as error:
            if error.index is None:
                error.index = row
            raise
        return self._readers.put(key, (field, cls))


def _assemble(n: int, built: list[tuple[pa.Field, list[int], list[Any]]]
              ) -> tuple[pa.Field, pa.Array]:
    """One column of the rows' values; a dense union when they came with several schemas."""
    if len(built) == 1:
        field, rows, values = built[0]
        if len(rows) == n:
            return field, pa.array(values, field.type)
        full: list[Any] = [None] * n
        for row, value in zip(rows, values):
            full[row] = value
        return field, pa.array(full, field.type)
    children, fields = [], []
    type_ids, offsets = [0] * n, [0] * n  # null rows: a null in child 0
    for code, (field, rows, values) in enumerate(built):
        prefix: list[Any] = [None] if code == 0 else []
        for k, row in enumerate(rows):
            type_ids[row], offsets[row] = code, len(prefix) + k
        fields.append(field.with_name(str(code)))
        children.append(pa.array(prefix + values, field.type))
    union = pa.dense_union(fields)
    buffers = [None, pa.array(type_ids, pa.int8()).buffers()[1],
               pa.array(offsets, pa.int32()).buffers()[1]]
    return pa.field(built[0][0].name, union), pa.Array.from_buffers(union, n, buffers,
                                                                    children=children)
