"""Connect schemas <-> Protobuf schemas, as Confluent's ``ProtobufData`` maps them.

Writing: a Connect struct becomes a proto3 file of one top-level message, its nested structs
and maps nested messages inside it (:func:`proto_from_connect`), rendered as ``.proto`` text
for the registry. Reading: ``.proto`` text from the registry is parsed by a small parser of
the proto2/proto3 subset the converter supports (:func:`parse_proto`: ``syntax``,
``package``, ``import`` of Google's wrappers, ``message``, ``enum``, nested types, scalar,
message, enum, ``repeated``, ``optional`` and ``map<K, V>`` fields; options and ``reserved``
are read and ignored) into a ``FileDescriptorProto``, which the protobuf runtime builds
message classes from; :func:`connect_from_descriptor` gives the Connect schema of a message.

As in ProtobufData: a struct without a name is ``ConnectDefault1``, ``ConnectDefault2``...
in the order the names are needed; a dotted name's prefix is the package; a field's tag is
its ``io.confluent.connect.protobuf.Tag`` parameter, else the next number from 1; a Connect
map is a repeated ``<Name>Entry`` message of ``key = 1`` and ``value = 2``; every field read
from Protobuf is optional and carries its tag as that parameter; a message whose name ends
in ``Entry`` with fields ``key`` and ``value`` reads as a map.

Not covered yet: Decimal/Date/Time/Timestamp (they need Confluent's and Google's type
imports), int8/int16 (written as int32 without the ``connect.type`` field option, so read
back as int32), ``oneof`` unions, and imports other than ``google/protobuf/wrappers.proto``.
"""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import descriptor_pb2, wrappers_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from fastconnect.api.errors import DataError

__all__ = ["DEFAULT_SCHEMA_NAME", "KNOWN_IMPORTS", "ProtoFile", "TAG", "WRAPPERS_FILE",
           "connect_from_descriptor", "is_map", "parse_proto", "proto_from_connect",
           "repeated"]

DEFAULT_SCHEMA_NAME = "ConnectDefault"
NAMESPACE = "io.confluent.connect.protobuf"
TAG = NAMESPACE + ".Tag"
ENUM = NAMESPACE + ".Enum"
ENUM_PREFIX = ENUM + "."
WRAPPERS_FILE = "google/protobuf/wrappers.proto"

_SCALARS = {"int8": "int32", "int16": "int32", "int32": "int32", "int64": "int64",
            "float": "float", "double": "double", "boolean": "bool", "string": "string",
            "bytes": "bytes"}
_WRAPPERS = {"int8": "Int32Value", "int16": "Int32Value", "int32": "Int32Value",
             "int64": "Int64Value", "float": "FloatValue", "double": "DoubleValue",
             "boolean": "BoolValue", "string": "StringValue", "bytes": "BytesValue"}
_LOGICAL = ("org.apache.kafka.connect.data.Decimal", "org.apache.kafka.connect.data.Date",
            "org.apache.kafka.connect.data.Time", "org.apache.kafka.connect.data.Timestamp")


# --- Connect -> .proto text ------------------------------------------------------------------

class ProtoFile:
    """A ``.proto`` file made from a Connect schema: its text and its message's full name."""

    def __init__(self, text: str, full_name: str) -> None:
        self.text = text
        self.full_name = full_name


def proto_from_connect(schema: dict, wrappers: bool = False) -> ProtoFile:
    """The proto3 file ProtobufData makes for a Connect struct schema (JSON form).

    ``wrappers`` is ``wrapper.for.nullables``: optional primitives become Google's wrapper
    messages, so that a null is told from a zero. Raises DataError (without index) for a
    schema that is not a struct or holds a type not covered (see the module doc).
    """
    if schema.get("type") != "struct":
        raise DataError(f"Unsupported root schema of type {schema.get('type')}: the Protobuf "
                        "converter writes structs only")
    return _Writer(wrappers).file(schema)


