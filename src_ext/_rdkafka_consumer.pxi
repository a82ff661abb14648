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


@cython.final
cdef class BatchConsumer(_Client):
    """See ``fastconnect.runtime._kafka_client_py``: same contract."""
    cdef rd_kafka_queue_t *queue
    cdef rd_kafka_message_t **messages
    cdef Py_ssize_t capacity
    cdef object on_assign, on_revoke, on_lost

    def __cinit__(self, config):
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
            if cooperative:
                _check_error(rd_kafka_incremental_assign(self.rk, parts) if assigning else
                             rd_kafka_incremental_unassign(self.rk, parts), "rebalancing")
            else:
                _check(rd_kafka_assign(self.rk, parts if assigning else NULL), "rebalancing")
        except BaseException as error:
            self._remember(error)

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
        """The messages' rows as one RAW_SCHEMA batch, and their errors."""
        cdef rd_kafka_message_t *m
        cdef rd_kafka_headers_t *headers
        cdef rd_kafka_topic_t *last_rkt = NULL
        cdef rd_kafka_timestamp_type_t kind
        cdef const char *name
        cdef const void *value
        cdef size_t size
        cdef Py_ssize_t i, h, rows = 0, pairs = 0, row, pair
        cdef Py_ssize_t key_bytes = 0, value_bytes = 0, name_bytes = 0, pair_value_bytes = 0
        cdef Py_ssize_t key_nulls = 0, value_nulls = 0, stamp_nulls = 0, header_nulls = 0
        cdef Py_ssize_t pair_value_nulls = 0
        cdef int32_t topic_number = -1
        cdef int64_t stamp
        cdef size_t size_name
        if n == 0:
            return _EMPTY, []
        errors = []

        # Pass 1: count rows and bytes, so that each buffer is allocated once, exactly.
        for i in range(n):
            m = self.messages[i]
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR:
                errors.append(self._message_error(m))
                continue
            rows += 1
            key_bytes += m.key_len if m.key != NULL else 0
            value_bytes += m.len if m.payload != NULL else 0
            if rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR:
                h = 0
                while rd_kafka_header_get_all(headers, h, &name, &value, &size) == 0:
                    name_bytes += strlen(name)
                    pair_value_bytes += size if value != NULL else 0
                    h += 1
                pairs += h
        if max(key_bytes, value_bytes, name_bytes, pair_value_bytes, pairs) > INT32_MAX:
            raise OverflowError("more than 2 GiB in one column of a batch: "
                                "consume fewer messages per call")

        cdef char *topic_index
        cdef char *partitions
        cdef char *offsets
        cdef char *stamps
        cdef char *stamp_valid
        cdef char *key_offsets
        cdef char *key_valid
        cdef char *key_data
        cdef char *value_offsets
        cdef char *value_valid
        cdef char *value_data
        cdef char *header_offsets
        cdef char *header_valid
        cdef char *name_offsets
        cdef char *name_data
        cdef char *pair_value_offsets
        cdef char *pair_value_valid
        cdef char *pair_value_data
        cdef Py_ssize_t bitmap = (rows + 7) // 8, pair_bitmap = (pairs + 7) // 8
        topic_index_buffer = _allocate(4 * rows, &topic_index)
        partitions_buffer = _allocate(4 * rows, &partitions)
        offsets_buffer = _allocate(8 * rows, &offsets)
        stamps_buffer = _allocate(8 * rows, &stamps)
        stamp_valid_buffer = _allocate(bitmap, &stamp_valid, True)
        key_offsets_buffer = _allocate(4 * (rows + 1), &key_offsets)
        key_valid_buffer = _allocate(bitmap, &key_valid, True)
        key_data_buffer = _allocate(key_bytes, &key_data)
        value_offsets_buffer = _allocate(4 * (rows + 1), &value_offsets)
        value_valid_buffer = _allocate(bitmap, &value_valid, True)
        value_data_buffer = _allocate(value_bytes, &value_data)
        header_offsets_buffer = _allocate(4 * (rows + 1), &header_offsets)
        header_valid_buffer = _allocate(bitmap, &header_valid, True)
        name_offsets_buffer = _allocate(4 * (pairs + 1), &name_offsets)
        name_data_buffer = _allocate(name_bytes, &name_data)
        pair_value_offsets_buffer = _allocate(4 * (pairs + 1), &pair_value_offsets)
        pair_value_valid_buffer = _allocate(pair_bitmap, &pair_value_valid, True)
        pair_value_data_buffer = _allocate(pair_value_bytes, &pair_value_data)

        cdef int32_t *key_end = <int32_t *>key_offsets
        cdef int32_t *value_end = <int32_t *>value_offsets
        cdef int32_t *header_end = <int32_t *>header_offsets
        cdef int32_t *name_end = <int32_t *>name_offsets
        cdef int32_t *pair_value_end = <int32_t *>pair_value_offsets
        key_end[0] = value_end[0] = header_end[0] = name_end[0] = pair_value_end[0] = 0
        topic_names = []
        numbers = {}

        # Pass 2: fill them.
        row = pair = 0
        for i in range(n):
            m = self.messages[i]
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR:
                continue
            if m.rkt != last_rkt:   # consecutive messages mostly share a topic handle
                topic = rd_kafka_topic_name(m.rkt).decode()
                topic_number = numbers.setdefault(topic, len(topic_names))
                if topic_number == len(topic_names):
                    topic_names.append(topic)
                last_rkt = m.rkt
            (<int32_t *>topic_index)[row] = topic_number
            (<int32_t *>partitions)[row] = m.partition
            (<int64_t *>offsets)[row] = m.offset
            stamp = rd_kafka_message_timestamp(m, &kind)
            if kind == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE:
                (<int64_t *>stamps)[row] = 0
                stamp_nulls += 1
            else:
                (<int64_t *>stamps)[row] = stamp
                _set_bit(<uint8_t *>stamp_valid, row)

            key_end[row + 1] = key_end[row]
            if m.key == NULL:
                key_nulls += 1
            else:
                memcpy(key_data + key_end[row], m.key, m.key_len)
                key_end[row + 1] += <int32_t>m.key_len
                _set_bit(<uint8_t *>key_valid, row)

            value_end[row + 1] = value_end[row]
            if m.payload == NULL:
                value_nulls += 1
            else:
                memcpy(value_data + value_end[row], m.payload, m.len)
                value_end[row + 1] += <int32_t>m.len
                _set_bit(<uint8_t *>value_valid, row)

            h = 0
            if rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR:
                while rd_kafka_header_get_all(headers, h, &name, &value, &size) == 0:
                    size_name = strlen(name)
                    memcpy(name_data + name_end[pair], name, size_name)
                    name_end[pair + 1] = name_end[pair] + <int32_t>size_name
                    pair_value_end[pair + 1] = pair_value_end[pair]
                    if value == NULL:
                        pair_value_nulls += 1
                    else:
                        memcpy(pair_value_data + pair_value_end[pair], value, size)
                        pair_value_end[pair + 1] += <int32_t>size
                        _set_bit(<uint8_t *>pair_value_valid, pair)
                    pair += 1
                    h += 1
            # No headers and an empty list look the same on the wire: both are null.
            if h:
                _set_bit(<uint8_t *>header_valid, row)
            else:
                header_nulls += 1
            header_end[row + 1] = <int32_t>pair
            row += 1

        header_keys = pa.Array.from_buffers(_STRING, pairs, [None, name_offsets_buffer,
                                                              name_data_buffer], 0)
        if pairs:
            header_keys.validate(full=True)   # names must be UTF-8, as Kafka writes them
        header_pairs = pa.Array.from_buffers(_PAIR, pairs, [None], 0, children=[
            header_keys,
            _binary_array(_BINARY, pairs, pair_value_valid_buffer, pair_value_nulls,
                          pair_value_offsets_buffer, pair_value_data_buffer)])
        columns = [
            pa.DictionaryArray.from_arrays(
                pa.Array.from_buffers(_INT32, rows, [None, topic_index_buffer], 0),
                pa.array(topic_names, _STRING)),
            pa.Array.from_buffers(_INT32, rows, [None, partitions_buffer], 0),
            pa.Array.from_buffers(_INT64, rows, [None, offsets_buffer], 0),
            pa.Array.from_buffers(TIMESTAMP_TYPE, rows, [
                stamp_valid_buffer if stamp_nulls else None, stamps_buffer], stamp_nulls),
            _binary_array(_BINARY, rows, key_valid_buffer, key_nulls, key_offsets_buffer,
                          key_data_buffer),
            _binary_array(_BINARY, rows, value_valid_buffer, value_nulls,
                          value_offsets_buffer, value_data_buffer),
            pa.Array.from_buffers(HEADERS_TYPE, rows, [
                header_valid_buffer if header_nulls else None, header_offsets_buffer],
                header_nulls, children=[header_pairs]),
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
