"""The project's own schema registry: Confluent's API, real compatibility checks, clean stop.

Talks to the registry with plain HTTP, as Confluent's REST API is specified, so that what
is checked here is the server, not a client library's view of it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from fastconnect.services.registry import SchemaRegistryServer

pytestmark = pytest.mark.integration

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
_urlopen = urllib.request.build_opener(urllib.request.ProxyHandler({})).open  # local only

# Fields out of alphabetical order: the registry must hand them back in this order, which
# is the order of the binary encoding (dict == compares lists in order).
V1 = {"type": "record", "name": "T", "namespace": "fc.test",
      "fields": [{"name": "z", "type": "string"}, {"name": "a", "type": "int"}]}
# A new field without a default: readers of the new schema cannot read old data.
INCOMPATIBLE = {**V1, "fields": [*V1["fields"], {"name": "c", "type": "long"}]}
# A new optional field with a default: BACKWARD compatible.
V2 = {**V1, "fields": [*V1["fields"],
                       {"name": "b", "type": ["null", "int"], "default": None}]}


def _call(method: str, url: str, body: object = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": CONTENT_TYPE})
    try:
        with _urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _register(url: str, subject: str, schema: dict) -> tuple[int, object]:
    return _call("POST", f"{url}/subjects/{subject}/versions", {"schema": json.dumps(schema)})


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True  # stop() reaped it (Popen.wait), so no zombie can answer here


def _port_free(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        return True


def test_registry_confluent_api_and_clean_stop() -> None:
    server = SchemaRegistryServer()
    started = time.monotonic()
    server.start(timeout=180)
    try:
        print(f"registry started in {time.monotonic() - started:.1f}s at {server.url}")
        url = server.url
        assert url.startswith("http://127.0.0.1:") and url.endswith("/apis/ccompat/v7")
        pid = server.pid
        assert pid is not None and _pid_alive(pid)

        assert _call("GET", f"{url}/subjects") == (200, [])
        # Confluent's default, which start() sets (Apicurio's own default checks nothing).
        assert _call("GET", f"{url}/config") == (200, {"compatibilityLevel": "BACKWARD"})

        status, body = _register(url, "t-value", V1)
        assert status == 200, body
        schema_id = body["id"]
        assert isinstance(schema_id, int) and schema_id > 0
        # Registering the same schema again is a no-op (Apicurio, unlike Confluent, only
        # knows it as the same text: see fastconnect.services.registry).
        assert _register(url, "t-value", V1) == (200, {"id": schema_id})

        status, body = _call("GET", f"{url}/schemas/ids/{schema_id}")
        assert status == 200, body
        assert json.loads(body["schema"]) == V1

        # An incompatible evolution is refused (409, as on Confluent), and nothing changes.
        status, body = _call("POST", f"{url}/compatibility/subjects/t-value/versions/latest",
                             {"schema": json.dumps(INCOMPATIBLE)})
        assert (status, body["is_compatible"]) == (200, False)
        status, body = _register(url, "t-value", INCOMPATIBLE)
        assert status == 409, body
        assert _call("GET", f"{url}/subjects/t-value/versions") == (200, [1])

        # A compatible one is a new version with a new id.
        status, body = _call("POST", f"{url}/compatibility/subjects/t-value/versions/latest",
                             {"schema": json.dumps(V2)})
        assert (status, body["is_compatible"]) == (200, True)
        status, body = _register(url, "t-value", V2)
        assert status == 200, body
        v2_id = body["id"]
        assert v2_id != schema_id
        assert _call("GET", f"{url}/subjects/t-value/versions") == (200, [1, 2])
        status, latest = _call("GET", f"{url}/subjects/t-value/versions/latest")
        assert status == 200, latest
        assert (latest["subject"], latest["version"], latest["id"]) == ("t-value", 2, v2_id)
        assert json.loads(latest["schema"]) == V2

        # Lookup of a known schema under a subject, and Confluent's error codes.
        status, body = _call("POST", f"{url}/subjects/t-value", {"schema": json.dumps(V1)})
        assert (status, body["id"], body["version"]) == (200, schema_id, 1)
        status, body = _call("GET", f"{url}/subjects/nope/versions")
        assert (status, body["error_code"]) == (404, 40401)
        status, body = _call("GET", f"{url}/schemas/ids/{v2_id + 100}")
        assert (status, body["error_code"]) == (404, 40403)
    finally:
        server.stop()

    assert server.pid is None
    assert not _pid_alive(pid)
    assert _port_free("127.0.0.1", int(url.split(":")[2].split("/")[0]))


def test_registry_command_line_runs_until_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastconnect.services.registry"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()  # printed once the registry answers
        assert line.startswith("schema.registry.url=http://127.0.0.1:"), (
            line, proc.stderr.read() if proc.poll() is not None else "")
        url = line.split("=", 1)[1]
        assert _call("GET", f"{url}/subjects") == (200, [])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        with pytest.raises(urllib.error.URLError):
            _urlopen(f"{url}/subjects", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
