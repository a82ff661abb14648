"""AvroConverter: Confluent's ``io.confluent.connect.avro.AvroConverter`` on whole columns.

Each record is Confluent's wire format: the magic byte 0, the 4-byte big-endian id of its
schema in a Confluent-compatible schema registry, then the Avro binary encoding of the
value (a top-level ``bytes`` schema is written as the bytes themselves, as Confluent does).
Connect schemas map to Avro schemas as Confluent's ``AvroData`` maps them
(:mod:`fastconnect.converters.avro_schema`).

Writing (``from_connect``): the column's Connect schema becomes an Avro schema, registered
under the subject that ``key.subject.name.strategy``/``value.subject.name.strategy`` give
(``<topic>-value`` by default) when ``auto.register.schemas`` is true; otherwise the schema
is looked up there, or, with ``use.latest.version``, the subject's latest version is used
to write the values (its missing fields take their defaults).

Reading (``to_connect``): every record is read with the schema its id names, its *writer*
schema, and the Connect schema carries that schema's registry version when it has no
``connect.version`` of its own. A batch whose records carry different schema ids (a schema
change inside the batch) gives a dense union column, one child per writer schema, in order
of first appearance, as :class:`~fastconnect.converters.json.JsonConverter` does.

Registry calls block the event loop for their round trip. Every answer is cached (ids and
schemas both ways, versions, and the latest version per ``latest.cache.ttl.sec``), so a
converter calls the registry once per new schema, and a steady stream never.
"""

from __future__ import annotations

import io
import json
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api.config import NO_DEFAULT, ConfigDef, Importance, Type, one_of
from fastconnect.api.errors import ConfigError, DataError
from fastconnect.api.schema import (
    SCHEMALESS_TYPE, connect_schema_to_field, field_to_connect_schema, is_schemaless,
    schemaless_field,
)
from fastconnect.converters.avro_schema import (
    ANYTHING_SCHEMA, AvroData, avro_text, record_name,
)
from fastconnect.converters.avro_values import HEADER_SIZE, ValueWriter
from fastconnect.converters.avro_values_read import ValueReader
from fastconnect.converters.lru import LRU
from fastconnect.converters.registry import (
    SUBJECT_NAME_STRATEGIES, TOPIC_NAME_STRATEGY, CachedSchemaRegistry, RegistryError,
    RestSchemaRegistry, SchemaRegistry, registry_error, subject_name_strategy,
)

__all__ = ["AvroConverter", "CONFIG_DEF", "RegistryConverter"]

SCHEMA_REGISTRY_URL = "schema.registry.url"
AUTO_REGISTER_SCHEMAS = "auto.register.schemas"
USE_LATEST_VERSION = "use.latest.version"
KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy"
VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy"
MAX_SCHEMAS_PER_SUBJECT = "max.schemas.per.subject"
LATEST_CACHE_TTL = "latest.cache.ttl.sec"
BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source"
BASIC_AUTH_USER_INFO = "basic.auth.user.info"
LEGACY_USER_INFO = "schema.registry.basic.auth.user.info"
HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms"
HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms"
REQUEST_HEADER_PREFIX = "request.header."
SCHEMAS_CACHE_SIZE = "schemas.cache.size"
ENHANCED_AVRO_SCHEMA_SUPPORT = "enhanced.avro.schema.support"
CONNECT_META_DATA = "connect.meta.data"


def _strategy(name: str, value: Any) -> None:
    subject_name_strategy(name, value)


_STRATEGY_DOC = ("How the subject of the {0} schema is named: TopicNameStrategy (<topic>-{0}), "
                 "RecordNameStrategy (the record's full name) or TopicRecordNameStrategy "
                 "(<topic>-<record full name>), by Confluent's class name "
                 f"({TOPIC_NAME_STRATEGY}, ...) or simple name.")

