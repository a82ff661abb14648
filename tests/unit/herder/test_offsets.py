import asyncio

import orjson
import pytest

from fastconnect.api import ConfigError
from fastconnect.herder.offsets import ConnectorOffsetReader, FileOffsetBackingStore, offset_key


def run(coro):
    return asyncio.run(coro)


def test_offsets_survive_a_new_store_on_the_same_file(tmp_path):
    path = tmp_path / "connect.offsets"

    async def write():
        store = FileOffsetBackingStore(path)
        await store.start()
        await store.set({offset_key("src", {"filename": "/a"}): orjson.dumps({"position": 42})})
        await store.set({offset_key("src", {"filename": "/b"}): orjson.dumps({"position": 7})})

    async def read():
        store = FileOffsetBackingStore(path)
        await store.start()
        reader = ConnectorOffsetReader(store, "src")
        other = ConnectorOffsetReader(store, "another-connector")
        return (reader.offset({"filename": "/a"}), reader.offset({"filename": "/b"}),
                other.offset({"filename": "/a"}))

    run(write())
    assert run(read()) == ({"position": 42}, {"position": 7}, None)
    # Stored as Kafka Connect keys them: ["connector", {partition}] -> {offset}.
    assert orjson.loads(path.read_bytes()) == [
        [["src", {"filename": "/a"}], {"position": 42}],
        [["src", {"filename": "/b"}], {"position": 7}],
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["connect.offsets"]  # no temp files left


def test_a_missing_file_means_no_offsets_and_a_corrupt_one_is_an_error(tmp_path):
    async def start(path):
        store = FileOffsetBackingStore(path)
        await store.start()
        return ConnectorOffsetReader(store, "c").offset({"f": 1})

    assert run(start(tmp_path / "none")) is None
    corrupt = tmp_path / "corrupt"
    corrupt.write_bytes(b"[[")
    with pytest.raises(ConfigError, match="corrupt"):
        run(start(corrupt))
