"""The comparative benchmark: fastconnect against Apache Kafka Connect and the raw client.

    python -m benchmarks.harness                       # 1,000,000 records, 3 repeats, S1-S3
    python -m benchmarks.harness --records 200000 --scenarios S2,S3
    python -m benchmarks.harness --smoke               # CI: tiny, 1 repeat, fails on any miss

On one Kafka broker (started here unless --bootstrap-servers), with the same data, each
scenario runs Apache Kafka Connect (standalone, FileStream connectors), fastconnect (the
``fastconnect standalone`` CLI as a subprocess, the same config files) and the physical
limit of its leg twice: "limit", confluent-kafka's tight produce or consume loop, and
"librdkafka", the same loop on fastconnect's compiled batch clients, which spend no Python
per message and so set the stricter floor. The contenders alternate, the order rotating
each repeat. Times run from process start until all N records are delivered (topic end
offset, or lines in the output file); the "steady" rate from the first record delivered,
start-up left out. Prints a table, writes JSON (and a PNG of the ratios
if matplotlib is importable) into --out. Exits 1 if any run failed to deliver all records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import measure  # noqa: E402
from benchmarks.scenarios import CONTENDERS, SCENARIOS, Context, prepare, run  # noqa: E402

HERE = Path(__file__).resolve().parent
KC, FC, LIMIT, RDKAFKA = CONTENDERS


def versions() -> dict:
    import confluent_kafka

    import fastconnect
    from fastconnect.services import connect as connect_service

    pom = Path(connect_service.__file__).with_name("connect-pom.xml").read_text()
    kafka = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    try:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True,
                              timeout=30).stderr.splitlines()[0]
    except Exception as exc:  # noqa: BLE001
        java = f"unknown ({exc})"
    return {"kafka_and_connect": kafka.group(1) if kafka else "unknown", "java": java,
            "python": platform.python_version(),
            "fastconnect": getattr(fastconnect, "__version__", "unknown"),
            "confluent_kafka": (lambda v: v if isinstance(v, str) else v[0])(
                confluent_kafka.version()),
            "librdkafka": confluent_kafka.libversion()[0]}


# --- summary --------------------------------------------------------------------------------

def summarize(results: list[dict], scenarios: list[str]) -> dict:
    summary: dict = {}
    for name in scenarios:
        per: dict = {}
        for contender in CONTENDERS:
            runs = [r for r in results if r["scenario"] == name and r["contender"] == contender]
            ok = [r for r in runs if r["ok"]]
            rates = [r["records_per_s"] for r in ok]
            entry = {"runs": len(runs), "ok": len(ok),
                     "nonzero_exit_codes": [r["exit_code"] for r in runs
                                            if r.get("exit_code") not in (None, 0)],
                     "errors": [r["error"].splitlines()[0] for r in runs if not r["ok"]]}
            if ok:
                def med(key):
                    vals = [r[key] for r in ok if r.get(key) is not None]
                    return statistics.median(vals) if vals else None
                entry.update(records_per_s_median=statistics.median(rates),
                             records_per_s_min=min(rates), records_per_s_max=max(rates),
                             mb_per_s_median=med("mb_per_s"),
                             steady_records_per_s_median=med("steady_records_per_s"),
                             first_record_s_median=med("first_s"),
                             peak_rss_mb_max=max((r["peak_rss_mb"] for r in ok
                                                  if "peak_rss_mb" in r), default=None))
            per[contender] = entry
        fc, kc, lim, rdk = (per[c].get("records_per_s_median") for c in (FC, KC, LIMIT, RDKAFKA))
        fc_rss, kc_rss = per[FC].get("peak_rss_mb_max"), per[KC].get("peak_rss_mb_max")
        # Once records flow: a worker's start-up (interpreter, imports, joining the group)
        # is in its whole-run rate, and the in-process loops start already warm. The
        # producing loop has no first record of its own; its start is a client's creation.
        fc_steady = per[FC].get("steady_records_per_s_median")
        lim_steady = per[LIMIT].get("steady_records_per_s_median") or lim
        per["ratios"] = {
            "fastconnect_vs_kafka_connect": fc / kc if fc and kc else None,
            "fastconnect_vs_limit": fc / lim if fc and lim else None,
            "fastconnect_vs_limit_steady": (fc_steady / lim_steady
                                            if fc_steady and lim_steady else None),
            "kafka_connect_vs_limit": kc / lim if kc and lim else None,
            "fastconnect_vs_librdkafka": fc / rdk if fc and rdk else None,
            "rss_fastconnect_vs_kafka_connect": fc_rss / kc_rss if fc_rss and kc_rss else None}
        summary[name] = per
    return summary


def _num(value, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def table(summary: dict) -> str:
    """The results as a Markdown table (readable in a terminal too)."""
    rows = ["| scenario | contender | rec/s median | rec/s min | rec/s max | MB/s median "
            "| steady rec/s | first record s | peak RSS MB | ok/runs |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, per in summary.items():
        for contender in CONTENDERS:
            e = per[contender]
            rows.append(
                f"| {name} | {contender} | {_num(e.get('records_per_s_median'), ',.0f')} "
                f"| {_num(e.get('records_per_s_min'), ',.0f')} "
                f"| {_num(e.get('records_per_s_max'), ',.0f')} "
                f"| {_num(e.get('mb_per_s_median'), '.1f')} "
                f"| {_num(e.get('steady_records_per_s_median'), ',.0f')} "
                f"| {_num(e.get('first_record_s_median'), '.2f')} "
                f"| {_num(e.get('peak_rss_mb_max'), '.0f')} | {e['ok']}/{e['runs']} |")
    rows += ["", "| scenario | fastconnect / Kafka Connect | fastconnect / limit "
             "| fastconnect / limit, steady | Kafka Connect / limit "
             "| fastconnect / librdkafka | RSS fastconnect / Kafka Connect |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, per in summary.items():
        r = per["ratios"]
        rows.append(f"| {name} | {_num(r['fastconnect_vs_kafka_connect'], '.2f')} "
                    f"| {_num(r['fastconnect_vs_limit'], '.2f')} "
                    f"| {_num(r['fastconnect_vs_limit_steady'], '.2f')} "
                    f"| {_num(r['kafka_connect_vs_limit'], '.2f')} "
                    f"| {_num(r['fastconnect_vs_librdkafka'], '.2f')} "
                    f"| {_num(r['rss_fastconnect_vs_kafka_connect'], '.2f')} |")
    failures = [f"- {name} {c}: {err}" for name, per in summary.items() for c in CONTENDERS
                for err in per[c]["errors"]]
    if failures:
        rows += ["", "Failed runs:", *failures]
    return "\n".join(rows)


def chart(summary: dict, path: Path) -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "chart skipped: matplotlib is not installed (pip install -e '.[bench]')"
    names = list(summary)
    series = [("fastconnect / Kafka Connect", "fastconnect_vs_kafka_connect"),
              ("fastconnect / limit", "fastconnect_vs_limit"),
              ("Kafka Connect / limit", "kafka_connect_vs_limit"),
              ("fastconnect / librdkafka", "fastconnect_vs_librdkafka")]
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(series)
    for i, (label, key) in enumerate(series):
        vals = [summary[n]["ratios"][key] or 0 for n in names]
        ax.bar([x + i * width for x in range(len(names))], vals, width, label=label)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(names))], names)
    ax.set_ylabel("ratio of median records/s")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return f"chart: {path}"


# --- main -----------------------------------------------------------------------------------

def compile_bytecode() -> None:
    """Write fastconnect's bytecode, as ``pip install`` does for an installed package.

    An editable checkout relies on the interpreter to cache it at first import, which
    ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines, this project's among them) turns
    off: every worker start then compiles its modules from source, ~0.1 s that an installed
    fastconnect does not pay. Stale caches are only ignored, never used."""
    import compileall

    import fastconnect
    import fastconnect_connectors

    for package in (fastconnect, fastconnect_connectors):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.harness",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenarios", default="S1,S2,S3")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--bootstrap-servers", help="use this broker instead of starting one")
    parser.add_argument("--smoke", action="store_true",
                        help="2,000 records, 1 repeat, all scenarios (for CI)")
    parser.add_argument("--keep", action="store_true", help="keep the run directories")
    args = parser.parse_args(argv)
    if args.smoke:
        args.records, args.repeat, args.scenarios = 2_000, 1, "S1,S2,S3"
    names = [s.strip().upper() for s in args.scenarios.split(",") if s.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or args.records < 1 or args.repeat < 1:
        parser.error(f"unknown scenario(s) {unknown}" if unknown else "need records, repeat >= 1")

    from fastconnect.services.connect import POM as CONNECT_POM
    from fastconnect.services.kafka import KafkaServer
    from fastconnect.services.maven import resolve_classpath

    started = dt.datetime.now(dt.timezone.utc)
    print(f"resolving Kafka Connect {versions()['kafka_and_connect']} (cached after the first "
          "run) ...", flush=True)
    resolve_classpath(CONNECT_POM, "connect")  # any download happens here, outside timing
    compile_bytecode()
    broker = None
    work = Path(tempfile.mkdtemp(prefix="fastconnect-bench-"))
    results: list[dict] = []
    try:
        bootstrap = args.bootstrap_servers
        if bootstrap is None:
            broker = KafkaServer().start()
            bootstrap = broker.bootstrap_servers
        print(f"broker {bootstrap}; {args.records:,} records, {args.repeat} repeat(s), "
              f"scenarios {','.join(names)}; preparing data ...", flush=True)
        ctx = Context(bootstrap, args.records, work)
        prepare(ctx, names)
        for rep in range(args.repeat):
            for name in names:
                # Rotate the order every repeat: KC FC L R, FC L R KC, L R KC FC, ...
                turn = rep % len(CONTENDERS)
                order = CONTENDERS[turn:] + CONTENDERS[:turn]
                for contender in order:
                    t = time.monotonic()
                    r = run(ctx, SCENARIOS[name], contender, rep)
                    results.append(r)
                    what = (f"{r['records_per_s']:>12,.0f} rec/s  first "
                            f"{_num(r.get('first_s'), '.2f')} s  RSS "
                            f"{_num(r.get('peak_rss_mb'), '.0f')} MB" if r["ok"]
                            else "FAILED: " + r["error"].splitlines()[0])
                    if r.get("exit_code") not in (None, 0):
                        what += f"  (worker exit code {r['exit_code']} on SIGTERM)"
                    print(f"[{rep + 1}/{args.repeat}] {name} {contender:<13} "
                          f"({time.monotonic() - t:5.1f}s) {what}", flush=True)
        ctx.end.close()
    finally:
        if broker is not None:
            broker.stop()
        if args.keep:
            print(f"run directories kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    summary = summarize(results, names)
    text = table(summary)
    print()
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    tag = "smoke" if args.smoke else f"{args.records}"
    report = {"started": started.isoformat(timespec="seconds"),
              "command": " ".join(["python", "-m", "benchmarks.harness",
                                   *map(shlex.quote, sys.argv[1:] if argv is None else argv)]),
              "records": args.records, "repeat": args.repeat, "scenarios": names,
              "broker": "given" if args.bootstrap_servers else "started by the harness",
              "machine": measure.machine(), "versions": versions(),
              "summary": summary, "runs": results, "table_markdown": text}
    json_path = args.out / f"run-{stamp}-{tag}.json"
    json_path.write_text(json.dumps(report, indent=1))
    print(f"\nresults: {json_path}")
    print(chart(summary, args.out / f"ratios-{stamp}-{tag}.png"))
    missing = [r for r in results if not r["ok"]]
    if missing:
        print(f"{len(missing)} run(s) failed to deliver all records", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
