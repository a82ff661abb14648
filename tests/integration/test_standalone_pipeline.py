"""The standalone worker, run as users run it, against a real Kafka broker."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import orjson
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from worker_helpers import (
    append,
    committed_offset,
    count_lines,
    lines,
    ordered_producer,
    read_topic,
    start_worker,
    stop_worker,
    topic_end,
    unique,
    wait_for,
    write_config,
    write_worker,
)

pytestmark = pytest.mark.integration


def test_file_to_kafka_to_file_moves_every_line_in_order(kafka_bootstrap, tmp_path):
    topic = unique("pipeline")
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    expected = lines("n", 0, 50_000)
    append(source_file, expected)
    worker = start_worker(
        tmp_path, write_worker(tmp_path, kafka_bootstrap),
        write_config(tmp_path, "source", **{"connector.class": "FileStreamSource",
                                            "file": str(source_file), "topic": topic}),
        write_config(tmp_path, "sink", **{
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "file": str(sink_file), "topics": topic}))
    wait_for(lambda: count_lines(sink_file) >= len(expected), 120, "all lines in the sink",
             worker, tmp_path / "worker.log")
    stop_worker(worker, tmp_path)
    assert sink_file.read_text().splitlines() == expected
    assert topic_end(kafka_bootstrap, topic) == len(expected)


def test_sink_with_topics_regex_keeps_order_per_partition(kafka_bootstrap, tmp_path):
    prefix = unique("regex")
    topic = f"{prefix}-events"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result()
    producer = ordered_producer(kafka_bootstrap)
    per_partition = 3000
    for i in range(per_partition):
        for partition in range(3):
            producer.produce(topic, f"p{partition}-{i}".encode(), partition=partition)
        producer.poll(0)
    producer.flush(30)
    sink_file = tmp_path / "out.txt"
    worker = start_worker(
        tmp_path, write_worker(tmp_path, kafka_bootstrap),
        write_config(tmp_path, "sink", **{"connector.class": "FileStreamSink",
                                          "file": str(sink_file), "topics.regex": f"{prefix}-.*"}))
    wait_for(lambda: count_lines(sink_file) >= 3 * per_partition, 120, "all records",
             worker, tmp_path / "worker.log")
    stop_worker(worker, tmp_path)
    out = sink_file.read_text().splitlines()
    assert len(out) == 3 * per_partition
    for partition in range(3):
        mine = [line for line in out if line.startswith(f"p{partition}-")]
        assert mine == [f"p{partition}-{i}" for i in range(per_partition)]


def committed_lines(offsets_file: Path, source_file: Path) -> int:
    """How many whole lines of ``source_file`` the stored source offset covers."""
    entries = orjson.loads(offsets_file.read_bytes())
    [(key, value)] = entries
    assert key[1] == {"filename": str(source_file)}
    return source_file.read_bytes()[: value["position"]].count(b"\n")


def test_source_killed_mid_stream_loses_nothing_and_repeats_only_uncommitted(
        kafka_bootstrap, tmp_path):
    topic = unique("source-kill")
    source_file = tmp_path / "in.txt"
    source_file.write_text("")
    total, chunk = 60_000, 2_000
    source_config = write_config(tmp_path, "source", **{
        "connector.class": "FileStreamSource", "file": str(source_file), "topic": topic,
        "batch.size": "500"})
    worker_config = write_worker(tmp_path, kafka_bootstrap)
    worker = start_worker(tmp_path, worker_config, source_config)
    written = 0
    # Keep appending while the worker tails the file, and kill it half way.
    while written < total // 2:
        append(source_file, lines("s", written, written + chunk))
        written += chunk
        time.sleep(0.05)
    wait_for(lambda: (tmp_path / "connect.offsets").exists()
             and committed_lines(tmp_path / "connect.offsets", source_file) > 0,
             60, "a first offset commit", worker, tmp_path / "worker.log")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    committed = committed_lines(tmp_path / "connect.offsets", source_file)
    sent_before_kill = topic_end(kafka_bootstrap, topic)
    assert 0 < committed <= sent_before_kill

    append(source_file, lines("s", written, total))
    worker = start_worker(tmp_path, worker_config, source_config)
    expected_end = sent_before_kill + (total - committed)
    wait_for(lambda: topic_end(kafka_bootstrap, topic) >= expected_end, 120,
             "the rest of the file", worker, tmp_path / "worker.log")
    stop_worker(worker, tmp_path)

    everything = lines("s", 0, total)
    got = [v.decode() for v in read_topic(kafka_bootstrap, topic, expected_end)]
    # First run: lines [0, sent_before_kill); after restart: from the committed line on.
    assert got == everything[:sent_before_kill] + everything[committed:]
    assert set(got) == set(everything)


def test_sink_killed_mid_stream_loses_nothing_and_repeats_only_uncommitted(
        kafka_bootstrap, tmp_path):
    topic = unique("sink-kill")
    producer = ordered_producer(kafka_bootstrap)
    total, chunk = 60_000, 2_000
    everything = lines("k", 0, total)
    sink_file = tmp_path / "out.txt"
    name = unique("sink")
    sink_config = write_config(tmp_path, name, **{
        "connector.class": "FileStreamSink", "file": str(sink_file), "topics": topic})
    worker_config = write_worker(tmp_path, kafka_bootstrap)

    def produce(start, stop):
        for value in everything[start:stop]:
            producer.produce(topic, value.encode())
            producer.poll(0)
        producer.flush(30)

    produce(0, chunk)
    worker = start_worker(tmp_path, worker_config, sink_config)
    produced = chunk
    while produced < total // 2:
        produce(produced, produced + chunk)
        produced += chunk
        time.sleep(0.05)
    wait_for(lambda: committed_offset(kafka_bootstrap, name, topic) > 0, 60, "a first commit",
             worker, tmp_path / "worker.log")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    committed = committed_offset(kafka_bootstrap, name, topic)
    written_before_kill = count_lines(sink_file)
    assert 0 < committed <= written_before_kill

    produce(produced, total)
    worker = start_worker(tmp_path, worker_config, sink_config)
    expected = written_before_kill + (total - committed)
    wait_for(lambda: count_lines(sink_file) >= expected, 120, "the rest of the topic",
             worker, tmp_path / "worker.log")
    stop_worker(worker, tmp_path)
    out = sink_file.read_text().splitlines()
    assert out == everything[:written_before_kill] + everything[committed:]


def test_stdin_to_kafka_to_stdout_when_no_file_is_set(kafka_bootstrap, tmp_path):
    topic = unique("stdio")
    expected = lines("io", 0, 5_000)
    stdout_file = tmp_path / "stdout.txt"
    process = start_worker(
        tmp_path, write_worker(tmp_path, kafka_bootstrap),
        write_config(tmp_path, "stdin-source", **{"connector.class": "FileStreamSource",
                                                   "topic": topic}),
        write_config(tmp_path, "stdout-sink", **{"connector.class": "FileStreamSink",
                                                  "topics": topic}),
        stdin=subprocess.PIPE, stdout=stdout_file.open("wb"),
        stderr=(tmp_path / "worker.log").open("wb"))
    process.stdin.write("".join(line + "\n" for line in expected).encode())
    process.stdin.flush()
    wait_for(lambda: count_lines(stdout_file) >= len(expected), 120, "lines on stdout",
             process, tmp_path / "worker.log")
    process.stdin.close()
    stop_worker(process, tmp_path)
    assert stdout_file.read_text().splitlines() == expected


def test_json_converter_writes_kafkas_envelope_and_reads_it_back(kafka_bootstrap, tmp_path):
    topic = unique("json")
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    expected = ["plain line", 'quote " and \\ backslash', "unicode é ✓"]
    append(source_file, expected)
    worker_config = tmp_path / "worker.properties"
    worker_config.write_text(
        f"bootstrap.servers={kafka_bootstrap}\n"
        "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
        "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
        f"offset.storage.file.filename={tmp_path}/connect.offsets\n"
        "offset.flush.interval.ms=100\n")
    worker = start_worker(
        tmp_path, worker_config,
        write_config(tmp_path, "source", **{"connector.class": "FileStreamSource",
                                            "file": str(source_file), "topic": topic}),
        write_config(tmp_path, "sink", **{"connector.class": "FileStreamSink",
                                          "file": str(sink_file), "topics": topic}))
    wait_for(lambda: count_lines(sink_file) >= len(expected), 120, "all lines in the sink",
             worker, tmp_path / "worker.log")
    stop_worker(worker, tmp_path)
    # What Apache Kafka's JsonConverter writes for FileStreamSource's STRING values.
    raw = read_topic(kafka_bootstrap, topic, len(expected))
    assert raw == [b'{"schema":{"type":"string","optional":false},"payload":'
                   + orjson.dumps(line) + b"}" for line in expected]
    assert sink_file.read_text(encoding="utf-8").splitlines() == expected


def test_sink_filter_with_predicate_drops_tombstones(kafka_bootstrap, tmp_path):
    topic = unique("tombstones")
    producer = ordered_producer(kafka_bootstrap)
    sent = [None if i % 3 == 0 else f"value-{i}" for i in range(3000)]
    for value in sent:
        producer.produce(topic, None if value is None else value.encode(), key=b"k")
        producer.poll(0)
    producer.flush(30)
    sink_file = tmp_path / "out.txt"
    name = unique("filtering-sink")
    worker = start_worker(
        tmp_path, write_worker(tmp_path, kafka_bootstrap),
        write_config(tmp_path, name, **{
            "connector.class": "FileStreamSink", "file": str(sink_file), "topics": topic,
            "transforms": "dropTombstones",
            "transforms.dropTombstones.type": "org.apache.kafka.connect.transforms.Filter",
            "transforms.dropTombstones.predicate": "isTombstone",
            "predicates": "isTombstone",
            "predicates.isTombstone.type":
                "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"}))
    kept = [v for v in sent if v is not None]
    wait_for(lambda: count_lines(sink_file) >= len(kept), 120, "the non-null records",
             worker, tmp_path / "worker.log")
    # Dropped records still count as processed: the group commits past the last one.
    wait_for(lambda: committed_offset(kafka_bootstrap, name, topic) == len(sent), 30,
             "the commit of every offset", worker, tmp_path / "worker.log")
    stop_worker(worker, tmp_path)
    assert sink_file.read_text().splitlines() == kept
