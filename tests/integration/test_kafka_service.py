"""The project's own Kafka broker: starts, carries messages both ways, and stops cleanly.

This test starts a broker of its own (rather than the session's ``kafka_bootstrap``
fixture) because it checks what stop() leaves behind: no process, no bound port.
"""

from __future__ import annotations

import os
import socket
import time
import uuid

import pytest

pytestmark = pytest.mark.integration

import confluent_kafka  # noqa: E402  (a hard dependency: never skip for it)

from fastconnect.services.kafka import KafkaServer  # noqa: E402


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True  # stop() reaped it (Popen.wait), so no zombie can answer here


def _port_free(host: str, port: int) -> bool:
    """Nothing listens there, and a new server could listen there."""
    try:
        socket.create_connection((host, port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As every server does (Kafka too): closed client connections may linger in
        # TIME_WAIT on this port for a minute, and do not make it busy.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            s.listen()
        except OSError:
            return False
    return True


def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = confluent_kafka.Producer(
        {"bootstrap.servers": bootstrap, "enable.idempotence": True})
    errors: list[object] = []
    for i, value in enumerate(values):
        producer.produce(topic, value=value, key=str(i).encode(),
                         on_delivery=lambda err, _msg: err and errors.append(err))
    assert producer.flush(30) == 0
    assert errors == []


def _consume(bootstrap: str, topic: str, count: int) -> list[bytes]:
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"fc-service-test-{uuid.uuid4().hex[:8]}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    received: list[bytes] = []
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 60
        while len(received) < count and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=count, timeout=1.0):
                assert msg.error() is None, msg.error()
                received.append(msg.value())
    finally:
        consumer.close()
    return received


def test_kafka_server_round_trip_and_clean_stop() -> None:
    server = KafkaServer()
    started = time.monotonic()
    server.start(timeout=180)
    try:
        print(f"Kafka started in {time.monotonic() - started:.1f}s at {server.bootstrap_servers}")
        host, port = server.bootstrap_servers.rsplit(":", 1)
        assert host == "127.0.0.1"
        pid = server.pid
        assert pid is not None and _pid_alive(pid)
        data_dir = server.data_dir
        assert data_dir is not None and data_dir.is_dir()

        topic = f"fc-service-{uuid.uuid4().hex[:8]}"
        sent = [f"message-{i:03d}".encode() for i in range(100)]
        _produce(server.bootstrap_servers, topic, sent)
        received = _consume(server.bootstrap_servers, topic, len(sent))
        assert received == sent
    finally:
        server.stop()

    assert server.pid is None
    assert not _pid_alive(pid)
    assert _port_free("127.0.0.1", int(port))
    assert not data_dir.exists()  # a temp dir of its own, removed by stop()
