"""A real Apache Kafka Connect worker (standalone mode), the peer for benchmarks and checks.

    worker = {"bootstrap.servers": bootstrap,
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.storage.StringConverter"}
    source = {"name": "src", "connector.class": "FileStreamSource",
              "file": "/tmp/in.txt", "topic": "lines"}
    with KafkaConnectStandalone(worker, [source]) as connect:
        ...  # connect.rest_url, connect.pid (sample its RSS), connect.task_states()

The worker is Apache's own ``org.apache.kafka.connect.cli.ConnectStandalone`` on the jars of
``connect-pom.xml`` (connect-runtime, connect-file and a log4j2 binding, the same Kafka
version as the broker of :mod:`fastconnect.services.kafka`), resolved once with Maven into
the fastconnect cache. The FileStream connectors, the JSON/String converters and the
built-in SMTs are on the classpath, so no ``plugin.path`` is needed and their short aliases
(``FileStreamSource``, ``FileStreamSink``, ``JsonConverter``, ...) resolve. Extra JVM flags
can be given in ``$FASTCONNECT_CONNECT_JVM_OPTS``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from fastconnect.services import ServiceError
# The broker's helpers: finding java, free ports, its CDS archive key, a log tail.
from fastconnect.services.jvm import (
    JavaService,
    find_java,
    free_ports,
    log_tail,
)
from fastconnect.services.maven import resolve_classpath

__all__ = ["KafkaConnectStandalone", "ServiceError"]

POM = Path(__file__).with_name("connect-pom.xml")
MAIN_CLASS = "org.apache.kafka.connect.cli.ConnectStandalone"

# As for the broker: serial GC (no GC threads competing on 2 cores), C2 on (the
# benchmarks measure this worker's throughput). No -Xms: the heap grows as the work
# needs, so the RSS the benchmarks sample is the worker's, not a pre-touched heap.
_JVM_FLAGS = [
    "-XX:+UseSerialGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
    "-Xlog:cds*=off",
]

# Worker settings added unless given; otherwise Apache's defaults stand. The plugins are
# all on the classpath and all ship ServiceLoader manifests, so the reflective classpath
# scan can be skipped: ~7 s less start-up on a 2-core machine (only_scan: 12-15 s).
_WORKER_DEFAULTS = {
    "plugin.discovery": "service_load",
}

# Quiet: warnings and errors only (a failed task logs at ERROR), to a file quoted on failure.
_LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log_file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
"""


def _escape(text: str, *, key: bool) -> str:
    """``text`` as java.util.Properties reads it back: backslashes, line breaks, comment
    and separator characters in keys, and leading blanks in values are escaped."""
    out = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "\n\r\t\f":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f"}[ch])
        elif ch in "=:#!" and (key or i == 0):
            out.append("\\" + ch)
        elif ch == " " and (key or i == 0):
            out.append("\\ ")
        elif ord(ch) > 0x7E or ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")  # ISO-8859-1 files: \\u for everything else
        else:
            out.append(ch)
    return "".join(out)


def _write_properties(path: Path, props: Mapping[str, str]) -> Path:
    lines = [f"{_escape(str(k), key=True)}={_escape(str(v), key=False)}\n"
             for k, v in props.items()]
    path.write_text("".join(lines), encoding="ascii")
    return path


