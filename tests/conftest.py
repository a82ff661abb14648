"""Shared fixtures. Integration tests get a real Kafka broker, started once per session.

Set ``FASTCONNECT_BOOTSTRAP_SERVERS`` to use a running broker instead of starting one.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    given = os.environ.get("FASTCONNECT_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    from fastconnect.services.kafka import KafkaServer

    with KafkaServer() as server:
        yield server.bootstrap_servers


@pytest.fixture(scope="session")
def schema_registry_url() -> str:
    """A real Confluent-compatible schema registry (Apicurio Registry's ccompat API).

    Set ``FASTCONNECT_SCHEMA_REGISTRY_URL`` to use a running one instead of starting one.
    """
    given = os.environ.get("FASTCONNECT_SCHEMA_REGISTRY_URL")
    if given:
        yield given
        return
    from fastconnect.services.registry import SchemaRegistryServer

    with SchemaRegistryServer() as server:
        yield server.url
