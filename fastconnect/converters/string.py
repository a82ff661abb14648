"""StringConverter and ByteArrayConverter: Kafka's two simplest converters, on whole columns.

``StringConverter`` (``org.apache.kafka.connect.storage.StringConverter``) writes each value's
Java ``toString()`` in ``converter.encoding`` and reads bytes back as an optional string.
With UTF-8 both directions are casts that do not copy the data. Kafka decodes malformed
input by substituting U+FFFD; this converter refuses it with a DataError naming the row.

``ByteArrayConverter`` (``org.apache.kafka.connect.converters.ByteArrayConverter``) passes
bytes through and refuses anything else, as Kafka's does.
"""

from __future__ import annotations

import codecs
from typing import Any, Mapping

import pyarrow as pa

from fastconnect.api.config import ConfigDef, Importance, Type
from fastconnect.api.errors import ConfigError, DataError
from fastconnect.api.schema import field_to_connect_schema, format_values, is_schemaless

__all__ = ["StringConverter", "ByteArrayConverter", "ENCODING_CONFIG"]

ENCODING_CONFIG = "converter.encoding"
_BYTE_ORDER_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
                     codecs.BOM_UTF32_BE)


def _known_encoding(name: str, value: Any) -> None:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ConfigError.invalid(name, value, "Unknown character set") from None


STRING_CONFIG_DEF = ConfigDef().define(
    ENCODING_CONFIG, Type.STRING, "UTF-8", _known_encoding, Importance.HIGH,
    "The character set strings are encoded in and bytes decoded from, by its Java or IANA name "
    "(UTF-8, UTF-16, ISO-8859-1, windows-1252, ...).")


def _column_name(is_key: bool) -> str:
    return "key" if is_key else "value"


class StringConverter:
    """Values as text: ``toString()`` of each value on write, an optional string on read."""

    CONFIG_DEF = STRING_CONFIG_DEF

    def __init__(self) -> None:
        self.configure({}, is_key=False)

    def config(self) -> ConfigDef:
        """The configuration keys this converter accepts."""
        return STRING_CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        """Read ``converter.encoding``; raises ConfigError for an unknown character set."""
        self._codec = codecs.lookup(STRING_CONFIG_DEF.parse(configs)[ENCODING_CONFIG]).name
        self._is_key = is_key

    def close(self) -> None:
        """Nothing to release."""

    def _encode(self, text: str) -> bytes:
        # Java's UTF-16 writes a big-endian byte order mark, its UTF-32 none; unmappable
        # characters become '?', as Java's String.getBytes does.
        if self._codec == "utf-16":
            return b"\xfe\xff" + text.encode("utf-16-be", "replace")
        if self._codec == "utf-32":
            return text.encode("utf-32-be", "replace")
        return text.encode(self._codec, "replace")

    def _decode(self, raw: bytes) -> str:
        if self._codec in ("utf-16", "utf-32") and not raw.startswith(_BYTE_ORDER_MARKS):
            return raw.decode(self._codec + "-be")  # Java reads big-endian without a mark
        return raw.decode(self._codec)

    def from_connect(self, topic: str, field: pa.Field, data: pa.Array) -> pa.Array:
        """Each value's Java ``toString()`` (see :func:`format_values`), encoded; null stays
        null."""
        text = format_values(field, data)
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        if self._codec == "utf-8":
            if not pa.types.is_string(text.type):
                text = text.cast(pa.string())
            return text.cast(pa.binary())
        return pa.array([None if s is None else self._encode(s) for s in text.to_pylist()],
                        pa.binary())

    def to_connect(self, topic: str, data: pa.Array) -> tuple[pa.Field, pa.Array]:
        """The bytes decoded as an optional string column; DataError at a malformed row."""
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        field = pa.field(_column_name(self._is_key), pa.string())
        if pa.types.is_string(data.type):
            return field, data
        if self._codec == "utf-8":
            try:
                return field, data.cast(pa.string())
            except pa.ArrowInvalid:
                pass  # find the row below
        values = []
        for i, raw in enumerate(data.to_pylist()):
            try:
                values.append(None if raw is None else self._decode(raw))
            except UnicodeDecodeError as error:
                raise DataError(f"Invalid {self._codec} at byte {error.start} of the record: "
                                f"{error.reason}", i) from None
        return field, pa.array(values, pa.string())


class ByteArrayConverter:
    """Bytes pass through untouched in both directions; anything else is refused."""

    CONFIG_DEF = ConfigDef()

    def __init__(self) -> None:
        self._is_key = False

    def config(self) -> ConfigDef:
        """This converter has no settings."""
        return self.CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        """Nothing to read but which column this converter serves."""
        self._is_key = is_key

    def close(self) -> None:
        """Nothing to release."""

    def from_connect(self, topic: str, field: pa.Field, data: pa.Array) -> pa.Array:
        """The column itself when it holds bytes; DataError otherwise.

        Like Kafka's, a column whose schema is not ``bytes`` fails at its first row, and a
        value that is not a byte array (a Decimal, a schemaless value) fails at its row.
        """
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        t = data.type
        if pa.types.is_binary(t):
            return data
        if pa.types.is_large_binary(t) or pa.types.is_binary_view(t) \
                or pa.types.is_fixed_size_binary(t):
            return data.cast(pa.binary())
        if data.null_count == len(data):
            return pa.nulls(len(data), pa.binary())
        schema = None if is_schemaless(field) else field_to_connect_schema(field)
        if schema is not None and schema["type"] != "bytes":
            raise DataError("Invalid schema type for ByteArrayConverter: "
                            + schema["type"].upper(), 0)
        first = data.is_valid().to_pylist().index(True)
        raise DataError("ByteArrayConverter is not compatible with objects of Arrow type "
                        f"{t}", first)

    def to_connect(self, topic: str, data: pa.Array) -> tuple[pa.Field, pa.Array]:
        """The bytes as an optional ``bytes`` column, without a copy."""
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if not pa.types.is_binary(data.type):
            data = data.cast(pa.binary())
        return pa.field(_column_name(self._is_key), pa.binary()), data
