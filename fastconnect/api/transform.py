"""Single message transforms and predicates, on whole batches.

A transformation takes a converted batch (see :mod:`fastconnect.api.batch`: every column
present, ``key``/``value`` typed, their fields carrying the Connect schema; sink batches also
have ``offset``) and returns the transformed batch: it may change columns and their fields,
the ``topic`` (routers), headers, or drop rows (filters). It must work on the columns at once
(pyarrow compute, polars), never record by record in Python.

A predicate answers, for each row, whether a transformation applies to it. The runtime cuts
the batch into runs of rows that match and rows that do not, transforms the matching runs
and keeps the rest as they are, in their order.

Both are configured from the connector config: ``transforms=a,b``,
``transforms.a.type=<class>``, ``transforms.a.<key>=...``, ``transforms.a.predicate=p``,
``transforms.a.negate=true``; ``predicates=p``, ``predicates.p.type=<class>``,
``predicates.p.<key>=...``. Each class declares its keys in ``CONFIG_DEF``; ``configure``
receives them without the prefix. Raise :class:`~fastconnect.api.errors.ConfigError` from
``configure`` for a bad value, and :class:`~fastconnect.api.errors.DataError` with ``index``
from ``apply`` for a record that cannot be transformed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Mapping

import pyarrow as pa

from fastconnect.api.config import ConfigDef

__all__ = ["Transformation", "Predicate"]


class Transformation(ABC):
    """Base of every SMT. ``ALIASES`` lists the Java class names it answers to."""

    CONFIG_DEF: ClassVar[ConfigDef] = ConfigDef()
    ALIASES: ClassVar[tuple[str, ...]] = ()
    #: True if ``apply`` takes schemaless values in the struct form as well as JSON text
    #: (see :mod:`fastconnect.api.schema`); otherwise the runtime hands it JSON text.
    ACCEPTS_SCHEMALESS_STRUCTS: ClassVar[bool] = False

    def configure(self, config: Mapping[str, Any]) -> None:
        """Called once with this transform's settings (prefix removed), before ``apply``."""
        self.config = self.CONFIG_DEF.parse(config)

    @abstractmethod
    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Transform every row of ``batch``; return the new batch (rows may be fewer)."""

    def close(self) -> None:
        """Release resources; no ``apply`` follows. No-op default."""


class Predicate(ABC):
    """Base of every predicate. ``ALIASES`` lists the Java class names it answers to."""

    CONFIG_DEF: ClassVar[ConfigDef] = ConfigDef()
    ALIASES: ClassVar[tuple[str, ...]] = ()
    #: True if ``test`` takes schemaless values in the struct form as well as JSON text
    #: (see :mod:`fastconnect.api.schema`); otherwise the runtime hands it JSON text.
    ACCEPTS_SCHEMALESS_STRUCTS: ClassVar[bool] = False

    def configure(self, config: Mapping[str, Any]) -> None:
        """Called once with this predicate's settings (prefix removed)."""
        self.config = self.CONFIG_DEF.parse(config)

    @abstractmethod
    def test(self, batch: pa.RecordBatch) -> pa.BooleanArray:
        """For each row, whether it matches (no nulls)."""

    def close(self) -> None:
        """Release resources. No-op default."""
