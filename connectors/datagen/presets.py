"""Record shapes for datagen: the quickstart presets, an Avro schema subset, and ``fields``.

Every way of describing a record ends as a tuple of :class:`ColumnSpec`: a column's name,
its Connect type and how its values are drawn (``random`` in a range, ``iteration`` from a
start by a step, one of ``options``, or a ``prefix`` and a number). The generator in
:mod:`source` turns those into Arrow columns, a whole batch at a time.

The Avro subset is what kafka-connect-datagen's own quickstarts use: records (nested too),
``int``/``long``/``float``/``double``/``boolean``/``string``, ``enum``, ``["null", T]`` unions,
``timestamp-millis`` and the ``arg.properties`` ``range``, ``iteration``, ``options`` and
``regex``. A ``regex`` is approximated as its literal prefix followed by a number with as
many digits as the pattern has character classes (``User_[1-9]`` gives ``User_1``..``User_9``).
Arrays, maps, bytes and fixed are refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from fastconnect.api import ConfigError, connect_schema_to_field

TIMESTAMP_RANGE = (1704067200000, 1735689600000)  # 2024, UTC, in ms

QUICKSTART = "quickstart"
SCHEMA_STRING = "schema.string"
SCHEMA_FILENAME = "schema.filename"
SCHEMA_KEYFIELD = "schema.keyfield"
KEY_FIELD = "key.field"
FIELDS = "fields"
VALUE_SIZE_BYTES = "value.size.bytes"
PADDING = "padding"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of the generated value.

    ``type`` is a Connect type name (``int32``, ``int64``, ``float``, ``double``, ``boolean``,
    ``string``) or ``timestamp`` or ``struct``; ``mode`` is ``random``, ``iteration``,
    ``options`` or ``prefix``.
    """

    name: str
    type: str
    mode: str = "random"
    low: float | None = None
    high: float | None = None
    step: float = 1
    length: int = 8
    options: tuple = ()
    prefix: str = ""
    optional: bool = False
    fields: tuple[ColumnSpec, ...] = ()
    record_name: str | None = None


def _regex(name: str, type_: str, pattern: str) -> ColumnSpec:
    prefix = re.match(r"[^\\\[\](){}?*+.|^$]*", pattern).group(0)
    digits = max(1, len(re.findall(r"\[[^\]]*\]", pattern)))
    return ColumnSpec(name, type_, "prefix", 1, 10 ** digits - 1, prefix=prefix)


# --- Avro subset ------------------------------------------------------------------------

_AVRO_TYPES = {"int": "int32", "long": "int64", "float": "float", "double": "double",
               "boolean": "boolean", "string": "string"}


def compile_avro(schema: Any, key: str) -> tuple[str, tuple[ColumnSpec, ...]]:
    """The record name and columns of an Avro record schema; ConfigError naming ``key``."""
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError as error:
            raise ConfigError.invalid(key, _short(schema), f"not a JSON Avro schema: {error}")
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise ConfigError.invalid(key, _short(schema), "the schema must be an Avro record")
    column = _avro_column(schema.get("name", "record"), schema, key, None, schema.get("namespace"))
    return column.record_name, column.fields


def _avro_column(name: str, avro: Any, key: str, props: dict | None,
                 namespace: str | None) -> ColumnSpec:
    optional = False
    if isinstance(avro, list):
        branches = [b for b in avro if b != "null"]
        if len(branches) != 1:
            raise ConfigError.invalid(key, _short(avro), f"field {name!r}: only [\"null\", T] "
                                      "unions are supported")
        avro, optional = branches[0], True
    if isinstance(avro, str):
        avro = {"type": avro}
    if not isinstance(avro, dict):
        raise ConfigError.invalid(key, _short(avro), f"field {name!r} has no usable type")
    if isinstance(avro.get("type"), (dict, list)):
        inner = _avro_column(name, avro["type"], key, avro.get("arg.properties") or props,
                             namespace)
        return _with(inner, optional=optional or inner.optional)
    props = avro.get("arg.properties") or props or {}
    kind = avro.get("type")
    if kind == "record":
        namespace = avro.get("namespace", namespace)
        full = f"{namespace}.{avro.get('name')}" if namespace else avro.get("name")
        fields = tuple(_avro_column(f.get("name"), f.get("type"), key, f.get("arg.properties"),
                                    namespace) for f in avro.get("fields", []))
        return ColumnSpec(name, "struct", fields=fields, optional=optional, record_name=full)
    if kind == "enum":
        return ColumnSpec(name, "string", "options", options=tuple(avro.get("symbols", ())),
                          optional=optional)
    if kind not in _AVRO_TYPES:
        raise ConfigError.invalid(key, _short(avro), f"field {name!r}: Avro type {kind!r} is "
                                  "not supported by datagen here (use int, long, float, double, "
                                  "boolean, string, enum or record)")
    type_ = _AVRO_TYPES[kind]
    if kind == "long" and avro.get("logicalType") == "timestamp-millis":
        type_ = "timestamp"
    if "options" in props:
        spec = ColumnSpec(name, type_, "options", options=tuple(props["options"]))
    elif "iteration" in props:
        it = props["iteration"]
        spec = ColumnSpec(name, type_, "iteration", low=it.get("start", 0), step=it.get("step", 1))
    elif "regex" in props and type_ == "string":
        spec = _regex(name, type_, props["regex"])
    elif "range" in props:
        spec = ColumnSpec(name, type_, low=props["range"].get("min"),
                          high=props["range"].get("max"))
    else:
        spec = ColumnSpec(name, type_, length=int(props.get("length", 8)))
    return _with(spec, optional=optional)


