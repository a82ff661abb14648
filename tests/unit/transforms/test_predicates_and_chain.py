import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fastconnect.api import HEADERS_TYPE, ConfigError, DataError, constant_topic
from fastconnect.api.transform import Transformation
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch


def with_headers(batch: pa.RecordBatch, headers: list) -> pa.RecordBatch:
    index = batch.schema.get_field_index("headers")
    return batch.set_column(index, "headers", pa.array(headers, HEADERS_TYPE))


def chain(config: dict) -> TransformationChain:
    return TransformationChain.from_config(config, Plugins())


def values(batches) -> list:
    return [v for b in batches for v in b.column("value").to_pylist()]


def test_topic_name_matches_whole_names_only():
    plugins = Plugins()
    predicate = plugins.predicates["TopicNameMatches"]()
    predicate.configure({"pattern": "logs-.*"})
    batch = sink_batch(["a", "b", "c"])
    topics = pa.array(["logs-app", "mylogs-app", "logs-"]).dictionary_encode()
    batch = batch.set_column(0, "topic", topics.cast(constant_topic("x", 0).type))
    assert predicate.test(batch).to_pylist() == [True, False, True]


def test_has_header_key_and_record_is_tombstone():
    plugins = Plugins()
    has = plugins.predicates["org.apache.kafka.connect.transforms.predicates.HasHeaderKey"]()
    has.configure({"name": "trace"})
    tomb = plugins.predicates["RecordIsTombstone"]()
    tomb.configure({})
    batch = with_headers(sink_batch(["a", None, "c", None]), [
        [{"key": "trace", "value": b"1"}], None, [{"key": "other", "value": None}],
        [{"key": "x", "value": b""}, {"key": "trace", "value": None}]])
    assert has.test(batch).to_pylist() == [True, False, False, True]
    assert tomb.test(batch).to_pylist() == [False, True, False, True]


def test_filter_with_predicate_drops_only_matching_records_in_order():
    c = chain({"transforms": "dropTombstones",
               "transforms.dropTombstones.type": "org.apache.kafka.connect.transforms.Filter",
               "transforms.dropTombstones.predicate": "isTombstone",
               "predicates": "isTombstone",
               "predicates.isTombstone.type": "RecordIsTombstone"})
    out = c.apply(sink_batch(["a", None, None, "b", "c", None, "d"]))
    assert values(out) == ["a", "b", "c", "d"]
    offsets = [o for b in out for o in b.column("offset").to_pylist()]
    assert offsets == [0, 3, 4, 6]


def test_negate_applies_to_the_other_records():
    c = chain({"transforms": "keepTombstones", "transforms.keepTombstones.type": "Filter",
               "transforms.keepTombstones.predicate": "t",
               "transforms.keepTombstones.negate": "true",
               "predicates": "t", "predicates.t.type": "RecordIsTombstone"})
    assert values(c.apply(sink_batch(["a", None, "b"]))) == [None]


class Upper(Transformation):
    def apply(self, batch):
        index = batch.schema.get_field_index("value")
        upper = pc.utf8_upper(batch.column("value"))
        if "boom" in batch.column("value").to_pylist():
            raise DataError("cannot shout boom", batch.column("value").to_pylist().index("boom"))
        return batch.set_column(index, "value", upper)


def test_runs_are_transformed_separately_and_errors_name_the_record():
    plugins = Plugins()
    plugins.transforms["Upper"] = Upper
    c = TransformationChain.from_config(
        {"transforms": "u", "transforms.u.type": "Upper", "transforms.u.predicate": "t",
         "transforms.u.negate": "true", "predicates": "t",
         "predicates.t.type": "RecordIsTombstone"}, plugins)
    assert values(c.apply(sink_batch(["a", None, "b", "c", None]))) == ["A", None, "B", "C", None]
    with pytest.raises(DataError) as caught:
        c.apply(sink_batch(["a", None, "x", "boom"], first_offset=100))
    assert "Transform u failed for record topic=topic, partition=0, offset=103" in str(caught.value)


@pytest.mark.parametrize("config, key, fragment", [
    ({"transforms": "a"}, "transforms.a.type", 'Missing required configuration "transforms.a.type"'),
    ({"transforms": "a", "transforms.a.type": "com.acme.Nope"}, "transforms.a.type",
     "Class com.acme.Nope could not be found"),
    ({"transforms": "a", "transforms.a.type": "Filter", "transforms.a.predicate": "p"},
     "transforms.a.predicate", "The predicate p is not defined"),
    ({"transforms": "a,a", "transforms.a.type": "Filter"}, "transforms", "Duplicate"),
    ({"predicates": "p", "predicates.p.type": "TopicNameMatches"}, "predicates.p.pattern",
     'Missing required configuration "predicates.p.pattern"'),
    ({"predicates": "p", "predicates.p.type": "TopicNameMatches", "predicates.p.pattern": "(x"},
     "predicates.p.pattern", "Invalid value (x for configuration predicates.p.pattern"),
    ({"transforms": "a", "transforms.a.type": "Filter", "transforms.a.negate": "maybe"},
     "transforms.a.negate", "Expected value to be either true or false"),
])
def test_bad_transform_configs_name_the_full_key(config, key, fragment):
    with pytest.raises(ConfigError) as caught:
        chain(config)
    assert caught.value.key == key
    assert fragment in str(caught.value)


T = "org.apache.kafka.connect.transforms."
STAGES = {
    "rename": {"type": T + "ReplaceField$Value", "renames": "a:b"},
    "key-rename": {"type": T + "ReplaceField$Key", "renames": "a:b"},
    "filter-tombstones": {"type": T + "Filter", "predicate": "tomb"},
    "flatten": {"type": T + "Flatten$Value"},
}


def staged(*names: str) -> TransformationChain:
    config = {"transforms": ",".join(f"s{i}" for i in range(len(names))),
              "predicates": "tomb", "predicates.tomb.type": "RecordIsTombstone"}
    for i, name in enumerate(names):
        config.update({f"transforms.s{i}.{k}": v for k, v in STAGES[name].items()})
    return chain(config)


@pytest.mark.parametrize("names, then, expected", [
    ((), True, True),
    ((), False, False),
    (("rename",), False, True),             # the first stage on values takes structs
    (("key-rename", "rename"), False, True),
    (("filter-tombstones", "rename"), False, True),
    (("key-rename",), True, True),          # no stage reads values: the sink decides
    (("key-rename",), False, False),
    (("flatten", "rename"), True, False),   # Flatten needs the JSON text first
    (("rename", "flatten"), False, True),
])
def test_chain_says_whether_values_are_read_in_the_struct_form_first(names, then, expected):
    assert staged(*names).reads_value_structs(then) is expected
