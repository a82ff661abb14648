"""The per-message loops between librdkafka and Arrow: the one place that picks their code.

``messages_to_batch(messages)`` turns ``Consumer.consume()``'s list into a ``RAW_SCHEMA``
batch; ``produce_rows(producer, topic, partition, timestamp, key, value, headers, start,
on_delivery)`` hands serialised rows to ``Producer.produce()`` until librdkafka's queue is
full. Their contracts are written in :mod:`fastconnect.runtime._messages_py`, the pure-Python
twin; the compiled ``fastconnect._ext.messages`` is used when it is built, unless
``FASTCONNECT_PURE_PYTHON=1`` forces the twin. ``IMPLEMENTATION`` says which one runs.
"""

from __future__ import annotations

from typing import Callable, Protocol

import pyarrow as pa

from fastconnect._ext import choose
from fastconnect.runtime import _messages_py
from fastconnect.runtime._messages_py import ProduceRowError

__all__ = ["messages_to_batch", "produce_rows", "ProduceRowError", "IMPLEMENTATION"]


class MessagesImplementation(Protocol):
    """What both twins provide (the compiled module and ``_messages_py``)."""

    def messages_to_batch(self, messages: list) -> tuple[pa.RecordBatch, list]: ...

    def produce_rows(self, producer, topic, partition, timestamp, key, value, headers,
                     start: int, on_delivery: Callable | None) -> int: ...


_implementation, IMPLEMENTATION = choose("messages", _messages_py)
messages_to_batch = _implementation.messages_to_batch
produce_rows = _implementation.produce_rows
