"""TimestampRouter: route each record to a topic named after its topic and timestamp.

``org.apache.kafka.connect.transforms.TimestampRouter``: the new topic is ``topic.format`` with
``${topic}`` and ``${timestamp}`` replaced, the timestamp printed with the
``SimpleDateFormat`` pattern ``timestamp.format`` in UTC. Mostly for sinks, where the topic
names the table or index written to.

Work is done per distinct (topic, period) pair, not per record: timestamps are reduced to the
smallest unit the pattern prints (days for ``yyyyMMdd``), de-duplicated, formatted once each,
and the topic column's dictionary is rebuilt from the pairs.

Kafka compiles ``timestamp.format`` only when the first record arrives, so a bad pattern
fails every record; fastconnect refuses it when the transform is configured.
"""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import TIMESTAMP, ConfigDef, ConfigError, DataError, Importance, Type
from fastconnect.api.java_text import epoch_millis
from fastconnect.api.transform import Transformation
from fastconnect.transforms._time import JavaDateFormat, PatternError, floor_divide
from fastconnect.transforms.regex_router import rename_topics, topic_dictionary, with_topics

__all__ = ["TimestampRouter"]


class TimestampRouter(Transformation):
    """Topics renamed from ``topic.format``, ``${topic}`` and ``${timestamp}`` filled in."""

    ALIASES = ("org.apache.kafka.connect.transforms.TimestampRouter",)
    ACCEPTS_SCHEMALESS_STRUCTS = True  # reads no value
    CONFIG_DEF = (
        ConfigDef()
        .define("topic.format", Type.STRING, "${topic}-${timestamp}",
                importance=Importance.HIGH,
                documentation="Format string which can contain <code>${topic}</code> and "
                              "<code>${timestamp}</code> as placeholders for the topic and "
                              "timestamp, respectively.")
        .define("timestamp.format", Type.STRING, "yyyyMMdd", importance=Importance.HIGH,
                documentation="Format string for the timestamp that is compatible with "
                              "<code>java.text.SimpleDateFormat</code>.")
    )

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._topic_format = self.config["topic.format"]
        pattern = self.config["timestamp.format"]
        try:
            self._format = JavaDateFormat(pattern)
        except PatternError as error:
            raise ConfigError.invalid("timestamp.format", pattern, str(error)) from None

    def _name(self, topic: str, timestamp: str) -> str:
        return self._topic_format.replace("${topic}", topic).replace("${timestamp}", timestamp)

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not batch.num_rows:
            return batch
        stamps = batch.column(TIMESTAMP) if TIMESTAMP in batch.schema.names else None
        if stamps is None or stamps.null_count:
            row = 0 if stamps is None else pc.index(stamps.is_null(), True).as_py()
            raise DataError("Timestamp missing on record", row)
        if isinstance(stamps, pa.ChunkedArray):
            stamps = stamps.combine_chunks()
        topics = topic_dictionary(batch)
        unit = self._format.resolution
        periods = pc.dictionary_encode(floor_divide(epoch_millis(stamps), unit))
        texts = self._format.format(pc.multiply(periods.dictionary, unit)).to_pylist()
        width = len(texts)
        pairs = pc.dictionary_encode(pc.add(pc.multiply(topics.indices.cast(pa.int64()), width),
                                            periods.indices.cast(pa.int64())))
        names = topics.dictionary.to_pylist()
        renamed = [self._name(names[pair // width], texts[pair % width])
                   for pair in pairs.dictionary.to_pylist()]
        routed = pa.DictionaryArray.from_arrays(pairs.indices.cast(pa.int32()),
                                                pa.array(renamed, pa.string()))
        return with_topics(batch, rename_topics(routed, renamed))
