"""The built-in converters, by every name a configuration may give them.

``key.converter``/``value.converter`` accept Kafka's Java class name
(``org.apache.kafka.connect.json.JsonConverter``), the simple name (``JsonConverter``) or
the Python path (``fastconnect.converters.json.JsonConverter``).
"""

from __future__ import annotations

from fastconnect.converters.avro import AvroConverter
from fastconnect.converters.header import SimpleHeaderConverter
from fastconnect.converters.json import JsonConverter
from fastconnect.converters.protobuf import ProtobufConverter
from fastconnect.converters.string import ByteArrayConverter, StringConverter

__all__ = ["AvroConverter", "BUILTIN_CONVERTERS", "BUILTIN_HEADER_CONVERTERS",
           "ByteArrayConverter", "JsonConverter", "ProtobufConverter", "SimpleHeaderConverter",
           "StringConverter"]

_JAVA_NAMES = {
    StringConverter: "org.apache.kafka.connect.storage.StringConverter",
    ByteArrayConverter: "org.apache.kafka.connect.converters.ByteArrayConverter",
    JsonConverter: "org.apache.kafka.connect.json.JsonConverter",
    AvroConverter: "io.confluent.connect.avro.AvroConverter",
    ProtobufConverter: "io.confluent.connect.protobuf.ProtobufConverter",
}

#: Every accepted name of a built-in converter -> its class.
BUILTIN_CONVERTERS: dict[str, type] = {
    name: cls
    for cls, java_name in _JAVA_NAMES.items()
    for name in (java_name, cls.__name__, f"{cls.__module__}.{cls.__name__}")
}

#: Header converters (``header.converter``) by every accepted name.
BUILTIN_HEADER_CONVERTERS: dict[str, type] = {
    name: SimpleHeaderConverter
    for name in ("org.apache.kafka.connect.storage.SimpleHeaderConverter",
                 "SimpleHeaderConverter", "fastconnect.converters.header.SimpleHeaderConverter")
}
