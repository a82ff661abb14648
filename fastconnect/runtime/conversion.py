"""Running converters over whole batches, and naming the record when one fails.

A converter sees one topic at a time (the subject of an Avro schema depends on it), so a
batch that spans several topics is cut into one run per topic and put back in order.
"""

from __future__ import annotations

from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import OFFSET, PARTITION, TOPIC, DataError

__all__ = ["per_topic", "replace_column", "describe_record", "record_error", "relative_error"]


def per_topic(topics: pa.Array, apply: Callable[[str, slice | pa.Array], pa.Array]) -> pa.Array:
    """Call ``apply(topic, rows)`` for each topic of the ``topic`` column and merge results.

    ``rows`` is a ``slice`` when the batch has one topic (the common case, no copy) and an
    array of row indices otherwise. Results are arrays aligned with ``rows``.
    """
    dictionary = topics.dictionary if isinstance(topics, pa.DictionaryArray) else None
    if dictionary is not None and len(dictionary) == 1:
        return apply(dictionary[0].as_py(), slice(0, len(topics)))
    names = pc.unique(topics.dictionary_decode() if dictionary is not None else topics)
    if len(names) == 1:
        return apply(names[0].as_py(), slice(0, len(topics)))
    decoded = topics.dictionary_decode() if dictionary is not None else topics
    parts, order = [], []
    for name in names.to_pylist():
        rows = pc.indices_nonzero(pc.equal(decoded, name))
        parts.append(apply(name, rows))
        order.append(rows)
    merged = pa.concat_arrays(parts)
    inverse = pc.sort_indices(pa.concat_arrays(order))
    return merged.take(inverse)


def relative_error(error: DataError, rows: slice | pa.Array) -> DataError:
    """``error`` with its row index moved from the part ``rows`` to the whole batch."""
    index = error.index
    if index is not None:
        index = index + (rows.start or 0) if isinstance(rows, slice) else rows[index].as_py()
    moved = DataError(str(error), index)
    moved.__cause__ = error.__cause__ or error
    return moved


def replace_column(batch: pa.RecordBatch, column: str,
                   convert: Callable[[str, pa.Array], tuple[pa.Field | None, pa.Array]]
                   ) -> pa.RecordBatch:
    """``batch`` with ``column`` replaced by ``convert(topic, part)`` run per topic.

    A DataError from ``convert`` comes out with its index counted in ``batch``.
    """
    data = batch.column(column)
    fields: list[pa.Field | None] = []

    def apply(topic: str, rows) -> pa.Array:
        part = data[rows] if isinstance(rows, slice) else data.take(rows)
        try:
            field, converted = convert(topic, part)
        except DataError as error:
            raise relative_error(error, rows) from None
        fields.append(field)
        return converted

    converted = per_topic(batch.column(TOPIC), apply)
    field = fields[0] if len(fields) == 1 and fields[0] is not None else pa.field(column,
                                                                                  converted.type)
    return batch.set_column(batch.schema.get_field_index(column), field.with_name(column),
                            converted)


def describe_record(batch: pa.RecordBatch, index: int) -> str:
    """``topic/partition/offset`` of row ``index`` (whatever columns the batch has)."""
    parts = []
    for column in (TOPIC, PARTITION, OFFSET):
        if column in batch.schema.names:
            value = batch.column(column)[index].as_py()
            parts.append(f"{column}={value}")
    return ", ".join(parts)


def record_error(stage: str, batch: pa.RecordBatch, error: DataError,
                 rows: slice | pa.Array | None = None) -> DataError:
    """Re-raise-able DataError naming the failing record's coordinates in ``batch``.

    ``error.index`` is relative to ``rows`` when the converter saw a subset of the batch.
    """
    index = error.index
    if index is not None and rows is not None and not isinstance(rows, slice):
        index = rows[index].as_py()
    elif index is not None and isinstance(rows, slice):
        index += rows.start or 0
    where = describe_record(batch, index) if index is not None else "unknown record"
    wrapped = DataError(f"{stage} failed for record {where}: {error}", index)
    wrapped.__cause__ = error
    return wrapped
