"""Flatten: lift the fields of nested structs (schemaless: objects) to the top level, named
by their path joined with ``delimiter``. Arrays are kept as they are; tombstones pass through.

A flattened field is optional when any struct on its path is, and takes its own default, else
the one its ancestors' defaults give it, as Kafka builds it. Each leaf is one
``pc.struct_field`` of the column: no value is copied.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import ConfigDef, DataError, Importance, Type
from fastconnect.api.schema import date_keys, in_hashmap_order, is_schemaless, schemaless_field
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    OnKey, OnValue, basics, build_struct, child_field, column_field, connect_type,
    default_array, default_json, dump_rows, first_valid, is_optional, require_maps,
    require_struct, with_default,
)
from fastconnect.transforms._maps import iteration_keys, java_values

__all__ = ["FlattenKey", "FlattenValue"]

PURPOSE = "flattening"
_JAVA = "org.apache.kafka.connect.transforms.Flatten"


class Flatten(Transformation):
    CONFIG_DEF = ConfigDef().define(
        "delimiter", Type.STRING, ".", importance=Importance.MEDIUM,
        documentation="Delimiter to insert between field names from the input record when "
                      "generating field names for the output record")

    def _name(self, prefix: str, name: str) -> str:
        return name if not prefix else prefix + self.config["delimiter"] + name

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        if array.null_count == len(array):
            return field, array
        if is_schemaless(field):
            # Kafka fills a LinkedHashMap (it prints in insertion order) walking each map
            # in its iteration order.
            maps = require_maps(array, PURPOSE)
            ordered = in_hashmap_order(field)
            # Top-level values keep their keys: a Date stays where it was.
            return schemaless_field(field.name, hashmap_order=True,
                                    dates=date_keys(field)), dump_rows(
                [None if m is None else self._flat_map(m, "", {}, ordered) for m in maps])
        require_struct(field, array, PURPOSE)
        leaves: list[tuple[pa.Field, pa.Field, list[int]]] = []
        self._leaves(field, "", is_optional(field), default_json(field), [], leaves,
                     first_valid(array))
        parts = []
        for out, original, path in leaves:
            parent = pc.struct_field(array, path[:-1]) if len(path) > 1 else array
            values = pc.struct_field(parent, [path[-1]])
            default = default_array(original) if values.null_count else None
            if default is not None:  # Struct.get of a present parent gives the default
                values = pc.if_else(pc.and_(parent.is_valid(), values.is_null()),
                                    default[0], values)
            parts.append((out, values))
        struct = build_struct(parts, array)
        return column_field(field.name, struct.type, optional=False, meta=basics(field)), struct

    def _leaves(self, struct: pa.Field, prefix: str, optional: bool, parent_default: Any,
                path: list[int], out: list, row: int) -> None:
        """The flattened fields of ``struct``, depth first, with their paths of indices."""
        t = struct.type
        for i in range(t.num_fields):
            child = t.field(i)
            name = self._name(prefix, child.name)
            child_optional = optional or is_optional(child)
            default = default_json(child)
            if default is None and isinstance(parent_default, dict):
                default = parent_default.get(child.name)
            kind = connect_type(child.type)
            if kind == "STRUCT":
                self._leaves(child, name, child_optional, default, path + [i], out, row)
            elif kind == "MAP":
                raise DataError("Flatten transformation does not support MAP for record with "
                                f"schemas (for field {name}).", row)
            else:
                meta = with_default(basics(child), default)
                out.append((child_field(name, child.type, child_optional, meta), child,
                            path + [i]))

    def _flat_map(self, value: dict, prefix: str, out: dict, java: bool) -> dict:
        """``java``: ``value`` is an SMT's (HashMap order, Java values); nested maps are
        always as JsonConverter read them."""
        as_java = java_values(java)
        for key in iteration_keys(tuple(value), java):
            item, name = value[key], self._name(prefix, key)
            if isinstance(item, dict):
                self._flat_map(item, name, out, False)
            else:
                out[name] = as_java(item)
        return out


class FlattenKey(OnKey, Flatten):
    ALIASES = (_JAVA + "$Key",)


class FlattenValue(OnValue, Flatten):
    ALIASES = (_JAVA + "$Value",)
