/*
 * The part of librdkafka's C ABI that fastconnect's batch clients call.
 *
 * fastconnect does not link against librdkafka at build time. At import, the extension
 * opens the librdkafka that confluent-kafka already loaded (same file, same instance) and
 * resolves the functions below through dlsym, so the build needs no librdkafka headers
 * and the process never holds two copies of the library.
 *
 * The declarations are written from librdkafka's public API (stable across 2.x): opaque
 * handle types, the three structs whose fields the clients read or fill, and the
 * constants they test. Only what the clients use is here.
 */
#ifndef FASTCONNECT_RDKAFKA_ABI_H
#define FASTCONNECT_RDKAFKA_ABI_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_topic_s rd_kafka_topic_t;
typedef struct rd_kafka_topic_conf_s rd_kafka_topic_conf_t;
typedef struct rd_kafka_queue_s rd_kafka_queue_t;
typedef struct rd_kafka_headers_s rd_kafka_headers_t;
typedef struct rd_kafka_error_s rd_kafka_error_t;
typedef int rd_kafka_resp_err_t;
typedef int rd_kafka_conf_res_t;
typedef int rd_kafka_timestamp_type_t;

enum {
    RD_KAFKA_PRODUCER = 0,
    RD_KAFKA_CONSUMER = 1,
};

/* rd_kafka_resp_err_t values the clients tell apart (negative: raised by the client). */
enum {
    RD_KAFKA_RESP_ERR_NO_ERROR = 0,
    RD_KAFKA_RESP_ERR__PARTITION_EOF = -191,
    RD_KAFKA_RESP_ERR__QUEUE_FULL = -184,
    RD_KAFKA_RESP_ERR__INVALID_ARG = -186,
    RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS = -175,
    RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS = -174,
    RD_KAFKA_RESP_ERR__NOENT = -156,
    RD_KAFKA_RESP_ERR__FATAL = -150,
};

enum { RD_KAFKA_CONF_OK = 0 };
enum { RD_KAFKA_TIMESTAMP_NOT_AVAILABLE = 0 };

#define RD_KAFKA_PARTITION_UA ((int32_t)-1)
#define RD_KAFKA_OFFSET_INVALID -1001
#define RD_KAFKA_MSG_F_COPY 0x2
#define RD_KAFKA_PURGE_F_QUEUE 0x1
#define RD_KAFKA_PURGE_F_INFLIGHT 0x2
#define RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE 0x8

typedef struct rd_kafka_message_s {
    rd_kafka_resp_err_t err;
    rd_kafka_topic_t *rkt;
    int32_t partition;
    void *payload;      /* on a consumer error: the error string */
    size_t len;
    void *key;
    size_t key_len;
    int64_t offset;
    void *_private;     /* producer: the per-message opaque */
} rd_kafka_message_t;

typedef struct rd_kafka_topic_partition_s {
    char *topic;
    int32_t partition;
    int64_t offset;
    void *metadata;
    size_t metadata_size;
    void *opaque;
    rd_kafka_resp_err_t err;
    void *_private;
} rd_kafka_topic_partition_t;

typedef struct rd_kafka_topic_partition_list_s {
    int cnt;
    int size;
    rd_kafka_topic_partition_t *elems;
} rd_kafka_topic_partition_list_t;

/* The typed arguments of rd_kafka_produceva. */
enum {
    RD_KAFKA_VTYPE_END = 0,
    RD_KAFKA_VTYPE_TOPIC = 1,
    RD_KAFKA_VTYPE_RKT = 2,
    RD_KAFKA_VTYPE_PARTITION = 3,
    RD_KAFKA_VTYPE_VALUE = 4,
    RD_KAFKA_VTYPE_KEY = 5,
    RD_KAFKA_VTYPE_OPAQUE = 6,
    RD_KAFKA_VTYPE_MSGFLAGS = 7,
    RD_KAFKA_VTYPE_TIMESTAMP = 8,
    RD_KAFKA_VTYPE_HEADER = 9,
    RD_KAFKA_VTYPE_HEADERS = 10,
};