def _with(spec: ColumnSpec, **changes: Any) -> ColumnSpec:
    return ColumnSpec(**{**{s: getattr(spec, s) for s in ColumnSpec.__slots__}, **changes})


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- the ``fields`` spec: id:seq,user:string(12),amount:float64(0,100),ts:timestamp ------

_FIELD = re.compile(r"\s*([A-Za-z_][\w.]*)\s*:\s*([a-z0-9]+)\s*(?:\(([^)]*)\))?\s*")
_SPLIT = re.compile(r",(?![^(]*\))")
FIELD_TYPES = {"int32": "int32", "int64": "int64", "float32": "float", "float64": "double",
               "boolean": "boolean", "string": "string", "timestamp": "timestamp",
               "seq": "int64"}


def parse_fields(spec: str, key: str) -> tuple[ColumnSpec, ...]:
    """Columns from ``name:type[(args)]`` items separated by commas; ConfigError naming ``key``."""
    columns, seen = [], set()
    for item in _SPLIT.split(spec):
        match = _FIELD.fullmatch(item)
        if match is None:
            raise ConfigError.invalid(key, spec, f"cannot read {item.strip()!r}: expected "
                                      "name:type or name:type(args)")
        name, type_, args = match.groups()
        if type_ not in FIELD_TYPES:
            raise ConfigError.invalid(key, spec, f"field {name!r} has unknown type {type_!r}; "
                                      f"expected one of {', '.join(FIELD_TYPES)}")
        if name in seen:
            raise ConfigError.invalid(key, spec, f"field {name!r} is given twice")
        seen.add(name)
        try:
            numbers = [float(a) for a in args.split(",")] if args and args.strip() else []
        except ValueError:
            raise ConfigError.invalid(key, spec, f"field {name!r}: arguments must be numbers")
        columns.append(_field_column(name, type_, numbers, spec, key))
    return tuple(columns)


def _field_column(name: str, type_: str, args: list[float], spec: str, key: str) -> ColumnSpec:
    connect = FIELD_TYPES[type_]
    wanted = {"string": (0, 1), "boolean": (0, 0), "timestamp": (0, 0)}.get(type_, (0, 2))
    if not wanted[0] <= len(args) <= wanted[1]:
        raise ConfigError.invalid(key, spec, f"field {name!r}: {type_} takes at most "
                                  f"{wanted[1]} argument(s), got {len(args)}")
    if type_ == "string":
        length = int(args[0]) if args else 8
        if length < 0:
            raise ConfigError.invalid(key, spec, f"field {name!r}: length must be >= 0")
        return ColumnSpec(name, connect, length=length)
    if type_ == "seq":
        start, step = (args + [0, 1][len(args):])[:2]
        return ColumnSpec(name, connect, "iteration", low=start, step=step)
    if len(args) == 1 or (len(args) == 2 and args[0] > args[1]):
        raise ConfigError.invalid(key, spec, f"field {name!r}: give a range as (min,max)")
    return ColumnSpec(name, connect, low=args[0] if args else None,
                      high=args[1] if args else None)


# --- quickstarts: the shapes of kafka-connect-datagen's presets of the same names -----------

