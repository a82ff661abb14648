"""WorkerSinkTask, the parts that need no broker (the rest: tests/integration)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from fastconnect.api import SinkTask
from fastconnect.api.schema import is_schemaless_struct
from fastconnect.config.worker import STANDALONE_CONFIG_DEF
from fastconnect.converters.json import JsonConverter
from fastconnect.converters.string import StringConverter
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.sink_task import WorkerSinkTask
from fastconnect.runtime.status import ConnectorTaskId
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect_connectors.file.sink import FileStreamSinkTask

T = "org.apache.kafka.connect.transforms."
RENAME = {"transforms": "r", "transforms.r.type": T + "ReplaceField$Value",
          "transforms.r.renames": "a:b"}
FLATTEN = {"transforms": "f", "transforms.f.type": T + "Flatten$Value"}


class TextOnlySinkTask(SinkTask):
    async def start(self, props):
        pass

    async def put(self, batch):
        pass

    async def stop(self):
        pass


def json_converter() -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "false"}, is_key=False)
    return converter


def sink_task(task, value_converter, transforms: dict[str, str]) -> WorkerSinkTask:
    worker_raw = {"bootstrap.servers": "127.0.0.1:9", "key.converter": "StringConverter",
                  "value.converter": "JsonConverter",
                  "offset.storage.file.filename": "/dev/null"}
    config = {"name": "c", "connector.class": "FileStreamSink", "topics": "t", **transforms}
    return WorkerSinkTask(ConnectorTaskId("c", 0), task, config,
                          STANDALONE_CONFIG_DEF.parse(worker_raw), worker_raw,
                          StringConverter(), value_converter,
                          TransformationChain.from_config(transforms, Plugins()))


@pytest.mark.parametrize("task, transforms, structs", [
    (FileStreamSinkTask(), {}, True),         # the sink renders the struct form itself
    (TextOnlySinkTask(), {}, False),
    (TextOnlySinkTask(), RENAME, True),       # ReplaceField reads them first
    (FileStreamSinkTask(), FLATTEN, False),   # Flatten needs the JSON text
])
def test_value_converter_is_told_whether_what_follows_takes_structs(task, transforms, structs):
    converter = json_converter()
    sink_task(task, converter, transforms)
    field, _ = converter.to_connect("t", pa.array([b'{"a":1}', b'{"a":2}'], pa.binary()))
    assert is_schemaless_struct(field) is structs


def test_a_converter_without_the_hook_serves_as_before():
    converter = StringConverter()
    task = sink_task(FileStreamSinkTask(), converter, {})
    assert task.task_config["topics"] == "t"