class KafkaConnectStandalone(JavaService):
    """One ``ConnectStandalone`` worker running ``connectors``; stopped by stop() or at exit.

    ``worker_properties`` are the worker's settings (``bootstrap.servers`` and the
    converters at least); ``listeners`` (a free port on 127.0.0.1),
    ``offset.storage.file.filename`` (in the work dir) and the defaults above are added
    unless given. Each connector is a dict of its settings, ``name`` included.
    ``work_dir`` keeps the config, offsets and logs; by default a temp dir removed by stop().
    """

    def __init__(self, worker_properties: dict[str, str], connectors: list[dict[str, str]],
                 *, heap: str = "512m", work_dir: str | os.PathLike | None = None) -> None:
        names = [c.get("name") for c in connectors]
        if not all(names) or len(set(names)) != len(names):
            raise ValueError(f"each connector needs a distinct 'name': {names}")
        self.worker_properties = dict(worker_properties)
        self.connectors = [dict(c) for c in connectors]
        self.heap = heap
        self._given_dir = Path(work_dir) if work_dir is not None else None
        self.work_dir: Path | None = None
        self.port: int | None = None

    @property
    def rest_url(self) -> str:
        if self.port is None:
            raise ServiceError("KafkaConnectStandalone has no port yet: call start() first")
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path | None:
        return self.work_dir / "connect.log" if self.work_dir else None

    def start(self, timeout: float = 120.0) -> "KafkaConnectStandalone":
        """Start the worker; return once every connector and all its tasks are RUNNING.

        Raises ServiceError (with the log tail) if the worker exits, a connector or task
        FAILED, or ``timeout`` passes. ``timeout`` does not cover the first Maven download.
        """
        if self._proc is not None:
            raise ServiceError("KafkaConnectStandalone already started")
        jars = resolve_classpath(POM, "connect")  # has its own (download-sized) timeout
        java = find_java("Kafka Connect")
        deadline = time.monotonic() + timeout
        if self._given_dir is not None:
            self._given_dir.mkdir(parents=True, exist_ok=True)
            self.work_dir = self._given_dir.resolve()
        else:
            self.work_dir = Path(tempfile.mkdtemp(prefix="fastconnect-connect-"))
        try:
            config = self._write_config()
            jvm = [java, f"-Xmx{self.heap}", *_JVM_FLAGS,
                   *os.environ.get("FASTCONNECT_CONNECT_JVM_OPTS", "").split(),
                   f"-Dlog4j2.configurationFile={self.work_dir / 'log4j2.properties'}",
                   "-cp", os.pathsep.join(str(j) for j in jars)]
            cds = [flag for flags in self._cds_flags(java, jars[0].parent, "connect")
                   for flag in flags]
            self._launch([*jvm, *cds, MAIN_CLASS, *map(str, config)],
                         self.work_dir / "stdout.log", cwd=self.work_dir)
            self._wait_running(deadline, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _write_config(self) -> list[Path]:
        assert self.work_dir is not None
        worker = {**_WORKER_DEFAULTS, **self.worker_properties}
        if "listeners" in worker:
            port = urllib.parse.urlsplit(worker["listeners"].split(",")[0].strip()).port
            if port is None or port == 0:
                raise ServiceError(f"listeners needs a fixed port: {worker['listeners']!r}")
            self.port = port
        else:
            self.port = free_ports("127.0.0.1", 1)[0]
            worker["listeners"] = f"http://127.0.0.1:{self.port}"
        worker.setdefault("offset.storage.file.filename", str(self.work_dir / "connect.offsets"))
        files = [_write_properties(self.work_dir / "worker.properties", worker)]
        for i, conn in enumerate(self.connectors):
            files.append(_write_properties(self.work_dir / f"connector-{i}.properties", conn))
        (self.work_dir / "log4j2.properties").write_text(_LOG4J2.format(log_file=self.log_file))
        return files

    def _get(self, path: str, timeout: float = 5.0) -> object:
        with urllib.request.urlopen(self.rest_url + path, timeout=timeout) as resp:
            return json.load(resp)

    def _status(self, name: str) -> dict:
        return self._get(f"/connectors/{urllib.parse.quote(name, safe='')}/status")

    def task_states(self) -> dict[str, list[str]]:
        """Each connector's task states in task-id order, e.g. ``{"src": ["RUNNING"]}``."""
        names = self._get("/connectors")
        result: dict[str, list[str]] = {}
        for name in names:
            tasks = sorted(self._status(name).get("tasks", []), key=lambda t: t["id"])
            result[name] = [t["state"] for t in tasks]
        return result

    def _wait_running(self, deadline: float, timeout: float) -> None:
        wanted = [c["name"] for c in self.connectors]
        pending = "the REST API"
        while True:
            code = self._proc.poll()
            if code is not None:
                raise ServiceError(
                    f"Kafka Connect exited with code {code} during start-up\n{self._logs()}")
            if time.monotonic() > deadline:
                raise ServiceError(f"Kafka Connect: {pending} not RUNNING within "
                                   f"{timeout:g}s\n{self._logs()}")
            try:
                pending = self._pending(wanted)
            except (OSError, ValueError) as exc:  # not listening yet, or 404 while loading
                pending = f"the REST API ({exc})"
            if pending is None:
                return
            time.sleep(0.2)

    def _pending(self, wanted: list[str]) -> str | None:
        """What is not RUNNING yet (None: all is); ServiceError if something FAILED."""
        listed = set(self._get("/connectors"))
        missing = [n for n in wanted if n not in listed]
        if missing:
            return f"connector(s) {missing}"
        for name in wanted:
            status = self._status(name)
            states = [("connector", status["connector"])] + [
                (f"task {t['id']}", t) for t in status.get("tasks", [])]
            for what, st in states:
                if st["state"] == "FAILED":
                    trace = "\n".join([ln for ln in st.get("trace", "").splitlines()
                                       if not ln.lstrip().startswith(("at ", "..."))][:10])
                    raise ServiceError(f"Kafka Connect: connector {name!r} {what} FAILED\n"
                                       f"{trace}\n{self._logs()}")
            if status["connector"]["state"] != "RUNNING":
                return f"connector {name!r} ({status['connector']['state']})"
            # A connector reports RUNNING before its tasks exist: wait for at least one.
            if not status.get("tasks") or any(t["state"] != "RUNNING" for t in status["tasks"]):
                return f"tasks of {name!r} ({[t['state'] for t in status.get('tasks', [])]})"
        return None

    def _logs(self) -> str:
        assert self.work_dir is not None
        parts = [log_tail(self.work_dir / "stdout.log"), log_tail(self.work_dir / "connect.log")]
        return "\n".join(p for p in parts if p) or "(the worker logged nothing)"

    def _cleanup(self) -> None:
        """Drop the temp dir this run made."""
        if self._given_dir is None and self.work_dir is not None:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir = None

    def __repr__(self) -> str:
        port = self.port if self.port is not None else "-"
        return f"<KafkaConnectStandalone 127.0.0.1:{port} pid={self.pid}>"
