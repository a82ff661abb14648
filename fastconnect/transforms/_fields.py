"""What the field-level SMTs share: key/value variants, Connect facts of Arrow fields, struct
rebuilds, schemaless JSON values and KIP-821 field paths.

Kafka's SMTs see one record at a time; these helpers let them work on the ``key`` or ``value``
column at once. A typed column is rebuilt from its children (``pa.StructArray.from_arrays``,
zero-copy for the children that do not change); its field metadata carries the Connect schema
(:mod:`fastconnect.api.schema`). A null row is a tombstone, which Kafka sees as "no schema, no
value" whatever the column's schema says, so tombstones take Kafka's schemaless path.

Schemaless values are JSON text. Their objects have a key set and value types of their own in
every row (absent and null keys differ; ``1``, ``1.0`` and ``"1"`` differ), which no polars or
pyarrow JSON decoding into columns keeps, so edits of schemaless objects go through orjson, one
list comprehension per batch; type checks and wrapping stay vectorised.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import math
from typing import Any, Callable, ClassVar

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import KEY, VALUE, ConfigDef, ConfigError, DataError, Importance, Type
from fastconnect.api.schema import (
    DATE, DECIMAL, DEFAULT, DOC, NAME, OPTIONAL, PARAMETERS, SCHEMALESS_TYPE, TIME, TIMESTAMP,
    VERSION, is_schemaless_struct, java_float_str,
)

REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
REPLACE_NULL_WITH_DEFAULT_DOC = (
    "Whether to replace fields that have a default value and that are null to the default "
    "value. When set to true, the default value is used, otherwise null is used.")


def define_replace_null(config_def: ConfigDef) -> ConfigDef:
    return config_def.define(REPLACE_NULL_WITH_DEFAULT, Type.BOOLEAN, True,
                             importance=Importance.MEDIUM,
                             documentation=REPLACE_NULL_WITH_DEFAULT_DOC)


# --- $Key and $Value ------------------------------------------------------------------------

class ColumnTransformation:
    """Mixin for the ``$Key``/``$Value`` variants: ``apply`` hands one column to
    ``transform_column(batch, field, array) -> (field, array)`` and puts the result back.
    Not a Transformation itself, so the plugin registry never lists it."""

    COLUMN: ClassVar[str]
    ACCEPTS_SCHEMALESS_STRUCTS: ClassVar[bool]  # the Transformation's (this mixin comes first)

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not batch.num_rows:
            return batch
        from fastconnect.transforms._maps import to_struct, to_text  # it builds on this module

        index = batch.schema.get_field_index(self.COLUMN)
        field, array = batch.schema.field(index), batch.column(index)
        if self.ACCEPTS_SCHEMALESS_STRUCTS:
            field, array = to_struct(field, array) or (field, array)
        elif is_schemaless_struct(field):
            field, array = to_text(field, array)
        field, array = self.transform_column(batch, field, array)
        return batch.set_column(index, field.with_name(self.COLUMN), array)


class OnKey(ColumnTransformation):
    COLUMN = KEY


class OnValue(ColumnTransformation):
    COLUMN = VALUE


# --- Java's text for config errors ----------------------------------------------------------

def java_split(text: str, sep: str) -> list[str]:
    """``String.split(sep)`` for a one-character literal: trailing empty strings dropped."""
    parts = text.split(sep)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return [] if parts == [""] and text else parts


def java_list(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def valid_list(empty_allowed: bool) -> Callable[[str, Any], None]:
    """``ConfigDef.ValidList.anyNonDuplicateValues(empty_allowed, false)``."""
    def check(name: str, values: Any) -> None:
        if not empty_allowed and not values:
            raise ConfigError(f"Configuration '{name}' must not be empty. Valid values include: "
                              "any non-empty value", name)
        if len(set(values)) != len(values):
            raise ConfigError(f"Configuration '{name}' values must not be duplicated.", name)
        if "" in values:
            raise ConfigError(f"Configuration '{name}' values must not be empty.", name)
    return check


# --- Connect facts of an Arrow field --------------------------------------------------------

_JAVA = {"INT8": "java.lang.Byte", "INT16": "java.lang.Short", "INT32": "java.lang.Integer",
         "INT64": "java.lang.Long", "FLOAT32": "java.lang.Float", "FLOAT64": "java.lang.Double",
         "BOOLEAN": "java.lang.Boolean", "STRING": "java.lang.String", "BYTES": "[B",
         "ARRAY": "java.util.ArrayList", "MAP": "java.util.HashMap",
         "STRUCT": "org.apache.kafka.connect.data.Struct"}


def connect_type(t: pa.DataType) -> str:
    """The Connect ``Schema.Type`` name of an Arrow type (``INT32`` for a Date, ...)."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_integer(t):
        bits = t.bit_width * 2 if pa.types.is_unsigned_integer(t) else t.bit_width
        return f"INT{min(bits, 64)}"
    if pa.types.is_floating(t):
        return "FLOAT64" if t.bit_width == 64 else "FLOAT32"
    if pa.types.is_date(t) or pa.types.is_time(t):
        return "INT32"
    if pa.types.is_timestamp(t):
        return "INT64"
    if pa.types.is_struct(t):
        return "STRUCT"
    if pa.types.is_map(t):
        return "MAP"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return "ARRAY"
    if pa.types.is_decimal(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t) \
            or pa.types.is_fixed_size_binary(t) or pa.types.is_binary_view(t):
        return "BYTES"
    return "STRING"


