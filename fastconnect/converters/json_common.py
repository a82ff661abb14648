"""What the JSON converter's reading and writing halves share.

A Connect schema compiled into a tree of :class:`Node` (``JsonConverter._compile`` in
:mod:`fastconnect.converters.json` builds it), the bounded cache that keeps compiled schemas,
and JSON parsing that reads the numbers orjson refuses as Jackson does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field as dc_field
from typing import Any

import orjson

from fastconnect.converters.lru import LRU  # noqa: F401  (re-exported)

__all__ = ["LRU", "MS_PER_DAY", "Node", "loads"]

MS_PER_DAY = 86_400_000


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes | str) -> Any:
    """Parse JSON with orjson; numbers orjson refuses (``1E400``) are read as Jackson does."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        try:
            return json.loads(raw, parse_constant=_reject_constant)
        except ValueError:
            raise error from None


@dataclass(eq=False)
class Node:
    """One level of a compiled Connect schema."""

    kind: str
    optional: bool
    logical: str | None = None
    scale: int = 0
    names: list[str] = dc_field(default_factory=list)
    children: list[Node] = dc_field(default_factory=list)
    has_default: bool = False
    default_value: Any = None  # the default as to_connect builds values (for pa.array)
    default_json: Any = None  # the default as from_connect writes it (for orjson)
    has_decimal: bool = False
    json: dict = dc_field(default_factory=dict)  # the schema as written, in Kafka's order
