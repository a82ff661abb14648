"""The one bounded cache the converters use for schemas, ids and compiled readers."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["LRU"]


class LRU(OrderedDict):
    """A mapping bounded to ``size`` entries that forgets the least recently used first.

    ``size <= 0`` caches nothing (``schemas.cache.size=0``): ``put`` still returns the value.
    """

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get(self, key: Any, default: Any = None) -> Any:
        value = super().get(key, default)
        if key in self:
            self.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> Any:
        if self.size > 0:
            self[key] = value
            self.move_to_end(key)
            while len(self) > self.size:
                self.popitem(last=False)
        return value
