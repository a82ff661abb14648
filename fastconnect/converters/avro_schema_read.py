"""Avro schemas -> Connect schemas, as Confluent's ``AvroData.toConnectSchema`` reads them.

See :mod:`fastconnect.converters.avro_schema` for the mapping. Reading also accepts what
only other producers write: enums (strings with ``io.confluent.connect.avro.Enum``
parameters), fixed (bytes with ``connect.fixed.size``), unions of several types (structs
``io.confluent.connect.avro.Union``), record and field docs (parameters), and field
defaults without ``connect.default`` (marked ``io.confluent.connect.avro.field.default``).
A default Connect cannot hold is dropped, as AvroData drops it (with a warning).
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from fastconnect.api.errors import DataError
from fastconnect.api.schema import DATE, DECIMAL, TIME, TIMESTAMP
from fastconnect.converters.avro_schema import (
    DECIMAL_PRECISION, DEFAULT_NAME, DEFAULT_PRECISION, ENUM, ENUM_DEFAULT, ENUM_DOC,
    FIELD_DEFAULT_FLAG, FIELD_DOC, FIXED_SIZE, INTERNAL_TYPE, MAP_ENTRY, NAMED, NAMESPACE,
    PRIMITIVES, RECORD_DOC, UNION, full_name, split_name,
)

if TYPE_CHECKING:
    from fastconnect.converters.avro_schema import AvroData

__all__ = ["ToConnect"]

_MISSING: Any = object()


class _BadDefault(Exception):
    """A default that Connect cannot hold: AvroData drops it (and logs), so do we."""


class ToConnect:
    """One conversion: the named types met so far, and the records being converted."""

    def __init__(self, data: AvroData) -> None:
        self.data = data
        self.meta = data.connect_meta
        self.names: dict[str, tuple[dict, str | None]] = {}  # full name -> (definition, ns)
        self.building: set[str] = set()

    def resolve(self, s: Any, space: str | None) -> tuple[Any, str | None]:
        """The definition behind a schema or a name reference, and its namespace."""
        if isinstance(s, str):
            if s in PRIMITIVES:
                return {"type": s}, space
            full = s if "." in s or not space else f"{space}.{s}"
            if full not in self.names and s in self.names:
                full = s
            if full in self.building:
                raise DataError(f"Recursive Avro schema {full} cannot be converted to Connect")
            if full not in self.names:
                raise DataError(f"Avro schema refers to the undefined type {s}")
            return self.names[full]
        if isinstance(s, dict):
            if isinstance(s.get("type"), (dict, list)):
                return self.resolve(s["type"], space)
            if s.get("type") in NAMED:
                full = full_name(s, space)
                ns = split_name(full)[0]
                self.names.setdefault(full, (s, ns))
                return s, ns
        return s, space

    def convert(self, s: Any, space: str | None, force_optional: bool = False,
                field_default: Any = _MISSING, version: int | None = None) -> dict:
        node, space = self.resolve(s, space)
        if isinstance(node, list):
            nonnull = [m for m in node if m != "null" and m != {"type": "null"}]
            if len(node) == 2 and len(nonnull) == 1:
                return self.convert(nonnull[0], space, True)
            return self.union(node, space, force_optional, field_default, version)
        t = node["type"]
        props = node
        logical = node.get("logicalType")
        out: dict = {"type": None, "optional": False}
        params: dict[str, str] = {}
        full = full_name(node, space) if t in NAMED else None
        if full is not None:
            self.building.add(full)
        try:
            if t in ("boolean", "string", "double", "float"):
                out["type"] = t
            elif t in ("bytes", "fixed"):
                out["type"] = "bytes"
                if logical == "decimal":
                    scale = node.get("scale")
                    out.update(name=DECIMAL, version=1)
                    params["scale"] = str(scale if isinstance(scale, int) else 0)
                    precision = node.get("precision")
                    if precision is not None:
                        if not isinstance(precision, int):
                            raise DataError("precision property must be a JSON Integer. "
                                            "https://avro.apache.org/docs/1.9.1/spec.html#Decimal")
                        if precision != DEFAULT_PRECISION:
                            params[DECIMAL_PRECISION] = str(precision)
                if t == "fixed":
                    params[FIXED_SIZE] = str(node["size"])
            elif t == "int":
                out["type"] = "int32"
                if logical == "date":
                    out.update(name=DATE, version=1)
                elif logical == "time-millis":
                    out.update(name=TIME, version=1)
                elif logical is None and node.get("connect.type") is not None:
                    if node["connect.type"] not in ("int8", "int16"):
                        raise DataError("Connect type annotation for Avro int field is null")
                    out["type"] = node["connect.type"]
            elif t == "long":
                out["type"] = "int64"
                if logical == "timestamp-millis":
                    out.update(name=TIMESTAMP, version=1)
            elif t == "array":
                self.array(node, space, out)
            elif t == "map":
                out.update(type="map", keys={"type": "string", "optional": False},
                           values=self.convert(node["values"], space))
            elif t == "record":
                out["type"] = "struct"
                if self.meta and node.get("doc") is not None:
                    params[RECORD_DOC] = node["doc"]
                fields = []
                for f in node["fields"]:
                    if self.meta and f.get("doc") is not None:
                        params[FIELD_DOC + f["name"]] = f["doc"]
                    child = self.convert(f["type"], split_name(full)[0],
                                         field_default=f.get("default", _MISSING))
                    fields.append({**child, "field": f["name"]})
                out["fields"] = fields
            elif t == "enum":
                out["type"] = "string"
                short = split_name(full)[1]
                if self.meta and node.get("doc") is not None:
                    params[ENUM_DOC + short] = node["doc"]
                if self.meta and node.get("default") is not None:
                    params[ENUM_DEFAULT + short] = node["default"]
                params[ENUM] = full
                for symbol in node["symbols"]:
                    params[f"{ENUM}.{symbol}"] = symbol
            elif t == "null":
                raise DataError("Standalone null schemas are not supported by this converter")
            else:
                raise DataError(f"Couldn't translate unsupported schema type {t}.")
        finally:
            if full is not None:
                self.building.discard(full)
        return self.finish(out, props, params, node, space, full, force_optional,
                           field_default, version)

    def array(self, node: dict, space: str | None, out: dict) -> None:
        items, item_space = self.resolve(node["items"], space)
        entry = isinstance(items, dict) and items.get("type") == "record" and (
            full_name(items, item_space) == f"{NAMESPACE}.{MAP_ENTRY}"
            or items.get(INTERNAL_TYPE) == MAP_ENTRY)
        if not entry:
            out.update(type="array", items=self.convert(node["items"], space))
            return
        fields = {f["name"]: f for f in items["fields"]}
        if len(items["fields"]) != 2 or "key" not in fields or "value" not in fields:
            raise DataError("Found map encoded as array of key-value pairs, but array elements "
                            "do not match the expected format.")
        inner = split_name(full_name(items, item_space))[0]
        out.update(type="map", keys=self.convert(fields["key"]["type"], inner),
                   values=self.convert(fields["value"]["type"], inner))

    def union(self, members: list, space: str | None, force_optional: bool,
              field_default: Any, version: int | None) -> dict:
        out: dict = {"type": "struct", "optional": False, "name": UNION, "fields": []}
        seen = set()
        for member in members:
            node, member_space = self.resolve(member, space)
            if isinstance(node, dict) and node.get("type") == "null":
                out["optional"] = True
                continue
            if isinstance(node, dict) and node.get("type") in NAMED:
                full = full_name(node, member_space)
                name = full if self.data.enhanced else split_name(full)[1]
            else:
                name = "union" if isinstance(node, list) else node["type"]
            if name in seen:
                raise DataError("Multiple union schemas map to the Connect union field name")
            seen.add(name)
            out["fields"].append({**self.convert(member, space, True), "field": name})
        if version is not None:
            out["version"] = version
        if field_default is not _MISSING and self.meta:
            out["parameters"] = {FIELD_DEFAULT_FLAG: "true"}
        if force_optional:
            out["optional"] = True
        return out  # a union's default is its first member's value, which Connect refuses

    def finish(self, out: dict, props: dict, params: dict, node: dict, space: str | None,
               full: str | None, force_optional: bool, field_default: Any,
               version: int | None) -> dict:
        if self.meta and props.get("connect.doc") is not None:
            out["doc"] = props["connect.doc"]
        connect_version = props.get("connect.version")
        if connect_version is not None:
            if not isinstance(connect_version, int) or isinstance(connect_version, bool):
                raise DataError(f"Invalid Connect version found: {connect_version}")
            version = connect_version
        if version is not None and version >= 0:
            if out.get("version") is not None and out["version"] != version:
                raise DataError("Mismatched versions: version already added to SchemaBuilder "
                                f"({out['version']}) differs from version in source schema "
                                f"({version})")
            out["version"] = version
        given = props.get("connect.parameters")
        if self.meta and given is not None:
            if not isinstance(given, dict):
                raise DataError(f"Expected JSON object for schema parameters but found: {given}")
            for k, v in given.items():
                if not isinstance(v, str):
                    raise DataError(f"Expected schema parameter values to be strings but found: "
                                    f"{json.dumps(v)}")
                params[k] = v
        for k, v in props.items():
            if k.startswith("avro"):
                params[k] = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
        connect_default = props.get("connect.default")
        if field_default is _MISSING:
            field_default = _MISSING if connect_default is None else connect_default
        elif self.meta and connect_default is None:
            params[FIELD_DEFAULT_FLAG] = "true"
        if params:
            out["parameters"] = params
        name = props.get("connect.name")
        if name is not None and not isinstance(name, str):
            raise DataError(f"Invalid schema name: {json.dumps(name)}")
        if name is None and full is not None and out.get("name") is None:
            name = full  # (AvroData would refuse a fixed decimal here: a name mismatch)
        if name is not None and not name.startswith(f"{NAMESPACE}.{DEFAULT_NAME}"):
            if out.get("name") is not None and out["name"] != name:
                raise DataError(f"Mismatched names: name already added to SchemaBuilder "
                                f"({out['name']}) differs from name in source schema ({name})")
            out["name"] = name
        if force_optional:
            out["optional"] = True
        if field_default is not _MISSING:
            try:
                value = self.default(out, node, space, field_default)
            except (_BadDefault, KeyError, TypeError, ValueError, AttributeError):
                value = None  # AvroData logs "Ignoring invalid default" and goes on
            if value is not None:
                out["default"] = value
        return out

    def default(self, s: dict, avro: Any, space: str | None, value: Any) -> Any:
        """An Avro default (Avro's JSON form) as JsonConverter's JSON of the Connect value."""
        if value is None:
            return None
        node, space = self.resolve(avro, space)
        if isinstance(node, list):
            first, first_space = self.resolve(node[0], space)
            if first.get("type") == "null":
                return None
            if s.get("name") == UNION:
                raise _BadDefault()
            return self.default(s, first, first_space, value)
        t = node["type"]
        if t in ("int", "long"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _BadDefault()
            return int(value)
        if t in ("float", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _BadDefault()
            return float(value)
        if t == "boolean":
            return value is True
        if t in ("string", "enum"):
            if not isinstance(value, str):
                raise _BadDefault()
            return value
        if t in ("bytes", "fixed"):
            if not isinstance(value, str):
                raise _BadDefault()
            return base64.b64encode(value.encode("latin-1")).decode("ascii")
        if t == "array":
            if s["type"] != "array" or not isinstance(value, list):
                raise _BadDefault()  # a MapEntry array: AvroData cannot read it back either
            return [self.default(s["items"], node["items"], space, v) for v in value]
        if t == "map":
            if not isinstance(value, dict):
                raise _BadDefault()
            return {k: self.default(s["values"], node["values"], space, v)
                    for k, v in value.items()}
        if t == "record":
            if not isinstance(value, dict):
                raise _BadDefault()
            inner = split_name(full_name(node, space))[0]
            out = {}
            for child, f in zip(s["fields"], node["fields"]):
                v = self.default(child, f["type"], inner, value.get(f["name"]))
                if v is None and not child.get("optional"):
                    raise _BadDefault()
                out[f["name"]] = v
            return out
        raise _BadDefault()
