import pytest

from fastconnect.api import (
    NO_DEFAULT,
    ConfigDef,
    ConfigError,
    Importance,
    Password,
    Type,
    at_least,
    between,
    non_empty_string,
    one_of,
)


def make_def() -> ConfigDef:
    return (
        ConfigDef()
        .define("name", Type.STRING, validator=non_empty_string, importance=Importance.HIGH)
        .define("tasks.max", Type.INT, 1, at_least(1))
        .define("enabled", Type.BOOLEAN, False)
        .define("ratio", Type.DOUBLE, 0.5, between(0, 1))
        .define("topics", Type.LIST, "")
        .define("big", Type.LONG, 60000)
        .define("mode", Type.STRING, "bulk", one_of("bulk", "incrementing"))
        .define("secret", Type.PASSWORD, None)
    )


def test_parse_applies_types_and_defaults():
    parsed = make_def().parse({"name": " conn ", "tasks.max": "3", "enabled": "TRUE",
                               "topics": "a, b ,c", "big": "9000000000", "secret": "s3cr3t"})
    assert parsed["name"] == "conn"
    assert parsed["tasks.max"] == 3
    assert parsed["enabled"] is True
    assert parsed["ratio"] == 0.5
    assert parsed["topics"] == ["a", "b", "c"]
    assert parsed["big"] == 9_000_000_000
    assert parsed["mode"] == "bulk"
    assert parsed["secret"] == Password("s3cr3t")
    assert str(parsed["secret"]) == "[hidden]"


def test_empty_list_is_empty():
    assert make_def().parse({"name": "n", "topics": ""})["topics"] == []


def test_missing_required_key_is_named():
    with pytest.raises(ConfigError) as caught:
        make_def().parse({})
    assert str(caught.value) == 'Missing required configuration "name" which has no default value.'
    assert caught.value.key == "name"


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("tasks.max", "abc", "Invalid value abc for configuration tasks.max: Not a number of type INT"),
        ("tasks.max", "0", "Invalid value 0 for configuration tasks.max: Value must be at least 1"),
        ("tasks.max", "3000000000", "Invalid value 3000000000 for configuration tasks.max: Not a number of type INT"),
        ("enabled", "yes", "Invalid value yes for configuration enabled: Expected value to be either true or false"),
        ("ratio", "2", "Invalid value 2.0 for configuration ratio: Value must be no more than 1"),
        ("ratio", "x", "Invalid value x for configuration ratio: Not a number of type DOUBLE"),
        ("big", "1.5", "Invalid value 1.5 for configuration big: Not a number of type LONG"),
        ("mode", "timestamp", "Invalid value timestamp for configuration mode: String must be one of: bulk, incrementing"),
        ("name", "  ", "Invalid value  for configuration name: String must be non-empty"),
    ],
)
def test_invalid_values_give_kafkas_messages(key, value, message):
    props = {"name": "n", key: value}
    with pytest.raises(ConfigError) as caught:
        make_def().parse(props)
    assert str(caught.value) == message
    assert caught.value.key == key


def test_validate_collects_every_error():
    results = {v.name: v for v in make_def().validate({"tasks.max": "-1", "enabled": "maybe"})}
    assert results["name"].errors and "name" in results["name"].errors[0]
    assert results["tasks.max"].errors == [
        "Invalid value -1 for configuration tasks.max: Value must be at least 1"]
    assert results["enabled"].errors
    assert results["ratio"].errors == []


def test_define_twice_and_bad_default_are_refused():
    with pytest.raises(ValueError):
        ConfigDef().define("a", Type.INT, 1).define("a", Type.INT, 2)
    with pytest.raises(ConfigError):
        ConfigDef().define("a", Type.INT, 0, at_least(1))


def test_merge_keeps_both_and_refuses_clashes():
    merged = ConfigDef().define("a", Type.INT, 1).merge(ConfigDef().define("b", Type.STRING, NO_DEFAULT))
    assert merged.names() == ["a", "b"]
    assert merged["b"].required
    with pytest.raises(ValueError):
        merged.merge(ConfigDef().define("a", Type.INT, 1))