def logical_of(t: pa.DataType) -> str | None:
    """The Connect logical type an Arrow type stands for, if any."""
    if pa.types.is_decimal(t):
        return DECIMAL
    if pa.types.is_date(t):
        return DATE
    if pa.types.is_time(t):
        return TIME
    if pa.types.is_timestamp(t):
        return TIMESTAMP
    return None


def java_class(t: pa.DataType) -> str:
    """The Java class of the values Kafka Connect holds for this Arrow type."""
    logical = logical_of(t)
    if logical == DECIMAL:
        return "java.math.BigDecimal"
    if logical is not None:
        return "java.util.Date"
    return _JAVA[connect_type(t)]


def is_optional(field: pa.Field) -> bool:
    flag = (field.metadata or {}).get(OPTIONAL)
    return field.nullable if flag is None else flag == b"true"


def basics(field: pa.Field, *, implied: bool = False) -> dict[bytes, bytes]:
    """Name, version, doc and parameters (Kafka's ``copySchemaBasics``). With ``implied``, the
    logical type an Arrow type stands for is written out (``connect.name`` = Date, ...)."""
    meta = field.metadata or {}
    out = {k: v for k, v in meta.items() if k in (NAME, VERSION, DOC, PARAMETERS)}
    logical = logical_of(field.type)
    if implied and logical is not None and NAME not in meta:
        out[NAME], out[VERSION] = logical.encode(), b"1"
        if logical == DECIMAL:
            params = {"scale": str(field.type.scale), **json.loads(meta.get(PARAMETERS, b"{}"))}
            out[PARAMETERS] = json.dumps(params, separators=(",", ":")).encode()
    return out


def child_field(name: str, t: pa.DataType, optional: bool,
                meta: dict[bytes, bytes] | None = None) -> pa.Field:
    """A field inside a struct: its nullability is its optionality."""
    meta = {k: v for k, v in (meta or {}).items() if k != OPTIONAL}
    return pa.field(name, t, nullable=optional, metadata=meta or None)


def column_field(name: str, t: pa.DataType, optional: bool,
                 meta: dict[bytes, bytes] | None = None) -> pa.Field:
    """A key/value column's field: always nullable (tombstones), a required schema marked."""
    meta = {k: v for k, v in (meta or {}).items() if k != OPTIONAL}
    if not optional:
        meta[OPTIONAL] = b"false"
    return pa.field(name, t, nullable=True, metadata=meta or None)


def as_child(field: pa.Field, name: str | None = None) -> pa.Field:
    return child_field(name or field.name, field.type, is_optional(field), field.metadata)


def as_column(field: pa.Field, name: str | None = None) -> pa.Field:
    return column_field(name or field.name, field.type, is_optional(field), field.metadata)


def default_json(field: pa.Field) -> Any:
    """The field's default as JSON (JsonConverter's form), or None."""
    raw = (field.metadata or {}).get(DEFAULT)
    return None if raw is None else json.loads(raw)


def with_default(meta: dict[bytes, bytes], value: Any) -> dict[bytes, bytes]:
    meta = {k: v for k, v in meta.items() if k != DEFAULT}
    if value is not None:
        meta[DEFAULT] = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return meta


def default_array(field: pa.Field) -> pa.Array | None:
    """The field's default as a one-row array of its Arrow type, or None."""
    value = default_json(field)
    return None if value is None else pa.array([_python(field.type, value)], field.type)


