"""Worker settings handed to the Kafka clients."""

from confluent_kafka import Producer

from fastconnect.config.worker import client_overrides


def test_client_overrides_strip_the_prefix_and_keep_text():
    props = {"producer.linger.ms": "20", "consumer.fetch.min.bytes": "1", "bootstrap.servers": "x"}
    assert client_overrides(props, "producer.") == {"linger.ms": "20"}
    assert client_overrides(props, "consumer.") == {"fetch.min.bytes": "1"}


def test_a_setting_confluent_kafka_reads_itself_becomes_the_bool_it_wants():
    overrides = client_overrides({"producer.delivery.report.only.error": "TRUE"}, "producer.")
    assert overrides == {"delivery.report.only.error": True}
    Producer({"bootstrap.servers": "127.0.0.1:1", **overrides})  # refused as text before
