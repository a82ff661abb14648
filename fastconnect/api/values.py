"""Kafka Connect's ``Values``: header text to a typed Connect value and back.

``SimpleHeaderConverter`` stores each header as text and infers its type on reading, with
Kafka's ``org.apache.kafka.connect.data.Values``. This module reproduces that behaviour (the
``ValueParser`` of current releases), so that fastconnect and a Java worker read and write
headers alike.

A Connect value is a pair ``(schema, value)``. ``schema`` is a Connect schema in
JsonConverter's JSON form (:mod:`fastconnect.api.schema`), e.g.
``{"type": "int32", "optional": False}``, or None when there is none. ``value`` is:

=====================  ===========================================================
Connect schema         Python value
=====================  ===========================================================
boolean                ``bool``
int8/int16/int32/int64 ``int``
float                  :class:`Float32` (a plain ``float`` is accepted)
double                 ``float``
string                 ``str``
bytes                  ``bytes`` (``bytearray``, ``memoryview`` accepted)
Decimal                ``decimal.Decimal``; its exponent is minus the scale
Date / Time            ``datetime.date`` / ``datetime.time`` (milliseconds)
Timestamp              ``datetime.datetime`` in UTC (a naive one is read as UTC)
array / map            ``list`` / ``dict``
struct                 ``dict`` by field name; only recognised through its schema
=====================  ===========================================================

Parsed schemas are all required (``"optional": False``) and logical ones carry
``"version": 1``. An array whose elements share no schema has ``"items": None``; a map has
``"keys": None`` and/or ``"values": None`` likewise, as Kafka's schemas then have none.
Where Kafka keeps an element's Java object as it is under a wider element schema (a date in
a list of timestamps), the Python object is kept too; it prints the same.
"""

from __future__ import annotations

import base64
import datetime as _dt
from decimal import Decimal
from typing import Any

from fastconnect.api.errors import DataError
from fastconnect.api.java_text import java_big_decimal_str, java_double_str, java_float_str
from fastconnect.api.schema import DATE, DECIMAL, TIME, TIMESTAMP
from fastconnect.api.values_text import (
    DATE_PATTERN, DAY_MS, TIME_PATTERN, TIMESTAMP_PATTERN, Parser, date_from_millis, float32_of,
    format_java_date, int32, java_digit, java_length, java_trim, parse_big_decimal,
    parse_java_date, time_from_millis, timestamp_from_millis, to_float32, to_millis,
)

__all__ = ["Float32", "SchemaAndValue", "convert_to_string", "parse_string"]

#: ``(schema, value)``; see the module documentation.
SchemaAndValue = tuple[dict | None, Any]


class Float32(float):
    """A float holding a float32 value (rounded to one on construction): Kafka holds it as
    a Java ``Float``, which prints with ``Float.toString`` (``1.1``, not the double
    ``1.100000023841858``) even where no schema says so, as in an array of mixed elements."""

    __slots__ = ()

    def __new__(cls, value: float = 0.0) -> Float32:
        return super().__new__(cls, to_float32(float(value)))

    def __repr__(self) -> str:
        return f"Float32({float.__repr__(self)})"


def _schema(kind: str, name: str | None = None, scale: int | None = None) -> dict:
    schema: dict[str, Any] = {"type": kind, "optional": False}
    if name is not None:
        schema.update(name=name, version=1)
    if scale is not None:
        schema["parameters"] = {"scale": str(scale)}
    return schema


def _array_schema(items: dict | None) -> dict:
    return {"type": "array", "items": items, "optional": False}


def _map_schema(keys: dict | None, values: dict | None) -> dict:
    return {"type": "map", "keys": keys, "values": values, "optional": False}


# --- parse_string -----------------------------------------------------------------------------

def parse_string(text: str | None) -> SchemaAndValue | None:
    """``Values.parseString``: the Connect value a header's text stands for.

    Tried in order: ``null``, ``true``/``false`` (alone, whitespace aside), an array
    ``[...]`` or map ``{...}`` of embedded values, and for a token starting with a digit a
    Date ``yyyy-MM-dd``, Time ``HH:mm:ss.SSS'Z'`` or Timestamp
    ``yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`` (parsed leniently, see :mod:`fastconnect.api.values_text`;
    colons may be escaped ``\\:``), then for a token starting with a digit, ``+`` or ``-`` a
    number: the smallest of int8/16/32/64 holding a whole number of at most 1e19 (``1.0``
    is int8), else float32 if finite and written with a fraction or exponent, else float64
    likewise, else a Decimal with the written scale. Anything else is the text itself as a
    string, and so is an array or map that fails to parse.

    Like Kafka, a first token that parses as a number or date is taken even when more
    tokens follow (``"1,2"`` is int8 1), and inside an array or map strings must be quoted
    (and keep their backslashes), and an element or entry value may be ``null`` only when no
    other element or value has a schema (``[1, null]`` stays a string).

    Returns None for ``null`` (Kafka's null ``SchemaAndValue``), ``(None, None)`` for None,
    ``(string schema, "")`` for empty text. Raises ``RecursionError`` for nesting deeper than
    Python's stack allows (Java's stack allows more).
    """
    if text is None:
        return None, None
    if not text:
        return _schema("string"), text
    return _ValueParser(Parser(text)).parse(False)


