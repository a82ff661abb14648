# The batch producer (included by rdkafka.pyx). Contract: _kafka_client_py.BatchProducer.

cdef char _NOTHING = 0   # an empty, non-null key or value: any address but NULL


cdef void _on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                       void *opaque) noexcept nogil:
    # No GIL, no Python object: one atomic decrement per acknowledged message.
    cdef const char *topic = NULL
    if m.err != RD_KAFKA_RESP_ERR_NO_ERROR and m.rkt != NULL:
        topic = rd_kafka_topic_name(m.rkt)
    if m._private != NULL:
        fc_delivery_report(<fc_delivery_t *>m._private, m.err, topic, m.partition)


@cython.final
cdef class DeliveryBatch:
    """See ``_kafka_client_py.DeliveryBatch``: same contract."""
    cdef fc_delivery_t *state
    cdef public object offsets

    def __cinit__(self, int64_t count, offsets=None):
        self.state = <fc_delivery_t *>calloc(1, sizeof(fc_delivery_t))
        if self.state == NULL:
            raise MemoryError()
        self.state.remaining = count
        self.offsets = offsets

    def __dealloc__(self):
        free(self.state)

    @property
    def remaining(self):
        return fc_delivery_remaining(self.state)

    @property
    def error(self):
        cdef rd_kafka_resp_err_t code = fc_delivery_error(self.state)
        if code == RD_KAFKA_RESP_ERR_NO_ERROR:
            return None
        return _error(code, None, self.state.topic.decode(errors="replace"),
                      self.state.partition)


cdef struct _Views:
    # Read-only views of the produce columns' Arrow buffers (see messages.pyx).
    const int32_t *topic_index
    int64_t topic_offset
    const uint8_t *partition_valid
    const int32_t *partitions
    int64_t partition_offset
    const uint8_t *stamp_valid
    const int64_t *stamps
    int64_t stamp_offset
    const uint8_t *key_valid
    const int32_t *key_offsets
    const char *keys
    int64_t key_offset
    const uint8_t *value_valid
    const int32_t *value_offsets
    const char *values
    int64_t value_offset
    const uint8_t *header_valid
    const int32_t *header_offsets
    int64_t header_offset
    const uint8_t *name_valid
    const int32_t *name_offsets
    const char *names
    int64_t name_offset
    const uint8_t *header_value_valid
    const int32_t *header_value_offsets
    const char *header_values
    int64_t header_value_offset


cdef inline const char *_address(object buffer):
    return NULL if buffer is None else <const char *><uintptr_t>buffer.address


cdef inline const uint8_t *_validity(object array):
    return NULL if array is None or not array.null_count else \
        <const uint8_t *>_address(array.buffers()[0])


cdef inline bint _valid(const uint8_t *bits, int64_t i) noexcept nogil:
    return bits == NULL or (bits[i >> 3] >> (i & 7)) & 1


cdef inline bint _span(const uint8_t *valid, const int32_t *offsets, const char *data,
                       int64_t i, const char **start, size_t *size) noexcept nogil:
    """Row i of a binary column: False when null (or the column is absent)."""
    if offsets == NULL or not _valid(valid, i):
        start[0] = NULL
        size[0] = 0
        return False
    size[0] = offsets[i + 1] - offsets[i]
    start[0] = data + offsets[i] if data != NULL else &_NOTHING
    return True


cdef int _view_binary(object array, const uint8_t **valid, const int32_t **offsets,
                      const char **data, int64_t *offset) except -1:
    if array is None:
        return 0
    buffers = array.buffers()
    valid[0] = _validity(array)
    offsets[0] = <const int32_t *>_address(buffers[1])
    data[0] = _address(buffers[2])
    offset[0] = array.offset
    return 0