def _python(t: pa.DataType, v: Any) -> Any:
    """A default in JsonConverter's JSON form as the Python value pyarrow takes for ``t``."""
    if v is None:
        return None
    if pa.types.is_decimal(t):
        if isinstance(v, str):
            unscaled = int.from_bytes(base64.b64decode(v), "big", signed=True)
            return decimal.Decimal(unscaled).scaleb(-t.scale)
        return decimal.Decimal(str(v))
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return base64.b64decode(v)
    if pa.types.is_date(t):
        return datetime.date(1970, 1, 1) + datetime.timedelta(days=v)
    if pa.types.is_time(t):
        return (datetime.datetime.min + datetime.timedelta(milliseconds=v)).time()
    if pa.types.is_timestamp(t):
        return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) \
            + datetime.timedelta(milliseconds=v)
    if pa.types.is_struct(t):
        return {t.field(i).name: _python(t.field(i).type, v.get(t.field(i).name))
                for i in range(t.num_fields)}
    if pa.types.is_map(t):
        pairs = v.items() if isinstance(v, dict) else v
        return [(_python(t.key_type, k), _python(t.item_type, x)) for k, x in pairs]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [_python(t.value_type, x) for x in v]
    return v


def fill_default(field: pa.Field, array: pa.Array) -> pa.Array:
    """Kafka's ``Struct.get``: a null field value reads as the field's default."""
    if not array.null_count:
        return array
    default = default_array(field)
    return array if default is None else pc.coalesce(array, default[0])


# --- struct columns -------------------------------------------------------------------------

def first_true(mask: pa.Array) -> int | None:
    found = pc.index(mask.fill_null(False), True).as_py()
    return None if found < 0 else found


def require_struct(field: pa.Field, array: pa.Array, purpose: str, *,
                   tombstones_pass: bool = True) -> None:
    """Kafka's ``requireStruct``: every value a Struct. Tombstones take the schemaless path
    (Kafka: no schema), where they pass, or fail as ``requireMap`` does."""
    tombstone = None if tombstones_pass else first_true(array.is_null())
    other = None if pa.types.is_struct(field.type) else first_true(array.is_valid())
    if other is not None and (tombstone is None or other < tombstone):
        raise DataError(f"Only Struct objects supported for [{purpose}], found: "
                        f"{java_class(field.type)}", other)
    if tombstone is not None:
        raise DataError(_map_message(purpose, "null"), tombstone)


def children(field: pa.Field, array: pa.Array, *,
             replace_null: bool = False) -> list[tuple[pa.Field, pa.Array]]:
    """The struct's fields and their values (parent nulls not applied); with ``replace_null``
    a null value reads as the field's default, as Kafka's ``Struct.get`` does."""
    t = field.type
    out = []
    for i in range(t.num_fields):
        child = array.field(i)
        out.append((t.field(i), fill_default(t.field(i), child) if replace_null else child))
    return out


def build_struct(parts: list[tuple[pa.Field, pa.Array]], like: pa.Array,
                 row: int | None = None) -> pa.StructArray:
    """A struct array of ``parts`` whose null rows are those of ``like``. Two fields of one
    name are refused as Kafka's SchemaBuilder refuses them, for ``row`` (default: the first
    row that is not a tombstone)."""
    seen: set[str] = set()
    for f, _ in parts:
        if f.name in seen:
            raise DataError("Cannot create field because of field name duplication " + f.name,
                            row if row is not None else first_valid(like))
        seen.add(f.name)
    mask = like.is_null() if like.null_count else None
    if not parts:
        return pa.StructArray.from_arrays([], fields=[], mask=mask if mask is not None
                                          else pa.repeat(pa.scalar(False), len(like)))
    return pa.StructArray.from_arrays([a for _, a in parts], fields=[f for f, _ in parts],
                                      mask=mask)


def first_valid(array: pa.Array) -> int:
    found = first_true(array.is_valid())
    return 0 if found is None else found


# --- schemaless JSON ------------------------------------------------------------------------

def json_texts(array: pa.Array) -> list[str | None]:
    storage = array.storage if isinstance(array, pa.ExtensionArray) else array
    return storage.cast(pa.string()).to_pylist()


def json_column(texts: list[str | None] | pa.Array) -> pa.Array:
    storage = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
    return pa.ExtensionArray.from_storage(SCHEMALESS_TYPE, storage)


class Float32(float):
    """A Java Float in a schemaless value: written as Java prints it, as JsonConverter does."""


class Double(float):
    """A Java Double JSON has no number for (NaN, Infinity): Jackson writes it quoted."""


def java_double(value: float) -> float:
    return value if math.isfinite(value) else Double(value)


