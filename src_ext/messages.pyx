# cython: language_level=3, boundscheck=False, wraparound=False
"""The per-message loops between librdkafka and Arrow, compiled.

The specification is ``fastconnect.runtime._messages_py``: same signatures, same results, and
the tests compare the two. What this version adds is where the bytes go:

* ``messages_to_batch`` copies each key, value and header straight from the message's
  ``bytes`` into buffers allocated from Arrow's memory pool (``pa.allocate_buffer``), and
  hands those buffers to ``pa.Array.from_buffers`` as they are: one memcpy per field, no
  per-row Python list, no second copy. (Arrow's pool rather than malloc: its buffers are
  64-byte aligned and show in ``pa.total_allocated_bytes()``, so batch memory is measurable.
  And not pyarrow.lib's ``pyarrow_wrap_buffer``: that needs the build to compile and link
  against Arrow's C++ headers and libarrow_python, for no fewer copies.)
* ``produce_rows`` reads keys, values, partitions, timestamps and headers from the Arrow
  buffers by address and makes each ``bytes`` with one ``PyBytes_FromStringAndSize``.

Both hold the GIL throughout: every row is a Python call into confluent-kafka anyway.
"""

cimport cython
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize
from cpython.bytes cimport PyBytes_GET_SIZE
from cpython.list cimport PyList_GET_ITEM
from cpython.unicode cimport PyUnicode_Check, PyUnicode_DecodeUTF8
from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint8_t, uintptr_t
from libc.string cimport memcpy, memset

import pyarrow as pa
from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Message

from fastconnect.api.batch import HEADERS_TYPE, RAW_SCHEMA, TIMESTAMP_TYPE
from fastconnect.runtime._messages_py import (
    PARTITION_UNASSIGNED,
    TIMESTAMP_NOW,
    ProduceRowError,
    produce_columns,
)

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object text, Py_ssize_t *size) except NULL

cdef int _NOT_AVAILABLE = TIMESTAMP_NOT_AVAILABLE
cdef object _BINARY = pa.binary()
cdef object _STRING = pa.string()
cdef object _INT32 = pa.int32()
cdef object _INT64 = pa.int64()
cdef char _ZERO = 0

# confluent_kafka.Message's methods, unbound: calling these skips the attribute lookup that
# message.error() pays, about a third of messages_to_batch's time (measured). Any other
# message type is called by name.
cdef object _MESSAGE = Message
cdef object _ERROR = Message.error, _TOPIC = Message.topic, _PARTITION = Message.partition
cdef object _OFFSET = Message.offset, _TIMESTAMP = Message.timestamp, _KEY = Message.key
cdef object _VALUE = Message.value, _HEADERS = Message.headers


cdef inline object _call(object message, bint exact, object method, str name):
    return method(message) if exact else getattr(message, name)()


# ---------------------------------------------------------------- building (consume side)

@cython.final
cdef class _Buffer:
    # Memory from Arrow's pool (a pyarrow.ResizableBuffer), handed to Arrow as is by finish().
    cdef object buffer
    cdef char *data
    cdef Py_ssize_t size
    cdef Py_ssize_t capacity

    def __cinit__(self, Py_ssize_t capacity):
        self.capacity = capacity if capacity > 64 else 64
        self.buffer = pa.allocate_buffer(self.capacity, resizable=True)
        self.data = <char *><uintptr_t>self.buffer.address
        self.size = 0

    cdef int grow(self, Py_ssize_t extra) except -1:
        # Doubling keeps the copies of a growing column to about its final size in total.
        cdef Py_ssize_t capacity = max(self.size + extra, 2 * self.capacity)
        self.buffer.resize(capacity)
        self.data = <char *><uintptr_t>self.buffer.address
        self.capacity = capacity
        return 0

    cdef object finish(self):
        # Give back the unused tail; mimalloc shrinks in place when less than half is cut.
        if self.size < self.capacity:
            self.buffer.resize(self.size, shrink_to_fit=True)
        return self.buffer


cdef inline int _append(_Buffer buffer, const char *data, Py_ssize_t size) except -1:
    if buffer.size + size > buffer.capacity:
        buffer.grow(size)
    memcpy(buffer.data + buffer.size, data, size)
    buffer.size += size
    return 0