typedef struct rd_kafka_vu_s {
    int vtype;
    union {
        const char *cstr;
        rd_kafka_topic_t *rkt;
        int i;
        int32_t i32;
        int64_t i64;
        struct { void *ptr; size_t size; } mem;
        struct { const char *name; const void *val; ssize_t size; } header;
        rd_kafka_headers_t *headers;
        void *ptr;
        char _pad[64];
    } u;
} rd_kafka_vu_t;

/* The delivery state of one batch of produced rows, shared by its messages (their
 * per-message opaque). Delivery reports are served on the thread that polls, possibly
 * without the GIL, while the event loop reads `remaining`: hence the atomics. */
typedef struct fc_delivery_s {
    int64_t remaining;
    int64_t inflight;               /* handed to librdkafka, not reported yet */
    rd_kafka_resp_err_t error;      /* the first failure, 0 while none */
    int32_t partition;              /* where it happened */
    char topic[256];
} fc_delivery_t;

static inline void fc_delivery_report(fc_delivery_t *d, rd_kafka_resp_err_t err,
                                      const char *topic, int32_t partition) {
    if (err != 0 && __atomic_load_n(&d->error, __ATOMIC_ACQUIRE) == 0) {
        size_t n = topic == NULL ? 0 : strlen(topic);
        if (n >= sizeof(d->topic))
            n = sizeof(d->topic) - 1;
        if (n)
            memcpy(d->topic, topic, n);
        d->topic[n] = 0;
        d->partition = partition;
        __atomic_store_n(&d->error, err, __ATOMIC_RELEASE);
    }
    __atomic_sub_fetch(&d->remaining, 1, __ATOMIC_ACQ_REL);
    __atomic_sub_fetch(&d->inflight, 1, __ATOMIC_ACQ_REL);
}

static inline void fc_delivery_sent(fc_delivery_t *d, int64_t n) {
    __atomic_add_fetch(&d->inflight, n, __ATOMIC_ACQ_REL);
}

static inline int64_t fc_delivery_inflight(fc_delivery_t *d) {
    return __atomic_load_n(&d->inflight, __ATOMIC_ACQUIRE);
}

static inline int64_t fc_delivery_remaining(fc_delivery_t *d) {
    return __atomic_load_n(&d->remaining, __ATOMIC_ACQUIRE);
}

static inline rd_kafka_resp_err_t fc_delivery_error(fc_delivery_t *d) {
    return __atomic_load_n(&d->error, __ATOMIC_ACQUIRE);
}

typedef void (*fc_rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                                rd_kafka_topic_partition_list_t *, void *);
typedef void (*fc_error_cb)(rd_kafka_t *, int, const char *, void *);
typedef void (*fc_log_cb)(const rd_kafka_t *, int, const char *, const char *);
typedef void (*fc_dr_msg_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *);