def _java_number(value: Any) -> Any:
    if isinstance(value, Float32):
        text = java_float_str(float(value))
        return orjson.Fragment(text) if math.isfinite(value) else text
    if isinstance(value, Double):
        if math.isfinite(value):
            return float(value)
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # integers beyond 64 bits, NaN: Jackson reads them
        return json.loads(text, parse_constant=lambda name: Double(float(name)))


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=_java_number).decode()


def json_class(value: Any) -> str:
    """The Java class JsonConverter reads a schemaless JSON value as."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Long"
    if isinstance(value, float):
        return "java.lang.Float" if isinstance(value, Float32) else "java.lang.Double"
    return {str: "java.lang.String", list: "java.util.ArrayList",
            dict: "java.util.HashMap"}[type(value)]


def _map_message(purpose: str, found: str) -> str:
    return f"Only Map objects supported in absence of schema for [{purpose}], found: {found}"


def map_error(purpose: str, value: Any, row: int) -> DataError:
    return DataError(_map_message(purpose, json_class(value)), row)


def require_maps(array: pa.Array, purpose: str, *,
                 tombstones_pass: bool = True) -> list[dict | None]:
    """Kafka's ``requireMap`` on a schemaless column: every JSON value an object; tombstones
    pass (``requireMapOrNull``) or fail. Returns the parsed objects, None for tombstones."""
    texts = json_texts(array)
    storage = array.storage if isinstance(array, pa.ExtensionArray) else array
    objects = pc.starts_with(pc.utf8_ltrim_whitespace(storage.cast(pa.string())), "{")
    bad = pc.invert(objects) if tombstones_pass else pc.invert(objects.fill_null(False))
    row = first_true(bad)
    if row is not None:
        raise map_error(purpose, None if texts[row] is None else loads(texts[row]), row)
    return [None if t is None else loads(t) for t in texts]


def dump_rows(values: list[Any]) -> pa.Array:
    """Schemaless JSON text of each value; a None value is a null row."""
    return json_column([None if v is None else dumps(v) for v in values])


# --- field paths (KIP-821) ------------------------------------------------------------------

FIELD_SYNTAX_VERSION = "field.syntax.version"
FIELD_SYNTAX_VERSION_DOC = (
    "Defines the version of the syntax to access fields. If set to <code>V1</code>, then the "
    "field paths are limited to access the elements at the root level of the struct or map. "
    "If set to <code>V2</code>, the syntax will support accessing nested elements. To access "
    "nested elements, dotted notation is used. If dots are already included in the field "
    "name, then backtick pairs can be used to wrap field names containing dots. E.g. to "
    "access the subfield <code>baz</code> from a field named \"foo.bar\" in a struct/map the "
    "following format can be used to access its elements: \"<code>foo.bar</code>.baz\".")


def _syntax_version(name: str, value: Any) -> None:
    if str(value).upper() not in ("V1", "V2"):
        raise ConfigError.invalid(name, value, "String must be one of (case insensitive): V1, V2")


def define_field_syntax_version(config_def: ConfigDef) -> ConfigDef:
    return config_def.define(FIELD_SYNTAX_VERSION, Type.STRING, "V1", _syntax_version,
                             Importance.HIGH, FIELD_SYNTAX_VERSION_DOC)


def parse_path(text: str, version: str, key: str = "field") -> list[str]:
    """The steps of a field path: V1 is the name itself; V2 splits at dots, a step wrapped in
    backticks may hold dots, and a backslash before a closing backtick keeps it."""
    if version.upper() == "V1":
        return [text]
    steps: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] != "`":
            dot = text.find(".", i)
            steps.append(text[i:] if dot < 0 else text[i:dot])
            i = n if dot < 0 else dot + 1
            continue
        opened, i = i, i + 1
        start, name = i, ""
        while True:
            i = text.find("`", i)
            if i < 0:
                _incomplete(text, opened, key)
            escaped = text[i - 1] == "\\"
            if i >= n - 1:
                if escaped:
                    _incomplete(text, opened, key)
                steps.append(name + text[start:i])
                i += 1
                break
            if text[i + 1] != ".":
                i += 1
                continue
            if escaped:
                name += text[start:i - 1] + "`"
                i += 1
                start = i
                continue
            steps.append(name + text[start:i])
            i += 2
            break
    if text.endswith("."):
        steps.append("")
    return steps


def _incomplete(text: str, at: int, key: str) -> None:
    raise ConfigError(f"Incomplete backtick pair in path: [{text}], consider adding a backslash "
                      f"before backtick at position {at} to escape it", key)
