import pyarrow as pa

from fastconnect.api import DataError, constant_topic
from fastconnect.runtime.conversion import per_topic, record_error


def test_one_topic_is_handled_in_one_call_without_a_copy():
    calls = []

    def apply(topic, rows):
        calls.append((topic, rows))
        return pa.array(range(10))

    result = per_topic(constant_topic("t", 10), apply)
    assert calls == [("t", slice(0, 10))]
    assert result.to_pylist() == list(range(10))


def test_several_topics_are_split_and_put_back_in_row_order():
    topics = pa.array(["a", "b", "a", "c", "b"]).dictionary_encode()
    data = pa.array([0, 1, 2, 3, 4])
    seen = {}

    def apply(topic, rows):
        part = data.take(rows)
        seen[topic] = part.to_pylist()
        return pa.array([f"{topic}{v}" for v in part.to_pylist()])

    result = per_topic(topics, apply)
    assert seen == {"a": [0, 2], "b": [1, 4], "c": [3]}
    assert result.to_pylist() == ["a0", "b1", "a2", "c3", "b4"]


def test_record_error_names_coordinates_of_the_failing_row():
    batch = pa.RecordBatch.from_pydict({
        "topic": pa.array(["x", "y", "x"]).dictionary_encode(),
        "partition": pa.array([0, 3, 0], pa.int32()),
        "offset": pa.array([10, 20, 11], pa.int64()),
    })
    # The converter saw rows [1] (topic y) and failed on its row 0: that is batch row 1.
    error = record_error("Converting value", batch, DataError("bad json", 0), pa.array([1]))
    assert error.index == 1
    assert str(error) == ("Converting value failed for record topic=y, partition=3, "
                          "offset=20: bad json")
    error = record_error("Converting value", batch, DataError("bad", 1), slice(1, 3))
    assert "offset=11" in str(error)
