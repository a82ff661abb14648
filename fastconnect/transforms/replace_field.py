"""ReplaceField: keep (``include``), drop (``exclude``) and rename (``renames``) fields of the
key or value. Tombstones pass through.

Kafka 4.0 removed the deprecated ``whitelist``/``blacklist`` keys; they are still read here, as
Kafka 3.x read them (aliases of ``include``/``exclude``, used only when those are not set), so
older configurations keep working.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api import ConfigDef, ConfigError, Importance, Type
from fastconnect.api.schema import (
    date_keys, in_hashmap_order, is_schemaless, is_schemaless_struct, schemaless_field,
)
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    REPLACE_NULL_WITH_DEFAULT, OnKey, OnValue, basics, build_struct, children, column_field,
    define_replace_null, dump_rows, java_list, java_split, require_maps, require_struct,
    valid_list,
)
from fastconnect.transforms._maps import (
    copied_keys, iteration_keys, java_values, reorder_struct, struct_keys, to_text,
)

__all__ = ["ReplaceFieldKey", "ReplaceFieldValue"]

log = logging.getLogger(__name__)

PURPOSE = "field replacement"
_JAVA = "org.apache.kafka.connect.transforms.ReplaceField"
EXCLUDE, INCLUDE, RENAMES = "exclude", "include", "renames"
_DEPRECATED = {INCLUDE: "whitelist", EXCLUDE: "blacklist"}


def parse_renames(mappings: list[str]) -> dict[str, str]:
    renames = {}
    for mapping in mappings:
        parts = java_split(mapping, ":")
        if len(parts) != 2:
            raise ConfigError.invalid(RENAMES, java_list(mappings),
                                      f"Invalid rename mapping: {mapping}")
        renames[parts[0]] = parts[1]
    return renames


def _valid_renames(name: str, value: Any) -> None:
    parse_renames(value)


class ReplaceField(Transformation):
    ACCEPTS_SCHEMALESS_STRUCTS = True
    CONFIG_DEF = define_replace_null(
        ConfigDef()
        .define(EXCLUDE, Type.LIST, "", valid_list(empty_allowed=True), Importance.MEDIUM,
                "Fields to exclude. This takes precedence over the fields to include.")
        .define("blacklist", Type.LIST, None, importance=Importance.LOW,
                documentation=f"Deprecated (removed in Kafka 4.0). Use {EXCLUDE} instead.")
        .define(INCLUDE, Type.LIST, "", valid_list(empty_allowed=True), Importance.MEDIUM,
                "Fields to include. If specified, only these fields will be used.")
        .define("whitelist", Type.LIST, None, importance=Importance.LOW,
                documentation=f"Deprecated (removed in Kafka 4.0). Use {INCLUDE} instead.")
        .define(RENAMES, Type.LIST, "", _valid_renames, Importance.MEDIUM,
                "Field rename mappings."))

    def configure(self, config: Mapping[str, Any]) -> None:
        config = dict(config)
        for target, alias in _DEPRECATED.items():
            if alias not in config:
                continue
            if target in config:
                log.error("%s was configured, as well as the deprecated alias %s.  Using the "
                          "value of %s", target, alias, target)
            else:
                log.warning("Configuration key %s is deprecated and may be removed in the "
                            "future.  Please update your configuration to use %s instead.",
                            alias, target)
                config[target] = config[alias]
        super().configure(config)
        self._exclude = set(self.config[EXCLUDE])
        self._include = set(self.config[INCLUDE])
        self._renames = parse_renames(self.config[RENAMES])
        self._plans: dict[tuple[tuple[str, ...], bool], list[tuple[str, str]]] = {}

    def _kept(self, name: str) -> bool:
        return name not in self._exclude and (not self._include or name in self._include)

    def _plan(self, keys: tuple[str, ...], hashmap_order: bool) -> list[tuple[str, str]]:
        """(old, new) names of the updated map, in its iteration order: Kafka puts the kept
        entries, renamed, into a ``new HashMap<>(size)``; a name put twice keeps its first
        place and its last value. Rows of one topic mostly share their keys: once per key set."""
        found = self._plans.get((keys, hashmap_order))
        if found is None:
            source = iteration_keys(keys, hashmap_order)
            pairs = [(k, self._renames.get(k, k)) for k in source if self._kept(k)]
            last = {new: old for old, new in pairs}
            found = [(last[new], new) for new in copied_keys(source, "sized",
                                                              [new for _, new in pairs])]
            self._plans[(keys, hashmap_order)] = found
        return found

    def _dates(self, dates: frozenset[str]) -> set[str]:
        """The keys holding a Date once renamed: those kept, under their new names, unless
        another key takes that name too."""
        taken = {new for old, new in self._renames.items() if old not in dates}
        return {self._renames.get(k, k) for k in dates if self._kept(k)} - taken

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        if array.null_count == len(array):
            return field, array
        if is_schemaless_struct(field):
            plan = self._plan(struct_keys(field), in_hashmap_order(field))
            if plan:
                index = {name: i for i, name in enumerate(struct_keys(field))}
                parts = {new: (field.type.field(index[old]), array.field(index[old]))
                         for old, new in plan}
                return reorder_struct(field, parts, tuple(new for _, new in plan), array)
            field, array = to_text(field, array)  # no key left: {} has no struct form
        if is_schemaless(field):
            maps = require_maps(array, PURPOSE)
            ordered = in_hashmap_order(field)
            value = java_values(ordered)
            return schemaless_field(field.name, hashmap_order=True,
                                    dates=self._dates(date_keys(field))), dump_rows([
                None if m is None else {new: value(m[old]) for old, new in
                                        self._plan(tuple(m), ordered)}
                for m in maps])
        require_struct(field, array, PURPOSE)
        renames = self._renames
        parts = [(child.with_name(renames.get(child.name, child.name)), values)
                 for child, values in children(
                     field, array, replace_null=self.config[REPLACE_NULL_WITH_DEFAULT])
                 if self._kept(child.name)]
        struct = build_struct(parts, array)
        return column_field(field.name, struct.type, optional=False, meta=basics(field)), struct


class ReplaceFieldKey(OnKey, ReplaceField):
    ALIASES = (_JAVA + "$Key",)


class ReplaceFieldValue(OnValue, ReplaceField):
    ALIASES = (_JAVA + "$Value",)
