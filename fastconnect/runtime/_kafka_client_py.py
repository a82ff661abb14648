"""The worker's batch clients over confluent-kafka, in plain Python: the specification.

``src_ext/rdkafka.pyx`` implements :class:`BatchConsumer`, :class:`BatchProducer` and
:class:`DeliveryBatch` with the same methods and results by calling librdkafka directly,
without a Python object or call per message; ``fastconnect.runtime.kafka_client`` chooses
between them. This twin is the fallback when the extension is not built or librdkafka
cannot be found, and the tests run both against the real broker and compare them.

The consumer's contract, for both:

* ``BatchConsumer(config)`` takes librdkafka's settings as :func:`~fastconnect.runtime.
  clients.consumer_config` makes them (strings, numbers, bools; a ``logging.Logger`` under
  ``"logger"`` receives librdkafka's log lines). A bad setting raises
  :class:`KafkaClientError` naming it.
* ``subscribe(topics, on_assign, on_revoke, on_lost)``: topics or ``^regex`` patterns. The
  callbacks take a list of :class:`~fastconnect.api.TopicPartition` and run on the thread
  that called ``consume`` (or ``close``), inside that call; the partitions are assigned
  after ``on_assign`` returns (each from its committed offset, else where
  ``auto.offset.reset`` says) and given up after ``on_revoke``/``on_lost`` return, so a
  revoke callback may still commit. An exception from a callback is raised by the call
  that ran it, after the rebalance was completed.
* ``consume(max_messages, timeout)`` returns ``(batch, errors)``: a ``RAW_SCHEMA`` batch
  (possibly empty) and the :class:`KafkaClientError` of each message that carried an error
  instead of a record, in order. It waits at most ``timeout`` seconds.
* ``commit(offsets)`` commits ``{TopicPartition: next offset}`` synchronously;
  ``committed(partitions, timeout)`` reads them back (None: nothing committed);
  ``seek(offsets)``, ``pause(partitions)``, ``resume(partitions)``, ``assignment()``.
* ``close()`` leaves the group (running ``on_revoke``) and frees the client; calls after it
  raise :class:`KafkaClientError`.

The producer's:

* ``BatchProducer(config)``: settings as for the consumer (and :func:`~fastconnect.
  runtime.clients.producer_config`).
* ``produce(topic, partition, timestamp, key, value, headers, start, delivery)`` hands rows
  ``start ..`` of serialised columns to librdkafka, as :func:`~fastconnect.runtime.
  _messages_py.produce_rows` describes them, and returns the first row not taken: less
  than the row count when librdkafka's queue is full (poll, then call again from there).
  A row refused for another reason raises :class:`~fastconnect.runtime._messages_py.
  ProduceRowError` naming it. Each row's delivery report counts down ``delivery``, a
  :class:`DeliveryBatch` made for the number of rows it will be given.
* ``poll(timeout)`` serves delivery reports (and logs, errors); ``flush(timeout)`` waits
  for every outstanding one and returns how many are still outstanding.
* ``close()`` drops what is still queued (those rows are reported as failed) and frees the
  client.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pyarrow as pa
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition

from fastconnect.api.batch import TopicPartition
from fastconnect.runtime.messages import ProduceRowError, messages_to_batch, produce_rows

__all__ = ["BatchConsumer", "BatchProducer", "DeliveryBatch", "KafkaClientError",
           "librdkafka_path", "OFFSET_INVALID"]

#: librdkafka's "no offset" (nothing committed, or no position yet).
OFFSET_INVALID = -1001

#: ``auto.offset.reset``'s values (librdkafka's spellings too) as the logical offsets they
#: mean: -2 the beginning, -1 the end ("error" has none).
RESET_OFFSETS = {name: -2 for name in ("earliest", "smallest", "beginning")} | \
                {name: -1 for name in ("latest", "largest", "end")}

Callback = Callable[[list[TopicPartition]], None] | None


class KafkaClientError(Exception):
    """An error librdkafka reported, for a message, a call or the client as a whole.

    ``code`` and ``name`` are librdkafka's (``-191``/``_PARTITION_EOF``; negative codes are
    raised by the client itself, positive ones come from the broker); ``fatal`` means the
    client can do nothing more and must be recreated; ``retriable`` that the same call may
    succeed later. ``topic``/``partition`` say where, when the error belongs to one.
    """

    def __init__(self, code: int, name: str, reason: str, *, fatal: bool = False,
                 retriable: bool = False, topic: str | None = None,
                 partition: int | None = None) -> None:
        where = "" if topic is None else f" (topic={topic}, partition={partition})"
        super().__init__(f"{reason} [{name}]{where}")
        self.code = code
        self.name = name
        self.reason = reason
        self.fatal = fatal
        self.retriable = retriable
        self.topic = topic
        self.partition = partition

    @classmethod
    def of(cls, error: KafkaError, topic: str | None = None,
           partition: int | None = None) -> KafkaClientError:
        """The same error, from confluent-kafka's ``KafkaError``."""
        return cls(error.code(), error.name(), error.str(), fatal=error.fatal(),
                   retriable=error.retriable(), topic=topic, partition=partition)


