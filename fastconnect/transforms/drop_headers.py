"""DropHeaders: remove every header with one of the given names.

``org.apache.kafka.connect.transforms.DropHeaders``, on the whole ``headers`` column: the
entries whose key is listed are filtered out of the flattened list and the list rebuilt.
"""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api import ConfigDef, ConfigError, Importance, Type
from fastconnect.api.config import NO_DEFAULT
from fastconnect.api.transform import Transformation
from fastconnect.transforms._headers import drop_headers, header_column, with_headers

__all__ = ["DropHeaders"]


def _non_empty_values(name: str, values: Any) -> None:
    """Kafka's ``ValidList.anyNonDuplicateValues(false, false)`` (duplicates are dropped by
    Kafka's ConfigDef with a warning, harmless here as names form a set)."""
    if not values:
        raise ConfigError(f"Configuration '{name}' must not be empty. Valid values include: "
                          "any non-empty value", name)
    if any(value == "" for value in values):
        raise ConfigError(f"Configuration '{name}' values must not be empty.", name)


class DropHeaders(Transformation):
    """Headers named in ``headers`` removed from every record."""

    ALIASES = ("org.apache.kafka.connect.transforms.DropHeaders",)
    ACCEPTS_SCHEMALESS_STRUCTS = True  # reads no value
    CONFIG_DEF = ConfigDef().define(
        "headers", Type.LIST, NO_DEFAULT, _non_empty_values, Importance.HIGH,
        "The name of the headers to be removed.")

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._names = set(self.config["headers"])

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not batch.num_rows:
            return batch
        return with_headers(batch, drop_headers(header_column(batch), self._names))
