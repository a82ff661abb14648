"""The keys every connector has, whatever its class (Kafka's ConnectorConfig)."""

from __future__ import annotations

import re
from typing import Any, Mapping

from fastconnect.api.config import ConfigDef, Importance, Type, at_least, non_empty_string
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
)

SINK_CONNECTOR_CONFIG_DEF = CONNECTOR_CONFIG_DEF.merge(
    ConfigDef()
    .define(TOPICS, Type.LIST, "", None, Importance.HIGH,
            "List of topics to consume, separated by commas")
    .define(TOPICS_REGEX, Type.STRING, "", _valid_regex, Importance.HIGH,
            "Regular expression giving topics to consume. Only one of topics or topics.regex "
            "should be specified.")
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
