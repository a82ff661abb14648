"""librdkafka client settings for the worker's producers, consumers and admin client.

Kafka Connect's defaults are kept where they matter for the guarantees (acks=all, no
auto-commit, earliest offset for new sink groups) and user overrides come from the
worker's ``producer.*``/``consumer.*``/``admin.*`` keys. librdkafka's own log lines are
routed into Python logging so they read like the rest of the worker's log.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from fastconnect.config.worker import BOOTSTRAP_SERVERS, client_overrides

__all__ = ["producer_config", "consumer_config", "admin_config"]

_librdkafka_log = logging.getLogger("fastconnect.librdkafka")


def _common(worker: Mapping[str, Any]) -> dict[str, Any]:
    servers = worker.get(BOOTSTRAP_SERVERS) or ["localhost:9092"]
    if isinstance(servers, str):
        servers = [s.strip() for s in servers.split(",")]
    return {"bootstrap.servers": ",".join(servers), "logger": _librdkafka_log,
            # librdkafka spaces its first connections by half of this (100 ms by default), so
            # a new client's first request, sent while it swaps the bootstrap connection for
            # the broker's own, waited ~50 ms: measured, a new sink's first record came
            # ~55 ms sooner with 20. Reconnections still back off exponentially, to
            # reconnect.backoff.max.ms.
            "reconnect.backoff.ms": 20}


def producer_config(worker: Mapping[str, Any], raw: Mapping[str, str], client_id: str) -> dict[str, Any]:
    config = _common(worker) | {
        "client.id": client_id,
        "acks": "all",
        # One request in flight keeps per-partition order across librdkafka's retries, as
        # Kafka Connect's own producer settings do. Idempotence would too, but its producer
        # id is fetched at start while librdkafka swaps the bootstrap connection for the
        # broker's own, and when that races it retries on a fixed 500 ms timer: measured
        # over 6 S1 starts each, first record 0.26-1.89 s with it, 0.25-0.36 s without, and
        # the rate no lower (median ~1.0M against ~0.83M records/s).
        "max.in.flight.requests.per.connection": 1,
        "linger.ms": 5,
        # Bounds what a fast source can queue ahead of the broker: back-pressure, not memory.
        # 16 MB still holds ~80 ms of S1 at 1M records/s; measured over 1M records (4 runs
        # each), peak RSS 122 MB against 140 with 64 MB, at the same rate.
        "queue.buffering.max.kbytes": 16384,
        "queue.buffering.max.messages": 200000,
        "batch.size": 1048576,
        "compression.type": "none",
    }
    return config | client_overrides(raw, "producer.")


def consumer_config(worker: Mapping[str, Any], raw: Mapping[str, str], group_id: str,
                    client_id: str) -> dict[str, Any]:
    config = _common(worker) | {
        "group.id": group_id,
        "client.id": client_id,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
        # Bounds the prefetch queue, the memory a slow sink lets pile up. 8 MB still holds
        # several full consume batches (and eight 1 MB partition fetches); measured on 1M
        # records of S2/S3 against librdkafka's 64 MB, peak RSS fell by ~30 MB and the rate
        # did not drop. consumer.queued.max.messages.kbytes overrides it.
        "queued.max.messages.kbytes": 8192,
        # librdkafka stops fetching for fetch.queue.backoff.ms (1 s by default) whenever the
        # prefetch queue is full, even if we drain it at once; measured on a 500k-record
        # sink, 10 ms takes the rate from ~65-110k to ~250-290k records/s. Memory stays
        # bounded by queued.max.messages.kbytes either way.
        "fetch.queue.backoff.ms": 10,
    }
    return config | client_overrides(raw, "consumer.")


def admin_config(worker: Mapping[str, Any], raw: Mapping[str, str]) -> dict[str, Any]:
    return _common(worker) | client_overrides(raw, "admin.")
