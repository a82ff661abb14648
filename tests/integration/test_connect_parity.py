"""fastconnect's sink output is byte for byte Apache Kafka Connect's, for the benchmark's S3.

One topic, filled once; Apache Kafka Connect standalone and fastconnect standalone each run
the S3 pipeline of ``benchmarks/scenarios.py`` on it (key StringConverter, value
JsonConverter with ``schemas.enable=false``, ReplaceField/InsertField/Cast as
``S3_TRANSFORMS``, FileStreamSink) into a file of their own; the two files must be equal.

FileStreamSink writes each value's Java ``toString()``: the schemaless values are
``HashMap``s, so the lines are ``{k=v, ...}`` in HashMap order, doubles as
``Double.toString`` prints them, nested maps and lists as Java renders them, tombstones as
``null``. The input mixes the benchmark's rows with rows of other shapes to exercise that.
Further chains put the other map-editing SMTs and TimestampConverter in (its Dates in
schemaless maps print as ``Date.toString()``), and two read values with their schemas
(``schemas.enable=true``): structs print as ``Struct{...}``, with Timestamps, Dates,
Decimals, float32s, arrays and maps as Java renders them.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from worker_helpers import (
    committed_offset,
    count_lines,
    ordered_producer,
    start_worker,
    topic_end,
    unique,
)

from fastconnect.services.connect import KafkaConnectStandalone, _write_properties
from fastconnect.services.jvm import free_ports, log_tail

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the benchmarks are not an installed package
    sys.path.insert(0, str(REPO))
from benchmarks.scenarios import S3_TRANSFORMS, SCENARIOS, json_values  # noqa: E402

BENCH_ROWS = 2000
TIMEOUT = 120.0


# --- the input ------------------------------------------------------------------------------

FLOATS = ["1e7", "1E7", "9999999.0", "1.0E-4", "0.001", "0.0009999", "0.1", "-0.0", "0.0",
          "123.0", "1.5e300", "5e-324", "1.7976931348623157e308", "0.30000000000000004",
          "-2.5", "100.125", "12345678.9", "1e-7", "3.141592653589793", "2e22", "1e21"]
INTS = ["0", "-1", "-42", "9007199254740993", "9223372036854775807", "-9223372036854775808",
        "123456789012", "-1000000000000"]
STRINGS = [r'"plain"', r'"quote \" and backslash \\"', r'"tab\there"', r'"caf\u00e9 \u2603"',
           r'"emoji \ud83d\ude00 and raw ünïcode ☃"', r'"slash \/ and ctrl \u0001"',
           r'"equals=and, comma {braces} [brackets]"', r'""', r'" leading and trailing "',
           r'"two\nlines"']


def shaped_values(n: int) -> list[bytes]:
    """Rows of other shapes: other number renderings, strings, booleans, other key sets,
    nested objects, arrays and nulls; ``id`` and ``qty`` stay castable (or absent)."""
    out = []
    for i in range(n):
        f = FLOATS[i % len(FLOATS)]
        big = INTS[i % len(INTS)]
        s = STRINGS[i % len(STRINGS)]
        flag = "true" if i % 2 else "false"
        kind = i % 8
        if kind == 0:  # the benchmark's fields, numbers of other renderings
            row = (f'{{"id":{big},"user":{s},"event":"click","path":"/p/{i}","ms":{big},'
                   f'"qty":{f},"price":{f},"tag":{flag},"note":"dropped"}}')
        elif kind == 1:  # floats everywhere, id a double, qty a boolean
            row = f'{{"id":{f},"qty":{flag},"a":{f},"b":{FLOATS[(i + 3) % len(FLOATS)]}}}'
        elif kind == 2:  # another key set; Cast puts id=null and qty=null in
            row = f'{{"x":{i},"y":{s},"z":{flag},"user":"only-user-{i}"}}'
        elif kind == 3:  # nested object, array and null values
            row = (f'{{"id":{i},"qty":{i % 5},"meta":{{"k":{f},"s":{s},"deep":{{"n":null,'
                   f'"l":[1,{f},"x",null,{flag}]}}}},"arr":[{big},{f},{s},[],{{}}],'
                   f'"nothing":null,"ms":null}}')
        elif kind == 4:  # numeric strings for both casts
            row = f'{{"id":"{i}","qty":"{f}","user":"u{i}","ms":{i}}}'
        elif kind == 5:  # the casts' fields null, and an empty nested object
            row = '{"id":null,"qty":null,"note":null,"e":{},"l":[]}'
        elif kind == 6:  # booleans, and key names that need no quoting in Java
            row = f'{{"id":{flag},"qty":{big},"t":true,"f":false,"k=v":"x","":"empty key"}}'
        else:  # many keys: a HashMap that resizes
            fields = ",".join(f'"f{j}_{i % 3}":{j * 0.5}' for j in range(40))
            row = f'{{"id":{i},"qty":{i},{fields}}}'
        out.append(row.encode())
    return out


ALL = "*"  # a chain that keeps no string of the value (it extracts a number)


def newlines_in(value: bytes | None, dropped: str | None) -> int:
    """Line breaks inside the strings of a value (FileStreamSink writes them as they are);
    the field the chain drops or masks does not count, nor any if it drops them all."""
    if value is None or dropped is ALL:
        return 0

    def walk(v) -> int:
        if isinstance(v, str):
            return v.count("\n")
        if isinstance(v, list):
            return sum(map(walk, v))
        if isinstance(v, dict):
            return sum(walk(k) + walk(x) for k, x in v.items())
        return 0

    parsed = json.loads(value)
    parsed.pop(dropped, None)
    return walk(parsed)


def records() -> list[tuple[bytes | None, bytes | None]]:
    """(key, value) pairs: the benchmark's rows, the shaped rows interleaved, tombstones."""
    bench = json_values(BENCH_ROWS)
    shaped = shaped_values(1200)
    out: list[tuple[bytes | None, bytes | None]] = []
    for i, value in enumerate(bench):
        out.append((f"k{i}".encode() if i % 3 else None, value))
        if i < len(shaped) and i % 2 == 0:
            out.append((f"s{i}".encode(), shaped[i]))
        if i % 97 == 5:
            out.append((f"t{i}".encode(), None))  # a tombstone: written as "null"
    out.extend((None, value) for value in shaped[BENCH_ROWS // 2:])
    return out


def one_shape_records() -> list[tuple[bytes | None, bytes | None]]:
    """Objects of the benchmark's one shape only, values varied within it, and tombstones:
    the batches fastconnect reads into the struct form and edits column by column."""
    out: list[tuple[bytes | None, bytes | None]] = []
    for i, value in enumerate(json_values(BENCH_ROWS)):
        out.append((None, value))
        f, big = FLOATS[i % len(FLOATS)], INTS[i % len(INTS)]
        out.append((None, (f'{{"id":{big},"user":{STRINGS[i % len(STRINGS)]},"event":"e",'
                           f'"path":"/x/{i}","ms":{INTS[(i + 1) % len(INTS)]},"qty":{i % 7},'
                           f'"price":{f},"tag":"t","note":"n"}}').encode()))
        if i % 97 == 5:
            out.append((None, None))
    return out


F32 = ["1.0", "0.1", "3.4028235E38", "1.4E-45", "-0.0", "1e7", "123456.79", "0.001"]
DAYS = [0, -1, 19000, -200000, 2932896, -719162, 10]  # Date: Julian, year 10000, year 1
UNSCALED = [0, 1, -1, 12345, -99999999999999999999, 10**30, 7]
ROW_SCHEMA = {"type": "struct", "optional": False, "name": "parity.Row", "fields": [
    {"field": "id", "type": "int64", "optional": False},
    {"field": "user", "type": "string", "optional": True},
    {"field": "ms", "type": "int64", "optional": False,
     "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
    {"field": "qty", "type": "int32", "optional": False},
    {"field": "price", "type": "double", "optional": True},
    {"field": "day", "type": "int32", "optional": True,
     "name": "org.apache.kafka.connect.data.Date", "version": 1},
    {"field": "amount", "type": "bytes", "optional": True,
     "name": "org.apache.kafka.connect.data.Decimal", "version": 1,
     "parameters": {"scale": "2"}},
    {"field": "tags", "type": "array", "optional": True,
     "items": {"type": "string", "optional": False}},
    {"field": "attrs", "type": "map", "optional": True,
     "keys": {"type": "string", "optional": False},
     "values": {"type": "int32", "optional": True}},
    {"field": "flag", "type": "boolean", "optional": False},
    {"field": "f32", "type": "float", "optional": True}]}


def _decimal_bytes(unscaled: int) -> str:
    """A Decimal as JsonConverter writes it by default: the unscaled value's big-endian
    two's complement, base64."""
    size = (unscaled.bit_length() + 8) // 8
    return base64.b64encode(unscaled.to_bytes(size, "big", signed=True)).decode()


def envelope_records() -> list[tuple[bytes | None, bytes | None]]:
    """Values with their schema (``schemas.enable=true``): a struct of every kind of field,
    Timestamps and Dates far from now, Decimals, float32s, arrays, maps with null values."""
    schema = json.dumps(ROW_SCHEMA, separators=(",", ":"))
    texts = [json.loads(t) for t in STRINGS]
    out: list[tuple[bytes | None, bytes | None]] = []
    for i in range(BENCH_ROWS):
        text = texts[i % len(texts)]
        fields = [f'"id":{i * 7919 - 5000}',
                  f'"user":{json.dumps(text) if i % 5 else "null"}',
                  f'"ms":{INTS[i % len(INTS)]}', f'"qty":{i % 13 - 6}',
                  f'"price":{FLOATS[i % len(FLOATS)] if i % 4 else "null"}',
                  f'"day":{DAYS[i % len(DAYS)] if i % 6 else "null"}',
                  f'"amount":{json.dumps(_decimal_bytes(UNSCALED[i % 7])) if i % 3 else "null"}',
                  f'"tags":{json.dumps([text, f"x{i}"]) if i % 2 else "[]"}',
                  f'"attrs":{json.dumps({f"k{j}": None if j == 2 else j for j in range(i % 5)})}',
                  f'"flag":{"true" if i % 2 else "false"}',
                  f'"f32":{F32[i % len(F32)] if i % 3 else "null"}']
        out.append((None, f'{{"schema":{schema},"payload":{{{",".join(fields)}}}}}'.encode()))
        if i % 97 == 5:
            out.append((None, None))
    return out


def fill_topic(bootstrap: str, topic: str, pairs) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result()
    producer = ordered_producer(bootstrap)
    for key, value in pairs:
        producer.produce(topic, value, key)
        producer.poll(0)
    assert producer.flush(30) == 0
    assert topic_end(bootstrap, topic) == len(pairs)


# --- the two workers ------------------------------------------------------------------------

# The map-editing SMTs S3 does not use: Flatten (a LinkedHashMap), MaskField and HeaderFrom
# (copies into a new HashMap<>(map)), then Cast; the two that refuse tombstones skip them.
MAP_TRANSFORMS = {
    "transforms": "flat,mask,move,cast",
    "transforms.flat.type": "org.apache.kafka.connect.transforms.Flatten$Value",
    "transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value",
    "transforms.mask.fields": "user",
    "transforms.mask.predicate": "tombstone",
    "transforms.mask.negate": "true",
    "transforms.move.type": "org.apache.kafka.connect.transforms.HeaderFrom$Value",
    "transforms.move.fields": "tag",
    "transforms.move.headers": "tag",
    "transforms.move.operation": "move",
    "transforms.move.predicate": "tombstone",
    "transforms.move.negate": "true",
    "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
    "transforms.cast.spec": "qty:float64",
    "predicates": "tombstone",
    "predicates.tombstone.type":
        "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
}
# TimestampConverter on a schemaless map: epoch millis to formatted text, and to a
# Timestamp (a java.util.Date, which FileStreamSink prints with Date.toString).
def _timestamp_chain(target: str, **extra: str) -> dict[str, str]:
    return {"transforms": "stamp",
            "transforms.stamp.type": "org.apache.kafka.connect.transforms.TimestampConverter$Value",
            "transforms.stamp.field": "ms", "transforms.stamp.target.type": target,
            "transforms.stamp.predicate": "tombstone", "transforms.stamp.negate": "true",
            **{f"transforms.stamp.{k.replace('_', '.')}": v for k, v in extra.items()},
            "predicates": "tombstone",
            "predicates.tombstone.type":
                "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"}


# The Dates then go through the map-copying SMTs: renamed, beside InsertField's record
# timestamp (a Long in Kafka's map), through a cast of another key, masked (Date(0)).
_DATES_CARRIED = _timestamp_chain("Timestamp") | {
    "transforms": "stamp,rename,insert,cast,mask",
    "transforms.rename.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.rename.renames": "ms:when",
    "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.insert.timestamp.field": "ts",
    "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
    "transforms.cast.spec": "qty:float64",
    "transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value",
    "transforms.mask.fields": "when",
    "transforms.mask.predicate": "tombstone", "transforms.mask.negate": "true"}

# With schemas: Cast, ReplaceField and InsertField on a struct, TimestampConverter of a Date.
TYPED_TRANSFORMS = {
    "transforms": "cast,rename,insert,stamp",
    "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
    "transforms.cast.spec": "qty:float64,id:string",
    "transforms.rename.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.rename.renames": "user:name",
    "transforms.rename.exclude": "flag",
    "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.insert.static.field": "src", "transforms.insert.static.value": "x",
    "transforms.insert.offset.field": "off",
    "transforms.stamp.type": "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    "transforms.stamp.field": "day", "transforms.stamp.target.type": "string",
    "transforms.stamp.format": "yyyy-MM-dd"}

CHAINS = {"s3": (S3_TRANSFORMS, "note"), "maps": (MAP_TRANSFORMS, "user"),
          "typed": ({}, None), "typed-chain": (TYPED_TRANSFORMS, None),
          "time-text": (_timestamp_chain("string", format="yyyy-MM-dd HH:mm:ss.SSS"), None),
          "time-date": (_timestamp_chain("Timestamp"), None),
          "time-date-carried": (_DATES_CARRIED, None),
          "time-date-extracted": (_timestamp_chain("Timestamp") | {
              "transforms": "stamp,extract",
              "transforms.extract.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
              "transforms.extract.field": "ms"}, ALL)}


def s3_configs(bootstrap: str, topic: str, work: Path, name: str, out: Path,
               transforms: dict[str, str], envelopes: bool = False):
    """The benchmark's S3 worker and connector settings, as ``benchmarks.scenarios`` has
    them, with ``transforms`` as the chain (and values with their schemas if
    ``envelopes``)."""
    scenario = SCENARIOS["S3"]
    assert scenario.connector == S3_TRANSFORMS
    converter = {"value.converter.schemas.enable": "true"} if envelopes else {}
    worker = {"bootstrap.servers": bootstrap, **scenario.worker, **converter,
              "offset.storage.file.filename": str(work / "offsets"),
              "offset.flush.interval.ms": "1000",
              "listeners": f"http://127.0.0.1:{free_ports('127.0.0.1', 1)[0]}",
              "plugin.discovery": "service_load"}
    connector = {"name": name, "connector.class": "FileStreamSink", "tasks.max": "1",
                 "file": str(out), "topics": topic, **transforms}
    return worker, connector


def wait_lines(path: Path, expected: int, failed, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while count_lines(path) < expected:
        problem = failed()
        if problem:
            raise AssertionError(f"{what} failed with {count_lines(path)} of {expected} "
                                 f"lines written:\n{problem}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {count_lines(path)} of {expected} lines "
                                 f"within {TIMEOUT:g}s\n{failed(final=True)}")
        time.sleep(0.1)


@pytest.mark.parametrize("chain, inputs", [
    pytest.param("s3", records, id="s3-mixed"),
    pytest.param("s3", one_shape_records, id="s3-one-shape"),
    pytest.param("maps", records, id="maps-mixed"),
    pytest.param("time-text", one_shape_records, id="time-text"),
    pytest.param("time-date", one_shape_records, id="time-date"),
    pytest.param("time-date-carried", one_shape_records, id="time-date-carried"),
    pytest.param("time-date-extracted", one_shape_records, id="time-date-extracted"),
    pytest.param("typed", envelope_records, id="typed"),
    pytest.param("typed-chain", envelope_records, id="typed-chain"),
])
def test_sink_output_is_kafka_connects_byte_for_byte(kafka_bootstrap, tmp_path, chain, inputs):
    transforms, dropped = CHAINS[chain]
    envelopes = inputs is envelope_records
    topic = unique("parity-s3")
    pairs = inputs()
    fill_topic(kafka_bootstrap, topic, pairs)
    expected = len(pairs) + sum(newlines_in(value, dropped) for _, value in pairs)

    # Apache Kafka Connect first: start() returns once its task is RUNNING.
    connect_out = tmp_path / "connect.txt"
    connect_dir = tmp_path / "connect"
    connect_dir.mkdir()
    worker, connector = s3_configs(kafka_bootstrap, topic, connect_dir, "parity-connect",
                                   connect_out, transforms, envelopes)
    connect = KafkaConnectStandalone(worker, [connector], work_dir=connect_dir)
    connect.start(timeout=TIMEOUT)
    try:
        # fastconnect meanwhile, with the same settings written the same way.
        fast_out = tmp_path / "fastconnect.txt"
        fast_dir = tmp_path / "fastconnect"
        fast_dir.mkdir()
        worker, connector = s3_configs(kafka_bootstrap, topic, fast_dir, "parity-fastconnect",
                                       fast_out, transforms, envelopes)
        fast_log = fast_dir / "worker.log"
        fast = start_worker(fast_dir, _write_properties(fast_dir / "worker.properties", worker),
                            _write_properties(fast_dir / "connector.properties", connector),
                            stdout=open(fast_log, "ab"), stderr=subprocess.STDOUT)

        def connect_failed(final: bool = False) -> str | None:
            proc = connect._proc
            if proc is not None and proc.poll() is not None:
                return f"Kafka Connect exited with code {proc.returncode}\n{connect._logs()}"
            states = connect.task_states().get("parity-connect", [])
            if "FAILED" in states or final:
                status = connect._status("parity-connect")
                trace = "\n".join(t.get("trace", "")[:3000] for t in status.get("tasks", []))
                return f"task states {states}\n{trace}\n{connect._logs()}"
            return None

        def fast_failed(final: bool = False) -> str | None:
            if fast.poll() is not None or final:
                return f"fastconnect (exit code {fast.poll()}):\n{log_tail(fast_log)}"
            return None

        wait_lines(connect_out, expected, connect_failed, "Apache Kafka Connect")
        try:
            wait_lines(fast_out, expected, fast_failed, "fastconnect")
        except AssertionError:
            # Fewer lines may still be everything, rendered differently: once fastconnect
            # has committed the whole topic, compare the files and show the difference.
            if committed_offset(kafka_bootstrap, "parity-fastconnect", topic) < len(pairs):
                raise
    finally:
        connect.stop()

    time.sleep(1.0)  # neither should write any more: extra lines would show as a difference
    theirs = connect_out.read_bytes().split(b"\n")
    ours = fast_out.read_bytes().split(b"\n")
    for index, (a, b) in enumerate(zip(theirs, ours)):
        assert a == b, (f"line {index} differs (of {expected}):\n"
                        f"  Kafka Connect: {a.decode(errors='replace')!r}\n"
                        f"  fastconnect:   {b.decode(errors='replace')!r}")
    assert len(theirs) == len(ours), (
        f"Kafka Connect wrote {len(theirs) - 1} lines, fastconnect {len(ours) - 1}; "
        f"the first extra: {(theirs + ours)[min(len(theirs), len(ours))]!r}")
    assert len(theirs) - 1 == expected
