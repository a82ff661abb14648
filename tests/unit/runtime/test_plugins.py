import textwrap

import pytest

from fastconnect.api import ConfigError
from fastconnect.runtime.plugins import Plugins

PLUGIN = '''
import pyarrow as pa
from fastconnect.api import ConfigDef, SourceBatch, SourceConnector, SourceTask, Type


class CountingSourceConnector(SourceConnector):
    ALIASES = ("com.example.connect.CountingSourceConnector",)
    CONFIG_DEF = ConfigDef().define("topic", Type.STRING)

    async def start(self, config):
        self.config = dict(config)

    def task_class(self):
        return CountingSourceTask

    def task_configs(self, max_tasks):
        return [self.config]


class CountingSourceTask(SourceTask):
    async def start(self, config):
        self.topic = config["topic"]

    async def poll(self):
        return SourceBatch.build(self.topic, pa.array(["1", "2"]))


class UpperConverter:
    def configure(self, configs, is_key):
        pass

    def from_connect(self, topic, field, data):
        return data

    def to_connect(self, topic, data):
        return field, data
'''


def test_plugin_path_modules_are_found_by_every_name(tmp_path):
    (tmp_path / "counting.py").write_text(textwrap.dedent(PLUGIN))
    plugins = Plugins([str(tmp_path)])
    for name in ("CountingSourceConnector", "CountingSource", "counting.CountingSourceConnector",
                 "com.example.connect.CountingSourceConnector"):
        assert plugins.connector_class(name).__name__ == "CountingSourceConnector"
    assert plugins.converters["UpperConverter"].__name__ == "UpperConverter"


def test_packages_in_plugin_path_are_loaded_too(tmp_path):
    package = tmp_path / "acme_plugins"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(PLUGIN).replace("Counting", "Acme"))
    assert Plugins([str(tmp_path)]).connector_class("AcmeSource").__name__ == "AcmeSourceConnector"


def test_a_broken_plugin_module_is_skipped_not_fatal(tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "fine.py").write_text(textwrap.dedent(PLUGIN).replace("Counting", "Fine"))
    assert Plugins([str(tmp_path)]).connector_class("FineSource").__name__ == "FineSourceConnector"


def test_missing_plugin_directory_names_the_key(tmp_path):
    with pytest.raises(ConfigError, match="plugin.path"):
        Plugins([str(tmp_path / "absent")])


def test_builtin_connectors_come_from_the_entry_point_group():
    plugins = Plugins()
    assert plugins.connector_class("org.apache.kafka.connect.file.FileStreamSinkConnector") is \
        plugins.connector_class("FileStreamSink")
    assert "org.apache.kafka.connect.json.JsonConverter" in plugins.converters
