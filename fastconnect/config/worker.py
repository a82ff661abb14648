"""The worker's own settings, with Kafka Connect's keys and defaults."""

from __future__ import annotations

from typing import Any, Mapping

from fastconnect.api.config import ConfigDef, Importance, Type, at_least
from fastconnect.api.errors import ConfigError

__all__ = [
    "BOOTSTRAP_SERVERS",
    "KEY_CONVERTER",
    "VALUE_CONVERTER",
    "HEADER_CONVERTER",
    "OFFSET_FLUSH_INTERVAL_MS",
    "OFFSET_FLUSH_TIMEOUT_MS",
    "OFFSET_STORAGE_FILE_FILENAME",
    "PLUGIN_PATH",
    "TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS",
    "WORKER_CONFIG_DEF",
    "STANDALONE_CONFIG_DEF",
    "client_overrides",
]

BOOTSTRAP_SERVERS = "bootstrap.servers"
KEY_CONVERTER = "key.converter"
VALUE_CONVERTER = "value.converter"
HEADER_CONVERTER = "header.converter"
OFFSET_FLUSH_INTERVAL_MS = "offset.flush.interval.ms"
OFFSET_FLUSH_TIMEOUT_MS = "offset.flush.timeout.ms"
OFFSET_STORAGE_FILE_FILENAME = "offset.storage.file.filename"
PLUGIN_PATH = "plugin.path"
TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS = "task.shutdown.graceful.timeout.ms"
CLUSTER_CONNECT_TIMEOUT_MS = "fastconnect.bootstrap.timeout.ms"

WORKER_CONFIG_DEF = (
    ConfigDef()
    .define(BOOTSTRAP_SERVERS, Type.LIST, "localhost:9092", None, Importance.HIGH,
            "A list of host/port pairs used to establish the initial connection to the Kafka "
            "cluster, in the form host1:port1,host2:port2,...")
    .define(KEY_CONVERTER, Type.CLASS, importance=Importance.HIGH,
            documentation="Converter class for record keys, for every connector that does not "
            "set its own key.converter.")
    .define(VALUE_CONVERTER, Type.CLASS, importance=Importance.HIGH,
            documentation="Converter class for record values, for every connector that does not "
            "set its own value.converter.")
    .define(HEADER_CONVERTER, Type.CLASS,
            "org.apache.kafka.connect.storage.SimpleHeaderConverter", None, Importance.LOW,
            "Converter class for record header values.")
    .define(OFFSET_FLUSH_INTERVAL_MS, Type.LONG, 60000, at_least(0), Importance.LOW,
            "Interval at which to try committing offsets for tasks.")
    .define(OFFSET_FLUSH_TIMEOUT_MS, Type.LONG, 5000, at_least(0), Importance.LOW,
            "Maximum number of milliseconds to wait for records to be acknowledged and "
            "offsets committed before cancelling the commit and trying again later.")
    .define(TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS, Type.LONG, 5000, at_least(0), Importance.LOW,
            "Time to wait for tasks to shut down gracefully, per task.")
    .define(PLUGIN_PATH, Type.LIST, None, None, Importance.LOW,
            "Comma-separated directories holding plugins: Python modules and packages that "
            "define connectors, converters or transforms.")
    .define(CLUSTER_CONNECT_TIMEOUT_MS, Type.LONG, 15000, at_least(1), Importance.LOW,
            "How long the worker waits at start-up for the Kafka cluster to answer before it "
            "gives up with an error.")
)

STANDALONE_CONFIG_DEF = WORKER_CONFIG_DEF.merge(
    ConfigDef().define(
        OFFSET_STORAGE_FILE_FILENAME, Type.STRING, importance=Importance.HIGH,
        documentation="File to store source connector offsets in.")
)


# confluent-kafka's own client settings (librdkafka has no such keys) the worker cannot honour,
# with why; set to their default ("false") they are dropped.
_REFUSED = {
    "delivery.report.only.error": "the worker stores source offsets only once Kafka "
                                  "acknowledged each record, so it needs every delivery report",
}


def client_overrides(worker_props: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The ``producer.*`` / ``consumer.*`` / ``admin.*`` settings with the prefix stripped,
    as text for librdkafka. Raises ConfigError for a setting the worker cannot honour."""
    out: dict[str, Any] = {}
    for key, value in worker_props.items():
        if key.startswith(prefix):
            name, text = key[len(prefix):], str(value)
            if name in _REFUSED:
                if text.strip().lower() == "false":
                    continue
                raise ConfigError.invalid(key, text, _REFUSED[name])
            out[name] = text
    return out
