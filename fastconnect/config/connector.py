"""The keys every connector has, whatever its class (Kafka's ConnectorConfig)."""

from __future__ import annotations

import re
from typing import Any, Mapping

from fastconnect.api.config import (
    ConfigDef,
    Importance,
    Type,
    at_least,
    non_empty_string,
    one_of,
)
from fastconnect.api.errors import ConfigError

__all__ = [
    "NAME",
    "CONNECTOR_CLASS",
    "TASKS_MAX",
    "TOPICS",
    "TOPICS_REGEX",
    "CONNECTOR_CONFIG_DEF",
    "SINK_CONNECTOR_CONFIG_DEF",
    "validate_sink_topics",
]

NAME = "name"
CONNECTOR_CLASS = "connector.class"
TASKS_MAX = "tasks.max"
TOPICS = "topics"
TOPICS_REGEX = "topics.regex"
ERRORS_RETRY_TIMEOUT = "errors.retry.timeout"
ERRORS_RETRY_MAX_DELAY = "errors.retry.delay.max.ms"
ERRORS_TOLERANCE = "errors.tolerance"
ERRORS_LOG_ENABLE = "errors.log.enable"
ERRORS_LOG_INCLUDE_MESSAGES = "errors.log.include.messages"
DLQ_TOPIC_NAME = "errors.deadletterqueue.topic.name"
DLQ_REPLICATION_FACTOR = "errors.deadletterqueue.topic.replication.factor"
DLQ_CONTEXT_HEADERS = "errors.deadletterqueue.context.headers.enable"


def _valid_name(name: str, value: Any) -> None:
    non_empty_string(name, value)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ConfigError.invalid(name, value, "String may not contain control sequences")


def _valid_regex(name: str, value: Any) -> None:
    if value:
        try:
            re.compile(value)
        except re.error as error:
            raise ConfigError.invalid(name, value, f"not a valid regular expression: {error}")


CONNECTOR_CONFIG_DEF = (
    ConfigDef()
    .define(NAME, Type.STRING, validator=_valid_name, importance=Importance.HIGH,
            documentation="Globally unique name to use for this connector.")
    .define(CONNECTOR_CLASS, Type.STRING, importance=Importance.HIGH,
            documentation="Name or alias of the class for this connector.")
    .define(TASKS_MAX, Type.INT, 1, at_least(1), Importance.HIGH,
            "Maximum number of tasks to use for this connector.")
    .define("key.converter", Type.CLASS, None, None, Importance.LOW,
            "Converter class for keys; overrides the worker's key.converter.")
    .define("value.converter", Type.CLASS, None, None, Importance.LOW,
            "Converter class for values; overrides the worker's value.converter.")
    .define("header.converter", Type.CLASS, None, None, Importance.LOW,
            "Converter class for header values; overrides the worker's header.converter.")
    .define("transforms", Type.LIST, "", None, Importance.LOW,
            "Aliases for the transformations to be applied to records, in order.")
    .define("predicates", Type.LIST, "", None, Importance.LOW,
            "Aliases for the predicates used by transformations.")
    .define(ERRORS_RETRY_TIMEOUT, Type.LONG, 0, at_least(-1), Importance.MEDIUM,
            "The maximum duration in milliseconds that a failed operation will be reattempted. "
            "The default is 0, which means no retries will be attempted. Use -1 for infinite "
            "retries.")
    .define(ERRORS_RETRY_MAX_DELAY, Type.LONG, 60000, at_least(0), Importance.MEDIUM,
            "The maximum duration in milliseconds between consecutive retry attempts.")
    .define(ERRORS_TOLERANCE, Type.STRING, "none", one_of("none", "all", case_sensitive=False),
            Importance.MEDIUM,
            "Behavior for tolerating errors during connector operation. 'none' is the default "
            "value and signals that any error will result in an immediate connector task "
            "failure; 'all' changes the behavior to skip over problematic records.")
    .define(ERRORS_LOG_ENABLE, Type.BOOLEAN, False, None, Importance.MEDIUM,
            "If true, write each error and the details of the failed operation and "
            "problematic record to the Connect application log.")
    .define(ERRORS_LOG_INCLUDE_MESSAGES, Type.BOOLEAN, False, None, Importance.MEDIUM,
            "Whether to include in the log the Connect record that resulted in a failure.")
)

SINK_CONNECTOR_CONFIG_DEF = CONNECTOR_CONFIG_DEF.merge(
    ConfigDef()
    .define(TOPICS, Type.LIST, "", None, Importance.HIGH,
            "List of topics to consume, separated by commas")
    .define(TOPICS_REGEX, Type.STRING, "", _valid_regex, Importance.HIGH,
            "Regular expression giving topics to consume. Only one of topics or topics.regex "
            "should be specified.")
    .define(DLQ_TOPIC_NAME, Type.STRING, "", None, Importance.MEDIUM,
            "The name of the topic to be used as the dead letter queue (DLQ) for messages that "
            "result in an error when processed by this sink connector, transformations, or "
            "converter. Blank means no DLQ.")
    .define(DLQ_REPLICATION_FACTOR, Type.SHORT, 3, None, Importance.MEDIUM,
            "Replication factor used to create the dead letter queue topic when it doesn't "
            "already exist.")
    .define(DLQ_CONTEXT_HEADERS, Type.BOOLEAN, False, None, Importance.MEDIUM,
            "If true, add headers containing error context to the messages written to the dead "
            "letter queue.")
)


def validate_sink_topics(props: Mapping[str, Any]) -> None:
    """A sink names its input with exactly one of ``topics`` and ``topics.regex``."""
    has_topics = bool(str(props.get(TOPICS) or "").strip())
    has_regex = bool(str(props.get(TOPICS_REGEX) or "").strip())
    if has_topics and has_regex:
        raise ConfigError(f"{TOPICS} and {TOPICS_REGEX} are mutually exclusive options, "
                          "but both are set.", TOPICS)
    if not has_topics and not has_regex:
        raise ConfigError(f"Must configure one of {TOPICS} or {TOPICS_REGEX}", TOPICS)
