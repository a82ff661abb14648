"""The scenarios (S1-S3), their data and configs, and one timed run of each contender.

Both workers get the same worker and connector settings, written to ``.properties`` files
the same way; each runtime keeps its own producer/consumer defaults (nothing is tuned).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import measure
from fastconnect.services.connect import KafkaConnectStandalone, _write_properties
from fastconnect.services.jvm import free_ports, log_tail

STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"
# "limit" is confluent-kafka's tight loop (the raw client rate); "librdkafka" the same loop
# on fastconnect's own batch clients, with no Python per message: the stricter floor.
CONTENDERS = ("kafka-connect", "fastconnect", "limit", "librdkafka")
FLOORS = {"limit": (measure.raw_produce, measure.raw_consume),
          "librdkafka": (measure.batch_produce, measure.batch_consume)}
REPO = Path(__file__).resolve().parent.parent
STEADY_MIN_S = 0.5


# --- data -----------------------------------------------------------------------------------

def text_lines(n: int) -> list[bytes]:
    """~200-byte text lines (S1's file, S2's topic): an id, then varied filler."""
    words = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
    out = []
    for i in range(n):
        body = " ".join(words[(i * 7 + k) % 8] for k in range(24))
        out.append(f"{i:010d} {body}"[:200].ljust(200, ".").encode())
    return out


def json_values(n: int) -> list[bytes]:
    """~200-byte JSON objects with a few fields of several types (S3's topic)."""
    out = []
    for i in range(n):
        out.append((f'{{"id":{i},"user":"user-{i % 977}","event":"page_view",'
                    f'"path":"/products/{i % 5003}","ms":{1_700_000_000_000 + i},'
                    f'"qty":{i % 17},"price":{(i % 1000) / 8},"tag":"t{i % 13}",'
                    f'"note":"{"n" * 40}"}}').encode())
    return out


# S3's chain, the same on both sides: rename two fields and drop one, add a constant, cast.
S3_TRANSFORMS = {
    "transforms": "rename,insert,cast",
    "transforms.rename.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.rename.renames": "user:user_name,ms:event_ms",
    "transforms.rename.exclude": "note",
    "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.insert.static.field": "source",
    "transforms.insert.static.value": "bench",
    "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
    "transforms.cast.spec": "id:string,qty:float64",
}


@dataclass
class Scenario:
    name: str
    title: str
    kind: str  # "source": file -> topic; "sink": topic -> file
    worker: dict[str, str] = field(default_factory=dict)
    connector: dict[str, str] = field(default_factory=dict)


SCENARIOS = {
    "S1": Scenario("S1", "file -> Kafka (FileStreamSource, StringConverter)", "source",
                   {"key.converter": STRING, "value.converter": STRING}),
    "S2": Scenario("S2", "Kafka -> file (FileStreamSink, StringConverter)", "sink",
                   {"key.converter": STRING, "value.converter": STRING}),
    "S3": Scenario("S3", "Kafka -> file, JsonConverter + ReplaceField/InsertField/Cast", "sink",
                   {"key.converter": STRING, "value.converter": JSON,
                    "value.converter.schemas.enable": "false"}, S3_TRANSFORMS),
}


@dataclass
class Context:
    """What all runs share: the broker, the data and where runs keep their files."""
    bootstrap: str
    records: int
    work: Path
    s1_file: Path = None  # the input file of every S1 run
    topics: dict[str, str] = field(default_factory=dict)  # S2/S3: the pre-filled topic
    values: dict[str, list[bytes]] = field(default_factory=dict)
    end: measure.TopicEnd = None

    @property
    def timeout(self) -> float:
        return 180 + self.records / 1000  # generous: only a hung run gets near it


def prepare(ctx: Context, names: list[str]) -> None:
    """Write S1's file and pre-fill S2's and S3's topics, once for all runs."""
    ctx.end = measure.TopicEnd(ctx.bootstrap)
    lines = text_lines(ctx.records)
    ctx.values["S1"] = ctx.values["S2"] = lines
    ctx.s1_file = ctx.work / "s1-input.txt"
    ctx.s1_file.write_bytes(b"".join(line + b"\n" for line in lines))
    if "S3" in names:
        ctx.values["S3"] = json_values(ctx.records)
    for name in names:
        if SCENARIOS[name].kind == "sink":
            topic = measure.unique(f"bench-{name.lower()}")
            measure.prefill(ctx.bootstrap, topic, ctx.values[name])
            if ctx.end(topic) != ctx.records:
                raise RuntimeError(f"pre-filling {topic} gave {ctx.end(topic)} records")
            ctx.topics[name] = topic


# --- one run --------------------------------------------------------------------------------

def run(ctx: Context, scenario: Scenario, contender: str, rep: int) -> dict:
    """One timed run; a dict with seconds, first-record time, peak RSS, or an error."""
    result = {"scenario": scenario.name, "contender": contender, "rep": rep,
              "records": ctx.records,
              "bytes": sum(map(len, ctx.values[scenario.name]))}
    try:
        result.update(_run(ctx, scenario, contender, rep))
    except Exception as exc:  # a failure is a result too
        result["error"] = f"{type(exc).__name__}: {exc}"[:3000]
    result["ok"] = "error" not in result
    if result["ok"]:
        result["records_per_s"] = ctx.records / result["done_s"]
        result["mb_per_s"] = result["bytes"] / result["done_s"] / 1e6
        # The rate once records flow, start-up left out. Progress is sampled every
        # measure.SAMPLE_S (50 ms): over a tail shorter than STEADY_MIN_S that is noise.
        if (result.get("first_s") is not None
                and result["done_s"] - result["first_s"] >= STEADY_MIN_S):
            result["steady_records_per_s"] = ctx.records / (result["done_s"] - result["first_s"])
    return result


def _run(ctx: Context, scenario: Scenario, contender: str, rep: int) -> dict:
    run_dir = ctx.work / f"{scenario.name}-{contender}-{rep}"
    run_dir.mkdir()
    name = measure.unique(f"bench-{scenario.name.lower()}-{contender}")
    if scenario.kind != "source":
        return _run_one(ctx, scenario, contender, run_dir, name)
    # Each source run writes a fresh topic (200 MB at the defaults); deleted after the run,
    # the broker's log does not grow run after run under the contenders that come later.
    try:
        return _run_one(ctx, scenario, contender, run_dir, name)
    finally:
        measure.delete_topic(ctx.bootstrap, name)


def _run_one(ctx: Context, scenario: Scenario, contender: str, run_dir: Path,
             name: str) -> dict:
    if contender in FLOORS:
        produce, consume = FLOORS[contender]
        if scenario.kind == "source":
            return produce(ctx.bootstrap, name, ctx.values[scenario.name], ctx.end)
        return consume(ctx.bootstrap, ctx.topics[scenario.name], ctx.records, ctx.timeout)

    worker = {"bootstrap.servers": ctx.bootstrap, **scenario.worker,
              "offset.storage.file.filename": str(run_dir / "offsets"),
              "offset.flush.interval.ms": "10000",
              "listeners": f"http://127.0.0.1:{free_ports('127.0.0.1', 1)[0]}",
              "plugin.discovery": "service_load"}  # the service's own default, made explicit
    if scenario.kind == "source":
        topic = name  # a fresh topic per run
        measure.create_topic(ctx.bootstrap, topic)
        connector = {"name": name, "connector.class": "FileStreamSource", "tasks.max": "1",
                     "file": str(ctx.s1_file), "topic": topic}
        progress = lambda: ctx.end(topic)  # noqa: E731
    else:
        out = run_dir / "out.txt"
        connector = {"name": name, "connector.class": "FileStreamSink", "tasks.max": "1",
                     "file": str(out), "topics": ctx.topics[scenario.name]}
        progress = measure.LineCounter(out)
    connector.update(scenario.connector)
    if contender == "fastconnect":
        return _run_fastconnect(ctx, run_dir, worker, connector, progress)
    return _run_connect(ctx, run_dir, worker, connector, progress)


def _run_fastconnect(ctx, run_dir: Path, worker, connector, progress) -> dict:
    files = [_write_properties(run_dir / "worker.properties", worker),
             _write_properties(run_dir / "connector.properties", connector)]
    log = run_dir / "worker.log"
    t0 = time.monotonic()
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "fastconnect", "standalone", *map(str, files)],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=REPO, start_new_session=True)
    sampler = measure.RssSampler(lambda: proc.pid)

    def alive() -> str | None:
        if proc.poll() is not None:
            return f"fastconnect exited with code {proc.returncode}\n{log_tail(log)}"
        return None

    try:
        result = measure.wait_progress(progress, ctx.records, t0, alive=alive,
                                       timeout=ctx.timeout)
        result["peak_rss_mb"] = sampler.stop()
    finally:
        sampler.stop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    result["exit_code"] = proc.returncode
    if "error" in result:
        result["error"] += f"\n{log_tail(log)}"
    return result


def _run_connect(ctx, run_dir: Path, worker, connector, progress) -> dict:
    connect = KafkaConnectStandalone(worker, [connector], work_dir=run_dir / "connect")
    failure: list[BaseException] = []

    def start() -> None:
        try:
            connect.start(timeout=ctx.timeout)
        except BaseException as exc:  # noqa: BLE001 - reported by alive()
            failure.append(exc)

    t0 = time.monotonic()  # the classpath is resolved already: start() forks the JVM at once
    starter = threading.Thread(target=start, daemon=True, name="connect-start")
    starter.start()
    sampler = measure.RssSampler(lambda: connect.pid)

    def alive() -> str | None:
        if failure:
            return str(failure[0])
        proc = connect._proc
        if proc is not None and proc.poll() is not None:
            return f"Kafka Connect exited with code {proc.returncode}\n{connect._logs()}"
        return None

    try:
        result = measure.wait_progress(progress, ctx.records, t0, alive=alive,
                                       timeout=ctx.timeout)
        result["peak_rss_mb"] = sampler.stop()
        if "error" in result and connect.work_dir is not None and not failure:
            result["error"] += f"\n{connect._logs()}"
    finally:
        sampler.stop()
        starter.join(ctx.timeout)
        connect.stop()
    return result
