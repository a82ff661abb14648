"""The converter contract: bytes in Kafka <-> typed Arrow columns with a Connect schema."""

from __future__ import annotations

from typing import Any, Mapping, Protocol, runtime_checkable

import pyarrow as pa

__all__ = ["Converter", "HeaderConverter"]


@runtime_checkable
class Converter(Protocol):
    """Turns one column of a batch from Connect data to Kafka bytes and back.

    One instance serves either keys or values of one connector (``is_key``). The runtime
    calls it on the event loop with whole columns, so an implementation works on the column
    at once (pyarrow compute, polars, or a Cython loop), never record by record in Python.

    ``from_connect(topic, field, data)``
        Serialise: ``data`` is a typed column, ``field`` its Arrow field carrying the Connect
        schema. Returns a ``binary`` array of the same length; a null stays null.
    ``to_connect(topic, data)``
        Deserialise: ``data`` is a ``binary`` column as read from Kafka. Returns the Arrow
        field (type and Connect schema metadata) and the typed column; a null stays null.

    Both raise :class:`~fastconnect.api.errors.DataError` with ``index`` set to the row that
    failed, so the runtime can name the record's topic/partition/offset or send that one
    record to the dead letter queue. ``topic`` is the topic every row of ``data`` belongs to.

    ``accept_schemaless_structs(accepted)``, optional
        A converter that reads schemaless objects may have it. The runtime of a sink task
        calls it once, before the first ``to_connect``, with True when what reads the value
        column next takes schemaless objects in the struct form (see
        :mod:`fastconnect.api.schema`); the converter may then return a batch of objects of
        one shape in that form, saving the pass that would turn its JSON text into it.
    """

    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None: ...

    def from_connect(self, topic: str, field: pa.Field, data: pa.Array) -> pa.Array: ...

    def to_connect(self, topic: str, data: pa.Array) -> tuple[pa.Field, pa.Array]: ...


@runtime_checkable
class HeaderConverter(Protocol):
    """Turns header values to and from bytes (``header.converter``)."""

    def configure(self, configs: Mapping[str, Any]) -> None: ...

    def from_connect_header(self, topic: str, key: str, value: Any) -> bytes | None: ...

    def to_connect_header(self, topic: str, key: str, value: bytes | None) -> Any: ...