/* Every function the clients call: (return type, name, parameters). */
#define FC_RDKAFKA_FUNCTIONS(X)                                                            \
    X(int, rd_kafka_version, (void))                                                       \
    X(const char *, rd_kafka_err2str, (rd_kafka_resp_err_t))                               \
    X(const char *, rd_kafka_err2name, (rd_kafka_resp_err_t))                              \
    X(rd_kafka_conf_t *, rd_kafka_conf_new, (void))                                        \
    X(rd_kafka_conf_res_t, rd_kafka_conf_set,                                              \
      (rd_kafka_conf_t *, const char *, const char *, char *, size_t))                     \
    X(void, rd_kafka_conf_destroy, (rd_kafka_conf_t *))                                    \
    X(void, rd_kafka_conf_set_opaque, (rd_kafka_conf_t *, void *))                         \
    X(void, rd_kafka_conf_set_rebalance_cb, (rd_kafka_conf_t *, fc_rebalance_cb))          \
    X(void, rd_kafka_conf_set_error_cb, (rd_kafka_conf_t *, fc_error_cb))                  \
    X(void, rd_kafka_conf_set_log_cb, (rd_kafka_conf_t *, fc_log_cb))                      \
    X(void, rd_kafka_conf_set_dr_msg_cb, (rd_kafka_conf_t *, fc_dr_msg_cb))                \
    X(rd_kafka_t *, rd_kafka_new, (int, rd_kafka_conf_t *, char *, size_t))                \
    X(void, rd_kafka_destroy, (rd_kafka_t *))                                              \
    X(void, rd_kafka_destroy_flags, (rd_kafka_t *, int))                                   \
    X(void *, rd_kafka_opaque, (const rd_kafka_t *))                                       \
    X(rd_kafka_resp_err_t, rd_kafka_fatal_error, (rd_kafka_t *, char *, size_t))           \
    X(rd_kafka_resp_err_t, rd_kafka_set_log_queue, (rd_kafka_t *, rd_kafka_queue_t *))     \
    X(rd_kafka_resp_err_t, rd_kafka_poll_set_consumer, (rd_kafka_t *))                     \
    X(rd_kafka_queue_t *, rd_kafka_queue_get_consumer, (rd_kafka_t *))                     \
    X(void, rd_kafka_queue_destroy, (rd_kafka_queue_t *))                                  \
    X(rd_kafka_topic_partition_list_t *, rd_kafka_topic_partition_list_new, (int))         \
    X(rd_kafka_topic_partition_t *, rd_kafka_topic_partition_list_add,                     \
      (rd_kafka_topic_partition_list_t *, const char *, int32_t))                          \
    X(void, rd_kafka_topic_partition_list_destroy, (rd_kafka_topic_partition_list_t *))    \
    X(rd_kafka_resp_err_t, rd_kafka_subscribe,                                             \
      (rd_kafka_t *, const rd_kafka_topic_partition_list_t *))                             \
    X(ssize_t, rd_kafka_consume_batch_queue,                                               \
      (rd_kafka_queue_t *, int, rd_kafka_message_t **, size_t))                            \
    X(void, rd_kafka_message_destroy, (rd_kafka_message_t *))                              \
    X(const char *, rd_kafka_topic_name, (const rd_kafka_topic_t *))                       \
    X(int64_t, rd_kafka_message_timestamp,                                                 \
      (const rd_kafka_message_t *, rd_kafka_timestamp_type_t *))                           \
    X(rd_kafka_resp_err_t, rd_kafka_message_headers,                                       \
      (const rd_kafka_message_t *, rd_kafka_headers_t **))                                 \
    X(rd_kafka_resp_err_t, rd_kafka_header_get_all,                                        \
      (const rd_kafka_headers_t *, size_t, const char **, const void **, size_t *))        \
    X(const char *, rd_kafka_rebalance_protocol, (rd_kafka_t *))                           \
    X(int, rd_kafka_assignment_lost, (rd_kafka_t *))                                       \
    X(rd_kafka_resp_err_t, rd_kafka_assign,                                                \
      (rd_kafka_t *, const rd_kafka_topic_partition_list_t *))                             \
    X(rd_kafka_error_t *, rd_kafka_incremental_assign,                                     \
      (rd_kafka_t *, const rd_kafka_topic_partition_list_t *))                             \
    X(rd_kafka_error_t *, rd_kafka_incremental_unassign,                                   \
      (rd_kafka_t *, const rd_kafka_topic_partition_list_t *))                             \
    X(rd_kafka_resp_err_t, rd_kafka_assignment,                                            \
      (rd_kafka_t *, rd_kafka_topic_partition_list_t **))                                  \
    X(rd_kafka_resp_err_t, rd_kafka_commit,                                                \
      (rd_kafka_t *, const rd_kafka_topic_partition_list_t *, int))                        \
    X(rd_kafka_resp_err_t, rd_kafka_committed,                                             \
      (rd_kafka_t *, rd_kafka_topic_partition_list_t *, int))                              \
    X(rd_kafka_resp_err_t, rd_kafka_position,                                              \
      (rd_kafka_t *, rd_kafka_topic_partition_list_t *))                                   \
    X(rd_kafka_resp_err_t, rd_kafka_pause_partitions,                                      \
      (rd_kafka_t *, rd_kafka_topic_partition_list_t *))                                   \
    X(rd_kafka_resp_err_t, rd_kafka_resume_partitions,                                     \
      (rd_kafka_t *, rd_kafka_topic_partition_list_t *))                                   \
    X(rd_kafka_error_t *, rd_kafka_seek_partitions,                                        \
      (rd_kafka_t *, rd_kafka_topic_partition_list_t *, int))                              \
    X(rd_kafka_resp_err_t, rd_kafka_consumer_close, (rd_kafka_t *))                        \
    X(rd_kafka_resp_err_t, rd_kafka_error_code, (const rd_kafka_error_t *))                \
    X(const char *, rd_kafka_error_string, (const rd_kafka_error_t *))                     \
    X(int, rd_kafka_error_is_fatal, (const rd_kafka_error_t *))                            \
    X(int, rd_kafka_error_is_retriable, (const rd_kafka_error_t *))                        \
    X(void, rd_kafka_error_destroy, (rd_kafka_error_t *))                                  \
    X(rd_kafka_topic_t *, rd_kafka_topic_new,                                              \
      (rd_kafka_t *, const char *, rd_kafka_topic_conf_t *))                               \
    X(void, rd_kafka_topic_destroy, (rd_kafka_topic_t *))                                  \
    X(rd_kafka_headers_t *, rd_kafka_headers_new, (size_t))                                \
    X(rd_kafka_resp_err_t, rd_kafka_header_add,                                            \
      (rd_kafka_headers_t *, const char *, ssize_t, const void *, ssize_t))                \
    X(void, rd_kafka_headers_destroy, (rd_kafka_headers_t *))                              \
    X(rd_kafka_error_t *, rd_kafka_produceva, (rd_kafka_t *, const rd_kafka_vu_t *, size_t)) \
    X(int, rd_kafka_poll, (rd_kafka_t *, int))                                             \
    X(rd_kafka_resp_err_t, rd_kafka_flush, (rd_kafka_t *, int))                            \
    X(rd_kafka_resp_err_t, rd_kafka_purge, (rd_kafka_t *, int))                            \
    X(int, rd_kafka_outq_len, (rd_kafka_t *))