class _Writer:
    def __init__(self, wrappers: bool) -> None:
        self.wrappers = wrappers
        self.defaults = 0
        self.imports: set[str] = set()
        self.defined: set[str] = set()

    def name_or_default(self, name: str | None) -> str:
        if name:
            return name
        self.defaults += 1
        return f"{DEFAULT_SCHEMA_NAME}{self.defaults}"

    def file(self, schema: dict) -> ProtoFile:
        full = self.name_or_default(schema.get("name"))
        package, _, name = full.rpartition(".")
        if schema.get("name"):
            self.defined.add(full)
        body = self.message(name, schema, "")
        head = ['syntax = "proto3";']
        if package:
            head.append(f"package {package};")
        head.append("")
        if self.imports:
            head += [f'import "{i}";' for i in sorted(self.imports)] + [""]
        return ProtoFile("\n".join(head + body) + "\n", f"{package}.{name}" if package else name)

    def message(self, name: str, schema: dict, indent: str) -> list[str]:
        lines, nested = [f"{indent}message {name} {{"], []
        index = 1
        for field in schema["fields"]:
            tag_param = (field.get("parameters") or {}).get(TAG)
            tag = int(tag_param) if tag_param is not None else index
            if tag_param is None:
                index += 1
            label, type_name = self.field(field, field["field"], nested, indent + "  ")
            lines.append(f"{indent}  {label}{type_name} {field['field']} = {tag};")
        for block in nested:
            lines += [""] + block
        return lines + [f"{indent}}}"]

    def field(self, schema: dict, name: str, nested: list[list[str]],
              indent: str) -> tuple[str, str]:
        kind, label = schema["type"], ""
        if kind == "array":
            label, schema = "repeated ", schema["items"]
            kind = schema["type"]
            if kind == "array":
                raise DataError(f"Field {name!r}: Protobuf cannot hold an array of arrays")
        elif kind == "map":
            label = "repeated "
        if schema.get("name") in _LOGICAL:
            raise DataError(f"Field {name!r}: {schema['name']} is not supported by the Protobuf "
                            "converter yet")
        params = schema.get("parameters") or {}
        if kind == "struct":
            type_name = self.name_or_default(schema.get("name")).rpartition(".")[2]
            if type_name == name:
                type_name += "Message"
            full = schema.get("name")
            if full is None or full not in self.defined:
                if full is not None:
                    self.defined.add(full)
                nested.append(self.message(type_name, schema, indent))
            return label, type_name
        if kind == "map":
            type_name = _map_entry(self.name_or_default(schema.get("name")).rpartition(".")[2])
            entry_nested: list[list[str]] = []
            lines = [f"{indent}message {type_name} {{"]
            for number, (field_name, part) in enumerate((("key", schema["keys"]),
                                                         ("value", schema["values"])), 1):
                part_label, part_type = self.field(part, field_name, entry_nested,
                                                   indent + "  ")
                lines.append(f"{indent}  {part_label}{part_type} {field_name} = {number};")
            for block in entry_nested:
                lines += [""] + block
            nested.append(lines + [f"{indent}}}"])
            return label, type_name
        if kind == "string" and ENUM in params:
            enum_name = self.name_or_default(schema.get("name")).rpartition(".")[2]
            values = [f"{indent}  {k[len(ENUM_PREFIX):]} = {v};" for k, v in params.items()
                      if k.startswith(ENUM_PREFIX)]
            nested.append([f"{indent}enum {enum_name} {{", *values, f"{indent}}}"])
            return label, params[ENUM]
        if kind not in _SCALARS:
            raise DataError(f"Field {name!r}: unknown schema type {kind}")
        if self.wrappers and schema.get("optional"):
            self.imports.add(WRAPPERS_FILE)
            return label, "google.protobuf." + _WRAPPERS[kind]
        return label, _SCALARS[kind]


def _map_entry(name: str) -> str:
    # ProtobufSchema.toMapEntry: lower_underscore -> UpperCamel when there is an underscore
    if "_" in name:
        name = "".join(part[:1].upper() + part[1:] for part in name.lower().split("_"))
    return name + "Entry"


def _map_field(name: str) -> str:
    # ProtobufSchema.toMapField: UpperCamel -> lower_underscore, without the Entry suffix
    if name.endswith("Entry"):
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", name[:-len("Entry")]).lower()
    return name


# --- .proto text -> FileDescriptorProto --------------------------------------------------------

_TOKEN = re.compile(r"""\s+|//[^\n]*|/\*.*?\*/|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"""
                    r"""|[A-Za-z_.][A-Za-z0-9_.]*|-?[0-9][A-Za-z0-9_.+-]*|[{}\[\]()<>=;,:])""",
                    re.S)
_TYPES = {"double": 1, "float": 2, "int64": 3, "uint64": 4, "int32": 5, "fixed64": 6,
          "fixed32": 7, "bool": 8, "string": 9, "bytes": 12, "uint32": 13, "sfixed32": 15,
          "sfixed64": 16, "sint32": 17, "sint64": 18}
_LABELS = {"optional": 1, "required": 2, "repeated": 3}
KNOWN_IMPORTS = {WRAPPERS_FILE: wrappers_pb2.DESCRIPTOR}


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[str] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                raise DataError(f"Unexpected character {text[pos]!r} in the .proto text")
            if match.group(1):
                self.items.append(match.group(1))
            pos = match.end()
        self.pos = 0

    def peek(self) -> str | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> str:
        if self.pos >= len(self.items):
            raise DataError("Unexpected end of the .proto text")
        self.pos += 1
        return self.items[self.pos - 1]

    def expect(self, token: str) -> None:
        got = self.next()
        if got != token:
            raise DataError(f"Expected {token!r} in the .proto text but found {got!r}")

    def skip_statement(self) -> None:
        """Skip to the ``;`` ending this statement, over balanced brackets."""
        depth = 0
        while True:
            token = self.next()
            if token in "{[(":
                depth += 1
            elif token in "}])":
                depth -= 1
            elif token == ";" and depth <= 0:
                return


