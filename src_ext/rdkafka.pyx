# cython: language_level=3, boundscheck=False, wraparound=False
"""The worker's Kafka clients, calling librdkafka directly: batches in, batches out.

The specification is ``fastconnect.runtime._kafka_client_py`` (over confluent-kafka); this
module keeps its contract and the tests compare the two against the real broker. What it
changes is the cost per message. confluent-kafka's ``consume`` builds a Python ``Message``
per record, and reading its fields back costs as much again: a third of a sink's time at
~400k records/s; its ``produce`` is a Python call per record and its delivery reports a
Python callback per record. Here ``consume`` takes librdkafka's messages and copies their
keys, values and headers straight into Arrow buffers (sizes summed first, so each buffer is
allocated once), and ``produce`` walks the Arrow columns calling ``rd_kafka_produceva``,
both without the GIL; a :class:`DeliveryBatch` counts its acknowledgements with an atomic
in C. The Python cost of a batch does not grow with its rows.

librdkafka is the one confluent-kafka loaded (``rdkafka_abi.h``). Its callbacks
(rebalance, errors, logs) only ever run inside our own calls on the calling thread
(``log.queue`` keeps librdkafka's threads from logging by themselves), where they take the
GIL back for their Python part.
"""

cimport cython
from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint8_t, uintptr_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset, strcmp, strlen

from librdkafka cimport *

import logging

import pyarrow as pa

from fastconnect.api.batch import HEADERS_TYPE, RAW_SCHEMA, TIMESTAMP_TYPE, TopicPartition
from fastconnect.runtime._kafka_client_py import (
    OFFSET_INVALID, RESET_OFFSETS, KafkaClientError, librdkafka_path,
)
from fastconnect.runtime._messages_py import ProduceRowError, produce_columns

_path = librdkafka_path()
if _path is None:
    raise ImportError("librdkafka was not found (set FASTCONNECT_LIBRDKAFKA to its path)")
_path_bytes = _path.encode()
cdef const char *_loaded = fc_rdkafka_load(_path_bytes)
if _loaded != NULL:
    raise ImportError(f"cannot use librdkafka at {_path}: {(<bytes>_loaded).decode()}")
if rd_kafka_version() < 0x02000000:
    raise ImportError(f"librdkafka at {_path} is older than 2.0")

LIBRDKAFKA = _path

cdef int _INVALID_ARG = RD_KAFKA_RESP_ERR__INVALID_ARG, _STATE = -172
cdef int _OPERATION_TIMEOUT_MS = 30000
cdef object _BINARY = pa.binary(), _STRING = pa.string()
cdef object _INT32 = pa.int32(), _INT64 = pa.int64()
cdef object _PAIR = HEADERS_TYPE.value_type


# ---------------------------------------------------------------- errors and partitions

def _error(int code, str reason=None, topic=None, partition=None, bint fatal=False,
           bint retriable=False):
    name = rd_kafka_err2name(code).decode()
    if reason is None:
        reason = rd_kafka_err2str(code).decode()
    return KafkaClientError(code, name, reason, fatal=fatal, retriable=retriable, topic=topic,
                            partition=partition)


cdef int _check(int code, str doing) except -1:
    if code != RD_KAFKA_RESP_ERR_NO_ERROR:
        raise _error(code, f"{doing}: {rd_kafka_err2str(code).decode()}")
    return 0


cdef int _check_error(rd_kafka_error_t *error, str doing) except -1:
    if error == NULL:
        return 0
    try:
        raise _error(rd_kafka_error_code(error),
                     f"{doing}: {rd_kafka_error_string(error).decode()}",
                     fatal=rd_kafka_error_is_fatal(error),
                     retriable=rd_kafka_error_is_retriable(error))
    finally:
        rd_kafka_error_destroy(error)


cdef int _check_partitions(rd_kafka_topic_partition_list_t *parts, str doing) except -1:
    cdef int i
    for i in range(parts.cnt):
        if parts.elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR:
            raise _error(parts.elems[i].err,
                         f"{doing}: {rd_kafka_err2str(parts.elems[i].err).decode()}",
                         topic=parts.elems[i].topic.decode(),
                         partition=parts.elems[i].partition)
    return 0