CONFIG_DEF = (
    ConfigDef()
    .define(SCHEMA_REGISTRY_URL, Type.LIST, NO_DEFAULT, None, Importance.HIGH,
            "Comma-separated URLs of the schema registry (Confluent-compatible REST API); "
            "the next one is tried when one does not answer.", group="Registry")
    .define(AUTO_REGISTER_SCHEMAS, Type.BOOLEAN, True, None, Importance.MEDIUM,
            "Whether the schema of written data is registered under its subject. If false "
            "it must be registered already (or use.latest.version be set).", group="Registry")
    .define(USE_LATEST_VERSION, Type.BOOLEAN, False, None, Importance.LOW,
            "With auto.register.schemas=false, write values with the latest schema of the "
            "subject instead of looking up their own.", group="Registry")
    .define(KEY_SUBJECT_NAME_STRATEGY, Type.STRING, TOPIC_NAME_STRATEGY, _strategy,
            Importance.MEDIUM, _STRATEGY_DOC.format("key"), group="Registry")
    .define(VALUE_SUBJECT_NAME_STRATEGY, Type.STRING, TOPIC_NAME_STRATEGY, _strategy,
            Importance.MEDIUM, _STRATEGY_DOC.format("value"), group="Registry")
    .define(MAX_SCHEMAS_PER_SUBJECT, Type.INT, 1000, None, Importance.LOW,
            "How many registry answers (ids, schemas, versions) are cached, each kind.",
            group="Registry")
    .define(LATEST_CACHE_TTL, Type.LONG, -1, None, Importance.LOW,
            "Seconds the latest version of a subject is cached; -1 for ever.", group="Registry")
    .define(BASIC_AUTH_CREDENTIALS_SOURCE, Type.STRING, "URL",
            one_of("URL", "USER_INFO", "SASL_INHERIT"), Importance.MEDIUM,
            "Where Basic authentication credentials come from: URL (user:password@ in the "
            "URL) or USER_INFO (basic.auth.user.info). SASL_INHERIT is not supported.",
            group="Registry")
    .define(BASIC_AUTH_USER_INFO, Type.PASSWORD, "", None, Importance.MEDIUM,
            "user:password for Basic authentication, with basic.auth.credentials.source="
            "USER_INFO.", group="Registry")
    .define(LEGACY_USER_INFO, Type.PASSWORD, "", None, Importance.LOW,
            "Deprecated name of basic.auth.user.info.", group="Registry")
    .define(HTTP_CONNECT_TIMEOUT_MS, Type.INT, 60000, None, Importance.LOW,
            "Milliseconds to wait for a connection to the registry.", group="Registry")
    .define(HTTP_READ_TIMEOUT_MS, Type.INT, 60000, None, Importance.LOW,
            "Milliseconds to wait for the registry's answer.", group="Registry")
    .define(SCHEMAS_CACHE_SIZE, Type.INT, 1000, None, Importance.LOW,
            "How many converted schemas are cached, in each direction.", group="Avro")
    .define(ENHANCED_AVRO_SCHEMA_SUPPORT, Type.BOOLEAN, False, None, Importance.MEDIUM,
            "Whether Avro enums read as strings are written back as enums, and union members "
            "are named by their full name.", group="Avro")
    .define(CONNECT_META_DATA, Type.BOOLEAN, True, None, Importance.LOW,
            "Whether the Connect schema's name, version, doc, parameters and default are "
            "written into the Avro schema as connect.* properties, and read from it.",
            group="Avro")
)


def rest_registry(parsed: dict, configs: Mapping[str, Any]) -> RestSchemaRegistry:
    """The registry client a converter's parsed settings describe (URLs, auth, timeouts)."""
    source = parsed[BASIC_AUTH_CREDENTIALS_SOURCE]
    user_info = None
    if source == "USER_INFO":
        user_info = parsed[BASIC_AUTH_USER_INFO].value or parsed[LEGACY_USER_INFO].value
    elif source == "SASL_INHERIT":
        raise ConfigError.invalid(BASIC_AUTH_CREDENTIALS_SOURCE, source,
                                  "SASL_INHERIT is not supported; use USER_INFO")
    headers = {k[len(REQUEST_HEADER_PREFIX):]: str(v) for k, v in configs.items()
               if k.startswith(REQUEST_HEADER_PREFIX)}
    return RestSchemaRegistry(parsed[SCHEMA_REGISTRY_URL], user_info=user_info, headers=headers,
                              connect_timeout=parsed[HTTP_CONNECT_TIMEOUT_MS] / 1000,
                              read_timeout=parsed[HTTP_READ_TIMEOUT_MS] / 1000)


