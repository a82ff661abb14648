"""The built-in converters, by every name a configuration may give them.

``key.converter``/``value.converter`` accept Kafka's Java class name
(``org.apache.kafka.connect.json.JsonConverter``), the simple name (``JsonConverter``) or
the Python path (``fastconnect.converters.json.JsonConverter``).
"""

from __future__ import annotations

from fastconnect.converters.json import JsonConverter
from fastconnect.converters.string import ByteArrayConverter, StringConverter

__all__ = ["BUILTIN_CONVERTERS", "ByteArrayConverter", "JsonConverter", "StringConverter"]

_JAVA_NAMES = {
    StringConverter: "org.apache.kafka.connect.storage.StringConverter",
    ByteArrayConverter: "org.apache.kafka.connect.converters.ByteArrayConverter",
    JsonConverter: "org.apache.kafka.connect.json.JsonConverter",
}

#: Every accepted name of a built-in converter -> its class.
BUILTIN_CONVERTERS: dict[str, type] = {
    name: cls
    for cls, java_name in _JAVA_NAMES.items()
    for name in (java_name, cls.__name__, f"{cls.__module__}.{cls.__name__}")
}
