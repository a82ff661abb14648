"""RegexRouter, with Kafka's RegexRouterTest (4.3.1) and Java's Matcher corner cases (results
and messages taken from Java 17's java.util.regex)."""

import pyarrow as pa
import pytest

from fastconnect.api import TOPIC_TYPE, ConfigError, DataError
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.transformation_chain import TransformationChain
from fastconnect.testing import sink_batch
from fastconnect.transforms.regex_router import RegexRouter


def topics_batch(topics: list[str]) -> pa.RecordBatch:
    batch = sink_batch(list(range(len(topics))))
    return batch.set_column(0, "topic", pa.array(topics).dictionary_encode().cast(TOPIC_TYPE))


def route(regex: str, replacement: str, topics: list[str]) -> list[str]:
    router = RegexRouter()
    router.configure({"regex": regex, "replacement": replacement})
    out = router.apply(topics_batch(topics))
    assert out.schema.field("topic").type == TOPIC_TYPE
    return out.column("topic").to_pylist()


@pytest.mark.parametrize("regex, replacement, topic, expected", [
    ("foo", "bar", "foo", "bar"),                                       # staticReplacement
    ("foo", "bar", "orig", "orig"),                                     # doesntMatch
    ("(.*)", "$1", "orig", "orig"),                                     # identity
    ("(.*)", "prefix-$1", "orig", "prefix-orig"),                       # addPrefix
    ("(.*)", "$1-suffix", "orig", "orig-suffix"),                       # addSuffix
    ("(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)", "$1", "index-20160117", "index"),  # slice
    ("foo", "bar", "foofoo", "foofoo"),                  # the whole topic must match
    ("(?<name>.*)", "${name}-x", "topic", "topic-x"),    # Java's named groups
    ("(.*)", "$10", "topic", "topic0"),                  # $1 then a literal 0
    ("(.*)", "\\$1", "topic", "$1"),                     # an escaped dollar
    ("(.*?)", "[$1]", "topic", "[]topic"),               # replaceFirst: the first match
    ("a|ab", "X", "ab", "Xb"),
    ("(a)?b", "[$1]", "b", "[]"),                        # an unmatched group is empty
    ("\\p{Alpha}+-(\\p{Digit}+)", "n$1", "logs-42", "n42"),
])
def test_routes_as_java_does(regex, replacement, topic, expected):
    assert route(regex, replacement, [topic]) == [expected]


def test_each_distinct_topic_is_renamed_once_and_merged_names_share_an_entry():
    out = route("(.*)-(eu|us)", "$1", ["orders-eu", "orders-us", "other", "orders-eu"])
    assert out == ["orders", "orders", "other", "orders"]
    router = RegexRouter()
    router.configure({"regex": "(.*)-(eu|us)", "replacement": "$1"})
    topics = router.apply(topics_batch(["orders-eu", "orders-us"])).column("topic")
    assert topics.dictionary.to_pylist() == ["orders"]


@pytest.mark.parametrize("replacement, message", [
    ("$2", "No group 2"),
    ("$", "Illegal group reference: group index is missing"),
    ("$x", "Illegal group reference"),
    ("a\\", "character to be escaped is missing"),
    ("${n}", "No group with name {n}"),
])
def test_bad_replacement_fails_matching_records_as_java_does(replacement, message):
    router = RegexRouter()
    router.configure({"regex": "t(.*)", "replacement": replacement})
    assert router.apply(topics_batch(["other"])).column("topic").to_pylist() == ["other"]
    with pytest.raises(DataError) as caught:
        router.apply(topics_batch(["other", "topic"]))
    assert str(caught.value) == message
    assert caught.value.index == 1


@pytest.mark.parametrize("regex, message", [
    ("(x", "Invalid value (x for configuration regex: Invalid regex: Unclosed group near "
     "index 2\n(x"),
    ("[a", "Invalid value [a for configuration regex: Invalid regex: Unclosed character class "
     "near index 1\n[a\n ^"),
    ("*a", "Invalid value *a for configuration regex: Invalid regex: Dangling meta character "
     "'*' near index 0\n*a\n^"),
    ("a**", "Invalid value a** for configuration regex: Invalid regex: Dangling meta character "
     "'*' near index 2\na**\n  ^"),
    ("a)", "Invalid value a) for configuration regex: Invalid regex: Unmatched closing ')' "
     "near index 0\na)\n^"),
    ("a{2,1}", "Invalid value a{2,1} for configuration regex: Invalid regex: Illegal repetition "
     "range near index 5\na{2,1}\n     ^"),
    ("[b-a]", "Invalid value [b-a] for configuration regex: Invalid regex: Illegal character "
     "range near index 3\n[b-a]\n   ^"),
])
def test_invalid_regex_gives_javas_message(regex, message):
    with pytest.raises(ConfigError) as caught:
        RegexRouter().configure({"regex": regex, "replacement": "x"})
    assert str(caught.value) == message
    assert caught.value.key == "regex"


@pytest.mark.parametrize("config, message", [
    ({}, 'Missing required configuration "regex" which has no default value.'),
    ({"regex": "a"}, 'Missing required configuration "replacement" which has no default '
     "value."),
])
def test_required_configs(config, message):
    with pytest.raises(ConfigError) as caught:
        RegexRouter().configure(config)
    assert str(caught.value) == message


def test_java_name_in_a_chain_with_a_predicate():
    chain = TransformationChain.from_config({
        "transforms": "r", "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.r.regex": "(.*)", "transforms.r.replacement": "prefix-$1",
        "transforms.r.predicate": "tomb", "transforms.r.negate": "true",
        "predicates": "tomb", "predicates.tomb.type": "RecordIsTombstone"}, Plugins())
    batch = sink_batch(["a", None, "b"], topic="orig")
    topics = [t for b in chain.apply(batch) for t in b.column("topic").to_pylist()]
    assert topics == ["prefix-orig", "orig", "prefix-orig"]
