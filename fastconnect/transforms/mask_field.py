"""MaskField: replace fields with their type's empty value (0, false, "", epoch, [], {}) or a
configured replacement. As in Kafka, a tombstone is refused (``requireMap`` of null)."""

from __future__ import annotations

import decimal
import re
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import NO_DEFAULT, ConfigDef, DataError, Importance, Type, non_empty_string
from fastconnect.api.schema import DECIMAL, date_keys, is_schemaless, schemaless_field
from fastconnect.api.transform import Transformation
from fastconnect.transforms._fields import (
    REPLACE_NULL_WITH_DEFAULT, Float32, OnKey, OnValue, build_struct, children, connect_type,
    define_replace_null, dump_rows, first_true, java_class, java_double, json_class, logical_of,
    require_maps, require_struct, valid_list,
)
from fastconnect.transforms._maps import hashmap_copies

__all__ = ["MaskFieldKey", "MaskFieldValue"]

PURPOSE = "mask fields"
_JAVA = "org.apache.kafka.connect.transforms.MaskField"
_BIG_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_BITS = {"INT8": 8, "INT16": 16, "INT32": 32, "INT64": 64}
_EXACT = decimal.Context(prec=200)


def _decimal(text: str, suffix: str) -> decimal.Decimal:
    if not _BIG_DECIMAL.fullmatch(text):
        raise ValueError(f"Unable to convert {text} (class java.lang.String) to {suffix}")
    return decimal.Decimal(text)


def _java_long(text: str, bits: int) -> int:
    """``(byte|short|int|long) new BigDecimal(text).longValue()``: truncated, then wrapped."""
    number = _decimal(text, "a number")
    whole = 0 if number.as_tuple().exponent >= 64 else int(number)  # 10^64 | 2^64: low bits 0
    return (whole + 2 ** (bits - 1)) % 2 ** bits - 2 ** (bits - 1)


def _replacement(t: pa.DataType, text: str) -> Any:
    """The replacement for values of Arrow type ``t``, as Kafka converts it for their class."""
    kind = connect_type(t)
    if logical_of(t) == DECIMAL:
        number = _decimal(text, "number")
        if number != number.quantize(decimal.Decimal(1).scaleb(-t.scale), context=_EXACT):
            # Kafka's converter refuses it later, for the record
            raise ValueError("BigDecimal has mismatching scale value for given Decimal schema")
        return number
    if logical_of(t) is None and kind in _BITS:
        return _java_long(text, _BITS[kind])
    if logical_of(t) is None and kind in ("FLOAT32", "FLOAT64"):
        return float(_decimal(text, "a number"))
    if kind == "STRING":
        return text
    raise ValueError(f"Cannot mask value of type class {java_class(t)} with custom replacement.")


def _empty(t: pa.DataType) -> Any:
    """Kafka's masked value of the class Connect holds for ``t``."""
    kind = connect_type(t)
    if logical_of(t) is not None:  # BigDecimal.ZERO, new Date(0)
        storage = pa.int32() if pa.types.is_date32(t) or pa.types.is_time32(t) else pa.int64()
        return 0 if logical_of(t) == DECIMAL else pa.array([0], storage).cast(t)[0]
    if kind in ("STRUCT", "BYTES"):
        raise ValueError(f"Cannot mask value of type: class {java_class(t)}")
    return {"BOOLEAN": False, "STRING": "", "ARRAY": [], "MAP": [],
            "FLOAT32": 0.0, "FLOAT64": 0.0}.get(kind, 0)


class MaskField(Transformation):
    CONFIG_DEF = define_replace_null(
        ConfigDef()
        .define("fields", Type.LIST, NO_DEFAULT, valid_list(empty_allowed=False),
                Importance.HIGH, "Names of fields to mask.")
        .define("replacement", Type.STRING, None, non_empty_string, Importance.LOW,
                "Custom value replacement, that will be applied to all 'fields' values "
                "(numeric or non-empty string values only)."))

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._fields = list(dict.fromkeys(self.config["fields"]))
        self._replacement = self.config["replacement"]

    def transform_column(self, batch: pa.RecordBatch, field: pa.Field,
                         array: pa.Array) -> tuple[pa.Field, pa.Array]:
        if is_schemaless(field):
            # Kafka: new HashMap<>(value), then a put of each masked field.
            maps = hashmap_copies(field, require_maps(array, PURPOSE, tombstones_pass=False),
                                  self._fields)
            dates = date_keys(field)
            for row, value in enumerate(maps):
                for name in self._fields:
                    if (name in dates and self._replacement is not None
                            and type(value[name]) is int):
                        raise DataError("Cannot mask value of type class java.util.Date with "
                                        "custom replacement.", row)
                    value[name] = self._masked_json(value[name], row)
            # A masked Date is Date(0), still a Date.
            return (schemaless_field(field.name, hashmap_order=True, dates=dates),
                    dump_rows(maps))
        require_struct(field, array, PURPOSE, tombstones_pass=False)
        parts = []
        for child, values in children(field, array,
                                      replace_null=self.config[REPLACE_NULL_WITH_DEFAULT]):
            if child.name in self._fields:
                values = self._masked(child.type, values, array)
            parts.append((child, values))
        return field, build_struct(parts, array)

    def _masked(self, t: pa.DataType, values: pa.Array, struct: pa.Array) -> pa.Array:
        present = pc.and_(values.is_valid(), struct.is_valid())
        if first_true(present) is None:
            return values
        try:
            masked = _empty(t) if self._replacement is None else \
                _replacement(t, self._replacement)
            scalar = masked if isinstance(masked, pa.Scalar) else pa.scalar(masked, t)
        except (ValueError, pa.ArrowInvalid) as error:
            raise DataError(str(error), first_true(present)) from None
        return pc.if_else(values.is_valid(), scalar, pa.scalar(None, t))

    def _masked_json(self, value: Any, row: int) -> Any:
        if value is None:
            return None
        if self._replacement is None:
            if isinstance(value, float):
                return Float32(0.0) if isinstance(value, Float32) else 0.0
            return {bool: False, int: 0, str: "", list: [], dict: {}}[type(value)]
        try:
            if isinstance(value, (bool, list, dict)):
                raise ValueError(f"Cannot mask value of type class {json_class(value)} "
                                 "with custom replacement.")
            if isinstance(value, int):
                return _java_long(self._replacement, 64)
            if isinstance(value, float):
                number = float(_decimal(self._replacement, "a number"))
                return Float32(number) if isinstance(value, Float32) else java_double(number)
            return self._replacement
        except ValueError as error:
            raise DataError(str(error), row) from None


class MaskFieldKey(OnKey, MaskField):
    ALIASES = (_JAVA + "$Key",)


class MaskFieldValue(OnValue, MaskField):
    ALIASES = (_JAVA + "$Value",)
