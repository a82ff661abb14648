"""``fastconnect bench``: run connectors until N records are through, and report the rates.

Every connector runs until N records went through it (acknowledged by Kafka for a source,
handed to the sink for a sink). The report gives records/s and MB/s per connector (bytes
of keys and values as they are in Kafka), p50/p99 batch latency (one
batch through the task: convert, transform, produce or put), the worker's peak RSS, its
CPU time and the time to the first record. A progress line runs on stderr meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time

from fastconnect.api import ConnectError

__all__ = ["run_bench"]


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


async def run_bench(worker_file: str, connector_files: list[str], records: int,
                    timeout: float, json_path: str | None) -> int:
    from fastconnect.cli import run_standalone

    report: dict = {}
    started = time.monotonic()
    cpu_start = _cpu_seconds()

    async def watch(herder, stop: asyncio.Event) -> None:
        first: dict[str, float] = {}
        done_at: dict[str, float] = {}
        while True:
            await asyncio.sleep(0.2)
            now = time.monotonic()
            counts = {}
            for name, running in herder.worker.connectors.items():
                counts[name] = sum(task.records_done for task in running.tasks)
                if counts[name] and name not in first:
                    first[name] = now - started
                if counts[name] >= records and name not in done_at:
                    done_at[name] = now - started
            total = sum(min(c, records) for c in counts.values())
            goal = records * max(len(counts), 1)
            rate = total / (now - started)
            print(f"\r  {total:>12,} / {goal:,} records  {rate:>12,.0f} rec/s", end="",
                  file=sys.stderr, flush=True)
            failed = herder.failed()
            if failed or len(done_at) == len(counts) or now - started > timeout:
                print(file=sys.stderr)
                for name, running in herder.worker.connectors.items():
                    latencies = [s for t in running.tasks for s in t.batch_seconds]
                    elapsed = done_at.get(name)
                    report[name] = {
                        "records": counts[name],
                        "completed": name in done_at,
                        "seconds": elapsed,
                        "records_per_s": counts[name] / elapsed if elapsed else None,
                        "mb_per_s": (sum(t.bytes_done for t in running.tasks) / elapsed / 1e6
                                     if elapsed else None),
                        "first_record_s": first.get(name),
                        "batches": len(latencies),
                        "batch_p50_ms": _ms(_percentile(latencies, 0.50)),
                        "batch_p99_ms": _ms(_percentile(latencies, 0.99)),
                        "mean_batch_records": (counts[name] / len(latencies)
                                               if latencies else None),
                    }
                stop.set()
                return

    status = await run_standalone(worker_file, connector_files, watch=watch)
    report["worker"] = {
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_seconds": _cpu_seconds() - cpu_start,
        "wall_seconds": time.monotonic() - started,
        "cpus": os.cpu_count(),
    }
    _print(report, records)
    if json_path:
        with open(json_path, "w") as out:
            json.dump(report, out, indent=2)
    incomplete = [n for n, r in report.items() if n != "worker" and not r["completed"]]
    if incomplete:
        raise ConnectError(f"bench: {', '.join(incomplete)} did not reach {records:,} records "
                           f"within {timeout:g} s")
    return status


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _print(report: dict, records: int) -> None:
    print(f"{'connector':<28}{'records':>12}{'rec/s':>14}{'MB/s':>9}{'first rec s':>13}"
          f"{'batch p50 ms':>14}{'batch p99 ms':>14}")
    for name, r in report.items():
        if name == "worker":
            continue
        rate = f"{r['records_per_s']:,.0f}" if r["records_per_s"] else "-"
        mb = f"{r['mb_per_s']:.1f}" if r["mb_per_s"] else "-"
        first = f"{r['first_record_s']:.2f}" if r["first_record_s"] is not None else "-"
        p50 = f"{r['batch_p50_ms']:.2f}" if r["batch_p50_ms"] is not None else "-"
        p99 = f"{r['batch_p99_ms']:.2f}" if r["batch_p99_ms"] is not None else "-"
        print(f"{name:<28}{r['records']:>12,}{rate:>14}{mb:>9}{first:>13}{p50:>14}{p99:>14}")
    w = report["worker"]
    print(f"worker: peak RSS {w['peak_rss_mb']:.0f} MB, CPU {w['cpu_seconds']:.1f} s over "
          f"{w['wall_seconds']:.1f} s wall, {w['cpus']} CPUs")
