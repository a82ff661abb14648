"""RegexRouter: rename the topics that match a regular expression.

``org.apache.kafka.connect.transforms.RegexRouter``: a record whose whole topic matches
``regex`` gets the topic ``Matcher.replaceFirst(replacement)`` gives (``$1``, ``${name}``,
``\\$`` as in Java). The topic column is a dictionary, so each distinct topic is matched once
and the rows only have their indices remapped.

The pattern is compiled by Python's ``re``, with Java's ``(?<name>...)`` groups and POSIX
classes (``\\p{Alpha}``, ``\\p{Digit}``, ...) translated; Java constructs Python lacks are
refused when the transform is configured. Syntax errors are described as Java describes the
common ones (``Unclosed group near index 2``).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import TOPIC, ConfigDef, ConfigError, DataError, Importance, Type
from fastconnect.api.config import NO_DEFAULT
from fastconnect.api.transform import Transformation

__all__ = ["RegexRouter", "java_regex", "rename_topics"]

log = logging.getLogger(__name__)

_POSIX = {"Lower": "a-z", "Upper": "A-Z", "ASCII": "\\x00-\\x7F", "Alpha": "a-zA-Z",
          "Digit": "0-9", "Alnum": "a-zA-Z0-9", "Punct": "!-/:-@\\[-`{-~",
          "Graph": "!-~", "Print": " -~", "Blank": " \\t", "Cntrl": "\\x00-\\x1F\\x7F",
          "XDigit": "0-9a-fA-F", "Space": " \\t\\n\\x0B\\f\\r"}
_POSIX_RE = re.compile(r"\\([pP])\{(\w+)\}")
_NAMED_GROUP_RE = re.compile(r"(?<!\\)\(\?<([A-Za-z][A-Za-z0-9]*)>")


def _translate(pattern: str) -> str:
    """Java regex syntax that Python spells differently, in Python's spelling."""
    pattern = _NAMED_GROUP_RE.sub(r"(?P<\1>", pattern)

    def posix(match: re.Match) -> str:
        chars = _POSIX.get(match.group(2))
        if chars is None:
            raise re.error(f"unsupported class \\{match.group(1)}{{{match.group(2)}}}",
                           pattern, match.start())
        return f"[{'^' if match.group(1) == 'P' else ''}{chars}]"

    return _POSIX_RE.sub(posix, pattern)


def _java_message(pattern: str, error: re.error) -> str:
    """``PatternSyntaxException.getMessage()`` for the common mistakes; Python's otherwise."""
    pos = error.pos if error.pos is not None else -1
    msg = error.msg
    if msg.startswith("missing ), unterminated subpattern"):
        desc, index = "Unclosed group", len(pattern)
    elif msg.startswith("unterminated character set"):
        desc, index = "Unclosed character class", len(pattern) - 1
    elif msg in ("nothing to repeat", "multiple repeat") and 0 <= pos < len(pattern):
        desc, index = f"Dangling meta character '{pattern[pos]}'", pos
    elif msg.startswith("unbalanced parenthesis"):
        desc, index = "Unmatched closing ')'", max(pos - 1, 0)
    elif msg.startswith("min repeat greater than max repeat"):
        desc, index = "Illegal repetition range", pattern.find("}", pos)
    elif msg.startswith("bad character range"):
        desc, index = "Illegal character range", pos + 2
    else:
        return f"{msg} near index {pos}\n{pattern}"
    caret = f"\n{' ' * index}^" if 0 <= index < len(pattern) else ""
    return f"{desc} near index {index}\n{pattern}{caret}"


def java_regex(name: str, pattern: str) -> re.Pattern:
    """Compile a Java regex for configuration ``name``, or raise Kafka's RegexValidator error."""
    try:
        return re.compile(_translate(pattern))
    except re.error as error:
        raise ConfigError.invalid(name, pattern,
                                  f"Invalid regex: {_java_message(pattern, error)}") from None


def _valid_regex(name: str, value: Any) -> None:
    java_regex(name, value)


