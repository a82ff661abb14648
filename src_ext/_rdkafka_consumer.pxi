# The batch consumer (included by rdkafka.pyx). Contract: _kafka_client_py.BatchConsumer.

cdef void _on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t code,
                        rd_kafka_topic_partition_list_t *parts, void *opaque) noexcept with gil:
    (<BatchConsumer>opaque)._rebalance(code, parts)


cdef object _EMPTY = pa.RecordBatch.from_pylist([], RAW_SCHEMA)



cdef inline void _set_bit(uint8_t *bits, Py_ssize_t i) noexcept nogil:
    bits[i >> 3] |= <uint8_t>(1 << (i & 7))


cdef object _allocate(Py_ssize_t size, char **data, bint zero=False):
    """A buffer from Arrow's pool (aligned, and counted in pa.total_allocated_bytes())."""
    buffer = pa.allocate_buffer(size)
    data[0] = <char *><uintptr_t>buffer.address
    if zero and size:
        memset(data[0], 0, size)
    return buffer


cdef object _binary_array(object arrow_type, Py_ssize_t length, object validity,
                          Py_ssize_t nulls, object offsets, object data):
    return pa.Array.from_buffers(arrow_type, length, [validity if nulls else None, offsets,
                                                      data], nulls)


cdef struct _Sizes:
    Py_ssize_t errors, rows, pairs, key_bytes, value_bytes, name_bytes, pair_value_bytes


cdef struct _Columns:
    # Where the rows go (buffers allocated from _Sizes), and what filling them found.
    int32_t *topic_index
    int32_t *partitions
    int64_t *offsets
    int64_t *stamps
    uint8_t *stamp_valid
    int32_t *key_end
    uint8_t *key_valid
    char *key_data
    int32_t *value_end
    uint8_t *value_valid
    char *value_data
    int32_t *header_end
    uint8_t *header_valid
    int32_t *name_end
    char *name_data
    int32_t *pair_value_end
    uint8_t *pair_value_valid
    char *pair_value_data
    Py_ssize_t key_nulls, value_nulls, stamp_nulls, header_nulls, pair_value_nulls
    rd_kafka_topic_t **topics    # the distinct topics, in order of first appearance (malloc)
    Py_ssize_t topic_count


cdef void _measure(rd_kafka_message_t **messages, Py_ssize_t n, _Sizes *sizes) noexcept nogil:
    cdef rd_kafka_message_t *m
    cdef rd_kafka_headers_t *headers
    cdef const char *name
    cdef const void *value
    cdef size_t size
    cdef Py_ssize_t i, h
    for i in range(n):
        m = messages[i]
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR:
            sizes.errors += 1
            continue
        sizes.rows += 1
        sizes.key_bytes += m.key_len if m.key != NULL else 0
        sizes.value_bytes += m.len if m.payload != NULL else 0
        if rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR:
            h = 0
            while rd_kafka_header_get_all(headers, h, &name, &value, &size) == 0:
                sizes.name_bytes += strlen(name)
                sizes.pair_value_bytes += size if value != NULL else 0
                h += 1
            sizes.pairs += h


cdef int32_t _topic_number(_Columns *c, rd_kafka_topic_t *rkt) noexcept nogil:
    # The topic's index in c.topics, added if new; -1 if out of memory.
    cdef Py_ssize_t t
    cdef rd_kafka_topic_t **grown
    for t in range(c.topic_count):
        if c.topics[t] == rkt:
            return <int32_t>t
    if c.topic_count & (c.topic_count - 1) == 0:    # 0, 1, 2, 4...: full, double it
        grown = <rd_kafka_topic_t **>realloc(c.topics, 2 * (c.topic_count + 1) * sizeof(void *))
        if grown == NULL:
            return -1
        c.topics = grown
    c.topics[c.topic_count] = rkt
    c.topic_count += 1
    return <int32_t>(c.topic_count - 1)


