"""A java.util.Date in a schemaless map: what TimestampConverter puts there, how
FileStreamSink prints it (``Date.toString()``), and how the map-copying SMTs after it keep
it a Date (the ``connect.schemaless.dates`` mark on the JSON text column)."""

import json

import pyarrow as pa
import pytest

from fastconnect.api import DataError
from fastconnect.api.schema import date_keys, format_values, schemaless_field
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms._maps import to_struct

T = "org.apache.kafka.connect.transforms."
MS = 1_764_930_000_123  # Fri Dec 05 10:20:00.123 UTC 2025
MS_TEXT = "Fri Dec 05 10:20:00 UTC 2025"


def schemaless(values, **field):
    return sink_batch(json_column([None if v is None else json.dumps(v) for v in values]),
                      value_field=schemaless_field("value", **field))


def chain(*stages):
    """A chain from (type, {setting: value}) stages, named s0, s1, ..."""
    config = {"transforms": ",".join(f"s{i}" for i in range(len(stages)))}
    for i, (kind, settings) in enumerate(stages):
        config[f"transforms.s{i}.type"] = T + kind
        config.update({f"transforms.s{i}.{k}": v for k, v in settings.items()})
    return TransformationChain.from_config(config, Plugins())


def run(stages, batch):
    [out] = chain(*stages).apply(batch)
    return out


def printed(batch):
    return format_values(batch.schema.field("value"), batch.column("value")).to_pylist()


def values(batch):
    return [None if t is None else json.loads(t) for t in json_texts(batch.column("value"))]


STAMP = ("TimestampConverter$Value", {"field": "ms", "target.type": "Timestamp"})


def test_timestamp_converter_puts_a_date_that_prints_as_java_does():
    out = run([STAMP], schemaless([{"ms": MS, "n": 1}, None, {"n": 2}]))
    assert date_keys(out.schema.field("value")) == {"ms"}
    assert values(out) == [{"ms": MS, "n": 1}, None, {"n": 2, "ms": None}]  # the JSON form
    # HashMap order: {n} copied into a map of two buckets, where both keys fall in one.
    assert printed(out) == [f"{{ms={MS_TEXT}, n=1}}", None, "{n=2, ms=null}"]


@pytest.mark.parametrize("target, text", [
    ("Date", "Fri Dec 05 00:00:00 UTC 2025"), ("Time", "Thu Jan 01 10:20:00 UTC 1970"),
])
def test_date_and_time_targets_are_dates_too(target, text):
    out = run([("TimestampConverter$Value", {"field": "ms", "target.type": target})],
              schemaless([{"ms": MS}]))
    assert printed(out) == [f"{{ms={text}}}"]


def test_a_date_converted_again_is_read_as_a_date_not_in_unix_precision():
    again = ("TimestampConverter$Value", {"field": "ms", "target.type": "string",
                                          "format": "yyyy-MM-dd HH:mm:ss.SSS",
                                          "unix.precision": "seconds"})
    out = run([STAMP, again], schemaless([{"ms": MS}]))
    assert values(out) == [{"ms": "2025-12-05 10:20:00.123"}]
    assert date_keys(out.schema.field("value")) == frozenset()
    # Without the first stage the number is a unix time in seconds.
    out = run([again], schemaless([{"ms": 1}]))
    assert values(out) == [{"ms": "1970-01-01 00:00:01.000"}]


def test_dates_far_from_now_print_as_gregorian_calendar_names_them():
    out = run([STAMP], schemaless([{"ms": v} for v in (
        -12_219_292_800_001, -62_135_769_600_001, -(2**63), 2**63 - 1)]))
    assert printed(out) == ["{ms=Thu Oct 04 23:59:59 UTC 1582}",  # Julian before the cutover
                            "{ms=Fri Dec 31 23:59:59 UTC 1}",       # 1 BC: Date has no era
                            "{ms=Sun Dec 02 16:47:04 UTC 292269055}",
                            "{ms=Sun Aug 17 07:12:55 UTC 292278994}"]


def test_replace_field_moves_the_date_with_its_key_and_drops_it_with_it():
    rename = ("ReplaceField$Value", {"renames": "ms:when"})
    out = run([STAMP, rename], schemaless([{"ms": MS, "n": 1}]))
    assert date_keys(out.schema.field("value")) == {"when"}
    assert printed(out) == [f"{{when={MS_TEXT}, n=1}}"]
    out = run([STAMP, ("ReplaceField$Value", {"exclude": "ms"})], schemaless([{"ms": MS}]))
    assert date_keys(out.schema.field("value")) == frozenset()
    # Another key renamed onto it is no Date.
    out = run([STAMP, ("ReplaceField$Value", {"renames": "n:ms", "exclude": "ms"})],
              schemaless([{"ms": MS, "n": 1}]))
    assert printed(out) == ["{ms=1}"]


