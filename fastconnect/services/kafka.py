"""A real single-node Apache Kafka broker (KRaft, broker + controller) for tests and benchmarks.

    with KafkaServer() as kafka:
        producer = confluent_kafka.Producer({"bootstrap.servers": kafka.bootstrap_servers})

or, from a shell, ``python -m fastconnect.services.kafka`` prints
``bootstrap.servers=127.0.0.1:PORT`` once the broker answers and runs until Ctrl-C.

The broker is the stock ``kafka.Kafka`` main class on the jars of ``kafka-pom.xml``
(resolved once with Maven into the fastconnect cache), run with a small heap so that
several JVMs fit on a 2-core CI machine next to the code under test. Extra JVM flags can
be given in ``$FASTCONNECT_KAFKA_JVM_OPTS`` (e.g. ``-XX:TieredStopAtLevel=1``).
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from fastconnect.services import ServiceError
from fastconnect.services.jvm import (
    JavaService,
    find_java,
    free_ports,
    log_tail,
    serve_in_foreground,
)
from fastconnect.services.maven import resolve_classpath

__all__ = ["KafkaServer", "ServiceError"]

POM = Path(__file__).with_name("kafka-pom.xml")

# The machines have 2 cores: the serial GC has no GC threads to compete with the code
# under test. C2 stays on (no -XX:TieredStopAtLevel=1): it would save ~0.5 s of start-up
# but cap the broker's throughput, which the benchmarks measure against.
_JVM_FLAGS = [
    "-XX:+UseSerialGC",
    "-XX:+ExitOnOutOfMemoryError",  # die loudly rather than limp along
    "-Djava.awt.headless=true",
    "-Xlog:cds*=off",  # the class-data-sharing dump lists thousands of skipped classes
]

# Written to <data_dir>/server.properties. KRaft combined mode: this one process is the
# whole cluster. A static quorum (controller.quorum.voters, format without --standalone)
# rather than a dynamic one: the controller's address then stays out of the metadata
# log, so a kept data_dir can restart on other ports.
_SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{host}:{controller_port}
listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}
advertised.listeners=PLAINTEXT://{host}:{port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs={log_dirs}
# One node: every internal topic makes do with one replica, nothing waits for brokers
# that will never come, and small internal topics come up fast.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
# A deleted topic's files go after a second, not a minute: the benchmark deletes each
# source run's topic so that the log does not grow from run to run.
log.segment.delete.delay.ms=1000
num.partitions=1
auto.create.topics.enable=true
"""

# Quiet by default: warnings and errors only, to a file that start() quotes on failure.
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

def _cluster_id() -> str:
    # Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding. One
    # starting with '-' would be read as an option by the format command's parser.
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


