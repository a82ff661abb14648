"""The built-in converters, by every name a configuration may give them.

``key.converter``/``value.converter`` accept Kafka's Java class name
(``org.apache.kafka.connect.json.JsonConverter``), the simple name (``JsonConverter``) or
the Python path (``fastconnect.converters.json.JsonConverter``). Each converter's module is
imported when it is first looked up, so a worker that only reads JSON does not import
fastavro and protobuf at start-up.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterator, Mapping

__all__ = ["AvroConverter", "BUILTIN_CONVERTERS", "BUILTIN_HEADER_CONVERTERS",
           "ByteArrayConverter", "JsonConverter", "ProtobufConverter", "SimpleHeaderConverter",
           "StringConverter"]

# Python path -> Java class name.
_JAVA_NAMES = {
    "fastconnect.converters.string.StringConverter":
        "org.apache.kafka.connect.storage.StringConverter",
    "fastconnect.converters.string.ByteArrayConverter":
        "org.apache.kafka.connect.converters.ByteArrayConverter",
    "fastconnect.converters.json.JsonConverter": "org.apache.kafka.connect.json.JsonConverter",
    "fastconnect.converters.avro.AvroConverter": "io.confluent.connect.avro.AvroConverter",
    "fastconnect.converters.protobuf.ProtobufConverter":
        "io.confluent.connect.protobuf.ProtobufConverter",
}


def _load(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class _BuiltinConverters(Mapping[str, type]):
    """Every accepted name of a built-in converter -> its class, imported on first lookup."""

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}
        for path, java in _JAVA_NAMES.items():
            module, _, simple = path.rpartition(".")
            for name in (java, simple, path, f"{module}:{simple}"):
                self._paths[name] = path

    def __getitem__(self, name: str) -> type:
        return _load(self._paths[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def names_of(self, cls: type) -> list[str]:
        """The names ``cls`` is known by here, without importing any other converter."""
        path = f"{cls.__module__}.{cls.__qualname__}"
        return [name for name, known in self._paths.items() if known == path]


#: Every accepted name of a built-in converter -> its class.
BUILTIN_CONVERTERS = _BuiltinConverters()

#: Header converters (``header.converter``) by every accepted name -> its Python path.
BUILTIN_HEADER_CONVERTERS: dict[str, str] = {
    name: "fastconnect.converters.header.SimpleHeaderConverter"
    for name in ("org.apache.kafka.connect.storage.SimpleHeaderConverter",
                 "SimpleHeaderConverter", "fastconnect.converters.header.SimpleHeaderConverter")
}


def __getattr__(name: str) -> Any:
    # The classes themselves, imported when asked for (PEP 562).
    for path in (*_JAVA_NAMES, "fastconnect.converters.header.SimpleHeaderConverter"):
        if path.rpartition(".")[2] == name:
            return _load(path)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
