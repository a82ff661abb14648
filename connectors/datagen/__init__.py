"""Datagen: mock records of a chosen shape, as fast as the machine allows or at a set pace.

Drop-in for Confluent's kafka-connect-datagen (``io.confluent.kafka.connect.datagen.DatagenConnector``):
``kafka.topic``, ``quickstart`` (users, pageviews, orders), ``schema.string``/``schema.filename``
(an Avro subset), ``schema.keyfield``, ``max.interval``, ``iterations``, ``random.seed``; plus
``fields``, ``batch.size``, ``value.size.bytes`` and ``max.records``. Source partition
``{"task": "datagen-<n>"}``, offset ``{"count": <records emitted>}``.
"""

from fastconnect_connectors.datagen.source import DatagenConnector, DatagenTask

__all__ = ["DatagenConnector", "DatagenTask"]
