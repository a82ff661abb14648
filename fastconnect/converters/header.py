"""SimpleHeaderConverter: header values as text, their type inferred on reading.

``org.apache.kafka.connect.storage.SimpleHeaderConverter``, Kafka Connect's default
``header.converter``. Writing, a header's Connect value becomes the UTF-8 text
:func:`~fastconnect.api.values.convert_to_string` gives; reading, the text is decoded (bad
UTF-8 replaced by U+FFFD, as Java's ``new String`` does) and
:func:`~fastconnect.api.values.parse_string` infers its schema and value. No schema is
stored, so a value comes back with the schema its text implies: a string header ``"42"``
reads back as int8 42, as it does in Kafka.

Batches keep headers as raw bytes (:data:`fastconnect.api.batch.HEADERS_TYPE`); only a
transform that needs a header's value converts it, one header at a time, or a batch's
headers at once with :func:`headers_to_connect` and :func:`headers_from_connect`.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Mapping

import pyarrow as pa

from fastconnect.api.batch import HEADERS_TYPE
from fastconnect.api.config import ConfigDef
from fastconnect.api.converter import HeaderConverter
from fastconnect.api.values import SchemaAndValue, convert_to_string, parse_string

__all__ = ["SimpleHeaderConverter", "headers_from_connect", "headers_to_connect"]

log = logging.getLogger(__name__)

_BYTES_SCHEMA = {"type": "bytes", "optional": False}


class SimpleHeaderConverter:
    """Headers as UTF-8 text; see the module documentation. It has no settings.

    A Connect value is ``(schema, value)`` as :mod:`fastconnect.api.values` describes it;
    None stands for a null header value (Kafka's ``SchemaAndValue`` of nulls, or a null one).
    """

    CONFIG_DEF = ConfigDef()

    def config(self) -> ConfigDef:
        """This converter has no settings."""
        return self.CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        """Nothing to read."""

    def close(self) -> None:
        """Nothing to release."""

    def from_connect_header(self, topic: str, key: str,
                            value: SchemaAndValue | None) -> bytes | None:
        """The header's text in UTF-8; None for a null value.

        Raises :class:`~fastconnect.api.errors.DataError` for a value of no Connect type.
        Unpaired surrogates are written as ``?``, as Java's ``getBytes`` writes them.
        """
        if value is None:
            return None
        schema, data = value
        text = convert_to_string(schema, data)
        return None if text is None else text.encode("utf-8", "replace")

    def to_connect_header(self, topic: str, key: str,
                          value: bytes | None) -> SchemaAndValue | None:
        """The Connect value the header's bytes stand for; None for null or ``null``.

        Never raises: text that cannot be parsed at all (nesting deeper than Python's stack)
        comes back as the raw bytes under a ``bytes`` schema, with a warning, as Kafka does
        for any failure.
        """
        if value is None:
            return None
        raw = bytes(value)
        try:
            return parse_string(raw.decode("utf-8", "replace"))
        except Exception:
            log.warning("Failed to deserialize value for header '%s' on topic '%s', so using "
                        "byte array", key, topic, exc_info=True)
            return dict(_BYTES_SCHEMA), raw


def headers_to_connect(
    topic: str, headers: pa.Array, converter: HeaderConverter | None = None,
) -> list[list[tuple[str, SchemaAndValue | None]] | None]:
    """Every header of a ``headers`` column as Connect values, row by row.

    ``headers`` is a :data:`~fastconnect.api.batch.HEADERS_TYPE` column; a null row gives
    None. ``converter`` defaults to a :class:`SimpleHeaderConverter`.
    """
    converter = converter or SimpleHeaderConverter()
    if isinstance(headers, pa.ChunkedArray):
        headers = headers.combine_chunks()
    return [None if row is None else
            [(h["key"], converter.to_connect_header(topic, h["key"], h["value"])) for h in row]
            for row in headers.to_pylist()]


def headers_from_connect(
    topic: str, rows: Iterable[Iterable[tuple[str, SchemaAndValue | None]] | None],
    converter: HeaderConverter | None = None,
) -> pa.Array:
    """The inverse of :func:`headers_to_connect`: a :data:`HEADERS_TYPE` column."""
    converter = converter or SimpleHeaderConverter()
    return pa.array(
        [None if row is None else
         [{"key": key, "value": converter.from_connect_header(topic, key, value)}
          for key, value in row]
         for row in rows],
        HEADERS_TYPE)