def test_insert_field_keeps_the_dates_beside_what_it_puts():
    # Kafka puts the record timestamp as a Long: a number, not a Date.
    insert = ("InsertField$Value", {"timestamp.field": "ts"})
    batch = schemaless([{"ms": MS}])
    batch = batch.set_column(batch.schema.get_field_index("timestamp"), "timestamp",
                             pa.array([MS], pa.timestamp("ms", tz="UTC")))
    out = run([STAMP, insert], batch)
    assert values(out) == [{"ms": MS, "ts": MS}]
    assert printed(out) == [f"{{ms={MS_TEXT}, ts={MS}}}"]


def test_insert_field_over_a_date_key_replaces_the_date():
    insert = ("InsertField$Value", {"static.field": "ms", "static.value": "x"})
    out = run([STAMP, insert], schemaless([{"ms": MS}]))
    assert printed(out) == ["{ms=x}"]


def test_cast_and_header_from_keep_the_dates_they_do_not_touch():
    out = run([STAMP, ("Cast$Value", {"spec": "n:string"})], schemaless([{"ms": MS, "n": 1}]))
    assert printed(out) == [f"{{ms={MS_TEXT}, n=1}}"]
    assert date_keys(out.schema.field("value")) == {"ms"}
    out = run([STAMP, ("Cast$Value", {"spec": "ms:int64"})], schemaless([{"ms": MS}]))
    assert date_keys(out.schema.field("value")) == frozenset()
    out = run([STAMP, ("HeaderFrom$Value", {"fields": "n", "headers": "h",
                                            "operation": "move"})],
              schemaless([{"ms": MS, "n": 1}]))
    assert printed(out) == [f"{{ms={MS_TEXT}}}"]


def test_header_from_writes_a_date_as_kafkas_values_does():
    copy = ("HeaderFrom$Value", {"fields": "ms,n", "headers": "d,n", "operation": "copy"})
    out = run([STAMP, copy], schemaless([{"ms": MS, "n": MS}]))
    [headers] = out.column("headers").to_pylist()
    assert [(h["key"], h["value"]) for h in headers] == [
        ("d", b"2025-12-05T10:20:00.123Z"), ("n", str(MS).encode())]
    out = run([STAMP, ("HeaderFrom$Value", {"fields": "ms", "headers": "d",
                                            "operation": "move"})], schemaless([{"ms": MS}]))
    assert date_keys(out.schema.field("value")) == frozenset()


def test_mask_field_masks_a_date_to_the_epoch_and_flatten_keeps_it():
    out = run([STAMP, ("MaskField$Value", {"fields": "ms"})], schemaless([{"ms": MS}]))
    assert printed(out) == ["{ms=Thu Jan 01 00:00:00 UTC 1970}"]
    with pytest.raises(DataError) as caught:  # Kafka has no replacement for a Date
        run([STAMP, ("MaskField$Value", {"fields": "ms", "replacement": "1"})],
            schemaless([{"ms": None}, {"ms": MS}]))
    assert str(caught.value).endswith("offset=1: Cannot mask value of type class "
                                      "java.util.Date with custom replacement.")
    out = run([STAMP, ("Flatten$Value", {})], schemaless([{"ms": MS, "m": {"a": 1}}]))
    assert printed(out) == [f"{{m.a=1, ms={MS_TEXT}}}"]


def test_extract_field_of_a_date_gives_the_date_itself():
    out = run([STAMP, ("ExtractField$Value", {"field": "ms"})],
              schemaless([{"ms": MS}, None, {"n": 1}]))
    assert out.schema.field("value").type == pa.timestamp("ms", tz="UTC")
    assert printed(out) == [MS_TEXT, None, None]
    out = run([STAMP, ("ExtractField$Value", {"field": "n"})], schemaless([{"ms": MS, "n": 1}]))
    assert values(out) == [1]


def test_the_struct_form_is_not_taken_for_objects_holding_a_date():
    out = run([STAMP], schemaless([{"ms": MS}]))
    assert to_struct(out.schema.field("value"), out.column("value")) is None
