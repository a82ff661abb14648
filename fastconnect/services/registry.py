"""A real Confluent-compatible schema registry for tests and benchmarks.

    with SchemaRegistryServer() as registry:
        conf = {"schema.registry.url": registry.url}

or, from a shell, ``python -m fastconnect.services.registry`` prints
``schema.registry.url=http://127.0.0.1:PORT/apis/ccompat/v7`` once it answers and runs
until Ctrl-C.

The server is Apicurio Registry 2.4.2.Final speaking Confluent's REST API under
``/apis/ccompat/v7``, with in-memory (H2) storage: each server starts empty and forgets
everything when it stops. Maven Central has Apicurio only as a Quarkus application that
still has to be built; ``registry-pom.xml`` (which says why this version) is built once
into the fastconnect cache, ~1 minute with downloads, and each start then runs
``java -jar quarkus-app/quarkus-run.jar``, ~2-3 s on 2 cores.

One of Apicurio's defaults is changed to Confluent's, since that is the registry our
clients are written against: Confluent checks BACKWARD compatibility unless told
otherwise, Apicurio checks nothing. start() sets the global level through the ccompat
API itself (``compatibility=``), so ``GET /config`` reports it and ``PUT /config``
changes it, as on Confluent.

Known differences that remain:

- Schemas are matched by their exact text. The same schema sent with other whitespace or
  key order is a new version with a new id when registered, and "not found" (404 with
  error_code 40401, not 40403) when looked up with ``POST /subjects/{subject}``;
  Confluent compares parsed schemas. (Apicurio's ``registry.ccompat.use-canonical-hash``
  would match them, but then serves every schema in its canonical form, with the fields
  of a record sorted by name: a different Avro schema. So it stays off.)
- An incompatible schema is refused with HTTP 409 as on Confluent, but with
  ``error_code`` 0 rather than 409.
- ``GET /config/{subject}`` answers ``{"compatibilityLevel": "NONE"}`` instead of 404
  (40408) for a subject without a level of its own, though the global level applies.

Extra JVM flags can be given in ``$FASTCONNECT_REGISTRY_JVM_OPTS``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from fastconnect.services import ServiceError
from fastconnect.services.jvm import (
    JavaService,
    find_java,
    free_ports,
    log_tail,
    serve_in_foreground,
)
from fastconnect.services.maven import build_with_maven

__all__ = ["SchemaRegistryServer", "ServiceError", "ensure_built"]

POM = Path(__file__).with_name("registry-pom.xml")
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
COMPATIBILITY_LEVELS = ("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
                        "FULL", "FULL_TRANSITIVE", "NONE")

# Built into the application next to Apicurio's own classes. The augmentation needs a
# bean listing the registry's runtime-editable ("dynamic") config properties, which a
# Quarkus extension would build but cannot here (its -deployment jar is not on Maven
# Central, see registry-pom.xml). An empty list makes every property a static one, which
# is all a test registry needs: they are set with -D at start-up. It is a string here,
# not a file, so that it is part of the build's cache key and of the installed package.
_SOURCES = {
    "src/main/java/io/fastconnect/registry/NoDynamicConfigProperties.java": """\
package io.fastconnect.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.List;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;
import javax.inject.Singleton;

