import asyncio

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError, SinkTaskContext, TopicPartition
from fastconnect.testing import sink_batch
from fastconnect_connectors.file import FileStreamSinkTask


def run(coro):
    return asyncio.run(coro)


async def sink_to(path):
    task = FileStreamSinkTask()
    task.initialize(SinkTaskContext())
    await task.start({"file": str(path), "topics": "t"})
    return task


def test_values_become_lines_and_nulls_print_null(tmp_path):
    path = tmp_path / "out.txt"

    async def scenario():
        task = await sink_to(path)
        await task.put(sink_batch(["first", None, "third"]))
        await task.put(sink_batch(pa.array(["fourth"]).slice(0)))
        await task.flush({TopicPartition("topic", 0): 4})
        await task.stop()

    run(scenario())
    assert path.read_text() == "first\nnull\nthird\nfourth\n"


def test_sliced_batches_write_only_their_rows(tmp_path):
    path = tmp_path / "out.txt"

    async def scenario():
        task = await sink_to(path)
        await task.put(sink_batch(pa.array(["a", "b", "c", "d"]).slice(1, 2)))
        await task.stop()

    run(scenario())
    assert path.read_text() == "b\nc\n"


def test_appends_to_an_existing_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("before\n")

    async def scenario():
        task = await sink_to(path)
        await task.put(sink_batch(["after"]))
        await task.stop()

    run(scenario())
    assert path.read_text() == "before\nafter\n"


def test_unwritable_destination_names_the_key(tmp_path):
    with pytest.raises(ConfigError, match="for configuration file: cannot open for writing"):
        run(sink_to(tmp_path / "no-such-dir" / "out.txt"))
