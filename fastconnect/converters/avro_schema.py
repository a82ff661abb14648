"""Connect schemas <-> Avro schemas, as Confluent's ``AvroData`` maps them.

Connect schemas are in the JSON form of :mod:`fastconnect.api.schema` (``{"type": "struct",
"fields": [...], "optional": false, ...}``, defaults as JsonConverter's JSON). Avro schemas
are their JSON text, written with the keys, order and named-type references of Avro Java's
``Schema.toString()``, so that a schema registered by this converter is the one Confluent's
AvroConverter registers for the same Connect schema.

The mapping (``AvroData.fromConnectSchema`` / ``toConnectSchema``):

- int8/int16 are Avro ``int`` with ``connect.type``; int32/int64/float/double/boolean/
  string/bytes their Avro twins; arrays arrays.
- optional: a union with ``null`` first and field default null; ``null`` last when the
  schema has a non-null default, which is then the field's default.
- struct: a record named by the schema name, or ``io.confluent.connect.avro.ConnectDefault``
  (then ``ConnectDefault2``, ``3``... for further unnamed structs in the same schema).
- map with required string keys: Avro map; any other key: an array of records
  ``io.confluent.connect.avro.MapEntry`` ``{key, value}``.
- Decimal: bytes with logicalType decimal, scale, and precision from the
  ``connect.decimal.precision`` parameter (64 when absent); Date: int ``date``; Time: int
  ``time-millis``; Timestamp: long ``timestamp-millis``.
- ``connect.name``, ``connect.version``, ``connect.doc``, ``connect.parameters``,
  ``connect.default`` properties carry what Avro cannot (``connect.meta.data``).
- reading only: an Avro enum is a string with ``io.confluent.connect.avro.Enum*``
  parameters (written back as an enum with ``enhanced.avro.schema.support``); fixed is bytes
  with ``connect.fixed.size``; a union other than ``[null, T]`` is a struct
  ``io.confluent.connect.avro.Union`` with one optional field per member, named after the
  member's type (``int``, ``string``, a record's name).

Recursive Avro records cannot become Arrow types and are refused.
"""

from __future__ import annotations

import base64
import decimal
import json
from dataclasses import dataclass
from typing import Any

from fastconnect.api.errors import DataError
from fastconnect.api.schema import DATE, DECIMAL, TIME, TIMESTAMP

__all__ = [
    "AvroData", "ANYTHING", "ANYTHING_SCHEMA", "ENUM", "MAP_ENTRY", "NAMESPACE", "UNION", "avro_text",
    "full_name", "record_name",
]

NAMESPACE = "io.confluent.connect.avro"
DEFAULT_NAME = "ConnectDefault"
MAP_ENTRY = "MapEntry"
UNION = NAMESPACE + ".Union"
ENUM = NAMESPACE + ".Enum"
ANYTHING = NAMESPACE + ".Anything"
RECORD_DOC = NAMESPACE + ".record.doc"
FIELD_DOC = NAMESPACE + ".field.doc."
ENUM_DOC = NAMESPACE + ".enum.doc."
ENUM_DEFAULT = NAMESPACE + ".enum.default."
FIELD_DEFAULT_FLAG = NAMESPACE + ".field.default"
INTERNAL_TYPE = "connect.internal.type"
FIXED_SIZE = "connect.fixed.size"
DECIMAL_PRECISION = "connect.decimal.precision"
DEFAULT_PRECISION = 64

_TO_AVRO = {"int32": "int", "int64": "long", "float": "float", "double": "double",
            "boolean": "boolean", "string": "string", "bytes": "bytes"}
_LOGICAL = {DATE: "date", TIME: "time-millis", TIMESTAMP: "timestamp-millis"}
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
NAMED = ("record", "enum", "fixed")
_STRUCTURE = {"type", "name", "namespace", "doc", "fields", "symbols", "default", "size",
              "items", "values", "aliases"}

#: Confluent's record for values without a Connect schema: one optional field per kind.
ANYTHING_SCHEMA: dict = {"type": "record", "name": "Anything", "namespace": NAMESPACE, "fields": [
    *({"name": kind, "type": ["null", kind], "default": None}
      for kind in ("boolean", "bytes", "double", "float", "int", "long", "string")),
    {"name": "array", "type": ["null", {"type": "array", "items": "Anything"}], "default": None},
    {"name": "map", "default": None, "type": ["null", {"type": "array", "items": {
        "type": "record", "name": MAP_ENTRY, "namespace": NAMESPACE, "fields": [
            {"name": "key", "type": "Anything"}, {"name": "value", "type": "Anything"}]}}]},
]}


