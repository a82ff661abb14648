"""The command line refuses bad input with one line naming the key or resource."""

import os
import socket
import subprocess
import sys

import pytest


def fastconnect(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "fastconnect", *args], capture_output=True,
                          text=True, timeout=timeout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_file(tmp_path, bootstrap="127.0.0.1:9", extra=""):
    path = tmp_path / "worker.properties"
    path.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
        f"offset.storage.file.filename={tmp_path}/offsets\n" + extra)
    return path


def connector_file(tmp_path, text):
    path = tmp_path / "connector.properties"
    path.write_text(text)
    return path


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ERROR ")
    for fragment in fragments:
        assert fragment in last


def test_missing_connector_class(tmp_path):
    result = fastconnect("standalone", str(worker_file(tmp_path)),
                         str(connector_file(tmp_path, "name=x\ntopic=t\n")))
    assert_one_line_error(result, '"connector.class"')


def test_unknown_connector_class(tmp_path):
    result = fastconnect("standalone", str(worker_file(tmp_path)), str(connector_file(
        tmp_path, "name=x\nconnector.class=com.acme.Nope\n")))
    assert_one_line_error(result, "connector.class", "com.acme.Nope")


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_tasks_max_not_a_positive_integer(tmp_path, value):
    source = tmp_path / "in.txt"
    source.write_text("a\n")
    result = fastconnect("standalone", str(worker_file(tmp_path)), str(connector_file(
        tmp_path, f"name=x\nconnector.class=FileStreamSource\ntopic=t\nfile={source}\n"
                  f"tasks.max={value}\n")))
    assert_one_line_error(result, f"Invalid value {value} for configuration tasks.max")


def test_missing_required_connector_key(tmp_path):
    result = fastconnect("standalone", str(worker_file(tmp_path)), str(connector_file(
        tmp_path, "name=x\nconnector.class=FileStreamSource\n")))
    assert_one_line_error(result, '"topic"')


def test_missing_required_worker_key(tmp_path):
    path = tmp_path / "worker.properties"
    path.write_text("bootstrap.servers=127.0.0.1:9\nkey.converter=StringConverter\n"
                    "value.converter=StringConverter\n")
    result = fastconnect("standalone", str(path), str(connector_file(tmp_path, "name=x\n")))
    assert_one_line_error(result, '"offset.storage.file.filename"')


def test_unreadable_config_files(tmp_path):
    result = fastconnect("standalone", str(tmp_path / "nope.properties"), "also-nope.json")
    assert_one_line_error(result, "nope.properties")
    result = fastconnect("standalone", str(worker_file(tmp_path)), str(tmp_path / "gone.json"))
    assert_one_line_error(result, "gone.json")


def test_unreadable_source_file(tmp_path):
    result = fastconnect("standalone", str(worker_file(tmp_path)), str(connector_file(
        tmp_path, f"name=x\nconnector.class=FileStreamSource\ntopic=t\n"
                  f"file={tmp_path}/absent.txt\n")))
    assert_one_line_error(result, "configuration file", "absent.txt")


def test_unreachable_broker(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("a\n")
    bootstrap = f"127.0.0.1:{free_port()}"
    result = fastconnect(
        "standalone",
        str(worker_file(tmp_path, bootstrap, "fastconnect.bootstrap.timeout.ms=2000\n")),
        str(connector_file(tmp_path, f"name=x\nconnector.class=FileStreamSource\ntopic=t\n"
                                     f"file={source}\n")))
    assert_one_line_error(result, "bootstrap.servers", bootstrap)


OPENBLAS_THREADS = """
import ctypes, os, fastconnect.cli
print(os.environ["OPENBLAS_NUM_THREADS"])
# Where numpy is installed pyarrow has loaded it, and its OpenBLAS says how many threads it
# runs (a fresh install has no numpy: then the setting waits for whoever loads it).
path = next((line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line), None)
if path is not None:
    library = ctypes.CDLL(path)
    names = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
             "openblas_get_num_threads")
    print(next(getattr(library, n)() for n in names if hasattr(library, n)))
"""


@pytest.mark.parametrize("given, expected", [(None, "1"), ("2", "2")])
def test_openblas_runs_one_thread_unless_the_user_says(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    out = subprocess.run([sys.executable, "-c", OPENBLAS_THREADS], capture_output=True,
                         text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    answers = out.stdout.split()
    assert answers and all(answer == expected for answer in answers), answers


@pytest.mark.parametrize("given, expected", [(None, "jemalloc"), ("system", "system")])
def test_arrow_buffers_come_from_jemalloc_unless_the_user_says(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if given is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = given
    code = "import fastconnect.cli, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected
