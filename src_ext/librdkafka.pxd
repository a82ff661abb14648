# librdkafka's C API as the batch clients use it (cimported by rdkafka.pyx). The C side, and
# the function pointers these names resolve to, are in rdkafka_abi.h.

from libc.stdint cimport int32_t, int64_t

cdef extern from "rdkafka_abi.h" nogil:
    ctypedef struct rd_kafka_t:
        pass
    ctypedef struct rd_kafka_conf_t:
        pass
    ctypedef struct rd_kafka_topic_t:
        pass
    ctypedef struct rd_kafka_topic_conf_t:
        pass
    ctypedef struct rd_kafka_queue_t:
        pass
    ctypedef struct rd_kafka_headers_t:
        pass
    ctypedef struct rd_kafka_error_t:
        pass
    ctypedef int rd_kafka_resp_err_t
    ctypedef int rd_kafka_conf_res_t
    ctypedef int rd_kafka_timestamp_type_t

    enum:
        RD_KAFKA_PRODUCER
        RD_KAFKA_CONSUMER
        RD_KAFKA_RESP_ERR_NO_ERROR
        RD_KAFKA_RESP_ERR__PARTITION_EOF
        RD_KAFKA_RESP_ERR__QUEUE_FULL
        RD_KAFKA_RESP_ERR__INVALID_ARG
        RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
        RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS
        RD_KAFKA_RESP_ERR__NOENT
        RD_KAFKA_RESP_ERR__FATAL
        RD_KAFKA_CONF_OK
        RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        RD_KAFKA_VTYPE_END
        RD_KAFKA_VTYPE_RKT
        RD_KAFKA_VTYPE_PARTITION
        RD_KAFKA_VTYPE_VALUE
        RD_KAFKA_VTYPE_KEY
        RD_KAFKA_VTYPE_OPAQUE
        RD_KAFKA_VTYPE_MSGFLAGS
        RD_KAFKA_VTYPE_TIMESTAMP
        RD_KAFKA_VTYPE_HEADERS

    int32_t RD_KAFKA_PARTITION_UA
    int64_t RD_KAFKA_OFFSET_INVALID
    int RD_KAFKA_MSG_F_COPY
    int RD_KAFKA_PURGE_F_QUEUE
    int RD_KAFKA_PURGE_F_INFLIGHT
    int RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE

    ctypedef struct rd_kafka_message_t:
        rd_kafka_resp_err_t err
        rd_kafka_topic_t *rkt
        int32_t partition
        void *payload
        size_t len
        void *key
        size_t key_len
        int64_t offset
        void *_private

    ctypedef struct rd_kafka_topic_partition_t:
        char *topic
        int32_t partition
        int64_t offset
        rd_kafka_resp_err_t err

    ctypedef struct rd_kafka_topic_partition_list_t:
        int cnt
        int size
        rd_kafka_topic_partition_t *elems

    ctypedef struct rd_kafka_vu_mem_t:
        void *ptr
        size_t size

    ctypedef union rd_kafka_vu_value_t:
        rd_kafka_topic_t *rkt
        int i
        int32_t i32
        int64_t i64
        rd_kafka_vu_mem_t mem
        rd_kafka_headers_t *headers
        void *ptr

    ctypedef struct rd_kafka_vu_t:
        int vtype
        rd_kafka_vu_value_t u

    ctypedef struct fc_delivery_t:
        int64_t remaining
        int64_t inflight
        rd_kafka_resp_err_t error
        int32_t partition
        char topic[256]

    void fc_delivery_report(fc_delivery_t *d, rd_kafka_resp_err_t err, const char *topic,
                            int32_t partition)
    int64_t fc_delivery_remaining(fc_delivery_t *d)
    void fc_delivery_sent(fc_delivery_t *d, int64_t n)
    int64_t fc_delivery_inflight(fc_delivery_t *d)
    rd_kafka_resp_err_t fc_delivery_error(fc_delivery_t *d)

    ctypedef void (*fc_rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                                     rd_kafka_topic_partition_list_t *, void *)
    ctypedef void (*fc_error_cb)(rd_kafka_t *, int, const char *, void *)
    ctypedef void (*fc_log_cb)(const rd_kafka_t *, int, const char *, const char *)
    ctypedef void (*fc_dr_msg_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *)

    const char *fc_rdkafka_load(const char *path)

    int rd_kafka_version()
    const char *rd_kafka_err2str(rd_kafka_resp_err_t err)
    const char *rd_kafka_err2name(rd_kafka_resp_err_t err)
    rd_kafka_conf_t *rd_kafka_conf_new()
    rd_kafka_conf_res_t rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
                                          const char *value, char *errstr, size_t size)
    void rd_kafka_conf_destroy(rd_kafka_conf_t *conf)
    void rd_kafka_conf_set_opaque(rd_kafka_conf_t *conf, void *opaque)
    void rd_kafka_conf_set_rebalance_cb(rd_kafka_conf_t *conf, fc_rebalance_cb cb)
    void rd_kafka_conf_set_error_cb(rd_kafka_conf_t *conf, fc_error_cb cb)
    void rd_kafka_conf_set_log_cb(rd_kafka_conf_t *conf, fc_log_cb cb)
    void rd_kafka_conf_set_dr_msg_cb(rd_kafka_conf_t *conf, fc_dr_msg_cb cb)
    rd_kafka_t *rd_kafka_new(int kind, rd_kafka_conf_t *conf, char *errstr, size_t size)
    void rd_kafka_destroy(rd_kafka_t *rk)
    void rd_kafka_destroy_flags(rd_kafka_t *rk, int flags)
    void *rd_kafka_opaque(const rd_kafka_t *rk)
    rd_kafka_resp_err_t rd_kafka_fatal_error(rd_kafka_t *rk, char *errstr, size_t size)
    rd_kafka_resp_err_t rd_kafka_set_log_queue(rd_kafka_t *rk, rd_kafka_queue_t *rkqu)
    rd_kafka_resp_err_t rd_kafka_poll_set_consumer(rd_kafka_t *rk)
    rd_kafka_queue_t *rd_kafka_queue_get_consumer(rd_kafka_t *rk)
    void rd_kafka_queue_destroy(rd_kafka_queue_t *rkqu)
    rd_kafka_topic_partition_list_t *rd_kafka_topic_partition_list_new(int size)
    rd_kafka_topic_partition_t *rd_kafka_topic_partition_list_add(
        rd_kafka_topic_partition_list_t *rktparlist, const char *topic, int32_t partition)
    void rd_kafka_topic_partition_list_destroy(rd_kafka_topic_partition_list_t *rktparlist)
    rd_kafka_resp_err_t rd_kafka_subscribe(rd_kafka_t *rk,
                                           const rd_kafka_topic_partition_list_t *topics)
    ssize_t rd_kafka_consume_batch_queue(rd_kafka_queue_t *rkqu, int timeout_ms,
                                         rd_kafka_message_t **messages, size_t size)
    void rd_kafka_message_destroy(rd_kafka_message_t *message)
    const char *rd_kafka_topic_name(const rd_kafka_topic_t *rkt)
    int64_t rd_kafka_message_timestamp(const rd_kafka_message_t *message,
                                       rd_kafka_timestamp_type_t *kind)
    rd_kafka_resp_err_t rd_kafka_message_headers(const rd_kafka_message_t *message,
                                                 rd_kafka_headers_t **headers)
    rd_kafka_resp_err_t rd_kafka_header_get_all(const rd_kafka_headers_t *headers,
                                                size_t index, const char **name,
                                                const void **value, size_t *size)
    const char *rd_kafka_rebalance_protocol(rd_kafka_t *rk)
    int rd_kafka_assignment_lost(rd_kafka_t *rk)
    rd_kafka_resp_err_t rd_kafka_assign(rd_kafka_t *rk,
                                        const rd_kafka_topic_partition_list_t *partitions)
    rd_kafka_error_t *rd_kafka_incremental_assign(
        rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions)
    rd_kafka_error_t *rd_kafka_incremental_unassign(
        rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions)
    rd_kafka_resp_err_t rd_kafka_assignment(rd_kafka_t *rk,
                                            rd_kafka_topic_partition_list_t **partitions)
    rd_kafka_resp_err_t rd_kafka_commit(rd_kafka_t *rk,
                                        const rd_kafka_topic_partition_list_t *offsets,
                                        int is_async)
    rd_kafka_resp_err_t rd_kafka_committed(rd_kafka_t *rk,
                                           rd_kafka_topic_partition_list_t *partitions,
                                           int timeout_ms)
    rd_kafka_resp_err_t rd_kafka_pause_partitions(rd_kafka_t *rk,
                                                  rd_kafka_topic_partition_list_t *partitions)
    rd_kafka_resp_err_t rd_kafka_resume_partitions(rd_kafka_t *rk,
                                                   rd_kafka_topic_partition_list_t *partitions)
    rd_kafka_error_t *rd_kafka_seek_partitions(rd_kafka_t *rk,
                                               rd_kafka_topic_partition_list_t *partitions,
                                               int timeout_ms)
    rd_kafka_resp_err_t rd_kafka_consumer_close(rd_kafka_t *rk)
    rd_kafka_resp_err_t rd_kafka_error_code(const rd_kafka_error_t *error)
    const char *rd_kafka_error_string(const rd_kafka_error_t *error)
    int rd_kafka_error_is_fatal(const rd_kafka_error_t *error)
    int rd_kafka_error_is_retriable(const rd_kafka_error_t *error)
    void rd_kafka_error_destroy(rd_kafka_error_t *error)
    rd_kafka_topic_t *rd_kafka_topic_new(rd_kafka_t *rk, const char *topic,
                                         rd_kafka_topic_conf_t *conf)
    void rd_kafka_topic_destroy(rd_kafka_topic_t *rkt)
    rd_kafka_headers_t *rd_kafka_headers_new(size_t initial_count)
    rd_kafka_resp_err_t rd_kafka_header_add(rd_kafka_headers_t *headers, const char *name,
                                            ssize_t name_size, const void *value,
                                            ssize_t value_size)
    void rd_kafka_headers_destroy(rd_kafka_headers_t *headers)
    rd_kafka_error_t *rd_kafka_produceva(rd_kafka_t *rk, const rd_kafka_vu_t *vus, size_t cnt)
    int rd_kafka_poll(rd_kafka_t *rk, int timeout_ms)
    rd_kafka_resp_err_t rd_kafka_flush(rd_kafka_t *rk, int timeout_ms)
    rd_kafka_resp_err_t rd_kafka_purge(rd_kafka_t *rk, int flags)
    int rd_kafka_outq_len(rd_kafka_t *rk)
