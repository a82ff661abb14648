import pytest

from fastconnect.api import ConfigError
from fastconnect.config.files import load_connector_config, load_properties, parse_properties


def test_properties_separators_comments_and_whitespace():
    text = """
# a comment
! another comment
bootstrap.servers=localhost:9092
key.converter = org.apache.kafka.connect.json.JsonConverter
value.converter:org.apache.kafka.connect.json.JsonConverter
plugin.path /usr/local/share/kafka/plugins
empty=
   indented.key=value with spaces   
"""
    props = parse_properties(text)
    assert props == {
        "bootstrap.servers": "localhost:9092",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "plugin.path": "/usr/local/share/kafka/plugins",
        "empty": "",
        "indented.key": "value with spaces   ",
    }


def test_properties_continuations_and_escapes():
    text = "list=a,\\\n    b,\\\n    c\nescaped\\=key=x\\ty\nunicode=caf\\u00e9\nwin=C:\\\\temp\n"
    props = parse_properties(text)
    assert props["list"] == "a,b,c"
    assert props["escaped=key"] == "x\ty"
    assert props["unicode"] == "café"
    assert props["win"] == "C:\\temp"


def test_later_keys_win():
    assert parse_properties("a=1\na=2\n") == {"a": "2"}


def test_connector_json_in_rest_form_and_bare(tmp_path):
    rest = tmp_path / "rest.json"
    rest.write_text('{"name": "sink", "config": {"connector.class": "FileStreamSink", '
                    '"tasks.max": 2, "topics": "a,b", "enabled": true}}')
    assert load_connector_config(rest) == {
        "connector.class": "FileStreamSink", "tasks.max": "2", "topics": "a,b",
        "enabled": "true", "name": "sink"}
    bare = tmp_path / "bare.json"
    bare.write_text('{"name": "src", "connector.class": "FileStreamSource", "topic": "t"}')
    assert load_connector_config(bare)["topic"] == "t"


def test_connector_properties(tmp_path):
    path = tmp_path / "c.properties"
    path.write_text("name=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\n")
    assert load_connector_config(path)["connector.class"] == "FileStreamSource"


def test_unreadable_and_malformed_files_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="Cannot read worker config file .*missing.properties"):
        load_properties(tmp_path / "missing.properties")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": ')
    with pytest.raises(ConfigError, match="broken.json is not valid JSON"):
        load_connector_config(broken)