def parse_proto(text: str) -> descriptor_pb2.FileDescriptorProto:
    """The FileDescriptorProto of a ``.proto`` text (the subset in the module doc); type
    names are left as written, for the descriptor pool to resolve. DataError if malformed."""
    tokens = _Tokens(text)
    proto = descriptor_pb2.FileDescriptorProto(name="schema.proto", syntax="proto2")
    while tokens.peek() is not None:
        token = tokens.next()
        if token == "syntax":
            tokens.expect("=")
            proto.syntax = tokens.next().strip("\"'")
            tokens.expect(";")
        elif token == "package":
            proto.package = tokens.next()
            tokens.expect(";")
        elif token == "import":
            name = tokens.next()
            if name in ("public", "weak"):
                name = tokens.next()
            name = name.strip("\"'")
            if name not in KNOWN_IMPORTS:
                raise DataError(f"The .proto text imports {name}, which the Protobuf converter "
                                "cannot resolve yet")
            proto.dependency.append(name)
            tokens.expect(";")
        elif token == "option":
            tokens.skip_statement()
        elif token == "message":
            _message(tokens, proto.message_type.add(), proto.syntax == "proto3")
        elif token == "enum":
            _enum(tokens, proto.enum_type.add())
        elif token != ";":
            raise DataError(f"Unsupported {token!r} in the .proto text")
    return proto


def _message(tokens: _Tokens, message: descriptor_pb2.DescriptorProto, proto3: bool) -> None:
    message.name = tokens.next()
    tokens.expect("{")
    while True:
        token = tokens.next()
        if token == "}":
            return
        if token == "message":
            _message(tokens, message.nested_type.add(), proto3)
        elif token == "enum":
            _enum(tokens, message.enum_type.add())
        elif token in ("option", "reserved", "extensions"):
            tokens.skip_statement()
        elif token == ";":
            continue
        elif token in ("oneof", "extend", "group", "service"):
            raise DataError(f"The Protobuf converter does not support {token} yet "
                            f"(message {message.name})")
        else:
            _field(tokens, message, token, proto3)


def _field(tokens: _Tokens, message: descriptor_pb2.DescriptorProto, token: str,
           proto3: bool) -> None:
    field = message.field.add()
    label = _LABELS.get(token)
    type_name = token if label is None else tokens.next()
    field.label = label or 1
    if type_name == "map":
        tokens.expect("<")
        key = tokens.next()
        tokens.expect(",")
        value = tokens.next()
        tokens.expect(">")
        field.name = tokens.next()
        entry = message.nested_type.add(name=_map_entry_name(field.name))
        entry.options.map_entry = True
        for number, (part, part_type) in enumerate((("key", key), ("value", value)), 1):
            _set_type(entry.field.add(name=part, number=number, label=1), part_type)
        field.label = 3
        field.type_name = entry.name
    else:
        _set_type(field, type_name)
        field.name = tokens.next()
    tokens.expect("=")
    field.number = int(tokens.next(), 0)
    if tokens.peek() == "[":
        tokens.skip_statement()
    else:
        tokens.expect(";")
    field.json_name = _camel(field.name)
    if proto3 and label == 1:  # proto3 ``optional``: presence through a synthetic oneof
        field.proto3_optional = True
        field.oneof_index = len(message.oneof_decl)
        message.oneof_decl.add(name="_" + field.name)


def _set_type(field: descriptor_pb2.FieldDescriptorProto, type_name: str) -> None:
    if type_name in _TYPES:
        field.type = _TYPES[type_name]
    else:
        field.type_name = type_name  # message or enum: the pool resolves which


def _map_entry_name(field: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in field.split("_")) + "Entry"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _enum(tokens: _Tokens, enum: descriptor_pb2.EnumDescriptorProto) -> None:
    enum.name = tokens.next()
    tokens.expect("{")
    while True:
        token = tokens.next()
        if token == "}":
            return
        if token in ("option", "reserved"):
            tokens.skip_statement()
        elif token != ";":
            tokens.expect("=")
            enum.value.add(name=token, number=int(tokens.next(), 0))
            if tokens.peek() == "[":
                tokens.skip_statement()
            else:
                tokens.expect(";")


# --- descriptor -> Connect schema -------------------------------------------------------------

