"""The ``fastconnect`` command.

``fastconnect standalone worker.properties connector.properties [connector.json ...]`` runs
connectors as ``connect-standalone.sh`` does. ``fastconnect demo`` runs a whole pipeline
(file -> Kafka -> file) against a Kafka broker the project starts itself.
Mistakes in configuration end with one line naming the key or resource and exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

# Set before pyarrow (and the numpy it loads) start; a user's own settings win.
# - pyarrow loads numpy when it is installed, and numpy's OpenBLAS starts a thread per core
#   that spins for a while: about 0.1 s of CPU at each start, taken from the broker and
#   librdkafka on a small machine. The worker never calls BLAS.
# - Arrow's buffers from jemalloc rather than mimalloc (pyarrow's default): measured over
#   1M records, peak RSS in S3 138 MB against 153-160 (S2 126-128 against 130), at the same
#   rate: jemalloc hands freed batches back to the system as the worker goes.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")

from fastconnect.api import ConnectError  # noqa: E402

log = logging.getLogger("fastconnect")

EXIT_ERROR = 1


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="[%(asctime)s] %(levelname)s %(message)s (%(name)s)",
        stream=sys.stderr,
    )
    # librdkafka reports every failed connection attempt; errors reach us anyway.
    logging.getLogger("fastconnect.librdkafka").setLevel(logging.CRITICAL)


def _install_uvloop() -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; keep asyncio working
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def run_standalone(worker_file: str, connector_files: list[str],
                         stop: asyncio.Event | None = None, watch=None) -> int:
    """Start the worker and connectors, run until SIGINT/SIGTERM (or ``stop``), shut down.

    ``watch(herder, stop)``, if given, runs beside the connectors and may set ``stop``.
    """
    from fastconnect.config.files import load_connector_config, load_properties
    from fastconnect.config.worker import OFFSET_STORAGE_FILE_FILENAME, STANDALONE_CONFIG_DEF
    from fastconnect.herder.offsets import FileOffsetBackingStore
    from fastconnect.herder.standalone import StandaloneHerder
    from fastconnect.runtime.status import State
    from fastconnect.runtime.worker import Worker

    raw = load_properties(worker_file)
    config = STANDALONE_CONFIG_DEF.parse(raw)
    connector_configs = [load_connector_config(path) for path in connector_files]
    worker = Worker(config, raw, FileOffsetBackingStore(config[OFFSET_STORAGE_FILE_FILENAME]))
    herder = StandaloneHerder(worker)
    # Refuse bad connector configs before waiting on the cluster: they are cheaper to fix.
    for connector_config in connector_configs:
        herder.validate(connector_config)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await herder.start()
    try:
        for connector_config in connector_configs:
            await herder.put_connector_config(connector_config)
        log.info("Standalone worker running %d connector(s); stop with Ctrl-C",
                 len(connector_configs))
        watcher = asyncio.create_task(watch(herder, stop)) if watch is not None else None
        await stop.wait()
        if watcher is not None:
            watcher.cancel()
        log.info("Stopping")
    finally:
        statuses = herder.task_statuses()
        await herder.stop()
    failed = [status for status in statuses if status.state is State.FAILED]
    for status in failed:
        log.error("Task %s ended FAILED: %s", status.id, status.error)
    return EXIT_ERROR if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fastconnect", description=__doc__.split("\n")[1])
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    commands = parser.add_subparsers(dest="command", required=True)
    standalone = commands.add_parser("standalone", help="run connectors in one worker")
    standalone.add_argument("worker_config", help="worker .properties file")
    standalone.add_argument("connector_configs", nargs="+",
                            help="connector configs (.properties or .json)")
    demo = commands.add_parser("demo", help="file -> Kafka -> file on a local Kafka broker")
    demo.add_argument("--records", type=int, default=200_000, help="lines to move")
    demo.add_argument("--bootstrap-servers", default=None,
                      help="use this Kafka instead of starting one")
    bench = commands.add_parser(
        "bench", help="run connectors until N records are through and report the rates")
    bench.add_argument("worker_config", help="worker .properties file")
    bench.add_argument("connector_configs", nargs="+", help="connector configs")
    bench.add_argument("--records", type=int, required=True,
                       help="stop once this many records went through every connector")
    bench.add_argument("--timeout", type=float, default=600, help="give up after this many s")
    bench.add_argument("--json", default=None, help="also write the report to this file")
    commands.add_parser("plugins", help="list the connectors and converters found")
    return parser


def _list_plugins() -> int:
    from fastconnect.runtime.plugins import Plugins

    plugins = Plugins()
    for title, table in (("Connectors", plugins.connectors), ("Converters", plugins.converters)):
        print(f"{title}:")
        by_class: dict[type, list[str]] = {}
        for name, cls in table.items():
            by_class.setdefault(cls, []).append(name)
        for cls, names in sorted(by_class.items(), key=lambda item: item[0].__name__):
            print(f"  {cls.__module__}.{cls.__qualname__}")
            for name in sorted(names, key=len):
                print(f"      {name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_logging(args.log_level)
    _install_uvloop()
    try:
        if args.command == "standalone":
            return asyncio.run(run_standalone(args.worker_config, args.connector_configs))
        if args.command == "bench":
            from fastconnect.bench import run_bench

            return asyncio.run(run_bench(args.worker_config, args.connector_configs,
                                         args.records, args.timeout, args.json))
        if args.command == "demo":
            from fastconnect.demo import run_demo

            return asyncio.run(run_demo(args.records, args.bootstrap_servers))
        return _list_plugins()
    except ConnectError as error:
        print(f"ERROR {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