cdef Py_ssize_t _produce_rows(rd_kafka_t *rk, rd_kafka_topic_t **topics, Py_ssize_t n_topics,
                              _Views *v, Py_ssize_t start, Py_ssize_t n, fc_delivery_t *state,
                              rd_kafka_resp_err_t *failure) noexcept nogil:
    """Hand rows start..n-1 to librdkafka; the first row not taken, with failure set when
    it was refused (QUEUE_FULL: try it again after a poll)."""
    cdef rd_kafka_vu_t vu[8]
    cdef rd_kafka_error_t *error
    cdef rd_kafka_headers_t *headers
    cdef const char *data
    cdef const char *name
    cdef size_t size, name_size
    cdef Py_ssize_t i, count
    cdef int64_t j, h, first, last
    cdef int32_t number
    for i in range(start, n):
        number = v.topic_index[v.topic_offset + i]
        if number < 0 or number >= n_topics:
            failure[0] = RD_KAFKA_RESP_ERR__INVALID_ARG
            return i
        vu[0].vtype = RD_KAFKA_VTYPE_RKT
        vu[0].u.rkt = topics[number]
        vu[1].vtype = RD_KAFKA_VTYPE_PARTITION
        j = v.partition_offset + i
        vu[1].u.i32 = v.partitions[j] if v.partitions != NULL and \
            _valid(v.partition_valid, j) else RD_KAFKA_PARTITION_UA
        vu[2].vtype = RD_KAFKA_VTYPE_TIMESTAMP
        j = v.stamp_offset + i
        vu[2].u.i64 = v.stamps[j] if v.stamps != NULL and _valid(v.stamp_valid, j) else 0
        vu[3].vtype = RD_KAFKA_VTYPE_VALUE
        _span(v.value_valid, v.value_offsets, v.values, v.value_offset + i, &data, &size)
        vu[3].u.mem.ptr = <void *>data
        vu[3].u.mem.size = size
        vu[4].vtype = RD_KAFKA_VTYPE_KEY
        _span(v.key_valid, v.key_offsets, v.keys, v.key_offset + i, &data, &size)
        vu[4].u.mem.ptr = <void *>data
        vu[4].u.mem.size = size
        vu[5].vtype = RD_KAFKA_VTYPE_OPAQUE
        vu[5].u.ptr = <void *>state
        vu[6].vtype = RD_KAFKA_VTYPE_MSGFLAGS
        vu[6].u.i = RD_KAFKA_MSG_F_COPY
        count = 7
        headers = NULL
        if v.header_offsets != NULL:
            j = v.header_offset + i
            first = v.header_offsets[j]
            last = v.header_offsets[j + 1]
            if last > first and _valid(v.header_valid, j):
                headers = rd_kafka_headers_new(last - first)
                for h in range(first, last):
                    if not _span(v.name_valid, v.name_offsets, v.names, v.name_offset + h,
                                 &name, &name_size):
                        rd_kafka_headers_destroy(headers)
                        failure[0] = RD_KAFKA_RESP_ERR__INVALID_ARG   # a header without a key
                        return i
                    _span(v.header_value_valid, v.header_value_offsets, v.header_values,
                          v.header_value_offset + h, &data, &size)
                    rd_kafka_header_add(headers, name, name_size, data, size)
                vu[7].vtype = RD_KAFKA_VTYPE_HEADERS
                vu[7].u.headers = headers
                count = 8
        fc_delivery_sent(state, 1)   # before: its report may be served on another thread
        error = rd_kafka_produceva(rk, vu, count)
        if error != NULL:
            fc_delivery_sent(state, -1)
            failure[0] = rd_kafka_error_code(error)
            rd_kafka_error_destroy(error)
            if headers != NULL:   # only a produced message takes them over
                rd_kafka_headers_destroy(headers)
            return i
    return n