cdef rd_kafka_topic_partition_list_t *_partition_list(object partitions,
                                                      object offsets=None) except NULL:
    """A new list (the caller destroys it) of ``partitions``, or of ``offsets``' keys with
    their offsets."""
    items = list(offsets.items() if offsets is not None else partitions)
    cdef rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(len(items))
    cdef rd_kafka_topic_partition_t *part
    for item in items:
        tp = item[0] if offsets is not None else item
        part = rd_kafka_topic_partition_list_add(parts, tp.topic.encode(), tp.partition)
        if offsets is not None:
            part.offset = item[1]
    return parts


cdef list _partitions(const rd_kafka_topic_partition_list_t *parts):
    cdef int i
    if parts == NULL:
        return []
    return [TopicPartition(parts.elems[i].topic.decode(), parts.elems[i].partition)
            for i in range(parts.cnt)]


# ---------------------------------------------------------------- the client base

cdef void _on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque) noexcept with gil:
    (<_Client>opaque)._client_error(code, reason)


cdef void _on_log(const rd_kafka_t *rk, int level, const char *facility,
                  const char *text) noexcept with gil:
    (<_Client>rd_kafka_opaque(rk))._log(level, facility, text)


cdef class _Client:
    """What the consumer and producer share: configuration, logging, error callbacks."""
    cdef rd_kafka_t *rk
    cdef object logger
    # An exception raised in a callback (or a fatal client error), raised by the call
    # that ran it, once librdkafka's own work for that call is done.
    cdef object pending

    cdef rd_kafka_conf_t *_configure(self, object config) except NULL:
        cdef char errstr[512]
        cdef rd_kafka_conf_t *conf = rd_kafka_conf_new()
        try:
            for key, value in config.items():
                if key == "logger":
                    self.logger = value
                    continue
                if isinstance(value, bool):
                    value = "true" if value else "false"
                text = str(value).encode()
                if rd_kafka_conf_set(conf, str(key).encode(), text, errstr,
                                     sizeof(errstr)) != RD_KAFKA_CONF_OK:
                    raise _error(_INVALID_ARG, errstr.decode(errors="replace"))
            if self.logger is not None:
                rd_kafka_conf_set(conf, b"log.queue", b"true", errstr, sizeof(errstr))
                rd_kafka_conf_set_log_cb(conf, _on_log)
            rd_kafka_conf_set_error_cb(conf, _on_error)
            rd_kafka_conf_set_opaque(conf, <void *>self)
        except BaseException:
            rd_kafka_conf_destroy(conf)
            raise
        return conf

    cdef int _create(self, int kind, rd_kafka_conf_t *conf) except -1:
        cdef char errstr[512]
        self.rk = rd_kafka_new(kind, conf, errstr, sizeof(errstr))
        if self.rk == NULL:  # conf is still ours
            rd_kafka_conf_destroy(conf)
            raise _error(_INVALID_ARG, errstr.decode(errors="replace"))
        if self.logger is not None:
            rd_kafka_set_log_queue(self.rk, NULL)   # served by our polls
        return 0

    cdef rd_kafka_t *_live(self) except NULL:
        if self.rk == NULL:
            raise _error(_STATE, "the client is closed")
        return self.rk

    cdef void _log(self, int level, const char *facility, const char *text) noexcept:
        # syslog levels: 0-2 critical, 3 error, 4 warning, 5-6 info, 7 debug
        python_level = (logging.CRITICAL if level <= 2 else logging.ERROR if level == 3 else
                        logging.WARNING if level == 4 else logging.INFO if level <= 6 else
                        logging.DEBUG)
        try:
            self.logger.log(python_level, "%s: %s", facility.decode(errors="replace"),
                            text.decode(errors="replace"))
        except BaseException:
            pass

    cdef void _client_error(self, int code, const char *reason) noexcept:
        cdef char errstr[512]
        try:
            if code == RD_KAFKA_RESP_ERR__FATAL:
                code = rd_kafka_fatal_error(self.rk, errstr, sizeof(errstr))
                self._remember(_error(code, errstr.decode(errors="replace"), fatal=True))
            elif self.logger is not None:
                self.logger.warning("%s (%s)", reason.decode(errors="replace"),
                                    rd_kafka_err2name(code).decode())
        except BaseException as error:
            self._remember(error)

    cdef void _remember(self, object error) noexcept:
        if self.pending is None:
            self.pending = error

    cdef int _raise_pending(self) except -1:
        error, self.pending = self.pending, None
        if error is not None:
            raise error
        return 0


include "_rdkafka_consumer.pxi"
include "_rdkafka_producer.pxi"
