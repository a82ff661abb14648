"""InsertHeader: add one header with a literal value to every record.

``org.apache.kafka.connect.transforms.InsertHeader``. Kafka parses ``value.literal`` with
``Values.parseString`` once (``1`` is an int8, ``[1, 2]`` an array, ``2017-01-03`` a Date)
and the header converter writes that value; with the default ``SimpleHeaderConverter`` the
header's bytes are ``Values.convertToString`` of it, computed here once at configuration
(``[1, 2]`` is written ``[1,2]``, ``null`` writes a null value).
"""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api import ConfigDef, ConfigError, Importance, Type
from fastconnect.api.config import NO_DEFAULT
from fastconnect.api.transform import Transformation
from fastconnect.api.values import convert_to_string, parse_string
from fastconnect.transforms._headers import append_headers, header_column, text_bytes, with_headers

__all__ = ["InsertHeader", "literal_header"]


def literal_header(text: str) -> bytes | None:
    """The bytes SimpleHeaderConverter writes for ``Values.parseString(text)``."""
    parsed = parse_string(text)
    return None if parsed is None else text_bytes(convert_to_string(*parsed))


class InsertHeader(Transformation):
    """A header ``header`` with the value ``value.literal`` appended to every record."""

    ALIASES = ("org.apache.kafka.connect.transforms.InsertHeader",)
    ACCEPTS_SCHEMALESS_STRUCTS = True  # reads no value
    CONFIG_DEF = (
        ConfigDef()
        .define("header", Type.STRING, NO_DEFAULT, importance=Importance.HIGH,
                documentation="The name of the header.")
        .define("value.literal", Type.STRING, NO_DEFAULT, importance=Importance.HIGH,
                documentation="The literal value that is to be set as the header value on "
                              "all records.")
    )

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        for name in ("header", "value.literal"):  # Kafka's NonNullValidator
            if self.config[name] is None:
                raise ConfigError.invalid(name, "null", "entry must be non null")
        self._header = self.config["header"]
        self._value = literal_header(self.config["value.literal"])

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not batch.num_rows:
            return batch
        headers = append_headers(header_column(batch), [(self._header, self._value)])
        return with_headers(batch, headers)
