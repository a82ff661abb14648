import asyncio

import pyarrow as pa
import pytest

from fastconnect.api import ConfigError
from fastconnect.testing import source_task_context
from fastconnect_connectors.file import FileStreamSourceConnector, FileStreamSourceTask


def run(coro):
    return asyncio.run(coro)


async def drain(task, polls=50):
    """All batches the task returns until it has nothing more (it is at end of file)."""
    batches = []
    for _ in range(polls):
        batch = await task.poll()
        if batch is None:
            break
        batches.append(batch)
    return batches


async def start_task(path, batch_size=2000, context=None):
    task = FileStreamSourceTask()
    task.initialize(context or source_task_context())
    await task.start({"file": str(path), "topic": "lines", "batch.size": str(batch_size)})
    return task


def values(batches):
    return [v for b in batches for v in b.records.column("value").to_pylist()]


def test_lines_come_out_in_order_with_byte_positions(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"alpha\nbeta\n\ngamma\n")

    async def scenario():
        task = await start_task(path)
        return await drain(task)

    batches = run(scenario())
    assert values(batches) == ["alpha", "beta", "", "gamma"]
    last = batches[-1]
    assert last.offsets == [({"filename": str(path)}, {"position": len(path.read_bytes())})]
    assert last.records.column("topic").to_pylist() == ["lines"] * 4
    assert last.records.schema.field("value").type == pa.string()


def test_batch_size_caps_each_poll_and_offsets_advance_per_batch(tmp_path):
    path = tmp_path / "in.txt"
    lines = [f"line-{i}" for i in range(10)]
    path.write_text("".join(line + "\n" for line in lines))

    async def scenario():
        return await drain(await start_task(path, batch_size=3))

    batches = run(scenario())
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert values(batches) == lines
    positions = [b.offsets[0][1]["position"] for b in batches]
    assert positions == [len("".join(l + "\n" for l in lines[:k])) for k in (3, 6, 9, 10)]


def test_resumes_from_committed_position(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("one\ntwo\nthree\n")
    context = source_task_context({"filename": str(path)}, {"position": len("one\n")})

    async def scenario():
        return await drain(await start_task(path, context=context))

    assert values(run(scenario())) == ["two", "three"]


def test_partial_last_line_waits_for_its_terminator(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"done\npart")

    async def scenario():
        task = await start_task(path)
        first = await drain(task)
        with path.open("ab") as out:
            out.write(b"ial\n")
        second = await drain(task)
        return first, second

    first, second = run(scenario())
    assert values(first) == ["done"]
    assert values(second) == ["partial"]
    assert second[-1].offsets[0][1]["position"] == len(b"done\npartial\n")


def test_cr_and_crlf_terminators(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\r\nb\rc\nd\r\n")

    async def scenario():
        return await drain(await start_task(path))

    batches = run(scenario())
    assert values(batches) == ["a", "b", "c", "d"]
    assert batches[-1].offsets[0][1]["position"] == len(b"a\r\nb\rc\nd\r\n")


def test_invalid_utf8_is_replaced_not_fatal(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"ok\nbad\xff\n")

    async def scenario():
        return await drain(await start_task(path))

    assert values(run(scenario())) == ["ok", "bad\ufffd"]


def test_connector_refuses_an_unreadable_file(tmp_path):
    connector = FileStreamSourceConnector()
    errors = {v.name: v.errors for v in connector.validate(
        {"file": str(tmp_path / "nope.txt"), "topic": "t"})}
    assert errors["file"] == [f"Invalid value {tmp_path / 'nope.txt'} for configuration file: no such file"]
    errors = {v.name: v.errors for v in connector.validate({"file": str(tmp_path), "topic": "t"})}
    assert "not a readable file" in errors["file"][0]


def test_connector_requires_topic_and_gives_one_task(tmp_path):
    connector = FileStreamSourceConnector()
    errors = {v.name: v.errors for v in connector.validate({"file": None})}
    assert errors["topic"] == ['Missing required configuration "topic" which has no default value.']
    path = tmp_path / "in.txt"
    path.write_text("")
    run(connector.start({"file": str(path), "topic": "t"}))
    assert connector.task_configs(4) == [{"file": str(path), "topic": "t"}]
    with pytest.raises(ConfigError):
        run(connector.start({"file": str(path), "topic": "t", "batch.size": "0"}))


def test_stop_before_start_is_harmless():
    # The worker stops a task whose start it never reached (its producer failed first).
    asyncio.run(FileStreamSourceTask().stop())
