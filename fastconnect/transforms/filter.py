"""Filter: drops every record it is applied to (so it is used with a predicate)."""

from __future__ import annotations

import pyarrow as pa

from fastconnect.api.transform import Transformation

__all__ = ["Filter"]


class Filter(Transformation):
    ALIASES = ("org.apache.kafka.connect.transforms.Filter",)
    ACCEPTS_SCHEMALESS_STRUCTS = True  # reads no value

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        return batch.slice(0, 0)
