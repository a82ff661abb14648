"""SetSchemaMetadata: set the name and/or version of the key or value schema.

Only the column's field metadata changes (``connect.name``, ``connect.version``); the values are
kept, except that a struct's null fields read as their defaults with
``replace.null.with.default=true``, as Kafka copies the struct with ``Struct.get``. A schemaless
value is refused (Kafka: "Schema required"); a schemaless tombstone passes.
"""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api import ConfigDef, ConfigError, DataError, Importance, Type
from fastconnect.api.schema import NAME, VERSION, is_schemaless
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    REPLACE_NULL_WITH_DEFAULT, OnKey, OnValue, basics, build_struct, children,
    define_replace_null, first_valid,
)

__all__ = ["SetSchemaMetadataKey", "SetSchemaMetadataValue"]

_JAVA = "org.apache.kafka.connect.transforms.SetSchemaMetadata"


class SetSchemaMetadata(Transformation):
    CONFIG_DEF = define_replace_null(
        ConfigDef()
        .define("schema.name", Type.STRING, None, importance=Importance.HIGH,
                documentation="Schema name to set.")
        .define("schema.version", Type.INT, None, importance=Importance.HIGH,
                documentation="Schema version to set."))

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._name = self.config["schema.name"]
        self._version = self.config["schema.version"]
        if self._name is None and self._version is None:
            raise ConfigError("Neither schema name nor version configured")

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        if is_schemaless(field):
            if array.null_count == len(array):
                return field, array
            raise DataError("Schema required for [updating schema metadata]", first_valid(array))
        # A logical type's implied name is written out, so a new version does not lose it.
        meta = {**(field.metadata or {}), **basics(field, implied=True)}
        if self._name is not None:
            meta[NAME] = self._name.encode()
        if self._version is not None:
            meta[VERSION] = str(self._version).encode()
        if pa.types.is_struct(field.type) and self.config[REPLACE_NULL_WITH_DEFAULT]:
            array = build_struct(children(field, array, replace_null=True), array)
        return field.with_metadata(meta), array


class SetSchemaMetadataKey(OnKey, SetSchemaMetadata):
    ALIASES = (_JAVA + "$Key",)


class SetSchemaMetadataValue(OnValue, SetSchemaMetadata):
    ALIASES = (_JAVA + "$Value",)
