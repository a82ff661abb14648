"""``fastconnect demo``: a real pipeline on a local default.

Starts the project's own Kafka broker (unless one is given), writes a file of JSON-looking
lines, and runs a standalone worker with a FileStreamSource (file -> topic) and a
FileStreamSink (topic -> file), from the same ``.properties`` files a user would write.
It prints the records as they arrive and checks that every line came out, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from pathlib import Path

from fastconnect.api import ConnectError

log = logging.getLogger("fastconnect.demo")

WORKER = """\
bootstrap.servers={bootstrap}
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename={workdir}/connect.offsets
offset.flush.interval.ms=1000
"""
SOURCE = """\
name=demo-file-source
connector.class=FileStreamSource
tasks.max=1
file={workdir}/input.txt
topic=fastconnect-demo
"""
SINK = """\
name=demo-file-sink
connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector
tasks.max=1
file={workdir}/output.txt
topics=fastconnect-demo
"""


def _write_input(path: Path, records: int) -> None:
    with path.open("w") as out:
        for i in range(records):
            out.write(f'{{"id":{i},"user":"user-{i % 977}","event":"page_view",'
                      f'"path":"/products/{i % 5003}","ms":{1_700_000_000_000 + i}}}\n')


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


async def run_demo(records: int, bootstrap: str | None) -> int:
    from fastconnect.cli import run_standalone

    with contextlib.ExitStack() as stack:
        if bootstrap is None:
            from fastconnect.services.kafka import KafkaServer

            print("Starting a local Apache Kafka broker (first run downloads it with Maven)...",
                  flush=True)
            server = stack.enter_context(KafkaServer())
            bootstrap = server.bootstrap_servers
            print(f"Kafka is up at {bootstrap}", flush=True)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fastconnect-")))
        for name, template in (("worker.properties", WORKER), ("source.properties", SOURCE),
                               ("sink.properties", SINK)):
            (workdir / name).write_text(template.format(bootstrap=bootstrap, workdir=workdir))
        input_path, output_path = workdir / "input.txt", workdir / "output.txt"
        _write_input(input_path, records)
        print(f"Moving {records:,} lines: {input_path} -> topic fastconnect-demo -> "
              f"{output_path}", flush=True)

        stop = asyncio.Event()
        started = time.monotonic()
        worker = asyncio.create_task(run_standalone(
            str(workdir / "worker.properties"),
            [str(workdir / "source.properties"), str(workdir / "sink.properties")], stop))
        shown = 0
        while not worker.done():
            await asyncio.sleep(0.5)
            arrived = _count_lines(output_path)
            if arrived > shown:
                print(f"  {arrived:>10,} / {records:,} records arrived", flush=True)
                shown = arrived
            if arrived >= records:
                break
            if time.monotonic() - started > 300:
                stop.set()
                raise ConnectError("the demo pipeline did not finish within 300 s")
        elapsed = time.monotonic() - started
        stop.set()
        status = await worker
        if status != 0:
            return status
        with input_path.open("rb") as a, output_path.open("rb") as b:
            same = a.read() == b.read()
        print("First records out:")
        with output_path.open() as out:
            for _, line in zip(range(3), out):
                print("  " + line.rstrip())
        print(f"{shown:,} records moved file -> Kafka -> file in {elapsed:.1f} s "
              f"({shown / elapsed:,.0f} records/s end to end, start-up included); "
              f"output {'identical to' if same else 'DIFFERS from'} input")
        return 0 if same else 1