cdef void _fill(rd_kafka_message_t **messages, Py_ssize_t n, _Columns *c) noexcept nogil:
    """Write the rows of the messages into c's buffers; c.topics is NULL if out of memory."""
    cdef rd_kafka_message_t *m
    cdef rd_kafka_headers_t *headers
    cdef rd_kafka_topic_t *last_rkt = NULL
    cdef rd_kafka_timestamp_type_t kind
    cdef const char *name
    cdef const void *value
    cdef size_t size, name_size
    cdef Py_ssize_t i, h, row = 0, pair = 0
    cdef int32_t topic_number = -1
    cdef int64_t stamp
    c.key_end[0] = c.value_end[0] = c.header_end[0] = c.name_end[0] = c.pair_value_end[0] = 0
    c.topics = <rd_kafka_topic_t **>malloc(sizeof(void *))
    if c.topics == NULL:
        return
    for i in range(n):
        m = messages[i]
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR:
            continue
        if m.rkt != last_rkt:   # consecutive messages mostly share a topic handle
            topic_number = _topic_number(c, m.rkt)
            if topic_number < 0:
                free(c.topics)
                c.topics = NULL
                return
            last_rkt = m.rkt
        c.topic_index[row] = topic_number
        c.partitions[row] = m.partition
        c.offsets[row] = m.offset
        stamp = rd_kafka_message_timestamp(m, &kind)
        if kind == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE:
            c.stamps[row] = 0
            c.stamp_nulls += 1
        else:
            c.stamps[row] = stamp
            _set_bit(c.stamp_valid, row)

        c.key_end[row + 1] = c.key_end[row]
        if m.key == NULL:
            c.key_nulls += 1
        else:
            memcpy(c.key_data + c.key_end[row], m.key, m.key_len)
            c.key_end[row + 1] += <int32_t>m.key_len
            _set_bit(c.key_valid, row)

        c.value_end[row + 1] = c.value_end[row]
        if m.payload == NULL:
            c.value_nulls += 1
        else:
            memcpy(c.value_data + c.value_end[row], m.payload, m.len)
            c.value_end[row + 1] += <int32_t>m.len
            _set_bit(c.value_valid, row)

        h = 0
        if rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR:
            while rd_kafka_header_get_all(headers, h, &name, &value, &size) == 0:
                name_size = strlen(name)
                memcpy(c.name_data + c.name_end[pair], name, name_size)
                c.name_end[pair + 1] = c.name_end[pair] + <int32_t>name_size
                c.pair_value_end[pair + 1] = c.pair_value_end[pair]
                if value == NULL:
                    c.pair_value_nulls += 1
                else:
                    memcpy(c.pair_value_data + c.pair_value_end[pair], value, size)
                    c.pair_value_end[pair + 1] += <int32_t>size
                    _set_bit(c.pair_value_valid, pair)
                pair += 1
                h += 1
        # No headers and an empty list look the same on the wire: both are null.
        if h:
            _set_bit(c.header_valid, row)
        else:
            c.header_nulls += 1
        c.header_end[row + 1] = <int32_t>pair
        row += 1


