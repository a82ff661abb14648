import pytest

from fastconnect.api import ConfigError
from fastconnect.config.worker import STANDALONE_CONFIG_DEF
from fastconnect.herder.offsets import MemoryOffsetBackingStore
from fastconnect.runtime.worker import Worker

WORKER = {
    "bootstrap.servers": "localhost:9092",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    "offset.storage.file.filename": "/tmp/unused.offsets",
}


@pytest.fixture
def worker():
    return Worker(STANDALONE_CONFIG_DEF.parse(WORKER), WORKER, MemoryOffsetBackingStore())


def source(tmp_path, **overrides):
    path = tmp_path / "in.txt"
    path.write_text("x\n")
    config = {"name": "src", "connector.class": "FileStreamSource", "file": str(path),
              "topic": "t"}
    config.update(overrides)
    return {k: v for k, v in config.items() if v is not None}


@pytest.mark.parametrize("name", [
    "FileStreamSource",
    "FileStreamSourceConnector",
    "org.apache.kafka.connect.file.FileStreamSourceConnector",
    "fastconnect_connectors.file.source.FileStreamSourceConnector",
])
def test_every_alias_of_the_source_is_accepted(worker, tmp_path, name):
    cls = worker.validate_connector_config(source(tmp_path, **{"connector.class": name}))
    assert cls.__name__ == "FileStreamSourceConnector"


@pytest.mark.parametrize("overrides, key, message", [
    ({"connector.class": None}, "connector.class",
     'Missing required configuration "connector.class" which has no default value.'),
    ({"connector.class": "com.example.NoSuchConnector"}, "connector.class",
     "Failed to find any class that implements Connector and which name matches "
     "com.example.NoSuchConnector"),
    ({"tasks.max": "0"}, "tasks.max",
     "Invalid value 0 for configuration tasks.max: Value must be at least 1"),
    ({"tasks.max": "many"}, "tasks.max",
     "Invalid value many for configuration tasks.max: Not a number of type INT"),
    ({"topic": None}, "topic",
     'Missing required configuration "topic" which has no default value.'),
    ({"value.converter": "com.example.NoConverter"}, "value.converter",
     "Invalid value com.example.NoConverter for configuration value.converter"),
])
def test_bad_connector_configs_name_the_key(worker, tmp_path, overrides, key, message):
    with pytest.raises(ConfigError) as caught:
        worker.validate_connector_config(source(tmp_path, **overrides))
    assert message in str(caught.value)
    assert caught.value.key == key


def test_unreadable_source_file_is_refused(worker, tmp_path):
    with pytest.raises(ConfigError, match="for configuration file: no such file"):
        worker.validate_connector_config(source(tmp_path, file=str(tmp_path / "missing")))


def test_sink_needs_exactly_one_of_topics_and_regex(worker, tmp_path):
    sink = {"name": "sink", "connector.class": "FileStreamSink", "file": str(tmp_path / "o")}
    with pytest.raises(ConfigError, match="Must configure one of topics or topics.regex"):
        worker.validate_connector_config(sink)
    with pytest.raises(ConfigError, match="mutually exclusive"):
        worker.validate_connector_config(sink | {"topics": "a", "topics.regex": "a.*"})
    with pytest.raises(ConfigError, match="topics.regex"):
        worker.validate_connector_config(sink | {"topics.regex": "(unclosed"})
    assert worker.validate_connector_config(sink | {"topics.regex": "logs-.*"}).__name__ == \
        "FileStreamSinkConnector"


def test_connector_converter_overrides_worker_converter_with_its_own_settings(worker, tmp_path):
    config = source(tmp_path, **{"value.converter": "org.apache.kafka.connect.json.JsonConverter",
                                 "value.converter.schemas.enable": "true"})
    name, settings = worker._converter_settings(config, "value.converter")
    assert settings == {"schemas.enable": "true"}
    name, settings = worker._converter_settings(source(tmp_path), "value.converter")
    assert (name, settings) == ("org.apache.kafka.connect.json.JsonConverter",
                                {"schemas.enable": "false"})
