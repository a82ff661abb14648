"""InsertField: add the record's topic, partition, offset, timestamp or a static string as
fields of the key or value. Tombstones pass through unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api import (
    OFFSET, PARTITION, TIMESTAMP, TIMESTAMP_TYPE, TOPIC, ConfigDef, ConfigError, DataError,
    Importance, Type,
)
from fastconnect.api.schema import (
    date_keys, in_hashmap_order, is_schemaless, is_schemaless_struct, schemaless_field,
)
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    REPLACE_NULL_WITH_DEFAULT, OnKey, OnValue, basics, build_struct, child_field, children,
    column_field, define_replace_null, dump_rows, first_valid, require_maps, require_struct,
)
from fastconnect.transforms._maps import (
    copied_keys, iteration_keys, java_values, reorder_struct, struct_keys, to_text,
)

__all__ = ["InsertFieldKey", "InsertFieldValue"]

PURPOSE = "field insertion"
_JAVA = "org.apache.kafka.connect.transforms.InsertField"
_OPTIONALITY = ("Suffix with <code>!</code> to make this a required field, or <code>?</code> to "
                "keep it optional (the default).")


@dataclass(frozen=True)
class _Spec:
    """A field to insert: ``name!`` is required, ``name?`` or ``name`` optional."""

    name: str
    optional: bool

    @classmethod
    def parse(cls, spec: str | None) -> _Spec | None:
        if spec is None:
            return None
        if spec.endswith("?"):
            return cls(spec[:-1], True)
        if spec.endswith("!"):
            return cls(spec[:-1], False)
        return cls(spec, True)


class InsertField(Transformation):
    ACCEPTS_SCHEMALESS_STRUCTS = True
    CONFIG_DEF = define_replace_null(
        ConfigDef()
        .define("topic.field", Type.STRING, None, importance=Importance.MEDIUM,
                documentation="Field name for Kafka topic. " + _OPTIONALITY)
        .define("partition.field", Type.STRING, None, importance=Importance.MEDIUM,
                documentation="Field name for Kafka partition. " + _OPTIONALITY)
        .define("offset.field", Type.STRING, None, importance=Importance.MEDIUM,
                documentation="Field name for Kafka offset - only applicable to sink "
                              "connectors.<br/>" + _OPTIONALITY)
        .define("timestamp.field", Type.STRING, None, importance=Importance.MEDIUM,
                documentation="Field name for record timestamp. " + _OPTIONALITY)
        .define("static.field", Type.STRING, None, importance=Importance.MEDIUM,
                documentation="Field name for static data field. " + _OPTIONALITY)
        .define("static.value", Type.STRING, None, importance=Importance.MEDIUM,
                documentation="Static field value, if field name configured."))

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._topic = _Spec.parse(self.config["topic.field"])
        self._partition = _Spec.parse(self.config["partition.field"])
        self._offset = _Spec.parse(self.config["offset.field"])
        self._timestamp = _Spec.parse(self.config["timestamp.field"])
        self._static = _Spec.parse(self.config["static.field"])
        self._static_value = self.config["static.value"]
        if not any((self._topic, self._partition, self._offset, self._timestamp, self._static)):
            raise ConfigError("No field insertion configured")
        if self._static is not None and self._static_value is None:
            # Kafka prints its InsertionSpec object here; the field name says more.
            raise ConfigError.invalid("static.value", "null", "No value specified for static "
                                      f"field: {self._static.name}")

    def _inserted(self, batch: pa.RecordBatch, row: int) -> list[tuple[pa.Field, pa.Array]]:
        """The fields to add and their values; a null partition or timestamp stays null."""
        n = batch.num_rows
        out = []
        if self._topic:
            out.append((child_field(self._topic.name, pa.string(), self._topic.optional),
                        batch.column(TOPIC).cast(pa.string())))
        if self._partition:
            out.append((child_field(self._partition.name, pa.int32(), self._partition.optional),
                        batch.column(PARTITION).cast(pa.int32())))
        if self._offset:
            if OFFSET not in batch.schema.names:
                raise DataError(f"Only SinkRecord supported for [{PURPOSE}], found: "
                                "org.apache.kafka.connect.source.SourceRecord", row)
            out.append((child_field(self._offset.name, pa.int64(), self._offset.optional),
                        batch.column(OFFSET).cast(pa.int64())))
        if self._timestamp:
            out.append((child_field(self._timestamp.name, TIMESTAMP_TYPE,
                                    self._timestamp.optional),
                        batch.column(TIMESTAMP).cast(TIMESTAMP_TYPE)))
        if self._static:
            out.append((child_field(self._static.name, pa.string(), self._static.optional),
                        pa.repeat(pa.scalar(self._static_value, pa.string()), n)))
        return out

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        if array.null_count == len(array):
            return field, array
        row = first_valid(array)
        inserted = self._inserted(batch, row)
        if is_schemaless_struct(field):
            if not any(values.null_count for _, values in inserted):
                return self._struct(field, array, inserted)
            field, array = to_text(field, array)  # some rows go without a field: not one shape
        if is_schemaless(field):
            maps = require_maps(array, PURPOSE)
            ordered = in_hashmap_order(field)
            value = java_values(ordered)
            columns = [(f.name, _schemaless_values(f, a)) for f, a in inserted]
            out = []
            for i, m in enumerate(maps):
                if m is None:
                    out.append(None)
                    continue
                # Kafka: new HashMap<>(value), then a put for each field with a value.
                source = iteration_keys(tuple(m), ordered)
                updated = {k: value(m[k]) for k in source}
                updated.update((name, values[i]) for name, values in columns
                               if values[i] is not None)
                keys = copied_keys(source, "copy", tuple(updated))
                out.append({k: updated[k] for k in keys})
            # A put replaces a Date (Kafka puts the record timestamp as a Long).
            return (schemaless_field(field.name, hashmap_order=True,
                                     dates=date_keys(field) - {name for name, _ in columns}),
                    dump_rows(out))
        require_struct(field, array, PURPOSE)
        parts = children(field, array, replace_null=self.config[REPLACE_NULL_WITH_DEFAULT])
        struct = build_struct(parts + inserted, array, row)
        return column_field(field.name, struct.type, optional=False, meta=basics(field)), struct

    def _struct(self, field: pa.Field, array: pa.Array,
                inserted: list[tuple[pa.Field, pa.Array]]) -> tuple[pa.Field, pa.Array]:
        names = struct_keys(field)
        parts = {name: (field.type.field(i), array.field(i)) for i, name in enumerate(names)}
        for f, values in inserted:
            if pa.types.is_timestamp(f.type):
                values = values.cast(pa.int64())  # a schemaless map holds epoch millis
            parts[f.name] = (pa.field(f.name, values.type), values)
        source = iteration_keys(names, in_hashmap_order(field))
        puts = source + tuple(f.name for f, _ in inserted)
        return reorder_struct(field, parts, copied_keys(source, "copy", puts), array)


def _schemaless_values(field: pa.Field, array: pa.Array) -> list[Any]:
    """Values as Kafka puts them in a schemaless map: the timestamp as epoch millis."""
    if pa.types.is_timestamp(field.type):
        array = array.cast(pa.int64())
    return array.to_pylist()


class InsertFieldKey(OnKey, InsertField):
    ALIASES = (_JAVA + "$Key",)


class InsertFieldValue(OnValue, InsertField):
    ALIASES = (_JAVA + "$Value",)
