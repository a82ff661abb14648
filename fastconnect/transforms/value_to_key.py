"""ValueToKey: replace the key with a struct (schemaless: an object) of fields of the value.
As in Kafka, a tombstone is refused (``requireMap`` of null)."""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api import KEY, NO_DEFAULT, VALUE, ConfigDef, DataError, Importance, Type
from fastconnect.api.schema import in_hashmap_order, is_schemaless, schemaless_field
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    REPLACE_NULL_WITH_DEFAULT, build_struct, column_field, define_replace_null, dump_rows,
    fill_default, require_maps, require_struct, valid_list,
)
from fastconnect.transforms._maps import copied_keys, java_values

__all__ = ["ValueToKey"]

PURPOSE = "copying fields from value to key"


class ValueToKey(Transformation):
    ALIASES = ("org.apache.kafka.connect.transforms.ValueToKey",)
    CONFIG_DEF = define_replace_null(ConfigDef().define(
        "fields", Type.LIST, NO_DEFAULT, valid_list(empty_allowed=False), Importance.HIGH,
        "Field names on the record value to extract as the record key."))

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._fields = self.config["fields"]

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not batch.num_rows:
            return batch
        field, array = batch.schema.field(VALUE), batch.column(VALUE)
        if is_schemaless(field):
            maps = require_maps(array, PURPOSE, tombstones_pass=False)
            value = java_values(in_hashmap_order(field))
            # Kafka: the fields put into a new HashMap<>(fields.size()), in config order.
            names = copied_keys(tuple(self._fields), "sized", self._fields)
            key_field = schemaless_field(KEY, hashmap_order=True)
            key = dump_rows([{name: value(m.get(name)) for name in names} for m in maps])
        else:
            require_struct(field, array, PURPOSE, tombstones_pass=False)
            parts = []
            for name in self._fields:
                index = field.type.get_field_index(name)
                if index < 0:
                    raise DataError(f"Field does not exist: {name}", 0)
                child, values = field.type.field(index), array.field(index)
                if self.config[REPLACE_NULL_WITH_DEFAULT]:
                    values = fill_default(child, values)
                parts.append((child, values))
            key = build_struct(parts, array)
            key_field = column_field(KEY, key.type, optional=False)
        return batch.set_column(batch.schema.get_field_index(KEY), key_field, key)
