"""Micro-benchmark: a chain of SMTs on a whole Arrow batch against the same chain per record.

1,000,000 records whose values are structs of 8 fields (an id, a name, an amount, a quantity,
a flag, a country, a ``yyyy-MM-dd HH:mm:ss`` timestamp string, a note). The chain, built by
``TransformationChain.from_config`` from a connector config as a worker builds it:

1. ``ReplaceField$Value``: rename ``qty`` to ``quantity``, drop ``note``;
2. ``InsertField$Value``: add the static field ``source=bench``;
3. ``Cast$Value``: ``id`` to string, ``quantity`` to int64, ``active`` to int8;
4. ``TimestampConverter$Value``: ``created_at`` from its string to a Connect Timestamp.

The reference does the same four steps on Python dicts, one record at a time, written as
tightly as Python allows (one dict comprehension, ``datetime.fromisoformat`` for the
timestamp, which is C code and faster than any SimpleDateFormat emulation). Both start from
records already decoded (an Arrow batch, a list of dicts) and end with transformed records.

``test_chain_ratio`` alternates the two contenders and reports the median of each and their
ratio (the machines are shared and noisy); the two ``benchmark`` tests give pytest-benchmark's
own statistics. Run with ``python -m pytest benchmarks/test_smt_bench.py -s``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fastconnect.api import connect_schema_to_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms._time import JavaDateFormat

N = 1_000_000
ROUNDS = 3
UTC = dt.timezone.utc

CONFIG = {
    "transforms": "replace,insert,cast,ts",
    "transforms.replace.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.replace.renames": "qty:quantity",
    "transforms.replace.exclude": "note",
    "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.insert.static.field": "source",
    "transforms.insert.static.value": "bench",
    "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
    "transforms.cast.spec": "id:string,quantity:int64,active:int8",
    "transforms.ts.type": "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    "transforms.ts.field": "created_at",
    "transforms.ts.format": "yyyy-MM-dd HH:mm:ss",
    "transforms.ts.target.type": "Timestamp",
}

VALUE_SCHEMA = {"type": "struct", "optional": False, "name": "bench.Order", "fields": [
    {"type": "int64", "optional": False, "field": "id"},
    {"type": "string", "optional": False, "field": "name"},
    {"type": "double", "optional": False, "field": "amount"},
    {"type": "int32", "optional": False, "field": "qty"},
    {"type": "boolean", "optional": False, "field": "active"},
    {"type": "string", "optional": True, "field": "country"},
    {"type": "string", "optional": False, "field": "created_at"},
    {"type": "string", "optional": True, "field": "note"},
]}


def _batch(n: int) -> pa.RecordBatch:
    ids = pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n)), 1)
    created = pc.add(pc.multiply(ids, 37_000), 1_700_000_000_000)
    field = connect_schema_to_field(VALUE_SCHEMA, "value")
    columns = [
        ids,
        pc.binary_join_element_wise("user-", ids.cast(pa.string()), ""),
        pc.multiply(ids.cast(pa.float64()), 0.25),
        pc.divide(ids, 100).cast(pa.int32()),
        pc.equal(pc.bit_wise_and(ids, 1), 0),
        pa.array(["DE", "FR", "US", None]).take(pc.bit_wise_and(ids, 3)),
        JavaDateFormat("yyyy-MM-dd HH:mm:ss").format(created),
        pa.repeat(pa.scalar("n"), n),
    ]
    value = pa.StructArray.from_arrays(columns, fields=list(field.type))
    return sink_batch(value, value_field=field)


def python_chain(records: list[dict]) -> list[dict]:
    """The same four SMTs on one dict at a time."""
    out = []
    append = out.append
    parse = dt.datetime.fromisoformat
    for record in records:
        record = {("quantity" if k == "qty" else k): v for k, v in record.items() if k != "note"}
        record["source"] = "bench"
        record["id"] = str(record["id"])
        record["quantity"] = int(record["quantity"])
        record["active"] = int(record["active"])
        record["created_at"] = parse(record["created_at"]).replace(tzinfo=UTC)
        append(record)
    return out


@pytest.fixture(scope="module")
def chain() -> TransformationChain:
    return TransformationChain.from_config(CONFIG, Plugins())


@pytest.fixture(scope="module")
def batch() -> pa.RecordBatch:
    return _batch(N)


@pytest.fixture(scope="module")
def records(batch) -> list[dict]:
    return batch.column("value").to_pylist()


def test_both_chains_agree(chain):
    sample = _batch(2_000)
    [out] = chain.apply(sample)
    assert out.column("value").to_pylist() == python_chain(sample.column("value").to_pylist())


@pytest.mark.benchmark(group="SMT chain, 1M records")
def test_chain_arrow(benchmark, chain, batch):
    [out] = benchmark.pedantic(chain.apply, args=(batch,), rounds=ROUNDS, iterations=1)
    assert out.num_rows == N
    benchmark.extra_info["records_per_s"] = round(N / benchmark.stats.stats.median)


@pytest.mark.benchmark(group="SMT chain, 1M records")
def test_chain_python(benchmark, records):
    out = benchmark.pedantic(python_chain, args=(records,), rounds=ROUNDS, iterations=1)
    assert len(out) == N
    benchmark.extra_info["records_per_s"] = round(N / benchmark.stats.stats.median)


def test_chain_ratio(chain, batch, records, record_property):
    """Alternate the contenders; report medians and the per-record/Arrow ratio."""
    times: dict[str, list[float]] = {"arrow": [], "python": []}
    for _ in range(ROUNDS):
        for name, run in (("arrow", lambda: chain.apply(batch)),
                          ("python", lambda: python_chain(records))):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    arrow, python = (statistics.median(times[k]) for k in ("arrow", "python"))
    ratio = python / arrow
    for key, value in (("arrow_s", arrow), ("python_s", python), ("ratio", ratio)):
        record_property(key, round(value, 3))
    print(f"\nSMT chain over {N:,} records (median of {ROUNDS}, alternating): "
          f"Arrow {arrow:.3f} s ({N / arrow:,.0f} rec/s), per-record Python {python:.3f} s "
          f"({N / python:,.0f} rec/s), ratio {ratio:.1f}x")