class RegistryConverter:
    """What the schema-registry converters (Avro, Protobuf) share: the registry client built
    from the ``Registry`` settings, the subject strategy, auto-register and use-latest, and
    the schema caches. ``registry`` may be given (a test double) instead of a URL."""

    CONFIG_DEF: ConfigDef = CONFIG_DEF

    def __init__(self, registry: SchemaRegistry | None = None) -> None:
        self._given = registry
        self._registry: CachedSchemaRegistry | None = None
        self._is_key = False

    def config(self) -> ConfigDef:
        """The configuration keys this converter accepts."""
        return self.CONFIG_DEF

    def _configure_registry(self, configs: Mapping[str, Any], is_key: bool) -> dict:
        parsed = self.CONFIG_DEF.parse(configs)
        self._is_key = is_key
        self._column = "key" if is_key else "value"
        strategy_key = KEY_SUBJECT_NAME_STRATEGY if is_key else VALUE_SUBJECT_NAME_STRATEGY
        self._strategy_name = parsed[strategy_key]
        self._strategy = SUBJECT_NAME_STRATEGIES[self._strategy_name]
        self._auto_register = parsed[AUTO_REGISTER_SCHEMAS]
        self._use_latest = parsed[USE_LATEST_VERSION]
        inner = self._given if self._given is not None else rest_registry(parsed, configs)
        self.close()
        self._registry = CachedSchemaRegistry(inner, parsed[MAX_SCHEMAS_PER_SUBJECT],
                                              parsed[LATEST_CACHE_TTL])
        self._writers = LRU(parsed[SCHEMAS_CACHE_SIZE])
        self._readers = LRU(parsed[SCHEMAS_CACHE_SIZE])
        return parsed

    def close(self) -> None:
        """Close the registry connections."""
        if self._registry is not None and self._given is None:
            self._registry.close()

    @property
    def registry(self) -> CachedSchemaRegistry:
        if self._registry is None:
            raise ConfigError(f"{type(self).__name__} used before configure()",
                              SCHEMA_REGISTRY_URL)
        return self._registry


