"""fastconnect bench runs connectors until N records are through and reports on them."""

import json
import subprocess
import sys

import pytest
from worker_helpers import append, lines, unique, write_config, write_worker

pytestmark = pytest.mark.integration


def test_bench_stops_after_n_records_and_reports_each_connector(kafka_bootstrap, tmp_path):
    topic = unique("bench")
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    append(source_file, lines("b", 0, 20_000))
    report_file = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "fastconnect", "bench",
         str(write_worker(tmp_path, kafka_bootstrap)),
         str(write_config(tmp_path, "bench-source", **{
             "connector.class": "FileStreamSource", "file": str(source_file), "topic": topic})),
         str(write_config(tmp_path, "bench-sink", **{
             "connector.class": "FileStreamSink", "file": str(sink_file), "topics": topic})),
         "--records", "20000", "--timeout", "120", "--json", str(report_file)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(report_file.read_text())
    for name in ("bench-source", "bench-sink"):
        entry = report[name]
        assert entry["completed"] and entry["records"] >= 20_000
        assert entry["records_per_s"] > 0 and entry["mb_per_s"] > 0
        assert entry["batches"] > 0 and entry["batch_p99_ms"] >= entry["batch_p50_ms"] > 0
        assert entry["first_record_s"] <= entry["seconds"]
    assert report["worker"]["peak_rss_mb"] > 0 and report["worker"]["cpu_seconds"] > 0
    assert "bench-source" in result.stdout and "peak RSS" in result.stdout
    assert sink_file.read_text().count("\n") == 20_000


def test_bench_fails_clearly_when_the_records_never_come(kafka_bootstrap, tmp_path):
    source_file = tmp_path / "in.txt"
    append(source_file, lines("b", 0, 10))
    result = subprocess.run(
        [sys.executable, "-m", "fastconnect", "bench", str(write_worker(tmp_path, kafka_bootstrap)),
         str(write_config(tmp_path, "short-source", **{
             "connector.class": "FileStreamSource", "file": str(source_file),
             "topic": unique("short")})),
         "--records", "1000", "--timeout", "5"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ERROR bench: short-source did not reach 1,000 records within 5 s")