class _ValueParser:
    __slots__ = ("p",)

    def __init__(self, parser: Parser) -> None:
        self.p = parser

    def parse(self, embedded: bool) -> SchemaAndValue | None:
        p = self.p
        if not p.has_next():
            return None
        if embedded and p.can_consume('"'):
            return self._quoted()
        if self._literal(embedded, "null"):
            return None
        if self._literal(embedded, "true"):
            return _schema("boolean"), True
        if self._literal(embedded, "false"):
            return _schema("boolean"), False
        start = p.mark()
        try:
            if p.can_consume("["):
                return self._array()
            if p.can_consume("{"):
                return self._map()
        except DataError:
            p.rewind_to(start)  # not an array or map after all: read it as a plain token
        token = p.next()
        if not java_trim(token):
            return _schema("string"), token
        return self._token(embedded, java_trim(token))

    def _literal(self, embedded: bool, literal: str) -> bool:
        # At the top level a literal must be alone: "true}" is a string.
        start = self.p.mark()
        if self.p.can_consume(literal) and (embedded or not self.p.has_next()):
            return True
        self.p.rewind_to(start)
        return False

    def _token(self, embedded: bool, token: str) -> SchemaAndValue:
        first = token[0]
        digit = java_digit(first)
        if digit:
            temporal = self._temporal_tokens(token)
            if temporal is not None:
                return temporal
        if digit or first in "+-":
            number = _parse_number(token)
            if number is not None:
                return number
        if embedded:
            raise DataError("Failed to parse embedded value")
        return _schema("string"), self.p.original

    def _temporal_tokens(self, token: str) -> SchemaAndValue | None:
        # Unescaped colons split a time into five tokens: try them together first.
        position = self.p.mark()
        remainder = self.p.next_n(4)
        if remainder is not None:
            temporal = _parse_temporal(token + remainder)
            if temporal is not None:
                return temporal
        self.p.rewind_to(position)
        return _parse_temporal(token)

    def _quoted(self) -> SchemaAndValue:
        parts = []
        while self.p.has_next() and not self.p.can_consume('"'):
            parts.append(self.p.next())
        content = "".join(parts)
        return _parse_temporal(content) or (_schema("string"), content)

    def _array(self) -> SchemaAndValue:
        p, result, merger = self.p, [], _SchemaMerger()
        while p.has_next():
            if p.can_consume("]"):
                if merger.common is None:
                    return _array_schema(None), result
                return (_array_schema(merger.common),
                        [_convert_to(merger.common, v) for v in result])
            if p.can_consume(","):
                raise DataError(f"Unable to parse an empty array element: {p.original}")
            element = self.parse(True)
            merger.merge(element)
            result.append(None if element is None else element[1])
            current = p.mark()
            if p.can_consume("]"):
                p.rewind_to(current)
            elif not p.can_consume(","):
                raise DataError("Array elements missing ',' delimiter")
        raise DataError(f"Array is missing terminating ']': {p.original}")

    def _map(self) -> SchemaAndValue:
        p, result = self.p, {}
        keys, values = _SchemaMerger(), _SchemaMerger()
        while p.has_next():
            if p.can_consume("}"):
                if keys.common is None:
                    return _map_schema(None, None), result
                if values.common is None:
                    return (_map_schema(keys.common, None),
                            _aligned(result, keys.common, None))
                return (_map_schema(keys.common, values.common),
                        _aligned(result, keys.common, values.common))
            if p.can_consume(","):
                raise DataError(f"Unable to parse a map entry with no key or value: {p.original}")
            key = self.parse(True)
            if key is None or key[1] is None:
                raise DataError(f"Map entry may not have a null key: {p.original}")
            if not p.can_consume(":"):
                raise DataError(f"Map entry is missing ':' at {p.position()} in {p.original}")
            value = self.parse(True)
            _put(result, key[1], None if value is None else value[1])
            p.can_consume(",")
            keys.merge(key)
            values.merge(value)
        raise DataError(f"Map is missing terminating '}}': {p.original}")


