"""ConfigDef: one declaration of a plugin's configuration keys.

A plugin declares each key once (name, type, default, validator, importance, documentation);
that declaration parses and validates configs, answers the REST ``config/validate`` call and
lists the plugin's settings. Parsing follows Kafka's ``ConfigDef``: strings are trimmed,
lists are comma-separated, booleans are ``true``/``false`` in any case, and errors read as
Kafka's do (``Invalid value x for configuration k: reason``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

from fastconnect.api.errors import ConfigError

__all__ = [
    "ConfigDef",
    "ConfigKey",
    "ConfigValue",
    "Importance",
    "NO_DEFAULT",
    "Password",
    "Type",
    "Validator",
    "at_least",
    "between",
    "one_of",
    "non_empty_string",
]


class Type(enum.Enum):
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    INT = "INT"
    SHORT = "SHORT"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    LIST = "LIST"
    CLASS = "CLASS"
    PASSWORD = "PASSWORD"


class Importance(enum.Enum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


#: Marks a key that must be given: it has no default value.
NO_DEFAULT: Any = _NoDefault()


class Password:
    """A secret value: prints as ``[hidden]`` so it never reaches a log."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "[hidden]"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Password) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


#: A validator takes the key's name and parsed value and raises ConfigError if it is wrong.
Validator = Callable[[str, Any], None]

_INT_RANGES = {
    Type.SHORT: (-(2**15), 2**15 - 1),
    Type.INT: (-(2**31), 2**31 - 1),
    Type.LONG: (-(2**63), 2**63 - 1),
}
_COMMA = re.compile(r"\s*,\s*")


def parse_value(name: str, type_: Type, value: Any) -> Any:
    """Parse one raw value (string or already typed) as ``type_``, the way Kafka does."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
    if type_ is Type.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ConfigError.invalid(name, value, "Expected value to be either true or false")
    if type_ in _INT_RANGES:
        low, high = _INT_RANGES[type_]
        if isinstance(value, bool):
            raise ConfigError.invalid(name, value, f"Not a number of type {type_.value}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError.invalid(name, value, f"Not a number of type {type_.value}") from None
        if not low <= number <= high:
            raise ConfigError.invalid(name, value, f"Not a number of type {type_.value}")
        return number
    if type_ is Type.DOUBLE:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError.invalid(name, value, "Not a number of type DOUBLE") from None
    if type_ is Type.LIST:
        if isinstance(value, (list, tuple)):
            return [str(v).strip() for v in value]
        if not isinstance(value, str):
            raise ConfigError.invalid(name, value, "Expected a comma separated list.")
        return [] if value == "" else _COMMA.split(value)
    if type_ is Type.PASSWORD:
        return value if isinstance(value, Password) else Password(str(value))
    if not isinstance(value, str):  # STRING, CLASS
        value = value.__module__ + ":" + value.__qualname__ if isinstance(value, type) else str(value)
    return value


@dataclass(frozen=True, slots=True)
class ConfigKey:
    name: str
    type: Type
    default: Any = NO_DEFAULT
    validator: Validator | None = None
    importance: Importance = Importance.MEDIUM
    documentation: str = ""
    group: str | None = None
    display_name: str | None = None

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT


@dataclass(slots=True)
class ConfigValue:
    """The outcome of validating one key, as the REST ``config/validate`` call reports it."""

    name: str
    value: Any
    errors: list[str] = field(default_factory=list)


class ConfigDef:
    """An ordered set of :class:`ConfigKey` declarations.

    ``define`` returns the ConfigDef itself so declarations chain::

        CONFIG_DEF = (
            ConfigDef()
            .define("file", Type.STRING, None, importance=Importance.HIGH,
                    documentation="Source filename. If not specified, standard input is used.")
            .define("batch.size", Type.INT, 2000, at_least(1), Importance.LOW, "...")
        )
    """

    def __init__(self, keys: Iterable[ConfigKey] = ()) -> None:
        self._keys: dict[str, ConfigKey] = {k.name: k for k in keys}

    def define(
        self,
        name: str,
        type: Type,
        default: Any = NO_DEFAULT,
        validator: Validator | None = None,
        importance: Importance = Importance.MEDIUM,
        documentation: str = "",
        *,
        group: str | None = None,
        display_name: str | None = None,
    ) -> ConfigDef:
        if name in self._keys:
            raise ValueError(f"Configuration {name} is defined twice.")
        if default is not NO_DEFAULT and default is not None:
            default = parse_value(name, type, default)
            if validator is not None:
                validator(name, default)
        self._keys[name] = ConfigKey(name, type, default, validator, importance, documentation,
                                     group, display_name)
        return self

    def merge(self, other: ConfigDef) -> ConfigDef:
        """A new ConfigDef with this one's keys and then ``other``'s (which must not clash)."""
        merged = ConfigDef(self._keys.values())
        for key in other:
            if key.name in merged._keys:
                raise ValueError(f"Configuration {key.name} is defined twice.")
            merged._keys[key.name] = key
        return merged

    def __iter__(self) -> Iterator[ConfigKey]:
        return iter(self._keys.values())

    def __contains__(self, name: object) -> bool:
        return name in self._keys

    def __getitem__(self, name: str) -> ConfigKey:
        return self._keys[name]

    def names(self) -> list[str]:
        return list(self._keys)

    def _parse_one(self, key: ConfigKey, props: Mapping[str, Any]) -> Any:
        if key.name in props:
            value = parse_value(key.name, key.type, props[key.name])
        elif key.required:
            raise ConfigError.missing(key.name)
        else:
            value = key.default
        if key.validator is not None and value is not None:
            key.validator(key.name, value)
        return value

    def parse(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Parse every declared key of ``props``; raise ConfigError at the first bad key.

        Keys that ``props`` holds but this ConfigDef does not declare are ignored here (they
        may belong to a converter, a transform or a client); callers keep the raw mapping.
        """
        return {key.name: self._parse_one(key, props) for key in self._keys.values()}

    def validate(self, props: Mapping[str, Any]) -> list[ConfigValue]:
        """Validate every declared key and collect all errors instead of stopping at one."""
        results = []
        for key in self._keys.values():
            try:
                results.append(ConfigValue(key.name, self._parse_one(key, props)))
            except ConfigError as error:
                results.append(ConfigValue(key.name, props.get(key.name), [str(error)]))
        return results


def at_least(minimum: float) -> Validator:
    def check(name: str, value: Any) -> None:
        if value < minimum:
            raise ConfigError.invalid(name, value, f"Value must be at least {minimum}")

    return check


def between(minimum: float, maximum: float) -> Validator:
    def check(name: str, value: Any) -> None:
        if value < minimum:
            raise ConfigError.invalid(name, value, f"Value must be at least {minimum}")
        if value > maximum:
            raise ConfigError.invalid(name, value, f"Value must be no more than {maximum}")

    return check


def one_of(*allowed: str, case_sensitive: bool = True) -> Validator:
    folded = set(allowed) if case_sensitive else {a.lower() for a in allowed}

    def check(name: str, value: Any) -> None:
        candidate = value if case_sensitive else str(value).lower()
        if candidate not in folded:
            raise ConfigError.invalid(name, value, f"String must be one of: {', '.join(allowed)}")

    return check


def non_empty_string(name: str, value: Any) -> None:
    if value == "":
        raise ConfigError.invalid(name, value, "String must be non-empty")
