"""Micro-benchmarks of the JsonConverter: its vector fast path against per-record paths.

100,000 records whose value is a struct of ~200 bytes of JSON (int64, three strings, a
double, a boolean, a Timestamp and a list of strings), read and written with
``schemas.enable`` true (each value in its ``{"schema":..,"payload":..}`` envelope) and false
(the payload alone). Writing starts from the typed struct column in both cases (a source
connector's output); a schemaless ``arrow.json`` column is written by the per-record path.
Three contenders per step, all producing a typed Arrow column (reading) or a binary column
(writing) from the same data:

* ``fast``: ``JsonConverter`` as it runs, with its fast path;
* ``converter``: the same converter with the fast path switched off: its per-record path,
  byte-for-byte Kafka's output;
* ``orjson``: the plain per-record floor: ``orjson.loads`` per value and ``pa.array`` of the
  payloads (reading), ``to_pylist`` and ``orjson.dumps`` per row plus the envelope prefix
  (writing). It does less than the converter (no Java number formats, no checks against the
  schema), so it is the fastest a per-record Python path can hope to be.

The ``*_alternating`` tests run the three contenders in turn, round after round (the machines
are shared and noisy), and put each one's median rate and the ratios (of wall time, and of
this process's CPU time, which other processes disturb less) in ``extra_info``; the others
time one contender each. ``python benchmarks/test_json_bench.py`` prints the alternating
medians as a table. Run with ``python -m pytest benchmarks/test_json_bench.py``.
"""

from __future__ import annotations

import statistics
import time
from unittest import mock

import orjson
import pyarrow as pa
import pytest

from fastconnect.converters import json_decode, json_encode, json_fast
from fastconnect.converters.json import JsonConverter