class AvroConverter(RegistryConverter):
    """Confluent's AvroConverter (``io.confluent.connect.avro.AvroConverter``) for columns.

    ``registry`` replaces the HTTP client built from ``schema.registry.url`` (tests pass an
    in-memory :class:`~fastconnect.converters.registry.SchemaRegistry`); answers are cached
    either way.
    """

    CONFIG_DEF = CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        """Read the settings and set up the registry client (no request is made yet);
        raises ConfigError naming the bad key."""
        parsed = self._configure_registry(configs, is_key)
        self._data = AvroData(parsed[ENHANCED_AVRO_SCHEMA_SUPPORT], parsed[CONNECT_META_DATA])

    # --- from_connect: Arrow column -> Confluent wire format ---------------------------------

    def from_connect(self, topic: str, field: pa.Field, data: pa.Array) -> pa.Array:
        """Serialise a typed column: one Avro record per row, prefixed with the magic byte
        and the schema id. A null row stays null (and needs no registry call). Raises
        DataError with ``index`` for a value the schema cannot hold, or the first row if the
        registry refuses or cannot be reached (that error is also a RetriableError)."""
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if pa.types.is_union(data.type):
            return self._from_union(topic, data)
        if data.null_count == len(data):
            return pa.nulls(len(data), pa.binary())
        first = data.is_valid().to_pylist().index(True) if data.null_count else 0
        writer, header = self._writer(topic, field, first)

        def fail(reason: str, row: int) -> DataError:
            return DataError(f"Failed to serialize Avro data from topic {topic}: {reason}", row)

        return writer.encode(data, header, fail)

    def _writer(self, topic: str, field: pa.Field, row: int) -> tuple[ValueWriter, bytes]:
        key = (topic, pa.schema([field]).serialize().to_pybytes())
        cached = self._writers.get(key)
        if cached is not None:
            return cached
        try:
            connect = None if is_schemaless(field) else field_to_connect_schema(field)
            avro = ANYTHING_SCHEMA if connect is None else self._data.from_connect_schema(connect)
            text = avro_text(avro)
            subject = self._strategy(topic, self._is_key, record_name(avro))
        except DataError as error:
            error.index = row
            raise
        try:
            if self._auto_register:
                schema_id, writer_text = self.registry.register(subject, text), text
            elif self._use_latest:
                latest = self.registry.latest_version(subject)
                schema_id, writer_text = latest.id, latest.schema
            else:
                schema_id, writer_text = self.registry.lookup(subject, text).id, text
        except RegistryError as error:
            what = "registering" if self._auto_register else "retrieving"
            raise registry_error(error, f"Failed to serialize Avro data from topic {topic}: "
                                 f"Error {what} Avro {self._column} schema for subject "
                                 f"{subject}", row) from None
        try:
            writer = ValueWriter(connect, json.loads(writer_text), self._data.enhanced)
        except Exception as error:  # fastavro refuses the schema
            raise DataError(f"Invalid Avro schema for subject {subject}: {error}", row) from None
        header = b"\x00" + schema_id.to_bytes(4, "big")
        return self._writers.put(key, (writer, header))

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
                    error.index = next((row for row, (c, o) in enumerate(zip(codes, offsets))
                                        if child_of[c] == i and o == error.index), None)
                raise
        bases = [0]
        for array in encoded:
            bases.append(bases[-1] + len(array))
        indices = [bases[child_of[c]] + o for c, o in zip(codes, offsets)]
        return pa.concat_arrays(encoded).take(pa.array(indices, pa.int64()))

    # --- to_connect: Confluent wire format -> Arrow column ----------------------------------

    def to_connect(self, topic: str, data: pa.Array) -> tuple[pa.Field, pa.Array]:
        """Deserialise a ``binary`` column, each record with its writer schema.

        One schema id gives a column of that schema's Connect type; several give a dense
        union with one child per schema. A null row stays null. Raises DataError with the
        ``index`` of a row without the magic byte, whose schema id the registry does not
        know (or cannot be asked about: also a RetriableError), or whose bytes are not
        valid Avro for that schema.
        """
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if not pa.types.is_binary(data.type):
            data = data.cast(pa.binary())
        n = len(data)
        if data.null_count == n:
            return schemaless_field(self._column), pa.ExtensionArray.from_storage(
                SCHEMALESS_TYPE, pa.nulls(n, pa.string()))
        self._check_headers(topic, data)
        groups = self._group(data)
        buffer = io.BytesIO(data.buffers()[2] or b"")
        offsets = pa.Array.from_buffers(pa.int32(), n + 1, [None, data.buffers()[1]],
                                        offset=data.offset).to_pylist()
        built: list[tuple[pa.Field, ValueReader, list[int], list[Any]]] = []
        for schema_id, rows in groups:
            reader = self._reader(topic, schema_id, rows[0])

            def fail(reason: str, row: int, schema_id: int = schema_id) -> DataError:
                return DataError(f"Failed to deserialize data for topic {topic} to Avro: Error "
                                 f"deserializing Avro message for id {schema_id}: {reason}", row)

            if reader.raw:
                if len(groups) == 1 and len(rows) == n - data.null_count:
                    return reader.field, reader.raw_values(data)
                values = reader.raw_values(data.take(pa.array(rows))).to_pylist()
            else:
                values = reader.decode(buffer, offsets, rows, fail)
            same = next((b for b in built if b[0].equals(reader.field, check_metadata=True)),
                        None)
            if same is None:
                built.append((reader.field, reader, rows, values))
            else:
                same[2].extend(rows)
                same[3].extend(values)
        return self._assemble(n, built)

    def _check_headers(self, topic: str, data: pa.Array) -> None:
        short = pc.less(pc.binary_length(data), HEADER_SIZE)
        magic = pc.not_equal(pc.binary_slice(data, 0, 1), pa.scalar(b"\x00", pa.binary()))
        bad = pc.fill_null(pc.or_(short, magic), False)
        if not pc.any(bad).as_py():
            return
        row = bad.to_pylist().index(True)
        raw = data[row].as_py()
        reason = "Unknown magic byte!" if raw[:1] != b"\x00" else (
            f"{len(raw)} bytes are too short for the magic byte and a 4-byte schema id")
        raise DataError(f"Failed to deserialize data for topic {topic} to Avro: {reason}", row)

    @staticmethod
    def _group(data: pa.Array) -> list[tuple[int, list[int]]]:
        """Rows by schema id, ids in order of first appearance."""
        ids = pc.binary_slice(data, 1, HEADER_SIZE).dictionary_encode()
        dictionary = [int.from_bytes(raw, "big") for raw in ids.dictionary.to_pylist()]
        if len(dictionary) == 1 and not data.null_count:
            return [(dictionary[0], list(range(len(data))))]
        rows: list[list[int]] = [[] for _ in dictionary]
        for row, code in enumerate(ids.indices.to_pylist()):
            if code is not None:
                rows[code].append(row)
        return [(dictionary[i], r) for i, r in enumerate(rows) if r]

    def _reader(self, topic: str, schema_id: int, row: int) -> ValueReader:
        key = (topic, schema_id)
        cached = self._readers.get(key)
        if cached is not None:
            return cached
        what = f"Failed to deserialize data for topic {topic} to Avro"
        try:
            text = self.registry.schema_by_id(schema_id)
        except RegistryError as error:
            raise registry_error(error, f"{what}: Error retrieving Avro {self._column} schema "
                                 f"for id {schema_id}", row) from None
        try:
            avro = json.loads(text)
            subject = self._strategy(topic, self._is_key, record_name(avro))
            try:
                version = self.registry.lookup(subject, text).version
            except RegistryError as error:
                raise registry_error(error, f"{what}: Error retrieving Avro schema version for "
                                     f"id {schema_id} in subject {subject}", row) from None
            connect = self._data.to_connect_schema(avro, version)
            field = schemaless_field(self._column) if connect is None else \
                connect_schema_to_field(connect, self._column)
            reader = ValueReader(avro, connect, field)
        except DataError as error:
            if error.index is None:
                error.index = row
            raise
        except (ValueError, TypeError, KeyError) as error:
            raise DataError(f"{what}: the schema of id {schema_id} is not valid Avro: {error}",
                            row) from None
        return self._readers.put(key, reader)

    @staticmethod
    def _assemble(n: int, built: list[tuple[pa.Field, ValueReader, list[int], list[Any]]]
                  ) -> tuple[pa.Field, pa.Array]:
        if len(built) == 1:
            field, reader, rows, values = built[0]
            if len(rows) == n:  # rows are in order: every row, none null
                return field, reader.build(values, rows)
            full: list[Any] = [None] * n
            for row, value in zip(rows, values):
                full[row] = value
            return field, reader.build(full, list(range(n)))
        children, fields = [], []
        type_ids, offsets = [0] * n, [0] * n  # null rows: a null in child 0
        for code, (field, reader, rows, values) in enumerate(built):
            prefix: list[Any] = [None] if code == 0 else []
            for k, row in enumerate(rows):
                type_ids[row], offsets[row] = code, len(prefix) + k
            fields.append(field.with_name(str(code)))
            children.append(reader.build(prefix + values, prefix + rows))
        union = pa.dense_union(fields)
        buffers = [None, pa.array(type_ids, pa.int8()).buffers()[1],
                   pa.array(offsets, pa.int32()).buffers()[1]]
        name = built[0][0].name
        return pa.field(name, union), pa.Array.from_buffers(union, n, buffers, children=children)