def librdkafka_path() -> str | None:
    """The librdkafka file that confluent-kafka loaded, for the compiled clients to open the
    same instance; ``FASTCONNECT_LIBRDKAFKA`` names another. None when it cannot be found."""
    given = os.environ.get("FASTCONNECT_LIBRDKAFKA")
    if given:
        return given
    import confluent_kafka.cimpl  # noqa: F401 - loads the library this looks for

    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.rstrip("\n").partition("/")[2]
                if path and Path("/" + path).name.startswith("librdkafka"):
                    return "/" + path
    except OSError:
        pass
    package = Path(confluent_kafka.cimpl.__file__).parent
    for folder in (package.parent / "confluent_kafka.libs", package / ".dylibs"):
        found = sorted(folder.glob("librdkafka*"))
        if found:
            return str(found[0])
    return ctypes.util.find_library("rdkafka")


def _ours(partitions: Sequence[KafkaTopicPartition]) -> list[TopicPartition]:
    return [TopicPartition(p.topic, p.partition) for p in partitions]


def _theirs(partitions, offsets: Mapping[TopicPartition, int] | None = None):
    if offsets is not None:
        return [KafkaTopicPartition(tp.topic, tp.partition, offset)
                for tp, offset in offsets.items()]
    return [KafkaTopicPartition(tp.topic, tp.partition) for tp in partitions]


@contextlib.contextmanager
def _translated():
    """confluent-kafka's KafkaException, raised as the KafkaClientError both twins raise."""
    try:
        yield
    except KafkaException as exception:
        raise KafkaClientError.of(exception.args[0]) from None