def _replacement(text: str, regex: re.Pattern) -> list[str | int] | str:
    """Java's replacement syntax as literal strings and group numbers/names, or the message
    of the exception ``Matcher.appendReplacement`` throws for it."""
    parts: list[str | int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 == n:
                return "character to be escaped is missing"
            parts.append(text[i + 1])
            i += 2
        elif c == "$":
            i += 1
            if i == n:
                return "Illegal group reference: group index is missing"
            if text[i] == "{":
                j = i + 1
                while j < n and text[j].isascii() and text[j].isalnum():
                    j += 1
                name = text[i + 1:j]
                if not name:
                    return "named capturing group has 0 length name"
                if j == n or text[j] != "}":
                    return "named capturing group is missing trailing '}'"
                if name not in regex.groupindex:
                    return f"No group with name {{{name}}}"
                parts.append(regex.groupindex[name])
                i = j + 1
                continue
            if not ("0" <= text[i] <= "9"):
                return "Illegal group reference"
            number = int(text[i])
            i += 1
            while i < n and "0" <= text[i] <= "9" and number * 10 + int(text[i]) <= regex.groups:
                number = number * 10 + int(text[i])
                i += 1
            if number > regex.groups:
                return f"No group {number}"
            parts.append(number)
        else:
            parts.append(c)
            i += 1
    return parts


def rename_topics(topics: pa.Array, names: list[str]) -> pa.DictionaryArray:
    """The topic column with dictionary entry ``i`` renamed ``names[i]`` (merged when two
    names become one)."""
    renamed = pc.dictionary_encode(pa.array(names, pa.string()))
    return pa.DictionaryArray.from_arrays(renamed.indices.take(topics.indices),
                                          renamed.dictionary)


def topic_dictionary(batch: pa.RecordBatch) -> pa.DictionaryArray:
    topics = batch.column(TOPIC)
    if isinstance(topics, pa.ChunkedArray):
        topics = topics.combine_chunks()
    if not isinstance(topics, pa.DictionaryArray):
        topics = pc.dictionary_encode(topics)
    if topics.indices.type != pa.int32():
        topics = pa.DictionaryArray.from_arrays(topics.indices.cast(pa.int32()),
                                                topics.dictionary.cast(pa.string()))
    return topics


def with_topics(batch: pa.RecordBatch, topics: pa.DictionaryArray) -> pa.RecordBatch:
    index = batch.schema.get_field_index(TOPIC)
    return batch.set_column(index, batch.schema.field(index).with_type(topics.type), topics)


class RegexRouter(Transformation):
    """Topics matching ``regex`` renamed to ``replacement``; the others kept."""

    ALIASES = ("org.apache.kafka.connect.transforms.RegexRouter",)
    ACCEPTS_SCHEMALESS_STRUCTS = True  # reads no value
    CONFIG_DEF = (
        ConfigDef()
        .define("regex", Type.STRING, NO_DEFAULT, _valid_regex, Importance.HIGH,
                "Regular expression to use for matching.")
        .define("replacement", Type.STRING, NO_DEFAULT, importance=Importance.HIGH,
                documentation="Replacement string.")
    )

    def configure(self, config: Mapping[str, Any]) -> None:
        super().configure(config)
        self._regex = java_regex("regex", self.config["regex"])
        self._parts = _replacement(self.config["replacement"], self._regex)

    def _rename(self, topic: str) -> str | None:
        """The new name of ``topic``, or None when the regex does not match all of it."""
        if self._regex.fullmatch(topic) is None:
            return None
        match = self._regex.search(topic)  # replaceFirst: the first match, maybe shorter
        groups = [p if isinstance(p, str) else (match.group(p) or "") for p in self._parts]
        return topic[:match.start()] + "".join(groups) + topic[match.end():]

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not batch.num_rows:
            return batch
        topics = topic_dictionary(batch)
        names = topics.dictionary.to_pylist()
        matching = [self._regex.fullmatch(name) is not None for name in names]
        if not any(matching):
            return batch
        if isinstance(self._parts, str):  # Java throws this for every matching record
            row = pc.index(pc.is_in(topics.indices, value_set=pa.array(
                [i for i, m in enumerate(matching) if m], pa.int32())), True).as_py()
            if row >= 0:
                raise DataError(self._parts, row)
            return batch
        renamed = [self._rename(name) if m else name for name, m in zip(names, matching)]
        for old, new in zip(names, renamed):
            if old != new:
                log.debug("Rerouting from topic '%s' to new topic '%s'", old, new)
        return with_topics(batch, rename_topics(topics, renamed))