def full_name(node: dict, space: str | None = None) -> str:
    """The full name of a named Avro type, given the enclosing namespace."""
    name = node["name"]
    if "." in name:
        return name
    ns = node.get("namespace", space)
    return f"{ns}.{name}" if ns else name


def record_name(avro: Any) -> str | None:
    """The full name of a record schema (what RecordNameStrategy uses); None otherwise."""
    if isinstance(avro, dict) and avro.get("type") == "record":
        return full_name(avro)
    return None


def split_name(name: str) -> tuple[str | None, str]:
    ns, _, short = name.rpartition(".")
    return ns or None, short


def _strip(field_entry: dict) -> dict:
    return {k: v for k, v in field_entry.items() if k != "field"}


@dataclass(frozen=True)
class AvroData:
    """The two schema conversions, with AvroData's ``enhanced.avro.schema.support`` and
    ``connect.meta.data`` settings. Stateless: callers cache what they convert."""

    enhanced: bool = False
    connect_meta: bool = True

    def from_connect_schema(self, schema: dict) -> Any:
        """The Avro schema (JSON object, named types nested in full) of a Connect schema.

        Raises DataError for a schema Avro cannot express (a bad Decimal scale, a name
        defined twice with different content).
        """
        try:
            return _FromConnect(self).schema(schema)
        except (KeyError, ValueError, TypeError) as error:
            raise DataError(f"Cannot convert the Connect schema to Avro: {error!r}") from None

    def to_connect_schema(self, avro: Any, version: int | None = None) -> dict | None:
        """The Connect schema (JSON form) of an Avro schema (JSON object or text).

        ``version`` is the registry version, used when the schema has no ``connect.version``.
        ``None`` for Confluent's schemaless ``Anything`` record.
        """
        if isinstance(avro, (str, bytes)) and not (isinstance(avro, str) and avro in PRIMITIVES):
            avro = json.loads(avro)
        if isinstance(avro, dict) and avro.get("type") == "record" and full_name(avro) == ANYTHING:
            return None
        from fastconnect.converters.avro_schema_read import ToConnect
        return ToConnect(self).convert(avro, None, version=version)


# --- Connect -> Avro ------------------------------------------------------------------------

