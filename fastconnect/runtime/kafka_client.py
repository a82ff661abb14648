"""The worker's Kafka clients that move batches: the one place that picks their code.

:class:`BatchConsumer` consumes straight into ``RAW_SCHEMA`` batches; :class:`BatchProducer`
produces serialised columns, counting acknowledgements in a :class:`DeliveryBatch`. Their
contract is written in :mod:`fastconnect.runtime._kafka_client_py`, the twin over
confluent-kafka; the compiled ``fastconnect._ext.rdkafka`` (librdkafka called directly, no
Python object or call per message) is used when it is built and finds librdkafka, unless
``FASTCONNECT_PURE_PYTHON=1`` forces the twin. ``IMPLEMENTATION`` says which one runs.
"""

from __future__ import annotations

import logging
import os
from typing import Callable, Mapping, Protocol, Sequence

import pyarrow as pa

from fastconnect._ext import choose
from fastconnect.api.batch import TopicPartition
from fastconnect.runtime import _kafka_client_py
from fastconnect.runtime._kafka_client_py import KafkaClientError

__all__ = ["BatchConsumer", "BatchProducer", "DeliveryBatch", "KafkaBatchConsumer",
           "KafkaBatchProducer", "KafkaClientError", "IMPLEMENTATION"]

Rebalance = Callable[[list[TopicPartition]], None] | None


class KafkaBatchConsumer(Protocol):
    """What both consumers provide (see ``_kafka_client_py`` for the contract)."""

    def subscribe(self, topics: Sequence[str], on_assign: Rebalance = None,
                  on_revoke: Rebalance = None, on_lost: Rebalance = None) -> None: ...

    def consume(self, max_messages: int,
                timeout: float) -> tuple[pa.RecordBatch, list[KafkaClientError]]: ...

    def assignment(self) -> list[TopicPartition]: ...

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None: ...

    def committed(self, partitions: Sequence[TopicPartition],
                  timeout: float) -> dict[TopicPartition, int | None]: ...

    def seek(self, offsets: Mapping[TopicPartition, int]) -> None: ...

    def pause(self, partitions: Sequence[TopicPartition]) -> None: ...

    def resume(self, partitions: Sequence[TopicPartition]) -> None: ...

    def close(self) -> None: ...


class KafkaBatchProducer(Protocol):
    """What both producers provide (see ``_kafka_client_py`` for the contract)."""

    def produce(self, topic, partition, timestamp, key, value, headers, start: int,
                delivery) -> int: ...

    def poll(self, timeout: float = 0) -> int: ...

    def flush(self, timeout: float) -> int: ...

    def close(self) -> None: ...


_implementation, IMPLEMENTATION = choose("rdkafka", _kafka_client_py)
if IMPLEMENTATION == "python" and os.environ.get("FASTCONNECT_PURE_PYTHON") != "1":
    # Built without the extension, or it could not open librdkafka: say which, once.
    try:
        import fastconnect._ext.rdkafka  # noqa: F401
    except ImportError as error:
        logging.getLogger(__name__).warning(
            "Kafka clients run on confluent-kafka, without the compiled batch path: %s", error)
BatchConsumer: Callable[[Mapping[str, object]], KafkaBatchConsumer] = \
    _implementation.BatchConsumer
BatchProducer: Callable[[Mapping[str, object]], KafkaBatchProducer] = \
    _implementation.BatchProducer
DeliveryBatch = _implementation.DeliveryBatch