def _put(result: dict, key: Any, value: Any) -> None:
    try:
        result[key] = value
    except TypeError:  # an array or map as a key: Java allows it, a Python dict does not
        raise DataError(f"Map key {key!r} cannot be held in a dict") from None


def _aligned(result: dict, key_schema: dict, value_schema: dict | None) -> dict:
    aligned: dict = {}
    for key, value in result.items():
        _put(aligned, _convert_to(key_schema, key),
             value if value_schema is None else _convert_to(value_schema, value))
    return aligned


# --- numbers and dates ------------------------------------------------------------------------

_INTEGER_TYPES = ((2**7, "int8"), (2**15, "int16"), (2**31, "int32"), (2**63, "int64"))


def _parse_number(token: str) -> SchemaAndValue | None:
    value = parse_big_decimal(token)
    if value is None:
        return None
    _, digits, exponent = value.as_tuple()
    magnitude = value.copy_abs()
    if magnitude <= 10**19 and (magnitude >= 1 or value.is_zero()):
        whole = exponent >= 0 or not any(digits[len(digits) + exponent:])
        if whole and -2**63 <= int(value) < 2**63:
            integer = int(value)
            kind = next(k for limit, k in _INTEGER_TYPES if -limit <= integer < limit)
            return _schema(kind), integer
    if exponent != 0:  # a scale other than zero
        single = float32_of(value)
        if single not in (float("inf"), float("-inf")):
            return _schema("float"), Float32(single)
        double = float(value)
        if double not in (float("inf"), float("-inf")):
            return _schema("double"), double
    return _schema("bytes", DECIMAL, -exponent), value


_TEMPORAL = {
    10: (DATE_PATTERN, DATE, "int32", date_from_millis),
    13: (TIME_PATTERN, TIME, "int32", time_from_millis),
    24: (TIMESTAMP_PATTERN, TIMESTAMP, "int64", timestamp_from_millis),
}


def _parse_temporal(token: str) -> SchemaAndValue | None:
    token = token.replace("\\:", ":")
    kind = _TEMPORAL.get(java_length(token))
    if kind is None:
        return None
    pattern, name, base, from_millis = kind
    millis = parse_java_date(token, pattern)
    value = None if millis is None else from_millis(millis)
    return None if value is None else (_schema(base, name), value)


# --- common element schemas -------------------------------------------------------------------

_NUMERIC_RANK = {"int8": 0, "int16": 1, "int32": 2, "int64": 3, "float": 4, "double": 5}


def _merge_schemas(previous: dict, new: dict) -> dict | None:
    """Kafka's ``mergeSchemas``: by type only, so a Date (int32) absorbs an int8."""
    if previous["type"] != new["type"]:
        old_rank, new_rank = _NUMERIC_RANK.get(previous["type"]), _NUMERIC_RANK.get(new["type"])
        if old_rank is None or new_rank is None:
            return None
        return previous if new_rank < old_rank else new
    if previous["optional"] == new["optional"]:
        return previous if previous["optional"] else new
    return previous if previous == new else None


class _SchemaMerger:
    __slots__ = ("common", "compatible")

    def __init__(self) -> None:
        self.common: dict | None = None
        self.compatible = True

    def merge(self, latest: SchemaAndValue | None) -> None:
        if latest is None or latest[0] is None or not self.compatible:
            return
        if self.common is None:
            self.common = latest[0]
        else:
            self.common = _merge_schemas(self.common, latest[0])
            self.compatible = self.common is not None