@ApplicationScoped
public class NoDynamicConfigProperties {
    @Produces
    @Singleton
    DynamicConfigPropertyList dynamicConfigProperties() {
        return new DynamicConfigPropertyList(List.of());
    }
}
""",
}
# Without it the Quarkus plugin makes its upstream "legacy-jar" (a runner jar next to a
# lib/ directory); the fast-jar layout starts faster and keeps everything in one folder.
_BUILD_PROPERTIES = {"quarkus.package.type": "fast-jar"}

# The machines have 2 cores: the serial GC has no GC threads to compete with the code
# under test, and C1 alone starts ~1.5 s faster. Unlike the Kafka broker, a registry
# serves a few requests per schema (clients cache what they get), so peak speed is moot.
_JVM_FLAGS = [
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:+ExitOnOutOfMemoryError",  # die loudly rather than limp along
    "-Djava.awt.headless=true",
    "-Xlog:cds*=off",
]

# Runtime configuration, as system properties (they win over the app's own file).
_REGISTRY_PROPERTIES = {
    # The H2 database lives in the JVM: a pool of 20 idle connections buys nothing.
    "quarkus.datasource.jdbc.initial-size": "1",
    "quarkus.datasource.jdbc.min-size": "1",
    # Warnings and errors only: Apicurio's audit log writes a line per request, and the
    # unconfigured Sentry client warns that it has nowhere to send errors.
    'quarkus.log.category."io.apicurio".level': "WARN",
    'quarkus.log.category."io.sentry".level': "ERROR",
    "quarkus.banner.enabled": "false",
    "quarkus.log.console.color": "false",
}

# Our requests go to a local server: never through an $http_proxy a CI machine may set.
_urlopen = urllib.request.build_opener(urllib.request.ProxyHandler({})).open


def ensure_built() -> Path:
    """The runnable ``quarkus-app`` directory, built on first use (ServiceError if not)."""
    app = build_with_maven(POM, "apicurio-registry", "target/quarkus-app",
                           sources=_SOURCES, properties=_BUILD_PROPERTIES)
    if not (app / "quarkus-run.jar").is_file():
        raise ServiceError(f"the Apicurio Registry build in {app} has no quarkus-run.jar")
    return app


class SchemaRegistryServer(JavaService):
    """One Apicurio Registry process on ``host``, stopped by stop() or at exit.

    ``compatibility`` is the global compatibility level set once the server is up
    (Confluent's default, BACKWARD, unless given; None or "NONE" leaves none set).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None,
                 heap: str = "384m", compatibility: str | None = "BACKWARD") -> None:
        if compatibility is not None and compatibility not in COMPATIBILITY_LEVELS:
            raise ValueError(f"compatibility must be one of {COMPATIBILITY_LEVELS} or None")
        self.host = host
        self.port = port
        self.heap = heap
        self.compatibility = compatibility
        self.work_dir: Path | None = None

    @property
    def url(self) -> str:
        """The Confluent-compatible base URL, for ``schema.registry.url``."""
        if self.port is None:
            raise ServiceError("SchemaRegistryServer has no port yet: call start() first")
        return f"http://{self.host}:{self.port}/apis/ccompat/v7"

    @property
    def log_file(self) -> Path | None:
        return self.work_dir / "registry.log" if self.work_dir else None

    def start(self, timeout: float = 180.0) -> "SchemaRegistryServer":
        """Start the registry; return once ``GET {url}/subjects`` answers 200.

        ``timeout`` covers the start-up, not the first-use build (which has its own).
        """
        if self._proc is not None:
            raise ServiceError("SchemaRegistryServer already started")
        app = ensure_built()
        java = find_java("Apicurio Registry")
        deadline = time.monotonic() + timeout
        self.work_dir = Path(tempfile.mkdtemp(prefix="fastconnect-registry-"))
        try:
            if self.port is None:
                self.port = free_ports(self.host, 1)[0]
            props = {**_REGISTRY_PROPERTIES,
                     "quarkus.http.host": self.host, "quarkus.http.port": str(self.port)}
            cds = [flag for flags in self._cds_flags(java, app, "registry") for flag in flags]
            cmd = [java, f"-Xmx{self.heap}", f"-Xms{self.heap}", *_JVM_FLAGS, *cds,
                   *os.environ.get("FASTCONNECT_REGISTRY_JVM_OPTS", "").split(),
                   *(f"-D{k}={v}" for k, v in props.items()),
                   "-jar", str(app / "quarkus-run.jar")]
            # Quarkus logs to the console: into the file start() quotes on failure.
            assert self.log_file is not None
            self._launch(cmd, self.log_file, cwd=self.work_dir)
            self._wait_ready(deadline, timeout)
            if self.compatibility not in (None, "NONE"):
                # Through the API rather than Apicurio's "default global rule" property:
                # that one is enforced but invisible (GET /config says NONE) and cannot
                # be lifted with PUT /config, unlike Confluent's default.
                self._request("PUT", "/config", {"compatibility": self.compatibility})
        except BaseException:
            self.stop()
            raise
        return self

    def _request(self, method: str, path: str, body: object = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                     headers={"Content-Type": CONTENT_TYPE})
        try:
            with _urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise ServiceError(f"schema registry: {method} {path} answered {exc.code}: "
                               f"{detail}\n{self._logs()}") from None
        except (OSError, ValueError) as exc:
            raise ServiceError(f"schema registry: {method} {path} failed: {exc}") from None

    def _wait_ready(self, deadline: float, timeout: float) -> None:
        assert self._proc is not None
        probe = f"{self.url}/subjects"
        while True:
            code = self._proc.poll()
            if code is not None:
                raise ServiceError(
                    f"schema registry exited with code {code} during start-up\n{self._logs()}")
            if time.monotonic() > deadline:
                raise ServiceError(
                    f"schema registry did not answer within {timeout:g}s\n{self._logs()}")
            try:
                with _urlopen(probe, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (OSError, ValueError):  # refused, reset or 5xx while starting up
                pass
            time.sleep(0.1)

    def _logs(self) -> str:
        text = log_tail(self.log_file) if self.log_file else ""
        return text or "(the registry logged nothing)"

    def _cleanup(self) -> None:
        """Drop the temp dir this run made."""
        if self.work_dir is not None:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir = None

    def __repr__(self) -> str:
        return f"<SchemaRegistryServer {self.host}:{self.port} pid={self.pid}>"




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fastconnect.services.registry",
        description="Run a Confluent-compatible schema registry (Apicurio, in memory) "
                    "in the foreground until SIGINT/SIGTERM.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, help="HTTP port (default: a free one)")
    parser.add_argument("--heap", default="384m")
    parser.add_argument("--compatibility", default="BACKWARD", choices=COMPATIBILITY_LEVELS,
                        help="global compatibility level (default: BACKWARD, as Confluent)")
    parser.add_argument("--timeout", type=float, default=180.0, help="start-up timeout, s")
    args = parser.parse_args(argv)

    server = SchemaRegistryServer(host=args.host, port=args.port, heap=args.heap,
                                  compatibility=args.compatibility)
    return serve_in_foreground(server, lambda: f"schema.registry.url={server.url}", "schema registry",
                               args.timeout)


if __name__ == "__main__":
    sys.exit(main())