PRESETS: dict[str, tuple[dict, str]] = {
    "users": ({
        "namespace": "ksql", "name": "users", "type": "record", "fields": [
            {"name": "registertime", "type": {"type": "long", "arg.properties": {
                "range": {"min": 1487715775521, "max": 1519273364600}}}},
            {"name": "userid", "type": {"type": "string", "arg.properties": {
                "regex": "User_[1-9]{0,1}"}}},
            {"name": "regionid", "type": {"type": "string", "arg.properties": {
                "regex": "Region_[1-9]?"}}},
            {"name": "gender", "type": {"type": "string", "arg.properties": {
                "options": ["MALE", "FEMALE", "OTHER"]}}},
        ]}, "userid"),
    "pageviews": ({
        "namespace": "ksql", "name": "pageviews", "type": "record", "fields": [
            {"name": "viewtime", "type": {"type": "long", "arg.properties": {
                "iteration": {"start": 1, "step": 10}}}},
            {"name": "userid", "type": {"type": "string", "arg.properties": {
                "regex": "User_[1-9]{0,1}"}}},
            {"name": "pageid", "type": {"type": "string", "arg.properties": {
                "regex": "Page_[1-9][0-9]?"}}},
        ]}, "viewtime"),
    "orders": ({
        "namespace": "ksql", "name": "orders", "type": "record", "fields": [
            {"name": "ordertime", "type": {"type": "long", "arg.properties": {
                "range": {"min": 1487715775521, "max": 1519273364600}}}},
            {"name": "orderid", "type": {"type": "int", "arg.properties": {
                "iteration": {"start": 0}}}},
            {"name": "itemid", "type": {"type": "string", "arg.properties": {
                "regex": "Item_[1-9][0-9]{0,2}"}}},
            {"name": "orderunits", "type": {"type": "double", "arg.properties": {
                "range": {"min": 0.1, "max": 10.0}}}},
            {"name": "address", "type": {"name": "address", "type": "record", "fields": [
                {"name": "city", "type": {"type": "string", "arg.properties": {
                    "regex": "City_[1-9]{0,2}"}}},
                {"name": "state", "type": {"type": "string", "arg.properties": {
                    "regex": "State_[1-9]{0,2}"}}},
                {"name": "zipcode", "type": {"type": "long", "arg.properties": {
                    "range": {"min": 10000, "max": 99999}}}},
            ]}},
        ]}, "orderid"),
}


# --- the shape a configuration chooses ----------------------------------------------------

class Shape:
    """What one configuration generates: the value field, its columns, and the key column."""

    def __init__(self, parsed: Mapping[str, Any]) -> None:
        sources = [k for k in (QUICKSTART, SCHEMA_STRING, SCHEMA_FILENAME, FIELDS) if parsed[k]]
        if len(sources) != 1:
            reason = ("one of them must be set" if not sources
                      else f"only one may be set, got {', '.join(sources)}")
            raise ConfigError(f"Invalid configuration {sources[-1] if sources else QUICKSTART}: "
                              f"{QUICKSTART}, {SCHEMA_STRING}, {SCHEMA_FILENAME} and {FIELDS} "
                              f"choose the record shape; {reason}",
                              sources[-1] if sources else QUICKSTART)
        source, default_key = sources[0], ""
        if source == QUICKSTART:
            name = parsed[QUICKSTART].lower()
            if name not in PRESETS:
                raise ConfigError.invalid(QUICKSTART, parsed[QUICKSTART],
                                          f"String must be one of: {', '.join(PRESETS)}")
            record_name, columns = compile_avro(PRESETS[name][0], QUICKSTART)
            default_key = PRESETS[name][1]
        elif source == SCHEMA_STRING:
            record_name, columns = compile_avro(parsed[SCHEMA_STRING], SCHEMA_STRING)
        elif source == SCHEMA_FILENAME:
            try:
                with open(parsed[SCHEMA_FILENAME], encoding="utf-8") as schema_file:
                    text = schema_file.read()
            except OSError as error:
                raise ConfigError.invalid(SCHEMA_FILENAME, parsed[SCHEMA_FILENAME],
                                          error.strerror or str(error)) from None
            record_name, columns = compile_avro(text, SCHEMA_FILENAME)
        else:
            record_name, columns = "fastconnect.datagen.Record", parse_fields(parsed[FIELDS], FIELDS)
        self.record_name = record_name
        self.columns = columns
        key_key = KEY_FIELD if parsed[KEY_FIELD] else SCHEMA_KEYFIELD
        self.key = parsed[KEY_FIELD] or parsed[SCHEMA_KEYFIELD] or default_key
        names = [c.name for c in columns]
        if self.key and self.key not in names:
            raise ConfigError.invalid(key_key, self.key, f"no such field; fields are {names}")
        if self.key and next(c for c in columns if c.name == self.key).type == "struct":
            raise ConfigError.invalid(key_key, self.key, "a struct field cannot be the key")
        if parsed[VALUE_SIZE_BYTES]:
            if PADDING in names:
                raise ConfigError.invalid(VALUE_SIZE_BYTES, parsed[VALUE_SIZE_BYTES],
                                          f"the record already has a field {PADDING!r}")
            self.columns = columns + (ColumnSpec(PADDING, "string", length=0),)
        self.field = connect_schema_to_field(self._schema(record_name, self.columns), "value")

    def _schema(self, name: str | None, columns: tuple[ColumnSpec, ...]) -> dict:
        schema = {"type": "struct", "fields": [self._column_schema(c) for c in columns],
                  "optional": False}
        if name:
            schema["name"] = name
        return schema

    def _column_schema(self, column: ColumnSpec) -> dict:
        if column.type == "struct":
            schema = self._schema(column.record_name, column.fields)
        elif column.type == "timestamp":
            schema = {"type": "int64", "name": "org.apache.kafka.connect.data.Timestamp",
                      "version": 1}
        else:
            schema = {"type": column.type}
        return {**schema, "optional": column.optional, "field": column.name}