class KafkaServer(JavaService):
    """One Kafka 4.x broker+controller process on ``host``, stopped by stop() or at exit."""

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None,
                 heap: str = "384m", data_dir: str | os.PathLike | None = None) -> None:
        self.host = host
        self.port = port
        self.controller_port: int | None = None
        self.heap = heap
        self._given_dir = Path(data_dir) if data_dir is not None else None
        self.data_dir: Path | None = None

    @property
    def bootstrap_servers(self) -> str:
        if self.port is None:
            raise ServiceError("KafkaServer has no port yet: call start() first")
        return f"{self.host}:{self.port}"

    @property
    def log_file(self) -> Path | None:
        return self.data_dir / "server.log" if self.data_dir else None

    def start(self, timeout: float = 120.0) -> "KafkaServer":
        """Start the broker and return once it serves metadata; raise ServiceError if not.

        ``timeout`` covers format + start-up, not the first-use Maven download.
        """
        if self._proc is not None:
            raise ServiceError("KafkaServer already started")
        jars = resolve_classpath(POM, "kafka")  # has its own (download-sized) timeout
        java = find_java("Kafka")
        deadline = time.monotonic() + timeout
        if self._given_dir is not None:
            self._given_dir.mkdir(parents=True, exist_ok=True)
            self.data_dir = self._given_dir.resolve()
        else:
            self.data_dir = Path(tempfile.mkdtemp(prefix="fastconnect-kafka-"))
        try:
            ports = free_ports(self.host, 2)
            if self.port is None:
                self.port = ports[0]
            self.controller_port = ports[1] if ports[1] != self.port else ports[0]
            props = self._write_config()

            jvm = [java, f"-Xmx{self.heap}", f"-Xms{self.heap}", *_JVM_FLAGS,
                   *os.environ.get("FASTCONNECT_KAFKA_JVM_OPTS", "").split(),
                   f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
                   "-cp", os.pathsep.join(str(j) for j in jars)]
            cds_use, cds_dump = self._cds_flags(java, jars[0].parent, "kafka")
            self._format([*jvm, *cds_use], props, deadline)
            self._launch([*jvm, *cds_use, *cds_dump, "kafka.Kafka", str(props)],
                         self.data_dir / "stdout.log")
            self._wait_ready(deadline, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _write_config(self) -> Path:
        assert self.data_dir is not None
        props = self.data_dir / "server.properties"
        props.write_text(_SERVER_PROPERTIES.format(
            host=self.host, port=self.port, controller_port=self.controller_port,
            log_dirs=self.data_dir / "kraft-logs"))
        (self.data_dir / "log4j2.properties").write_text(_LOG4J2.format(log_file=self.log_file))
        return props

    def _format(self, jvm: list[str], props: Path, deadline: float) -> None:
        assert self.data_dir is not None
        # A kept data_dir is reused as it is: formatting again would need its cluster id.
        if (self.data_dir / "kraft-logs" / "meta.properties").is_file():
            return
        cmd = [*jvm, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(props)]
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  errors="replace", timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise ServiceError("Kafka storage format timed out") from None
        if proc.returncode != 0:
            out = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
            raise ServiceError(f"Kafka storage format failed (exit {proc.returncode})\n{out}")

    def _wait_ready(self, deadline: float, timeout: float) -> None:
        from confluent_kafka.admin import AdminClient  # only needed here

        admin = None
        while True:
            code = self._proc.poll()
            if code is not None:
                raise ServiceError(
                    f"Kafka broker exited with code {code} during start-up\n{self._logs()}")
            if time.monotonic() > deadline:
                raise ServiceError(
                    f"Kafka broker did not answer within {timeout:g}s\n{self._logs()}")
            # A plain connect first: librdkafka logs every refused connection to stderr,
            # so it is only asked once the listener is up.
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
            except OSError:
                time.sleep(0.2)
                continue
            if admin is None:
                admin = AdminClient({"bootstrap.servers": self.bootstrap_servers})
            try:
                # A broker is listed in metadata only once it is registered and unfenced,
                # i.e. ready to lead partitions of new topics.
                if admin.list_topics(timeout=2).brokers:
                    return
            except Exception:  # KafkaException while the broker is still coming up
                pass
            time.sleep(0.2)

    def _logs(self) -> str:
        assert self.data_dir is not None
        parts = [log_tail(self.data_dir / "stdout.log"), log_tail(self.data_dir / "server.log")]
        text = "\n".join(p for p in parts if p)
        return text or "(the broker logged nothing)"

    def _cleanup(self) -> None:
        """Drop the temp dir this run made."""
        if self._given_dir is None and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None

    def __repr__(self) -> str:
        return f"<KafkaServer {self.host}:{self.port} pid={self.pid}>"




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fastconnect.services.kafka",
        description="Run a single-node Kafka broker in the foreground until SIGINT/SIGTERM.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, help="broker port (default: a free one)")
    parser.add_argument("--heap", default="384m")
    parser.add_argument("--data-dir", help="keep data here (default: a temp dir)")
    parser.add_argument("--timeout", type=float, default=120.0, help="start-up timeout, s")
    args = parser.parse_args(argv)

    server = KafkaServer(host=args.host, port=args.port, heap=args.heap, data_dir=args.data_dir)
    return serve_in_foreground(server, lambda: f"bootstrap.servers={server.bootstrap_servers}", "Kafka broker",
                               args.timeout)


if __name__ == "__main__":
    sys.exit(main())