@cython.final
cdef class BatchProducer(_Client):
    """See ``fastconnect.runtime._kafka_client_py``: same contract."""
    cdef dict topics             # name -> rd_kafka_topic_t handle (as an int address)
    cdef list outstanding        # DeliveryBatch objects with messages in flight (kept alive)

    def __cinit__(self, config):
        cdef rd_kafka_conf_t *conf = self._configure(config)
        rd_kafka_conf_set_dr_msg_cb(conf, _on_delivery)
        self._create(RD_KAFKA_PRODUCER, conf)
        self.topics = {}
        self.outstanding = []

    def __dealloc__(self):
        if self.rk != NULL:
            self._destroy()

    cdef void _destroy(self) noexcept:
        # Undelivered messages are reported (as purged) before their batches may go.
        cdef rd_kafka_t *rk = self.rk
        with nogil:
            rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            rd_kafka_poll(rk, 0)
        for handle in self.topics.values():
            rd_kafka_topic_destroy(<rd_kafka_topic_t *><uintptr_t>handle)
        self.topics.clear()
        with nogil:
            rd_kafka_destroy(rk)
        self.rk = NULL
        self.outstanding = []

    cdef rd_kafka_topic_t *_topic(self, str name) except NULL:
        handle = self.topics.get(name)
        if handle is None:
            rkt = rd_kafka_topic_new(self.rk, name.encode(), NULL)
            if rkt == NULL:
                raise _error(_INVALID_ARG, f"cannot produce to topic {name!r}")
            handle = self.topics[name] = <uintptr_t>rkt
        return <rd_kafka_topic_t *><uintptr_t>handle

    def produce(self, topic, partition, timestamp, key, value, headers, Py_ssize_t start,
                DeliveryBatch delivery):
        cdef rd_kafka_t *rk = self._live()
        cols = produce_columns(topic, partition, timestamp, key, value, headers)
        cdef Py_ssize_t n = cols.length, done, k
        if not 0 <= start <= n:
            raise ValueError(f"start={start} is outside the {n} rows")
        cdef _Views v
        memset(&v, 0, sizeof(v))
        names = cols.topic.dictionary.to_pylist()
        indices = cols.topic.indices
        v.topic_index = <const int32_t *>_address(indices.buffers()[1])
        v.topic_offset = indices.offset
        if cols.partition is not None:
            v.partition_valid = _validity(cols.partition)
            v.partitions = <const int32_t *>_address(cols.partition.buffers()[1])
            v.partition_offset = cols.partition.offset
        if cols.timestamp is not None:
            v.stamp_valid = _validity(cols.timestamp)
            v.stamps = <const int64_t *>_address(cols.timestamp.buffers()[1])
            v.stamp_offset = cols.timestamp.offset
        _view_binary(cols.key, &v.key_valid, &v.key_offsets, &v.keys, &v.key_offset)
        _view_binary(cols.value, &v.value_valid, &v.value_offsets, &v.values, &v.value_offset)
        if cols.headers is not None:
            v.header_valid = _validity(cols.headers)
            v.header_offsets = <const int32_t *>_address(cols.headers.buffers()[1])
            v.header_offset = cols.headers.offset
            pair_fields = cols.headers.values.flatten()   # struct nulls folded into fields
            _view_binary(pair_fields[0], &v.name_valid, &v.name_offsets, &v.names,
                         &v.name_offset)
            _view_binary(pair_fields[1], &v.header_value_valid, &v.header_value_offsets,
                         &v.header_values, &v.header_value_offset)

        cdef rd_kafka_topic_t **handles = <rd_kafka_topic_t **>malloc(
            max(len(names), 1) * sizeof(void *))
        if handles == NULL:
            raise MemoryError()
        cdef rd_kafka_resp_err_t failure = RD_KAFKA_RESP_ERR_NO_ERROR
        cdef Py_ssize_t n_topics = len(names)
        cdef fc_delivery_t *state = delivery.state
        try:
            for k, name in enumerate(names):
                handles[k] = self._topic(name)
            if not self.outstanding or self.outstanding[-1] is not delivery:
                self.outstanding.append(delivery)   # alive while librdkafka points at it
            with nogil:
                done = _produce_rows(rk, handles, n_topics, &v, start, n, state, &failure)
        finally:
            free(handles)
        if failure not in (RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR__QUEUE_FULL):
            error = _error(failure, None)
            raise ProduceRowError(done, error) from error
        return done

    def poll(self, double timeout=0):
        cdef rd_kafka_t *rk = self._live()
        cdef int served
        cdef int timeout_ms = <int>(timeout * 1000)
        with nogil:
            served = rd_kafka_poll(rk, timeout_ms)
        self._prune()
        self._raise_pending()
        return served

    def flush(self, double timeout):
        cdef rd_kafka_t *rk = self._live()
        cdef int timeout_ms = <int>(timeout * 1000)
        with nogil:
            rd_kafka_flush(rk, timeout_ms)
        self._prune()
        self._raise_pending()
        return rd_kafka_outq_len(rk)

    cdef void _prune(self):
        # A batch's state may be freed once no message of it awaits its report.
        self.outstanding = [d for d in self.outstanding
                            if fc_delivery_inflight((<DeliveryBatch>d).state) > 0]

    def close(self):
        if self.rk != NULL:
            self._destroy()
