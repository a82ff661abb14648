"""Worker settings handed to the Kafka clients."""

import pytest

from fastconnect.api import ConfigError
from fastconnect.config.worker import STANDALONE_CONFIG_DEF, client_overrides
from fastconnect.herder.offsets import FileOffsetBackingStore
from fastconnect.runtime.worker import Worker


def test_client_overrides_strip_the_prefix_and_keep_text():
    props = {"producer.linger.ms": "20", "consumer.fetch.min.bytes": "1", "bootstrap.servers": "x"}
    assert client_overrides(props, "producer.") == {"linger.ms": "20"}
    assert client_overrides(props, "consumer.") == {"fetch.min.bytes": "1"}


def test_delivery_reports_of_errors_only_are_refused_naming_the_key():
    # Without a report for every record the worker could never store a source offset.
    with pytest.raises(ConfigError, match="producer.delivery.report.only.error") as refused:
        client_overrides({"producer.delivery.report.only.error": "TRUE"}, "producer.")
    assert refused.value.key == "producer.delivery.report.only.error"
    assert "acknowledged" in str(refused.value)
    # Its default is harmless and is not passed on (librdkafka has no such key).
    assert client_overrides({"producer.delivery.report.only.error": "false"}, "producer.") == {}


def test_worker_start_refuses_a_client_setting_it_cannot_honour(tmp_path):
    raw = {"bootstrap.servers": "127.0.0.1:1", "offset.storage.file.filename":
           str(tmp_path / "offsets"), "producer.delivery.report.only.error": "true",
           "key.converter": "StringConverter", "value.converter": "StringConverter"}
    with pytest.raises(ConfigError, match="delivery.report.only.error"):
        Worker(STANDALONE_CONFIG_DEF.parse(raw), raw, FileOffsetBackingStore(raw[
            "offset.storage.file.filename"]))