cdef inline void _set_bit(_Buffer bitmap, Py_ssize_t i) noexcept:
    (<uint8_t *>bitmap.data)[i >> 3] |= <uint8_t>(1 << (i & 7))


cdef _Buffer _bitmap(Py_ssize_t length):
    cdef _Buffer bitmap = _Buffer((length + 7) // 8)
    memset(bitmap.data, 0, bitmap.capacity)
    bitmap.size = (length + 7) // 8
    return bitmap


@cython.final
cdef class _BinaryBuilder:
    # A binary (or string) column filled row by row: int32 offsets, validity bitmap, data.
    cdef _Buffer offsets
    cdef _Buffer validity
    cdef _Buffer data
    cdef Py_ssize_t length
    cdef Py_ssize_t null_count

    def __cinit__(self, Py_ssize_t rows, Py_ssize_t data_capacity):
        self.offsets = _Buffer(4 * (rows + 1))
        self.validity = _Buffer((rows + 7) // 8)
        self.data = _Buffer(data_capacity)
        (<int32_t *>self.offsets.data)[0] = 0
        self.offsets.size = 4

    cdef int append(self, const char *data, Py_ssize_t size) except -1:
        _append(self.data, data, size)
        if self.data.size > INT32_MAX:
            raise OverflowError("more than 2 GiB in one binary column of a batch: "
                                "consume fewer messages per batch")
        return self._next(True)

    cdef int append_null(self) except -1:
        self.null_count += 1
        return self._next(False)

    cdef int append_object(self, object value) except -1:
        cdef Py_buffer view
        if value is None:
            return self.append_null()
        if PyBytes_CheckExact(value):      # what confluent-kafka gives: no buffer protocol
            return self.append(PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value))
        PyObject_GetBuffer(value, &view, PyBUF_SIMPLE)
        try:
            return self.append(<const char *>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)

    cdef int _next(self, bint valid) except -1:
        cdef Py_ssize_t i = self.length
        if i & 7 == 0:                    # a new validity byte, starting all-null
            _append(self.validity, &_ZERO, 1)
        if valid:
            _set_bit(self.validity, i)
        if self.offsets.size + 4 > self.offsets.capacity:
            self.offsets.grow(4)
        (<int32_t *>(self.offsets.data + self.offsets.size))[0] = <int32_t>self.data.size
        self.offsets.size += 4
        self.length += 1
        return 0

    cdef object finish(self, object arrow_type):
        validity = self.validity.finish() if self.null_count else None
        return pa.Array.from_buffers(arrow_type, self.length,
                                     [validity, self.offsets.finish(), self.data.finish()],
                                     self.null_count)


def messages_to_batch(messages):
    """See ``fastconnect.runtime._messages_py.messages_to_batch``: same contract."""
    cdef list items = messages if type(messages) is list else list(messages)
    cdef Py_ssize_t n = len(items), rows = 0, name_size
    # Fixed-width columns have at most n rows: allocated once, never grown.
    cdef _Buffer topic_index = _Buffer(4 * n), partitions = _Buffer(4 * n)
    cdef _Buffer offsets = _Buffer(8 * n), stamps = _Buffer(8 * n)
    cdef _Buffer stamp_validity = _bitmap(n), header_validity = _bitmap(n)
    cdef _Buffer header_offsets = _Buffer(4 * (n + 1))
    # Data capacities are first guesses; they double as needed and are trimmed at the end.
    cdef _BinaryBuilder keys = _BinaryBuilder(n, 16 * n), values = _BinaryBuilder(n, 256 * n)
    cdef _BinaryBuilder header_keys = _BinaryBuilder(0, 0), header_values = _BinaryBuilder(0, 0)
    cdef Py_ssize_t stamp_nulls = 0, header_nulls = 0
    cdef dict topic_numbers = {}
    cdef list topic_names = [], errors = []
    cdef str topic, last_topic = None
    cdef int32_t last_number = -1
    cdef bint exact
    cdef const char *name
    cdef object message, kind, millis, pairs, pair, header_name, header_value

    (<int32_t *>header_offsets.data)[0] = 0
    for message in items:
        exact = type(message) is _MESSAGE
        if _call(message, exact, _ERROR, "error") is not None:
            errors.append(message)
            continue
        topic = _call(message, exact, _TOPIC, "topic")
        if topic is None:
            raise TypeError("a consumed message without a topic")
        # Consecutive messages mostly share a topic: compare before hashing.
        if last_topic is None or not (topic is last_topic or topic == last_topic):
            number = topic_numbers.get(topic)
            if number is None:
                number = len(topic_names)
                topic_numbers[topic] = number
                topic_names.append(topic)
            last_topic = topic
            last_number = number
        (<int32_t *>topic_index.data)[rows] = last_number
        (<int32_t *>partitions.data)[rows] = _call(message, exact, _PARTITION, "partition")
        (<int64_t *>offsets.data)[rows] = _call(message, exact, _OFFSET, "offset")

        kind, millis = _call(message, exact, _TIMESTAMP, "timestamp")
        if <int>kind == _NOT_AVAILABLE:
            (<int64_t *>stamps.data)[rows] = 0
            stamp_nulls += 1
        else:
            (<int64_t *>stamps.data)[rows] = millis
            _set_bit(stamp_validity, rows)

        keys.append_object(_call(message, exact, _KEY, "key"))
        values.append_object(_call(message, exact, _VALUE, "value"))

        pairs = _call(message, exact, _HEADERS, "headers")
        if pairs:
            for pair in pairs:
                header_name, header_value = pair
                if not PyUnicode_Check(header_name):
                    raise TypeError(f"header name must be str, not {type(header_name).__name__}")
                name = PyUnicode_AsUTF8AndSize(header_name, &name_size)
                header_keys.append(name, name_size)
                header_values.append_object(header_value)
            _set_bit(header_validity, rows)
        else:
            header_nulls += 1
        (<int32_t *>header_offsets.data)[rows + 1] = <int32_t>header_keys.length
        rows += 1

    topic_index.size = partitions.size = 4 * rows
    offsets.size = stamps.size = 8 * rows
    header_offsets.size = 4 * (rows + 1)
    pair_type = HEADERS_TYPE.value_type
    header_pairs = pa.Array.from_buffers(
        pair_type, header_keys.length, [None], 0,
        children=[header_keys.finish(_STRING), header_values.finish(_BINARY)])
    columns = [
        pa.DictionaryArray.from_arrays(
            pa.Array.from_buffers(_INT32, rows, [None, topic_index.finish()], 0),
            pa.array(topic_names, _STRING)),
        pa.Array.from_buffers(_INT32, rows, [None, partitions.finish()], 0),
        pa.Array.from_buffers(_INT64, rows, [None, offsets.finish()], 0),
        pa.Array.from_buffers(TIMESTAMP_TYPE, rows,
                              [stamp_validity.finish() if stamp_nulls else None,
                               stamps.finish()], stamp_nulls),
        keys.finish(_BINARY),
        values.finish(_BINARY),
        pa.Array.from_buffers(HEADERS_TYPE, rows,
                              [header_validity.finish() if header_nulls else None,
                               header_offsets.finish()],
                              header_nulls, children=[header_pairs]),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=RAW_SCHEMA), errors


# ---------------------------------------------------------------- reading (produce side)

# Read-only views of Arrow arrays, for the produce loop. ``offset`` is the array's slice
# offset, to add to every row index (validity bits and offsets are not pre-shifted).
cdef struct FixedView:
    const uint8_t *validity      # NULL when the array has no nulls
    const char *values
    int64_t offset

cdef struct BinaryView:
    const uint8_t *validity      # NULL when the array has no nulls
    const int32_t *offsets
    const char *data
    int64_t offset

cdef inline const char *_address(object buffer):
    if buffer is None:
        return NULL
    return <const char *><uintptr_t>buffer.address


cdef inline bint _valid(const uint8_t *bits, int64_t i) noexcept nogil:
    return bits == NULL or (bits[i >> 3] >> (i & 7)) & 1


cdef int _view_fixed(FixedView *view, object array) except -1:
    buffers = array.buffers()
    view.validity = <const uint8_t *>_address(buffers[0]) if array.null_count else NULL
    view.values = _address(buffers[1])
    view.offset = array.offset
    return 0


cdef int _view_binary(BinaryView *view, object array) except -1:
    buffers = array.buffers()
    view.validity = <const uint8_t *>_address(buffers[0]) if array.null_count else NULL
    view.offsets = <const int32_t *>_address(buffers[1])
    view.data = _address(buffers[2])
    view.offset = array.offset
    return 0


cdef inline object _bytes_at(BinaryView *view, int64_t i):
    cdef int64_t j = view.offset + i
    if not _valid(view.validity, j):
        return None
    return PyBytes_FromStringAndSize(view.data + view.offsets[j],
                                     view.offsets[j + 1] - view.offsets[j])


cdef inline object _text_at(BinaryView *view, int64_t i):
    cdef int64_t j = view.offset + i
    if not _valid(view.validity, j):
        return None
    return PyUnicode_DecodeUTF8(view.data + view.offsets[j],
                                view.offsets[j + 1] - view.offsets[j], NULL)


def produce_rows(producer, topic, partition, timestamp, key, value, headers,
                 Py_ssize_t start, on_delivery):
    """See ``fastconnect.runtime._messages_py.produce_rows``: same contract."""
    cols = produce_columns(topic, partition, timestamp, key, value, headers)
    cdef Py_ssize_t n = cols.length, i
    if not 0 <= start <= n:
        raise ValueError(f"start={start} is outside the {n} rows")
    cdef list names = cols.topic.dictionary.to_pylist()
    cdef FixedView topic_index, partitions, stamps, header_offsets
    cdef BinaryView keys, values, header_keys, header_values
    cdef bint has_partition = cols.partition is not None
    cdef bint has_stamp = cols.timestamp is not None
    cdef bint has_key = cols.key is not None, has_value = cols.value is not None
    cdef bint has_headers = cols.headers is not None
    cdef int64_t j, first, last, h
    cdef int32_t number
    cdef object part, stamp, pairs
    cdef int32_t unassigned = PARTITION_UNASSIGNED
    cdef int64_t now = TIMESTAMP_NOW

    # Locals keep every array, and so every buffer viewed below, alive for the loop.
    indices = cols.topic.indices
    _view_fixed(&topic_index, indices)
    if has_partition:
        _view_fixed(&partitions, cols.partition)
    if has_stamp:
        _view_fixed(&stamps, cols.timestamp)
    if has_key:
        _view_binary(&keys, cols.key)
    if has_value:
        _view_binary(&values, cols.value)
    if has_headers:
        _view_fixed(&header_offsets, cols.headers)      # list validity and offsets
        pair_fields = cols.headers.values.flatten()     # struct nulls folded into fields
        _view_binary(&header_keys, pair_fields[0])
        _view_binary(&header_values, pair_fields[1])

    produce = producer.produce
    for i in range(start, n):
        number = (<const int32_t *>topic_index.values)[topic_index.offset + i]
        if number < 0 or number >= len(names):
            raise IndexError(f"topic index {number} outside the dictionary at row {i}")
        part = unassigned
        if has_partition and _valid(partitions.validity, partitions.offset + i):
            part = (<const int32_t *>partitions.values)[partitions.offset + i]
        stamp = now
        if has_stamp and _valid(stamps.validity, stamps.offset + i):
            stamp = (<const int64_t *>stamps.values)[stamps.offset + i]
        pairs = None
        if has_headers:
            j = header_offsets.offset + i
            first = (<const int32_t *>header_offsets.values)[j]
            last = (<const int32_t *>header_offsets.values)[j + 1]
            if last > first and _valid(header_offsets.validity, j):
                pairs = [(_text_at(&header_keys, h), _bytes_at(&header_values, h))
                         for h in range(first, last)]
        try:
            # Positional, in the C signature's order: see the twin's docstring for why.
            produce(<object>PyList_GET_ITEM(names, number),
                    _bytes_at(&values, i) if has_value else None,
                    _bytes_at(&keys, i) if has_key else None,
                    part, on_delivery, None, stamp, pairs)
        except BufferError:
            return i
        except Exception as error:
            raise ProduceRowError(i, error) from error
    return n