class BatchConsumer:
    """See the module docstring: the contract both implementations keep."""

    def __init__(self, config: Mapping[str, object]) -> None:
        with _translated():
            self._consumer = Consumer(dict(config))
        self._closed = False
        self._callback_error: BaseException | None = None
        self._reset_to = RESET_OFFSETS.get(str(config.get("auto.offset.reset", "latest")))
        self._cooperative = "cooperative" in str(config.get("partition.assignment.strategy", ""))

    def _live(self) -> Consumer:
        if self._closed:
            raise KafkaClientError(-172, "_STATE", "the consumer is closed")
        return self._consumer

    def _wrap(self, callback: Callback):
        if callback is None:
            return None

        def call(_consumer, partitions) -> None:
            try:
                callback(_ours(partitions))
            except BaseException as error:  # raised by the call that ran the rebalance
                self._callback_error = self._callback_error or error
        return call

    def _assign(self, callback: Callback):
        """The assign callback: ``callback``, then the assignment, from each partition's
        committed offset or from where ``auto.offset.reset`` says. (Left to find that out
        itself, librdkafka waits a fixed 100 ms before it resets a partition without a
        committed offset.)"""
        user = self._wrap(callback)

        def call(consumer, partitions) -> None:
            if user is not None:
                user(consumer, partitions)
            if self._reset_to is not None and partitions:
                try:
                    found = consumer.committed(partitions, 30)
                except KafkaException:
                    found = []                    # offsets left unset: librdkafka finds out
                for tp, committed in zip(partitions, found):
                    if committed.error is None and committed.offset == OFFSET_INVALID:
                        tp.offset = self._reset_to
                    elif committed.error is None:
                        tp.offset = committed.offset
            try:
                if self._cooperative:
                    consumer.incremental_assign(partitions)
                else:
                    consumer.assign(partitions)
            except KafkaException as error:
                self._callback_error = self._callback_error or KafkaClientError.of(
                    error.args[0])
        return call

    def _raise_callback_error(self) -> None:
        error, self._callback_error = self._callback_error, None
        if error is not None:
            raise error

    def subscribe(self, topics: Sequence[str], on_assign: Callback = None,
                  on_revoke: Callback = None, on_lost: Callback = None) -> None:
        kwargs = {name: self._wrap(cb) for name, cb in
                  (("on_revoke", on_revoke), ("on_lost", on_lost)) if cb is not None}
        kwargs["on_assign"] = self._assign(on_assign)
        with _translated():
            self._live().subscribe(list(topics), **kwargs)

    def consume(self, max_messages: int, timeout: float) -> tuple[pa.RecordBatch, list]:
        with _translated():
            messages = self._live().consume(max_messages, timeout)
        batch, failed = messages_to_batch(messages)
        self._raise_callback_error()
        return batch, [KafkaClientError.of(m.error(), m.topic(), m.partition()) for m in failed]

    def assignment(self) -> list[TopicPartition]:
        with _translated():
            return _ours(self._live().assignment())

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        if not offsets:
            return
        with _translated():
            results = self._live().commit(offsets=_theirs(None, offsets), asynchronous=False)
        for result in results or ():
            if result.error is not None:
                raise KafkaClientError.of(result.error, result.topic, result.partition)

    def committed(self, partitions: Sequence[TopicPartition],
                  timeout: float) -> dict[TopicPartition, int | None]:
        with _translated():
            results = self._live().committed(_theirs(partitions), timeout)
        return {TopicPartition(r.topic, r.partition):
                None if r.offset == OFFSET_INVALID else r.offset for r in results}

    def seek(self, offsets: Mapping[TopicPartition, int]) -> None:
        consumer = self._live()
        for tp in _theirs(None, offsets):
            with _translated():
                consumer.seek(tp)

    def pause(self, partitions: Sequence[TopicPartition]) -> None:
        with _translated():
            self._live().pause(_theirs(partitions))

    def resume(self, partitions: Sequence[TopicPartition]) -> None:
        with _translated():
            self._live().resume(_theirs(partitions))

    def close(self) -> None:
        if self._closed:
            return
        try:
            with _translated():
                self._consumer.close()   # the revoke callback runs here, and may still commit
        finally:
            self._closed = True
        self._raise_callback_error()


class DeliveryBatch:
    """The delivery reports of ``count`` produced rows: ``remaining`` counts down to 0 as
    Kafka acknowledges them; ``error`` is the first failure (a :class:`KafkaClientError`)
    or None; ``offsets`` is the caller's, carried along (a source batch's offsets)."""

    __slots__ = ("remaining", "error", "offsets")

    def __init__(self, count: int, offsets=None) -> None:
        self.remaining = count
        self.error: KafkaClientError | None = None
        self.offsets = offsets

    def __call__(self, err, msg) -> None:
        # confluent-kafka's on_delivery: one call per produced row.
        if err is not None and self.error is None:
            self.error = KafkaClientError.of(err, msg.topic(), msg.partition())
        self.remaining -= 1


class BatchProducer:
    """See the module docstring: the contract both implementations keep."""

    def __init__(self, config: Mapping[str, object]) -> None:
        with _translated():
            self._producer = Producer(dict(config))
        self._closed = False

    def _live(self) -> Producer:
        if self._closed:
            raise KafkaClientError(-172, "_STATE", "the producer is closed")
        return self._producer

    def produce(self, topic, partition, timestamp, key, value, headers, start: int,
                delivery: DeliveryBatch) -> int:
        try:
            return produce_rows(self._live(), topic, partition, timestamp, key, value,
                                headers, start, delivery)
        except ProduceRowError as error:
            cause = error.__cause__
            if isinstance(cause, KafkaException):
                ours = KafkaClientError.of(cause.args[0])
                raise ProduceRowError(error.row, ours) from ours
            raise

    def poll(self, timeout: float = 0) -> int:
        return self._live().poll(timeout)

    def flush(self, timeout: float) -> int:
        return self._live().flush(timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._producer.purge()
        self._producer.poll(0)   # report the purged rows
        self._closed = True
