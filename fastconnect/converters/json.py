"""JsonConverter: Kafka's ``org.apache.kafka.connect.json.JsonConverter`` on whole columns.

Writes the bytes Kafka's JsonConverter writes: compact JSON, with ``schemas.enable`` an
envelope ``{"schema":...,"payload":...}`` whose schema keys come in Kafka's order; struct
fields in schema order; maps with string keys as objects and other maps as ``[[k,v],...]``,
both in the iteration order of the ``java.util.HashMap`` Kafka builds when it reads JSON;
bytes and (``decimal.format=BASE64``) decimals as base64; numbers as JDK 17 prints them
(see :func:`~fastconnect.api.java_text.java_double_str`); escapes as Jackson writes them.

Where Kafka coerces a payload that does not match its schema (``"abc"`` read as int32 0,
300 read as int8 44), this converter raises :class:`DataError` for that row instead.

Reading: a batch whose rows carry different schemas (a schema change inside the batch)
gives a dense union column, one child field per schema (see :func:`JsonConverter.to_connect`).
A null row is a tombstone in both directions: Kafka writes ``{"schema":..,"payload":null}``
for a null value that has a schema, but in a column a null row means no value at all.

A batch goes through the vector fast path (:mod:`~fastconnect.converters.json_fast`: a
compiled scanner, ``pyarrow.json`` and Arrow's string kernels, no Python object per record)
when that path can prove it gives what the per-record path gives, and through the
per-record path (orjson, record by record, columns built in bulk) otherwise: the per-record
path is the reference, and results, DataErrors and their row indexes are the same either way.
Reading lives in :mod:`~fastconnect.converters.json_decode`, writing in
:mod:`~fastconnect.converters.json_encode`; this module configures them and compiles
the schemas both use.
"""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api.config import ConfigDef, Importance, Type, one_of
from fastconnect.api.errors import DataError
from fastconnect.api.schema import DATE, DECIMAL, TIME, TIMESTAMP, connect_schema_to_field
from fastconnect.converters.json_common import LRU, Node
from fastconnect.converters.json_decode import JsonDecoder
from fastconnect.converters.json_encode import JsonEncoder

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

_LOGICAL = {(DECIMAL, "bytes"): "decimal", (DATE, "int32"): "date", (TIME, "int32"): "time",
            (TIMESTAMP, "int64"): "timestamp"}


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
        self._writers = LRU(parsed[SCHEMAS_CACHE_SIZE])  # field -> (node, envelope prefix)
        self._readers = LRU(parsed[SCHEMAS_CACHE_SIZE])  # schema JSON -> (field, node)
        self._encoder = JsonEncoder(self._compile, self._writers,
                                    schemas_enable=self._schemas_enable,
                                    numeric_decimals=self._numeric_decimals,
                                    replace_null=self._replace_null)
        self._decoder = JsonDecoder(self._compile, self._readers,
                                    schemas_enable=self._schemas_enable,
                                    replace_null=self._replace_null)

    def close(self) -> None:
        """Nothing to release."""

    def accept_schemaless_structs(self, accepted: bool) -> None:
        """With ``accepted``, ``to_connect`` gives schemaless objects of one shape in the
        struct form (see :mod:`fastconnect.api.schema`) rather than as JSON text."""
        self._decoder.schemaless_structs = accepted

    # --- from_connect: Arrow column -> JSON bytes --------------------------------------------

    def from_connect(self, topic: str, field: pa.Field, data: pa.Array) -> pa.Array:
        """Serialise a typed column to JSON, row by row as Kafka's JsonConverter would.

        ``field`` carries the Connect schema (a plain Arrow field implies one). A null row
        stays null. Raises DataError (with ``index``) for a null in a required field without
        default, or a value Connect cannot represent.
        """
        return self._encoder.from_connect(field, data)

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
        return self._decoder.to_connect("key" if self._is_key else "value", data)

    # --- schemas --------------------------------------------------------------------------------

    def _compile(self, schema: dict) -> Node:
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
        node = Node(kind, schema["optional"], _LOGICAL.get((schema.get("name"), kind)),
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
            node.default_value = self._decoder.decode(node, schema["default"])
            arrow_type = connect_schema_to_field(schema, "default").type
            default = self._decoder.build(arrow_type, [node.default_value], [None])
            node.default_json = self._encoder.encode_valid(node, default, lambda _: None)[0]
            node.has_default = True
            node.json["default"] = node.default_json
        return node
