"""ExtractField: replace the key or value with one of its fields (a nested one with
``field.syntax.version=V2``). Tombstones pass through."""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import NO_DEFAULT, TIMESTAMP_TYPE, ConfigDef, DataError, Importance, Type
from fastconnect.api.schema import date_keys, is_schemaless, schemaless_field
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    FIELD_SYNTAX_VERSION, REPLACE_NULL_WITH_DEFAULT, OnKey, OnValue, as_column, column_field,
    default_array, define_field_syntax_version, define_replace_null, dump_rows, first_valid,
    map_error, parse_path, require_maps, require_struct,
)

__all__ = ["ExtractFieldKey", "ExtractFieldValue"]

PURPOSE = "field extraction"
_JAVA = "org.apache.kafka.connect.transforms.ExtractField"


class ExtractField(Transformation):
    CONFIG_DEF = define_field_syntax_version(define_replace_null(ConfigDef().define(
        "field", Type.STRING, NO_DEFAULT, importance=Importance.MEDIUM,
        documentation="Field name to extract.")))

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._original = self.config["field"]
        self._steps = parse_path(self._original, self.config[FIELD_SYNTAX_VERSION])
        self._replace_null = self.config[REPLACE_NULL_WITH_DEFAULT]

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        if is_schemaless(field):
            maps = require_maps(array, PURPOSE)
            values = [None if m is None else self._from_map(m, row) for row, m in enumerate(maps)]
            if (len(self._steps) == 1 and self._steps[0] in date_keys(field)
                    and all(v is None or type(v) is int for v in values)):
                # The value becomes the java.util.Date itself: its only Arrow form is a
                # Timestamp column (Kafka leaves the schema null), printed as a Date.
                return (column_field(field.name, TIMESTAMP_TYPE, True),
                        pa.array(values, pa.int64()).cast(TIMESTAMP_TYPE))
            return schemaless_field(field.name), dump_rows(values)
        require_struct(field, array, PURPOSE)
        if array.null_count == len(array):
            return field, array
        leaf, indices = self._resolve(field, first_valid(array))
        parent = pc.struct_field(array, indices[:-1]) if len(indices) > 1 else array
        value = pc.struct_field(parent, [indices[-1]])
        default = default_array(leaf) if self._replace_null and value.null_count else None
        if default is not None:
            value = pc.if_else(parent.is_valid(), pc.coalesce(value, default[0]),
                               pa.scalar(None, value.type))
        return as_column(leaf, field.name), value

    def _resolve(self, field: pa.Field, row: int) -> tuple[pa.Field, list[int]]:
        """The field at the path, and its child indices (Kafka's ``fieldFrom``)."""
        if not self._steps:
            raise DataError(f"Unknown field: {self._original}", row)
        current, indices = field, []
        for step in self._steps:
            if not pa.types.is_struct(current.type):
                raise DataError("Cannot look up fields on non-struct type", row)
            index = current.type.get_field_index(step)
            if index < 0:
                raise DataError(f"Unknown field: {self._original}", row)
            current = current.type.field(index)
            indices.append(index)
        return current, indices

    def _from_map(self, value: dict, row: int) -> Any:
        """Kafka's ``valueFrom(Map)``: null when a step is missing or null."""
        if not self._steps:
            raise DataError(f"Unknown field: {self._original}", row)
        current: Any = value
        for step in self._steps[:-1]:
            current = current.get(step)
            if current is None:
                return None
            if not isinstance(current, dict):
                raise map_error("nested field access", current, row)
        return current.get(self._steps[-1])


class ExtractFieldKey(OnKey, ExtractField):
    ALIASES = (_JAVA + "$Key",)


class ExtractFieldValue(OnValue, ExtractField):
    ALIASES = (_JAVA + "$Value",)
