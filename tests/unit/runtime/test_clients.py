"""The librdkafka settings the worker gives its clients: defaults and user overrides."""

from confluent_kafka import Consumer

from fastconnect.runtime.clients import consumer_config, producer_config

WORKER = {"bootstrap.servers": ["127.0.0.1:1"]}


def test_sink_consumer_keeps_connect_guarantees_and_a_bounded_prefetch():
    config = consumer_config(WORKER, {}, "connect-sink", "connector-consumer-sink-0")
    assert config["group.id"] == "connect-sink"
    assert config["enable.auto.commit"] is False
    assert config["auto.offset.reset"] == "earliest"
    # librdkafka's own default would let 64 MB of fetched records wait per consumer.
    assert config["queued.max.messages.kbytes"] == 8192


def test_worker_consumer_keys_override_the_defaults():
    raw = {"consumer.queued.max.messages.kbytes": "65536", "consumer.fetch.queue.backoff.ms": "50",
           "producer.linger.ms": "20"}
    config = consumer_config(WORKER, raw, "g", "c")
    assert config["queued.max.messages.kbytes"] == "65536"
    assert config["fetch.queue.backoff.ms"] == "50"
    assert "linger.ms" not in config
    assert producer_config(WORKER, raw, "p")["linger.ms"] == "20"


def test_librdkafka_takes_the_consumer_defaults():
    config = consumer_config(WORKER, {}, "g", "c")
    Consumer(config).close()  # librdkafka refuses unknown keys and out-of-range values here
