"""Herders run connectors on a worker: standalone from files, distributed from Kafka topics."""
