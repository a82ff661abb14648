"""fastconnect's source records are byte for byte Apache Kafka Connect's.

The same file goes through FileStreamSource on Apache Kafka Connect standalone and on
fastconnect standalone, each into a topic of its own, with StringConverter or JsonConverter
(with and without schemas) for keys and values; the two topics must hold the same records:
keys, values and headers. The lines are chosen for what a converter may write differently:
escapes Jackson writes (quotes, backslashes, control characters, U+2028), text outside the
BMP, bytes that are not UTF-8 (Java's reader puts U+FFFD), empty lines, CR and CRLF ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from worker_helpers import read_records, start_worker, stop_worker, topic_end, unique, wait_for

from fastconnect.services.connect import KafkaConnectStandalone, _write_properties

pytestmark = pytest.mark.integration

TIMEOUT = 120.0
STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"

LINES = [
    b"plain", b'quote " and backslash \\', b"tab\there", "caf\u00e9 \u2603".encode(),
    "emoji \U0001F600 and \u2028 and \u2029".encode(), b"ctrl \x01 \x1f \x7f", b"",
    b" leading and trailing ", b"</script> & <b>", b"bad \xff\xfe utf-8 \xc3",
    b"{\"looks\": [\"like\", \"json\"]}", b"x" * 5000, b"last",
]
# Line ends: mostly LF, some CRLF, one lone CR.
CONTENT = b"".join(line + (b"\r\n" if i % 4 == 1 else b"\r" if i == 6 else b"\n")
                   for i, line in enumerate(LINES * 20))
COUNT = len(LINES) * 20

CONVERTERS = {
    "string": {"key.converter": STRING, "value.converter": STRING},
    "json-schemas": {"key.converter": JSON, "value.converter": JSON},
    "json-plain": {"key.converter": JSON, "value.converter": JSON,
                   "key.converter.schemas.enable": "false",
                   "value.converter.schemas.enable": "false"},
}


def configs(bootstrap: str, work: Path, converters: dict, source: Path, topic: str):
    worker = {"bootstrap.servers": bootstrap, **converters,
              "offset.storage.file.filename": str(work / "offsets"),
              "offset.flush.interval.ms": "1000"}
    connector = {"name": f"parity-{work.name}", "connector.class": "FileStreamSource",
                 "tasks.max": "1", "file": str(source), "topic": topic}
    return worker, connector


@pytest.mark.parametrize("converter", list(CONVERTERS))
def test_source_records_are_kafka_connects_byte_for_byte(kafka_bootstrap, tmp_path, converter):
    source = tmp_path / "input.txt"
    source.write_bytes(CONTENT)
    topics = {who: unique(f"parity-source-{who}") for who in ("connect", "fast")}

    connect_dir = tmp_path / "connect"
    connect_dir.mkdir()
    worker, connector = configs(kafka_bootstrap, connect_dir, CONVERTERS[converter], source,
                                topics["connect"])
    connect = KafkaConnectStandalone(worker, [connector], work_dir=connect_dir)
    connect.start(timeout=TIMEOUT)
    try:
        wait_for(lambda: topic_end(kafka_bootstrap, topics["connect"]) >= COUNT, TIMEOUT,
                 "Apache Kafka Connect's records")
    finally:
        connect.stop()

    fast_dir = tmp_path / "fast"
    fast_dir.mkdir()
    worker, connector = configs(kafka_bootstrap, fast_dir, CONVERTERS[converter], source,
                                topics["fast"])
    fast = start_worker(fast_dir, _write_properties(fast_dir / "worker.properties", worker),
                        _write_properties(fast_dir / "connector.properties", connector))
    try:
        wait_for(lambda: topic_end(kafka_bootstrap, topics["fast"]) >= COUNT, TIMEOUT,
                 "fastconnect's records", fast, fast_dir / "worker.log")
    finally:
        stop_worker(fast, fast_dir)

    theirs = read_records(kafka_bootstrap, topics["connect"], COUNT)
    ours = read_records(kafka_bootstrap, topics["fast"], COUNT)
    assert len(theirs) == COUNT
    for index, (a, b) in enumerate(zip(theirs, ours)):
        assert a == b, (f"record {index} differs:\n  Kafka Connect: {a!r}\n"
                        f"  fastconnect:   {b!r}")
    assert len(ours) == COUNT