_CONNECT = {FieldDescriptor.TYPE_INT32: "int32", FieldDescriptor.TYPE_SINT32: "int32",
            FieldDescriptor.TYPE_SFIXED32: "int32", FieldDescriptor.TYPE_UINT32: "int64",
            FieldDescriptor.TYPE_FIXED32: "int64", FieldDescriptor.TYPE_INT64: "int64",
            FieldDescriptor.TYPE_UINT64: "int64", FieldDescriptor.TYPE_SINT64: "int64",
            FieldDescriptor.TYPE_FIXED64: "int64", FieldDescriptor.TYPE_SFIXED64: "int64",
            FieldDescriptor.TYPE_FLOAT: "float", FieldDescriptor.TYPE_DOUBLE: "double",
            FieldDescriptor.TYPE_BOOL: "boolean", FieldDescriptor.TYPE_STRING: "string",
            FieldDescriptor.TYPE_BYTES: "bytes"}
_UNWRAPPED = {"google.protobuf.DoubleValue": "double", "google.protobuf.FloatValue": "float",
              "google.protobuf.Int64Value": "int64", "google.protobuf.UInt64Value": "int64",
              "google.protobuf.Int32Value": "int32", "google.protobuf.UInt32Value": "int64",
              "google.protobuf.BoolValue": "boolean", "google.protobuf.StringValue": "string",
              "google.protobuf.BytesValue": "bytes"}


def repeated(field: FieldDescriptor) -> bool:
    """Whether a field is repeated (protobuf 7 dropped ``label`` for ``is_repeated``)."""
    flag = getattr(field, "is_repeated", None)
    return field.label == FieldDescriptor.LABEL_REPEATED if flag is None else bool(flag)


def is_map(descriptor: Descriptor) -> bool:
    """Whether a message reads as a Connect map (ProtobufData's isMapDescriptor)."""
    fields = descriptor.fields
    return (descriptor.name.endswith("Entry") and len(fields) == 2
            and fields[0].name == "key" and fields[1].name == "value")


def connect_from_descriptor(descriptor: Descriptor, version: int | None,
                            wrappers: bool = False) -> dict:
    """The Connect schema (JSON form) ProtobufData gives a message: a required struct named
    by the message's simple name, with ``version``, of optional fields tagged by number."""
    schema = _struct(descriptor, wrappers, {descriptor.full_name})
    schema["optional"] = False
    if version is not None:
        schema["version"] = version
    return schema


def _struct(descriptor: Descriptor, wrappers: bool, seen: set[str]) -> dict:
    fields = []
    for field in descriptor.fields:
        if field.containing_oneof is not None and not _synthetic(field):
            raise DataError(f"Message {descriptor.full_name} has a oneof, which the Protobuf "
                            "converter does not support yet")
        fields.append({**_field_schema(field, wrappers, seen), "field": field.name})
    return {"type": "struct", "fields": fields, "optional": True, "name": descriptor.name}


def _synthetic(field: FieldDescriptor) -> bool:
    return getattr(field, "has_presence", False) and field.containing_oneof is not None and \
        field.containing_oneof.name == "_" + field.name


def _field_schema(field: FieldDescriptor, wrappers: bool, seen: set[str]) -> dict:
    schema: dict[str, Any]
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        message = field.message_type
        if is_map(message):
            schema = {"type": "map", "keys": _field_schema(message.fields[0], wrappers, seen),
                      "values": _field_schema(message.fields[1], wrappers, seen),
                      "optional": True, "name": _map_field(message.name)}
            return {**schema, "parameters": {TAG: str(field.number)}}
        if wrappers and message.full_name in _UNWRAPPED:
            schema = {"type": _UNWRAPPED[message.full_name], "optional": True}
        elif message.full_name in seen:
            raise DataError(f"Message {message.full_name} is recursive, which Connect "
                            "schemas cannot express")
        else:
            schema = _struct(message, wrappers, seen | {message.full_name})
    elif field.type == FieldDescriptor.TYPE_ENUM:
        enum = field.enum_type
        params = {ENUM: enum.name}
        params.update({ENUM_PREFIX + v.name: str(v.number) for v in enum.values})
        schema = {"type": "string", "optional": True, "name": enum.name, "parameters": params}
    elif field.type in _CONNECT:
        # with wrapper.for.nullables a plain scalar is required: a wrapper says "null"
        schema = {"type": _CONNECT[field.type], "optional": not wrappers}
    else:
        raise DataError(f"Field {field.full_name} has a Protobuf type the converter does not "
                        "support")
    if repeated(field):
        schema = {"type": "array", "items": {**schema, "optional": True}, "optional": True}
    params = {**schema.get("parameters", {}), TAG: str(field.number)}
    return {**schema, "parameters": params}
