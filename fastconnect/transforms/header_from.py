"""HeaderFrom: copy or move fields of the key or value into headers.

``org.apache.kafka.connect.transforms.HeaderFrom$Key`` / ``$Value``: the i-th of ``fields``
becomes the header named by the i-th of ``headers``, appended after the record's own headers;
``move`` also removes the fields (the struct's schema keeps its name, version, doc and
parameters, not its optionality or default, as Kafka's ``copySchemaBasics``). Header bytes
are what the default ``SimpleHeaderConverter`` writes for the field's value (see
:mod:`fastconnect.transforms._headers`).

A struct column is handled column by column. Schemaless values (JSON text) are read with
orjson, one object per record: no vector form keeps each object's own keys and types.
Tombstones have no schema in Kafka, and HeaderFrom fails on them there as here
(``Only Map objects supported in absence of schema for [header copy], found: null``).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api import KEY, VALUE, ConfigDef, ConfigError, DataError, Importance, Type
from fastconnect.api.config import NO_DEFAULT, one_of
from fastconnect.api.schema import date_keys, is_schemaless, schemaless_field
from fastconnect.api.transform import Transformation
from fastconnect.api.values import convert_to_string
from fastconnect.api.values_text import format_java_date
from fastconnect.transforms._fields import (
    REPLACE_NULL_WITH_DEFAULT, basics, build_struct, children, column_field,
    define_replace_null, dump_rows, require_maps, require_struct,
)
from fastconnect.transforms._maps import hashmap_copies
from fastconnect.transforms._headers import (
    append_headers, header_column, header_values, text_bytes, with_headers,
)

__all__ = ["HeaderFromKey", "HeaderFromValue"]

_JAVA = "org.apache.kafka.connect.transforms.HeaderFrom"


def _non_empty_list(name: str, values: Any) -> None:
    """Kafka's NonEmptyListValidator."""
    if not values:
        raise ConfigError.invalid(name, "[]", "Empty list")


class HeaderFrom(Transformation):
    @property
    @abstractmethod
    def COLUMN(self) -> str:
        """The column the fields come from: ``key`` or ``value``."""
    CONFIG_DEF = define_replace_null(
        ConfigDef()
        .define("fields", Type.LIST, NO_DEFAULT, _non_empty_list, Importance.HIGH,
                "Field names in the record whose values are to be copied or moved to headers.")
        .define("headers", Type.LIST, NO_DEFAULT, _non_empty_list, Importance.HIGH,
                "Header names, in the same order as the field names listed in the fields "
                "configuration property.")
        .define("operation", Type.STRING, NO_DEFAULT, one_of("move", "copy"), Importance.HIGH,
                "Either <code>move</code> if the fields are to be moved to the headers "
                "(removed from the key/value), or <code>copy</code> if the fields are to be "
                "copied to the headers (retained in the key/value)."))

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._fields = self.config["fields"]
        self._headers = self.config["headers"]
        if len(self._fields) != len(self._headers):
            raise ConfigError("'fields' config must have the same number of elements as "
                              "'headers' config.")
        self._move = self.config["operation"] == "move"
        self._purpose = "header " + self.config["operation"]

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not batch.num_rows:
            return batch
        index = batch.schema.get_field_index(self.COLUMN)
        field, array = batch.schema.field(index), batch.column(index)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if is_schemaless(field):
            field, array, added = self._schemaless(field, array)
        else:
            field, array, added = self._with_schema(field, array)
        batch = batch.set_column(index, field.with_name(self.COLUMN), array)
        return with_headers(batch, append_headers(header_column(batch), added))

    def _with_schema(self, field: pa.Field, array: pa.Array):
        require_struct(field, array, self._purpose, tombstones_pass=False)
        replace_null = self.config[REPLACE_NULL_WITH_DEFAULT]
        parts = children(field, array, replace_null=replace_null)
        by_name = {f.name: (f, a) for f, a in parts}
        added = []
        for name, header in zip(self._fields, self._headers):
            if name not in by_name:
                raise DataError(f"Unknown field: {name}", 0)
            child_field, child = by_name[name]
            added.append((header, header_values(child_field, child)))
        if not self._move:
            return field, array, added
        kept = [(f, a) for f, a in parts if f.name not in self._fields]
        struct = build_struct(kept, array)
        return column_field(field.name, struct.type, False, basics(field)), struct, added

    def _schemaless(self, field: pa.Field, array: pa.Array):
        maps = require_maps(array, self._purpose, tombstones_pass=False)
        dates = date_keys(field)

        def text(name: str, value) -> str | None:  # a Date as Kafka's Values writes one
            if name in dates and type(value) is int:
                return format_java_date(value)
            return convert_to_string(None, value)

        added = [(header, pa.array([text_bytes(text(name, m.get(name))) for m in maps],
                                   pa.binary()))
                 for name, header in zip(self._fields, self._headers)]
        if not self._move:
            return field, array, added
        maps = hashmap_copies(field, maps)  # Kafka: new HashMap<>(value), then the removes
        for m in maps:
            for name in self._fields:
                m.pop(name, None)
        return (schemaless_field(field.name, hashmap_order=True,
                                 dates=date_keys(field) - set(self._fields)),
                dump_rows(maps), added)


class HeaderFromKey(HeaderFrom):
    COLUMN = KEY
    ALIASES = (_JAVA + "$Key",)


class HeaderFromValue(HeaderFrom):
    COLUMN = VALUE
    ALIASES = (_JAVA + "$Value",)