class _FromConnect:
    def __init__(self, data: AvroData) -> None:
        self.enhanced = data.enhanced
        self.meta = data.connect_meta
        self.seen: dict[str, Any] = {}  # required schemas already converted, by content
        self.cycles: dict[str, dict] = {}  # struct name -> its record, as AvroData resolves
        self.index = 0  # unnamed records so far: ConnectDefault, ConnectDefault2, ...

    def name_or_default(self, name: str | None) -> tuple[str | None, str]:
        if name is not None:
            return split_name(name)
        self.index += 1
        return NAMESPACE, DEFAULT_NAME + (str(self.index) if self.index > 1 else "")

    def with_cycle(self, s: dict, ignore_optional: bool = False) -> Any:
        name = s.get("name")
        if name is not None and name in self.cycles:
            resolved: Any = self.cycles[name]
            return resolved if ignore_optional else _maybe_optional(s, resolved)
        return self.schema(s, ignore_optional)

    def schema(self, s: dict, ignore_optional: bool = False) -> Any:
        kind, name = s["type"], s.get("name")
        params = s.get("parameters") or {}
        optional = bool(s.get("optional"))
        is_union = kind == "struct" and name == UNION
        key = json.dumps(s, sort_keys=True)
        if not is_union and not optional and key in self.seen:
            return self.seen[key]
        connect_type = None
        base: Any
        if kind in ("int8", "int16"):
            base, connect_type = {"type": "int"}, kind
        elif kind == "string" and self.enhanced and ENUM in params:
            base = self.enum(params, name)
        elif kind == "bytes":
            if name is not None and FIXED_SIZE in params:
                ns, short = self.name_or_default(name)
                base = {"type": "fixed", "name": short, "namespace": ns,
                        "size": int(params[FIXED_SIZE])}
            else:
                base = {"type": "bytes"}
            if name == DECIMAL:
                base["scale"] = int(params["scale"])
                base["precision"] = int(params.get(DECIMAL_PRECISION, DEFAULT_PRECISION))
        elif kind in _TO_AVRO:
            base = {"type": _TO_AVRO[kind]}
        elif kind == "array":
            base = {"type": "array", "items": self.with_cycle(s["items"])}
        elif kind == "map":
            base = self.map(s, name)
        elif kind == "struct":
            if is_union:
                members = [self.with_cycle({**_strip(f), "optional": False}, True)
                           for f in s["fields"]]
                return (["null"] if optional else []) + members
            if optional:
                final = ["null", self.with_cycle({**s, "optional": False})]
                return final
            base = self.record(s, name, params)
        else:
            raise DataError(f"Unknown schema type: {kind}")

        if self.meta:
            if s.get("doc") is not None:
                base["connect.doc"] = s["doc"]
            if s.get("version") is not None:
                base["connect.version"] = s["version"]
            shown = {k: v for k, v in params.items() if k != FIELD_DEFAULT_FLAG}
            if shown:
                base["connect.parameters"] = shown
            if s.get("default") is not None and FIELD_DEFAULT_FLAG not in params:
                base["connect.default"] = self.default(s, s["default"])
            if name is not None:
                base["connect.name"] = name
            if connect_type is not None:
                base["connect.type"] = connect_type
        if name == DECIMAL:
            base["logicalType"] = "decimal"
        elif name in _LOGICAL:
            base["logicalType"] = _LOGICAL[name]
        for k, v in params.items():
            if k.startswith("avro") and k not in base:
                base[k] = v
        final = base if ignore_optional else _maybe_optional(s, base)
        if not optional:
            self.seen[key] = final
        return final

    def enum(self, params: dict, name: str | None) -> dict:
        prefix = ENUM + "."
        symbols = [k[len(prefix):] for k in params if k.startswith(prefix)]
        short = self.name_or_default(name)[1]
        ns, enum_short = split_name(params[ENUM])
        node: dict = {"type": "enum", "name": enum_short, "namespace": ns}
        if params.get(ENUM_DOC + short) is not None:
            node["doc"] = params[ENUM_DOC + short]
        node["symbols"] = symbols
        if params.get(ENUM_DEFAULT + short) is not None:
            node["default"] = params[ENUM_DEFAULT + short]
        return node

    def map(self, s: dict, name: str | None) -> dict:
        keys = s["keys"]
        if keys["type"] == "string" and not keys.get("optional"):
            return {"type": "map", "values": self.with_cycle(s["values"])}
        if name is None:
            entry: dict = {"type": "record", "name": MAP_ENTRY, "namespace": NAMESPACE}
        else:
            ns, short = self.name_or_default(name)
            entry = {"type": "record", "name": short, "namespace": ns}
        entry["fields"] = [self.field("key", keys, None), self.field("value", s["values"], None)]
        if name is not None:
            entry[INTERNAL_TYPE] = MAP_ENTRY
        return {"type": "array", "items": entry}

    def record(self, s: dict, name: str | None, params: dict) -> dict:
        ns, short = self.name_or_default(name)
        record: dict = {"type": "record", "name": short, "namespace": ns}
        if params.get(RECORD_DOC) is not None:
            record["doc"] = params[RECORD_DOC]
        if name is not None:
            self.cycles[name] = record
        record["fields"] = [self.field(f["field"], _strip(f), params.get(FIELD_DOC + f["field"]))
                            for f in s["fields"]]
        return record

    def field(self, name: str, s: dict, doc: str | None) -> dict:
        avro = self.schema(s)
        out: dict = {"name": name, "type": avro}
        if doc is not None:
            out["doc"] = doc
        if s.get("default") is not None:
            value = self.default(s, s["default"])
            if _valid_default(avro, value):  # else AvroData drops it with a warning
                out["default"] = value
        elif s.get("optional") and _valid_default(avro, None):
            out["default"] = None
        return out

    def default(self, s: dict, value: Any) -> Any:
        """A Connect default (JsonConverter's JSON) as Avro's JSON form of that value."""
        if value is None:
            return None
        kind = s["type"]
        if kind == "bytes":
            if s.get("name") == DECIMAL:
                raw = _decimal_bytes(value, int((s.get("parameters") or {}).get("scale", 0)))
            else:
                raw = base64.b64decode(value)
            return raw.decode("latin-1")
        if kind == "array":
            return [self.default(s["items"], v) for v in value]
        if kind == "map":
            keys = s["keys"]
            if keys["type"] == "string" and not keys.get("optional"):
                return {k: self.default(s["values"], v) for k, v in value.items()}
            return [[self.default(keys, k), self.default(s["values"], v)] for k, v in value]
        if kind == "struct":
            return {f["field"]: self.default(_strip(f), value.get(f["field"], f.get("default")))
                    for f in s["fields"]}
        return value