N = 100_000
ROUNDS = 5
SCHEMA = {"type": "struct", "optional": False, "fields": [
    {"field": "id", "type": "int64", "optional": False},
    {"field": "name", "type": "string", "optional": False},
    {"field": "email", "type": "string", "optional": True},
    {"field": "score", "type": "double", "optional": False},
    {"field": "active", "type": "boolean", "optional": False},
    {"field": "created", "type": "int64", "optional": False,
     "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
    {"field": "tags", "type": "array", "items": {"type": "string", "optional": False},
     "optional": False},
    {"field": "note", "type": "string", "optional": True},
]}


def _payload(i: int) -> dict:
    return {"id": 10_000_000 + i, "name": f"customer {i:08d}", "email": f"user{i}@example.com",
            "score": round(i * 0.731 % 1000, 3), "active": i % 3 != 0,
            "created": 1_700_000_000_000 + 1000 * i, "tags": ["retail", f"region-{i % 17}"],
            "note": None if i % 5 == 0 else f"last order {i % 997} shipped, thanks!"}


def _converter(schemas_enable: bool) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": schemas_enable}, is_key=False)
    return converter


def _data(schemas_enable: bool) -> dict:
    schema = orjson.dumps(SCHEMA)
    payloads = [orjson.dumps(_payload(i)) for i in range(N)]
    values = [b'{"schema":' + schema + b',"payload":' + p + b"}" for p in payloads] \
        if schemas_enable else payloads
    raw = pa.array(values, pa.binary())
    envelopes = raw if schemas_enable else pa.array(
        [b'{"schema":' + schema + b',"payload":' + p + b"}" for p in payloads], pa.binary())
    field, column = _converter(True).to_connect("bench", envelopes)  # typed, in both cases
    return {"raw": raw, "field": field, "column": column, "schema": schema,
            "payload_bytes": sum(map(len, payloads)) / N, "value_bytes": sum(map(len, values)) / N}


_DATA: dict[bool, dict] = {}


def data(schemas_enable: bool) -> dict:
    if schemas_enable not in _DATA:
        _DATA[schemas_enable] = _data(schemas_enable)
    return _DATA[schemas_enable]


def _without_fast_path(call):
    def run(*args):
        with mock.patch.object(json_decode, "read_envelopes", lambda *a: None), \
                mock.patch.object(json_decode, "read_schemaless", lambda *a: None), \
                mock.patch.object(json_encode, "write_column", lambda *a: None):
            return call(*args)
    return run


# --- the contenders -----------------------------------------------------------------------

def decode_fast(d, enable):
    return _converter(enable).to_connect("bench", d["raw"])


def decode_orjson(d, enable):
    values = d["raw"].to_pylist()
    if enable:
        return d["field"], pa.array([orjson.loads(v)["payload"] for v in values],
                                    d["field"].type)
    for v in values:
        orjson.loads(v)  # the per-record validation; the column is the text itself
    return None, d["raw"].cast(pa.string())


def encode_fast(d, enable):
    return _converter(enable).from_connect("bench", d["field"], d["column"])


def encode_orjson(d, enable):
    rows = d["column"].to_pylist()
    if not enable:
        return pa.array([orjson.dumps(r) for r in rows], pa.binary())
    prefix = b'{"schema":' + d["schema"] + b',"payload":'
    return pa.array([prefix + orjson.dumps(r) + b"}" for r in rows], pa.binary())


CONTENDERS = {
    "decode": {"fast": decode_fast, "converter": _without_fast_path(decode_fast),
               "orjson": decode_orjson},
    "encode": {"fast": encode_fast, "converter": _without_fast_path(encode_fast),
               "orjson": encode_orjson},
}
ENABLE = pytest.mark.parametrize("enable", [True, False], ids=["schemas", "no-schemas"])


def _rate(benchmark) -> None:
    benchmark.extra_info["records_per_s"] = round(N / benchmark.stats.stats.median)


@pytest.mark.parametrize("contender", ["fast", "converter", "orjson"])
@ENABLE
@pytest.mark.parametrize("step", ["decode", "encode"])
def test_json(benchmark, step, enable, contender):
    benchmark.group = f"json {step} schemas.enable={enable}"
    d = data(enable)
    out = benchmark.pedantic(CONTENDERS[step][contender], args=(d, enable), rounds=3,
                             warmup_rounds=1)
    assert len(out[1] if step == "decode" else out) == N
    _rate(benchmark)


def alternate(step: str, enable: bool, rounds: int = ROUNDS) -> tuple[dict, dict]:
    """Median wall and CPU seconds (this process, all threads) of each contender, run in
    turn round by round, the order rotating."""
    d = data(enable)
    names = list(CONTENDERS[step])
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start, start_cpu = time.perf_counter(), time.process_time()
            CONTENDERS[step][name](d, enable)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return ({name: statistics.median(t) for name, t in wall.items()},
            {name: statistics.median(t) for name, t in cpu.items()})


@ENABLE
@pytest.mark.parametrize("step", ["decode", "encode"])
def test_json_alternating(benchmark, step, enable):
    benchmark.group = f"json {step} alternating"
    wall, cpu = benchmark.pedantic(alternate, args=(step, enable), rounds=1, iterations=1)
    for name, seconds in wall.items():
        benchmark.extra_info[f"{name}_records_per_s"] = round(N / seconds)
    for name in ("converter", "orjson"):
        benchmark.extra_info[f"fast_vs_{name}"] = round(wall[name] / wall["fast"], 2)
        benchmark.extra_info[f"fast_vs_{name}_cpu"] = round(cpu[name] / cpu["fast"], 2)


def test_fast_path_output_equals_per_record_path():
    for enable in (True, False):
        d = data(enable)
        fast = decode_fast(d, enable)
        slow = CONTENDERS["decode"]["converter"](d, enable)
        assert fast[0].equals(slow[0], check_metadata=True) and fast[1].equals(slow[1])
        assert encode_fast(d, enable).equals(CONTENDERS["encode"]["converter"](d, enable))


if __name__ == "__main__":
    print(f"implementation: {json_fast.IMPLEMENTATION}, {N} records, medians of {ROUNDS} "
          "alternating rounds; ratios on wall time (CPU time in brackets)")
    print("| step | schemas.enable | value bytes | fast rec/s | converter per-record rec/s "
          "| orjson per-record rec/s | fast / converter | fast / orjson |")
    print("|---|---|---|---|---|---|---|---|")
    for step in ("decode", "encode"):
        for enable in (True, False):
            w, c = alternate(step, enable)
            print(f"| {step} | {str(enable).lower()} | {data(enable)['value_bytes']:.0f} "
                  f"| {N / w['fast']:,.0f} | {N / w['converter']:,.0f} | {N / w['orjson']:,.0f} "
                  f"| {w['converter'] / w['fast']:.1f}x ({c['converter'] / c['fast']:.1f}x) "
                  f"| {w['orjson'] / w['fast']:.1f}x ({c['orjson'] / c['fast']:.1f}x) |")
