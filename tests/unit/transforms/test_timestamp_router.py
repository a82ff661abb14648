"""TimestampRouter, with Kafka's TimestampRouterTest (4.3.1) and SimpleDateFormat patterns
whose output was taken from Java 17."""

import pyarrow as pa
import pytest

from fastconnect.api import TIMESTAMP_TYPE, TOPIC_TYPE, ConfigError, DataError
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms.timestamp_router import TimestampRouter


def stamped(topics: list[str], millis: list[int | None]) -> pa.RecordBatch:
    batch = sink_batch(list(range(len(topics))))
    batch = batch.set_column(0, "topic", pa.array(topics).dictionary_encode().cast(TOPIC_TYPE))
    return batch.set_column(3, "timestamp", pa.array(millis, pa.int64()).cast(TIMESTAMP_TYPE))


def router(**config) -> TimestampRouter:
    xform = TimestampRouter()
    xform.configure({k.replace("_", "."): v for k, v in config.items()})
    return xform


def test_default_configuration():
    out = router().apply(stamped(["test"], [1483425001864]))
    assert out.column("topic").to_pylist() == ["test-20170103"]
    assert out.schema.field("topic").type == TOPIC_TYPE


@pytest.mark.parametrize("topic_format, timestamp_format, expected", [
    ("${topic}_${timestamp}", "yyyy-MM-dd'T'HH", "test_2017-01-03T06"),
    ("archive.${timestamp}.${topic}", "yyyy.MM", "archive.2017.01.test"),
    ("${timestamp}", "EEE, d MMM yyyy HH:mm:ss z", "Tue, 3 Jan 2017 06:30:01 UTC"),
    ("fixed", "yyyyMMdd", "fixed"),
    ("${topic}-${timestamp}-${topic}", "yy", "test-17-test"),
])
def test_formats(topic_format, timestamp_format, expected):
    out = router(topic_format=topic_format, timestamp_format=timestamp_format).apply(
        stamped(["test"], [1483425001864]))
    assert out.column("topic").to_pylist() == [expected]


def test_each_topic_and_day_once_across_rows_and_before_1970():
    day = 86_400_000
    out = router().apply(stamped(["a", "b", "a", "a", "b"],
                                 [0, 1, day - 1, day, -1]))
    assert out.column("topic").to_pylist() == [
        "a-19700101", "b-19700101", "a-19700101", "a-19700102", "b-19691231"]
    assert sorted(out.column("topic").dictionary.to_pylist()) == [
        "a-19700101", "a-19700102", "b-19691231", "b-19700101"]


def test_julian_calendar_before_1582_as_java():
    # GregorianCalendar prints 0001-01-01 (proleptic Gregorian) as 0001-01-03 (Julian)
    out = router(timestamp_format="yyyy-MM-dd").apply(stamped(["t"], [-62135596800000]))
    assert out.column("topic").to_pylist() == ["t-0001-01-03"]


def test_missing_timestamp_fails_the_record():
    with pytest.raises(DataError) as caught:
        router().apply(stamped(["t", "t"], [0, None]))
    assert str(caught.value) == "Timestamp missing on record"
    assert caught.value.index == 1


def test_bad_pattern_is_refused_at_configuration():
    # Kafka only fails when the first record is formatted; fastconnect refuses the config.
    with pytest.raises(ConfigError) as caught:
        router(timestamp_format="bad")
    assert str(caught.value) == ("Invalid value bad for configuration timestamp.format: "
                                 "Illegal pattern character 'b'")
    assert caught.value.key == "timestamp.format"


def test_java_name_in_a_chain():
    chain = TransformationChain.from_config({
        "transforms": "r",
        "transforms.r.type": "org.apache.kafka.connect.transforms.TimestampRouter",
        "transforms.r.topic.format": "${topic}-${timestamp}",
        "transforms.r.timestamp.format": "yyyyMM"}, Plugins())
    [out] = chain.apply(stamped(["test"], [1483425001864]))
    assert out.column("topic").to_pylist() == ["test-201701"]
