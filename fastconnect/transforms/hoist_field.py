"""HoistField: wrap the key or value in a struct (schemaless: an object) of one field.

Kafka wraps a null too, so a tombstone comes out as ``{"field": null}``: a record, no longer a
tombstone. A typed column's wrapped field is made optional when the batch holds such rows.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import NO_DEFAULT, ConfigDef, Importance, Type
from fastconnect.api.arrays import concat_elementwise
from fastconnect.api.schema import is_schemaless, schemaless_field
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    OnKey, OnValue, as_child, build_struct, column_field, dumps, json_column,
)

__all__ = ["HoistFieldKey", "HoistFieldValue"]

_JAVA = "org.apache.kafka.connect.transforms.HoistField"


class HoistField(Transformation):
    CONFIG_DEF = ConfigDef().define(
        "field", Type.STRING, NO_DEFAULT, importance=Importance.MEDIUM,
        documentation="Field name for the single field that will be created in the resulting "
                      "Struct or Map.")

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        name = self.config["field"]
        if is_schemaless(field):
            storage = array.storage if isinstance(array, pa.ExtensionArray) else array
            text = pc.coalesce(storage.cast(pa.string()), "null")
            wrapped = concat_elementwise("{" + dumps(name) + ":", text, "}")
            return schemaless_field(field.name), json_column(wrapped)
        child = as_child(field, name)
        if array.null_count and not child.nullable:
            child = child.with_nullable(True)
        every_row = pa.repeat(pa.scalar(True), len(array))
        struct = build_struct([(child, array)], every_row)
        return column_field(field.name, struct.type, optional=False), struct


class HoistFieldKey(OnKey, HoistField):
    ALIASES = (_JAVA + "$Key",)


class HoistFieldValue(OnValue, HoistField):
    ALIASES = (_JAVA + "$Value",)