def _as_long(value: Any) -> int:
    """``Values.asLong`` without a schema, for what reaches it here: elements merged into a
    numeric or temporal schema are ints, or dates, which Kafka refuses too."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DataError(f"Unable to convert {value!r} ({type(value).__name__}) to a number")


def _as_double(value: Any) -> float:
    return float(value) if isinstance(value, float) else float(_as_long(value))


_KEPT_AS_THEY_ARE = {"boolean": bool, "array": list, "map": dict}


def _convert_to(schema: dict, value: Any) -> Any:
    """``Values.convertTo(schema, null, value)``: an element aligned to the common schema."""
    if value is None:
        if schema.get("optional"):
            return None
        raise DataError("Unable to convert a null value to a schema that requires a value")
    kind, name = schema["type"], schema.get("name")
    if name in (DATE, TIME, TIMESTAMP):
        if isinstance(value, (_dt.date, _dt.time)):
            return value  # a java.util.Date already: Kafka keeps it as it is
        number = _as_long(value)
        if name == DATE:
            converted = date_from_millis(int32(number) * DAY_MS)
        elif name == TIME:
            millis = int32(number)
            if not 0 <= millis <= DAY_MS:
                raise DataError("Time values must use number of milliseconds greater than 0 "
                                "and less than 86400000")
            converted = time_from_millis(millis)
        else:
            converted = timestamp_from_millis(number)
        if converted is None:
            raise DataError(f"{value!r} is outside the dates Python can hold")
        return converted
    if kind == "string":
        return convert_to_string(None, value)
    if kind in ("int8", "int16", "int32", "int64"):
        bits = int(kind[3:])
        return (_as_long(value) + 2**(bits - 1)) % 2**bits - 2**(bits - 1)
    if kind == "float":
        return value if isinstance(value, Float32) else Float32(_as_double(value))
    if kind == "double":
        return _as_double(value)
    if isinstance(value, _KEPT_AS_THEY_ARE.get(kind, ())):
        return value
    if kind == "bytes" and isinstance(value, Decimal if name == DECIMAL else bytes):
        return value
    raise DataError(f"Unable to convert {value!r} ({type(value).__name__}) to {schema}")


# --- convert_to_string ------------------------------------------------------------------------

def convert_to_string(schema: dict | None, value: Any) -> str | None:
    """``Values.convertToString``: the text Kafka writes for a Connect value; None for None.

    The value's own type decides its form, as in Kafka: strings as they are at the top level
    and quoted inside (``\\`` and ``"`` escaped with a backslash), numbers as Java prints
    them (``Float.toString`` for a float32, i.e. a :class:`Float32` or where ``schema`` says
    ``float``; ``BigDecimal.toString`` for a Decimal), bytes in base64, arrays as
    ``[1,2]``, maps as ``{"a":1}`` in their order, structs (a dict under a ``struct``
    schema) as ``{"field":value}`` in field order, and dates by their epoch milliseconds as
    Kafka does (see :func:`~fastconnect.api.values_text.format_java_date`). ``schema`` only
    tells structs and float32 apart and is handed down to elements. Raises DataError for a
    value of no Connect type.
    """
    if value is None:
        return None
    out: list[str] = []
    _append(out, schema, value, False)
    return "".join(out)


# Python turns at most 4300 digits into an int (sys.get_int_max_str_digits).
_MAX_DECIMAL_DIGITS = 4300


def _part(schema: dict | None, key: str) -> dict | None:
    return schema.get(key) if isinstance(schema, dict) else None


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _append(out: list[str], schema: dict | None, value: Any, embedded: bool) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        single = isinstance(value, Float32) or _part(schema, "type") == "float"
        out.append(java_float_str(to_float32(value)) if single else java_double_str(value))
    elif isinstance(value, Decimal):
        sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int) or len(digits) > _MAX_DECIMAL_DIGITS:
            raise DataError(f"A Connect Decimal cannot hold {value:.10}: not finite, or more "
                            f"than {_MAX_DECIMAL_DIGITS} digits")
        unscaled = int("".join(map(str, digits))) * (-1 if sign else 1)
        out.append(java_big_decimal_str(unscaled, -exponent))
    elif isinstance(value, str):
        out.append(f'"{_escape(value)}"' if embedded else value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        text = base64.b64encode(value).decode("ascii")
        out.append(f'"{text}"' if embedded else text)
    elif isinstance(value, (list, tuple)):
        _append_all(out, [(None, _part(schema, "items"), v) for v in value], "[]")
    elif isinstance(value, dict) and _part(schema, "type") == "struct":
        entries = []
        for field in schema.get("fields") or ():
            item = value.get(field["field"])
            entries.append((field["field"], field, field.get("default") if item is None else item))
        _append_all(out, entries, "{}")
    elif isinstance(value, dict):
        keys, values = _part(schema, "keys"), _part(schema, "values")
        _append_all(out, [((keys, k), values, v) for k, v in value.items()], "{}")
    elif isinstance(value, (_dt.date, _dt.time)):
        out.append(format_java_date(to_millis(value)))
    else:
        raise DataError(f"Failed to serialize unexpected value type {type(value).__name__}: "
                        f"{value!r}")


def _append_all(out: list[str], entries: list, brackets: str) -> None:
    """Elements ``(None, schema, value)`` or entries ``(key, schema, value)`` where a key is
    a field name or ``(key_schema, key)``; all embedded, comma-separated."""
    out.append(brackets[0])
    for i, (key, schema, value) in enumerate(entries):
        if i:
            out.append(",")
        if isinstance(key, str):
            _append(out, None, key, True)
            out.append(":")
        elif key is not None:
            _append(out, key[0], key[1], True)
            out.append(":")
        _append(out, schema, value, True)
    out.append(brackets[1])