@cython.final
cdef class BatchConsumer(_Client):
    """See ``fastconnect.runtime._kafka_client_py``: same contract."""
    cdef rd_kafka_queue_t *queue
    cdef rd_kafka_message_t **messages
    cdef Py_ssize_t capacity
    cdef object on_assign, on_revoke, on_lost
    cdef int64_t reset_to        # auto.offset.reset as a logical offset; INVALID for "error"

    def __cinit__(self, config):
        self.reset_to = RESET_OFFSETS.get(str(config.get("auto.offset.reset", "latest")),
                                          RD_KAFKA_OFFSET_INVALID)
        cdef rd_kafka_conf_t *conf = self._configure(config)
        rd_kafka_conf_set_rebalance_cb(conf, _on_rebalance)
        self._create(RD_KAFKA_CONSUMER, conf)
        rd_kafka_poll_set_consumer(self.rk)
        self.queue = rd_kafka_queue_get_consumer(self.rk)

    def __dealloc__(self):
        # Not closed: leave the group without the callbacks (the object is going away).
        if self.queue != NULL:
            rd_kafka_queue_destroy(self.queue)
        if self.rk != NULL:
            with nogil:
                rd_kafka_destroy_flags(self.rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)
        free(self.messages)

    def subscribe(self, topics, on_assign=None, on_revoke=None, on_lost=None):
        cdef rd_kafka_t *rk = self._live()
        cdef rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(
            len(topics))
        cdef rd_kafka_resp_err_t code
        for topic in topics:
            rd_kafka_topic_partition_list_add(parts, topic.encode(), RD_KAFKA_PARTITION_UA)
        self.on_assign, self.on_revoke, self.on_lost = on_assign, on_revoke, on_lost
        with nogil:
            code = rd_kafka_subscribe(rk, parts)
        rd_kafka_topic_partition_list_destroy(parts)
        _check(code, f"subscribing to {list(topics)}")

    cdef void _rebalance(self, rd_kafka_resp_err_t code,
                         rd_kafka_topic_partition_list_t *parts) noexcept:
        # Runs inside consume()/close(), on their thread. The rebalance is completed
        # whatever the callback did; its exception is raised by that call afterwards.
        cdef const char *protocol = rd_kafka_rebalance_protocol(self.rk)
        cdef bint cooperative = protocol != NULL and strcmp(protocol, b"COOPERATIVE") == 0
        cdef bint assigning = code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
        try:
            if assigning:
                callback = self.on_assign
            elif rd_kafka_assignment_lost(self.rk) and self.on_lost is not None:
                callback = self.on_lost
            else:
                callback = self.on_revoke
            if callback is not None:
                callback(_partitions(parts))
        except BaseException as error:
            self._remember(error)
        try:
            if assigning:
                self._start_positions(parts)
            if cooperative:
                _check_error(rd_kafka_incremental_assign(self.rk, parts) if assigning else
                             rd_kafka_incremental_unassign(self.rk, parts), "rebalancing")
            else:
                _check(rd_kafka_assign(self.rk, parts if assigning else NULL), "rebalancing")
        except BaseException as error:
            self._remember(error)

    cdef int _start_positions(self, rd_kafka_topic_partition_list_t *parts) except -1:
        # Assign each partition from its committed offset, or from where auto.offset.reset
        # says when it has none. Left to find that out itself, librdkafka waits a fixed
        # 100 ms before it resets a partition without a committed offset: measured here,
        # that is most of a new sink's time from assignment to first record.
        cdef rd_kafka_resp_err_t code
        cdef int i
        if self.reset_to == RD_KAFKA_OFFSET_INVALID or parts.cnt == 0:
            return 0
        with nogil:
            code = rd_kafka_committed(self.rk, parts, _OPERATION_TIMEOUT_MS)
        for i in range(parts.cnt):
            if code != RD_KAFKA_RESP_ERR_NO_ERROR or parts.elems[i].err:
                parts.elems[i].offset = RD_KAFKA_OFFSET_INVALID   # librdkafka finds out
                parts.elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR
            elif parts.elems[i].offset == RD_KAFKA_OFFSET_INVALID:
                parts.elems[i].offset = self.reset_to
        return 0

    def consume(self, Py_ssize_t max_messages, double timeout):
        cdef rd_kafka_t *rk = self._live()
        cdef ssize_t n, i
        cdef int timeout_ms = <int>(timeout * 1000)
        if max_messages < 1:
            raise ValueError(f"max_messages must be at least 1, not {max_messages}")
        if max_messages > self.capacity:
            free(self.messages)
            self.messages = <rd_kafka_message_t **>malloc(max_messages * sizeof(void *))
            self.capacity = max_messages if self.messages != NULL else 0
            if self.messages == NULL:
                raise MemoryError()
        with nogil:
            n = rd_kafka_consume_batch_queue(self.queue, timeout_ms, self.messages,
                                             max_messages)
        if n < 0:
            n = 0
        try:
            result = self._to_batch(n)
        finally:
            for i in range(n):
                rd_kafka_message_destroy(self.messages[i])
        self._raise_pending()
        return result

    cdef object _message_error(self, rd_kafka_message_t *m):
        cdef char errstr[512]
        cdef int code = m.err
        topic = rd_kafka_topic_name(m.rkt).decode() if m.rkt != NULL else None
        if code == RD_KAFKA_RESP_ERR__FATAL:
            code = rd_kafka_fatal_error(self.rk, errstr, sizeof(errstr))
            return _error(code, errstr.decode(errors="replace"), topic, m.partition, True)
        reason = None
        if m.payload != NULL and m.len:
            reason = (<char *>m.payload)[:m.len].decode(errors="replace")
        return _error(code, reason, topic, m.partition)

    cdef tuple _to_batch(self, Py_ssize_t n):
        """The messages' rows as one RAW_SCHEMA batch, and their errors.

        Both passes over the messages run without the GIL, so that the loop's thread works
        on the previous batch meanwhile; only the buffer allocations need it."""
        cdef _Sizes sizes
        cdef _Columns c
        cdef Py_ssize_t i
        if n == 0:
            return _EMPTY, []
        memset(&sizes, 0, sizeof(sizes))
        memset(&c, 0, sizeof(c))
        with nogil:
            _measure(self.messages, n, &sizes)
        errors = [self._message_error(self.messages[i]) for i in range(n)
                  if self.messages[i].err != RD_KAFKA_RESP_ERR_NO_ERROR] if sizes.errors else []
        if max(sizes.key_bytes, sizes.value_bytes, sizes.name_bytes, sizes.pair_value_bytes,
               sizes.pairs) > INT32_MAX:
            raise OverflowError("more than 2 GiB in one column of a batch: "
                                "consume fewer messages per call")
        cdef Py_ssize_t rows = sizes.rows, pairs = sizes.pairs
        cdef Py_ssize_t bitmap = (rows + 7) // 8, pair_bitmap = (pairs + 7) // 8
        topic_index = _allocate(4 * rows, <char **>&c.topic_index)
        partitions = _allocate(4 * rows, <char **>&c.partitions)
        offsets = _allocate(8 * rows, <char **>&c.offsets)
        stamps = _allocate(8 * rows, <char **>&c.stamps)
        stamp_valid = _allocate(bitmap, <char **>&c.stamp_valid, True)
        key_offsets = _allocate(4 * (rows + 1), <char **>&c.key_end)
        key_valid = _allocate(bitmap, <char **>&c.key_valid, True)
        key_data = _allocate(sizes.key_bytes, &c.key_data)
        value_offsets = _allocate(4 * (rows + 1), <char **>&c.value_end)
        value_valid = _allocate(bitmap, <char **>&c.value_valid, True)
        value_data = _allocate(sizes.value_bytes, &c.value_data)
        header_offsets = _allocate(4 * (rows + 1), <char **>&c.header_end)
        header_valid = _allocate(bitmap, <char **>&c.header_valid, True)
        name_offsets = _allocate(4 * (pairs + 1), <char **>&c.name_end)
        name_data = _allocate(sizes.name_bytes, &c.name_data)
        pair_value_offsets = _allocate(4 * (pairs + 1), <char **>&c.pair_value_end)
        pair_value_valid = _allocate(pair_bitmap, <char **>&c.pair_value_valid, True)
        pair_value_data = _allocate(sizes.pair_value_bytes, &c.pair_value_data)
        try:
            with nogil:
                _fill(self.messages, n, &c)
            if c.topics == NULL:
                raise MemoryError()
            topic_names = [rd_kafka_topic_name(c.topics[i]).decode()
                           for i in range(c.topic_count)]
        finally:
            free(c.topics)

        header_keys = pa.Array.from_buffers(_STRING, pairs, [None, name_offsets, name_data], 0)
        if pairs:
            header_keys.validate(full=True)   # names must be UTF-8, as Kafka writes them
        header_pairs = pa.Array.from_buffers(_PAIR, pairs, [None], 0, children=[
            header_keys,
            _binary_array(_BINARY, pairs, pair_value_valid, c.pair_value_nulls,
                          pair_value_offsets, pair_value_data)])
        columns = [
            pa.DictionaryArray.from_arrays(
                pa.Array.from_buffers(_INT32, rows, [None, topic_index], 0),
                pa.array(topic_names, _STRING)),
            pa.Array.from_buffers(_INT32, rows, [None, partitions], 0),
            pa.Array.from_buffers(_INT64, rows, [None, offsets], 0),
            pa.Array.from_buffers(TIMESTAMP_TYPE, rows, [
                stamp_valid if c.stamp_nulls else None, stamps], c.stamp_nulls),
            _binary_array(_BINARY, rows, key_valid, c.key_nulls, key_offsets, key_data),
            _binary_array(_BINARY, rows, value_valid, c.value_nulls, value_offsets, value_data),
            pa.Array.from_buffers(HEADERS_TYPE, rows, [
                header_valid if c.header_nulls else None, header_offsets],
                c.header_nulls, children=[header_pairs]),
        ]
        return pa.RecordBatch.from_arrays(columns, schema=RAW_SCHEMA), errors

    def assignment(self):
        cdef rd_kafka_topic_partition_list_t *parts = NULL
        _check(rd_kafka_assignment(self._live(), &parts), "reading the assignment")
        try:
            return _partitions(parts)
        finally:
            rd_kafka_topic_partition_list_destroy(parts)

    def commit(self, offsets):
        if not offsets:
            return
        cdef rd_kafka_t *rk = self._live()
        cdef rd_kafka_topic_partition_list_t *parts = _partition_list(None, offsets)
        cdef rd_kafka_resp_err_t code
        with nogil:
            code = rd_kafka_commit(rk, parts, 0)
        rd_kafka_topic_partition_list_destroy(parts)
        self._raise_pending()
        _check(code, "committing offsets")

    def committed(self, partitions, double timeout):
        cdef rd_kafka_t *rk = self._live()
        cdef rd_kafka_topic_partition_list_t *parts = _partition_list(partitions)
        cdef rd_kafka_resp_err_t code
        cdef int timeout_ms = <int>(timeout * 1000)
        cdef int i
        try:
            with nogil:
                code = rd_kafka_committed(rk, parts, timeout_ms)
            _check(code, "reading committed offsets")
            _check_partitions(parts, "reading committed offsets")
            return {TopicPartition(parts.elems[i].topic.decode(), parts.elems[i].partition):
                    None if parts.elems[i].offset == OFFSET_INVALID else parts.elems[i].offset
                    for i in range(parts.cnt)}
        finally:
            rd_kafka_topic_partition_list_destroy(parts)

    def seek(self, offsets):
        if not offsets:
            return
        cdef rd_kafka_t *rk = self._live()
        cdef rd_kafka_topic_partition_list_t *parts = _partition_list(None, offsets)
        cdef rd_kafka_error_t *error
        try:
            with nogil:
                error = rd_kafka_seek_partitions(rk, parts, _OPERATION_TIMEOUT_MS)
            _check_error(error, "seeking")
            _check_partitions(parts, "seeking")
        finally:
            rd_kafka_topic_partition_list_destroy(parts)

    def pause(self, partitions):
        self._flow(partitions, True)

    def resume(self, partitions):
        self._flow(partitions, False)

    cdef int _flow(self, object partitions, bint pause) except -1:
        cdef rd_kafka_t *rk = self._live()
        cdef rd_kafka_topic_partition_list_t *parts = _partition_list(partitions)
        try:
            if pause:
                _check(rd_kafka_pause_partitions(rk, parts), "pausing")
            else:
                _check(rd_kafka_resume_partitions(rk, parts), "resuming")
            _check_partitions(parts, "pausing" if pause else "resuming")
        finally:
            rd_kafka_topic_partition_list_destroy(parts)
        return 0

    def close(self):
        cdef rd_kafka_t *rk = self.rk
        cdef rd_kafka_resp_err_t code
        if rk == NULL:
            return
        with nogil:   # leaves the group: the revoke callback runs here
            code = rd_kafka_consumer_close(rk)
        rd_kafka_queue_destroy(self.queue)
        self.queue = NULL
        with nogil:
            rd_kafka_destroy(rk)
        self.rk = NULL
        self._raise_pending()
        _check(code, "closing the consumer")