/* One pointer per function, named fc_<name>; the macros below let the Cython code call
 * them by librdkafka's own names. */
#define FC_DECLARE(ret, name, params) typedef ret (*name##_fn) params; static name##_fn fc_##name;
FC_RDKAFKA_FUNCTIONS(FC_DECLARE)
#undef FC_DECLARE

/* Resolve every function from the library at `path` (already loaded by confluent-kafka,
 * so dlopen returns that instance). Returns NULL on success, else what failed. */
static const char *fc_rdkafka_load(const char *path) {
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL)
        return dlerror();
#define FC_RESOLVE(ret, name, params)                                                      \
    fc_##name = (name##_fn)dlsym(handle, #name);                                           \
    if (fc_##name == NULL)                                                                 \
        return "librdkafka lacks " #name;
    FC_RDKAFKA_FUNCTIONS(FC_RESOLVE)
#undef FC_RESOLVE
    return NULL;
}

#define rd_kafka_version fc_rd_kafka_version
#define rd_kafka_err2str fc_rd_kafka_err2str
#define rd_kafka_err2name fc_rd_kafka_err2name
#define rd_kafka_conf_new fc_rd_kafka_conf_new
#define rd_kafka_conf_set fc_rd_kafka_conf_set
#define rd_kafka_conf_destroy fc_rd_kafka_conf_destroy
#define rd_kafka_conf_set_opaque fc_rd_kafka_conf_set_opaque
#define rd_kafka_conf_set_rebalance_cb fc_rd_kafka_conf_set_rebalance_cb
#define rd_kafka_conf_set_error_cb fc_rd_kafka_conf_set_error_cb
#define rd_kafka_conf_set_log_cb fc_rd_kafka_conf_set_log_cb
#define rd_kafka_conf_set_dr_msg_cb fc_rd_kafka_conf_set_dr_msg_cb
#define rd_kafka_new fc_rd_kafka_new
#define rd_kafka_destroy fc_rd_kafka_destroy
#define rd_kafka_destroy_flags fc_rd_kafka_destroy_flags
#define rd_kafka_opaque fc_rd_kafka_opaque
#define rd_kafka_fatal_error fc_rd_kafka_fatal_error
#define rd_kafka_set_log_queue fc_rd_kafka_set_log_queue
#define rd_kafka_poll_set_consumer fc_rd_kafka_poll_set_consumer
#define rd_kafka_queue_get_consumer fc_rd_kafka_queue_get_consumer
#define rd_kafka_queue_destroy fc_rd_kafka_queue_destroy
#define rd_kafka_topic_partition_list_new fc_rd_kafka_topic_partition_list_new
#define rd_kafka_topic_partition_list_add fc_rd_kafka_topic_partition_list_add
#define rd_kafka_topic_partition_list_destroy fc_rd_kafka_topic_partition_list_destroy
#define rd_kafka_subscribe fc_rd_kafka_subscribe
#define rd_kafka_consume_batch_queue fc_rd_kafka_consume_batch_queue
#define rd_kafka_message_destroy fc_rd_kafka_message_destroy
#define rd_kafka_topic_name fc_rd_kafka_topic_name
#define rd_kafka_message_timestamp fc_rd_kafka_message_timestamp
#define rd_kafka_message_headers fc_rd_kafka_message_headers
#define rd_kafka_header_get_all fc_rd_kafka_header_get_all
#define rd_kafka_rebalance_protocol fc_rd_kafka_rebalance_protocol
#define rd_kafka_assignment_lost fc_rd_kafka_assignment_lost
#define rd_kafka_assign fc_rd_kafka_assign
#define rd_kafka_incremental_assign fc_rd_kafka_incremental_assign
#define rd_kafka_incremental_unassign fc_rd_kafka_incremental_unassign
#define rd_kafka_assignment fc_rd_kafka_assignment
#define rd_kafka_commit fc_rd_kafka_commit
#define rd_kafka_committed fc_rd_kafka_committed
#define rd_kafka_position fc_rd_kafka_position
#define rd_kafka_pause_partitions fc_rd_kafka_pause_partitions
#define rd_kafka_resume_partitions fc_rd_kafka_resume_partitions
#define rd_kafka_seek_partitions fc_rd_kafka_seek_partitions
#define rd_kafka_consumer_close fc_rd_kafka_consumer_close
#define rd_kafka_error_code fc_rd_kafka_error_code
#define rd_kafka_error_string fc_rd_kafka_error_string
#define rd_kafka_error_is_fatal fc_rd_kafka_error_is_fatal
#define rd_kafka_error_is_retriable fc_rd_kafka_error_is_retriable
#define rd_kafka_error_destroy fc_rd_kafka_error_destroy
#define rd_kafka_topic_new fc_rd_kafka_topic_new
#define rd_kafka_topic_destroy fc_rd_kafka_topic_destroy
#define rd_kafka_headers_new fc_rd_kafka_headers_new
#define rd_kafka_header_add fc_rd_kafka_header_add
#define rd_kafka_headers_destroy fc_rd_kafka_headers_destroy
#define rd_kafka_produceva fc_rd_kafka_produceva
#define rd_kafka_poll fc_rd_kafka_poll
#define rd_kafka_flush fc_rd_kafka_flush
#define rd_kafka_purge fc_rd_kafka_purge
#define rd_kafka_outq_len fc_rd_kafka_outq_len

#endif