def _maybe_optional(s: dict, base: Any) -> Any:
    if not s.get("optional"):
        return base
    return [base, "null"] if s.get("default") is not None else ["null", base]


def _decimal_bytes(value: Any, scale: int) -> bytes:
    if isinstance(value, str):
        return base64.b64decode(value)
    unscaled = int(decimal.Decimal(str(value)).scaleb(scale))
    bits = unscaled.bit_length() if unscaled >= 0 else (~unscaled).bit_length()
    return unscaled.to_bytes(bits // 8 + 1, "big", signed=True)


def _valid_default(avro: Any, value: Any) -> bool:
    """Avro Java's ``Schema.isValidDefault`` on our in-memory schema."""
    if isinstance(avro, list):
        return bool(avro) and _valid_default(avro[0], value)
    t = avro if isinstance(avro, str) else avro["type"]
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t in ("int", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if t in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t in ("string", "bytes", "fixed", "enum"):
        return isinstance(value, str)
    if t == "array":
        return isinstance(value, list) and all(_valid_default(avro["items"], v) for v in value)
    if t == "map":
        return isinstance(value, dict) and all(_valid_default(avro["values"], v)
                                               for v in value.values())
    if t == "record":
        return isinstance(value, dict) and all(
            _valid_default(f["type"], value[f["name"]]) if f["name"] in value
            else "default" in f for f in avro["fields"])
    return False


# --- Avro JSON text, as Avro Java's Schema.toString() writes it -----------------------------

def avro_text(avro: Any) -> str:
    """The schema's JSON text: Avro Java's key order, each named type defined once and
    referred to by name after, namespaces written relative to the enclosing one."""
    return json.dumps(_Writer().write(avro, None), separators=(",", ":"), ensure_ascii=False)


class _Writer:
    def __init__(self) -> None:
        self.names: dict[str, Any] = {}

    def write(self, s: Any, space: str | None) -> Any:
        if isinstance(s, list):
            return [self.write(member, space) for member in s]
        if isinstance(s, str):
            return s
        t = s["type"]
        if t in NAMED:
            full = full_name(s)
            known = self.names.get(full)
            if known is not None:
                try:
                    same = known is s or known == s
                except RecursionError:
                    same = False
                if not same:
                    raise DataError(f"Can't redefine: {full}")
                ns = s.get("namespace") if "." not in s["name"] else split_name(s["name"])[0]
                return s["name"] if ns is None or ns == space else full
            self.names[full] = s
            out: dict = {"type": t, "name": s["name"]}
            ns = s.get("namespace")
            if ns is not None:
                if ns != space:
                    out["namespace"] = ns
            elif space is not None:
                out["namespace"] = ""
            if s.get("doc") is not None:
                out["doc"] = s["doc"]
            if t == "record":
                out["fields"] = [self.field(f, ns) for f in s["fields"]]
            elif t == "enum":
                out["symbols"] = s["symbols"]
                if s.get("default") is not None:
                    out["default"] = s["default"]
            else:
                out["size"] = s["size"]
        elif t == "array":
            out = {"type": t, "items": self.write(s["items"], space)}
        elif t == "map":
            out = {"type": t, "values": self.write(s["values"], space)}
        else:
            out = {"type": t}
        for k, v in s.items():
            if k not in _STRUCTURE:
                out[k] = v
        return out if len(out) > 1 else t

    def field(self, f: dict, space: str | None) -> dict:
        out = {"name": f["name"], "type": self.write(f["type"], space)}
        if f.get("doc") is not None:
            out["doc"] = f["doc"]
        if "default" in f:
            out["default"] = f["default"]
        return out
