"""The JSON fast path against the per-record path, and its compiled loops against their twin.

The per-record path (byte-for-byte Kafka's JsonConverter) is the reference: on random
schemas, data, bad rows and formatting, the converter with its fast path must give what the
converter without it gives (the same field and column, or the same DataError at the same row;
the same bytes when writing). ``slow()`` switches the fast path off.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
from decimal import Decimal
from unittest import mock

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastconnect.api.schema import DATE, DECIMAL, TIME, TIMESTAMP, connect_schema_to_field
from fastconnect.converters import _json_fast_py, json_decode, json_encode, json_fast
from fastconnect.converters.json import JsonConverter

# The tests need the compiled module: a build that failed must fail them, not skip them.
from fastconnect._ext import json_scan as _compiled

UTC = datetime.timezone.utc
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def converter(**configs) -> JsonConverter:
    instance = JsonConverter()
    instance.configure(configs, is_key=False)
    return instance


@contextlib.contextmanager
def slow():
    """The per-record path only."""
    with mock.patch.object(json_decode, "read_envelopes", lambda *a: None), \
            mock.patch.object(json_decode, "read_schemaless", lambda *a: None), \
            mock.patch.object(json_encode, "write_column", lambda *a: None):
        yield


def outcome(call):
    try:
        return "ok", call()
    except Exception as error:  # DataError, or whatever else the per-record path raises
        return "error", (type(error), str(error), getattr(error, "index", None))


def assert_same(fast, reference):
    assert fast[0] == reference[0], (fast, reference)
    if fast[0] == "error":
        assert fast[1] == reference[1]
        return
    if isinstance(fast[1], tuple):  # (field, column) from to_connect
        (field, column), (ref_field, ref_column) = fast[1], reference[1]
        assert field.equals(ref_field, check_metadata=True), (field, ref_field)
        column, ref_column = column.storage if hasattr(column, "storage") else column, \
            ref_column.storage if hasattr(ref_column, "storage") else ref_column
        assert column.type == ref_column.type and column.equals(ref_column), \
            (column.to_pylist(), ref_column.to_pylist())
    else:
        assert fast[1].type == reference[1].type
        assert fast[1].to_pylist() == reference[1].to_pylist()


def compare_to_connect(rows, **configs):
    data = pa.array(rows, pa.binary())
    fast = outcome(lambda: converter(**configs).to_connect("t", data))
    with slow():
        reference = outcome(lambda: converter(**configs).to_connect("t", data))
    assert_same(fast, reference)
    return fast


def compare_from_connect(field, column, **configs):
    fast = outcome(lambda: converter(**configs).from_connect("t", field, column))
    with slow():
        reference = outcome(lambda: converter(**configs).from_connect("t", field, column))
    assert_same(fast, reference)
    return fast


# --- random Connect schemas and JSON written for them --------------------------------------

NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=4)
PRIMITIVES = ["int8", "int16", "int32", "int64", "float", "double", "boolean", "string", "bytes"]


def logical(name, kind):
    return {"type": kind, "name": name, "version": 1}


leaf_schemas = st.one_of(
    st.sampled_from(PRIMITIVES).map(lambda kind: {"type": kind}),
    st.tuples(st.integers(-1, 8), st.sampled_from([None, "5", "20", "38", "40"])).map(
        lambda sp: {**logical(DECIMAL, "bytes"), "parameters": {
            "scale": str(sp[0]), **({"connect.decimal.precision": sp[1]} if sp[1] else {})}}),
    st.sampled_from([logical(DATE, "int32"), logical(TIME, "int32"),
                     logical(TIMESTAMP, "int64")]),
)


def _nested(children):
    return st.one_of(
        children.map(lambda items: {"type": "array", "items": items}),
        st.lists(st.tuples(NAMES, children), min_size=1, max_size=4,
                 unique_by=lambda f: f[0]).map(lambda fields: {
                     "type": "struct", "fields": [{**s, "field": n} for n, s in fields]}),
        st.tuples(st.sampled_from(["string", "int32"]), children).map(
            lambda kv: {"type": "map", "keys": {"type": kv[0]}, "values": kv[1]}),
    )


def _with_flags(schema_strategy):
    return st.tuples(schema_strategy, st.booleans()).map(
        lambda so: {**so[0], "optional": so[1]})


@st.composite
def _leaves_with_defaults(draw):
    schema = draw(_with_flags(leaf_schemas))
    if draw(st.integers(0, 3)) == 0:
        default = draw(json_value(schema, clean=True))
        if default is not None:
            schema["default"] = float(default) if isinstance(default, Decimal) else default
    return schema


schemas = st.recursive(_leaves_with_defaults(), lambda c: _with_flags(_nested(c)), max_leaves=6)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


def _may_be_null(schema):
    return schema.get("optional") or "default" in schema


@st.composite
def json_value(draw, schema, clean):
    """A JSON-ready value for ``schema``. ``clean``: one the schema takes (or null where it
    may be); else sometimes null, of another type or out of range."""
    roll = draw(st.integers(0, 39))
    if roll == 0 and (not clean or _may_be_null(schema)):
        return None
    if roll == 1 and not clean:
        return draw(st.sampled_from(["x", 1, 1.5, True, [], {}, "AA==", 2**63, -1]))
    dirty = not clean and roll < 8
    kind, name = schema["type"], schema.get("name")
    if name == DECIMAL:
        params = schema["parameters"]
        scale = int(params["scale"])
        digits = min(int(params.get("connect.decimal.precision", 38)), 38) - (0 if dirty else 1)
        unscaled = draw(st.integers(-(10**digits), 10**digits) | st.integers(-300, 300))
        if draw(st.booleans()):
            raw = unscaled.to_bytes(max(1, (unscaled.bit_length() + 8) // 8), "big", signed=True)
            return base64.b64encode(raw).decode()
        return Decimal(f"{unscaled}E{draw(st.integers(-9, 2)) if dirty else -scale}")
    if name in (DATE, TIME):
        return draw(st.integers(-5, 86_400_005) if dirty else st.integers(0, 86_400_000))
    if name == TIMESTAMP or kind == "int64":
        return draw(st.integers(-(2**63), 2**63 - 1) | st.integers(-1000, 1000))
    if kind in ("int8", "int16", "int32"):
        bits, extra = int(kind[3:]) - 1, 2 if dirty else 0
        value = draw(st.integers(-(2**bits) - extra, 2**bits - 1 + extra))
        return float(value) if dirty and roll == 2 else value
    if kind in ("float", "double"):
        return draw(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10, 10**20))
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "string":
        return draw(text)
    if kind == "bytes":
        encoded = base64.b64encode(draw(st.binary(max_size=8))).decode()
        return encoded.rstrip("=") if dirty and roll == 3 else encoded
    if kind == "array":
        return draw(st.lists(json_value(schema["items"], clean), max_size=3))
    if kind == "map":
        entries = draw(st.lists(st.tuples(json_value(schema["keys"], clean),
                                          json_value(schema["values"], clean)), max_size=3))
        if schema["keys"]["type"] == "string":
            return {k if isinstance(k, str) else str(k): v for k, v in entries}
        return [list(entry) for entry in entries]
    fields = {}
    for field in schema["fields"]:
        if draw(st.integers(0, 9)) or clean and not _may_be_null(field):
            fields[field["field"]] = draw(json_value(field, clean))
    if roll == 4:
        fields["extra field"] = {"nested": [1, "two", None]}
    return fields


def dump(value, spaced: bool, ascii_only: bool) -> str:
    """JSON text, with or without whitespace and \\u escapes, decimals written exactly."""
    comma, colon = (" , ", " :\n ") if spaced else (",", ":")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + comma.join(json.dumps(k, ensure_ascii=ascii_only) + colon
                                + dump(v, spaced, ascii_only) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + comma.join(dump(v, spaced, ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


@st.composite
def envelopes(draw):
    schema, clean = draw(schemas), draw(st.integers(0, 3)) > 0
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        roll = draw(st.integers(0, 29))
        if roll == 0:
            rows.append(None)
            continue
        payload = draw(json_value(schema, clean))
        spaced, ascii_only = draw(st.booleans()), draw(st.booleans())
        members = [f'"schema":{dump(schema, spaced, False)}',
                   f'"payload":{dump(payload, spaced, ascii_only)}']
        if roll == 1:
            members.reverse()
        if roll == 2 and not clean:
            members.append('"extra":1')
        row = "{" + ("  ,  " if spaced else ",").join(members) + "}"
        rows.append((row[:-3] if roll == 3 and not clean else row).encode())
    return rows


@SETTINGS
@given(envelopes(), st.booleans())
def test_reading_envelopes_matches_the_per_record_path(rows, replace_null):
    compare_to_connect(rows, **{"replace.null.with.default": replace_null})


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.binary(max_size=6), st.sampled_from([
    b"", b" ", b"\x0b", b"null", b" null\n", b"1", b"-0", b"01", b"1.", b"[1,]", b'{"a":1}',
    b'"\xff"', b'"\\ud83d\\ude00"', b'"\\ud800"', b"NaN", b"1e400", b"\xef\xbb\xbf1",
    b"[" * 300 + b"]" * 300, b"1" * 300, b'{"a":[1,{"b":null}],"c":"\\n"}'])), min_size=1))
def test_reading_plain_json_matches_the_per_record_path(rows):
    compare_to_connect(rows, **{"schemas.enable": False})


def test_typical_batches_take_the_fast_path():
    schema = ('{"type":"struct","fields":[{"type":"int64","field":"id"},{"type":"string",'
              '"optional":true,"field":"name"},{"type":"bytes","name":"' + DECIMAL + '",'
              '"parameters":{"scale":"2"},"field":"price"},{"type":"array","items":'
              '{"type":"double"},"field":"xs"}]}')
    rows = [f'{{"schema":{schema},"payload":{{"id":{i},"name":"n{i}","price":"AJw=",'
            f'"xs":[1.5,{i}]}}}}'.encode() for i in range(5)] + [None]
    data = pa.array(rows, pa.binary())
    json_converter = converter()
    assert json_fast.read_envelopes(data, "value", json_converter._decoder._cached, True)
    field, column = compare_to_connect(rows)[1]
    node, prefix = json_converter._encoder._cached(field)
    assert json_fast.write_column(json_converter._encoder, node, prefix, column) is not None
    compare_from_connect(field, column)
    assert json_fast.read_schemaless(pa.array([b"1", b"null", None])).to_pylist() == \
        ["1", None, None]


def test_decimal_batches_as_numbers_then_as_strings():
    schema = '{"type":"bytes","name":"%s","parameters":{"scale":"2"}}' % DECIMAL
    for payloads in (["1.56", "2"], ['"AJw="', "null"], ["1.56", '"AJw="'], ['"1234"', "12"]):
        compare_to_connect([f'{{"schema":{schema},"payload":{p}}}'.encode() for p in payloads])


# --- writing ------------------------------------------------------------------------------

@st.composite
def arrow_value(draw, schema):
    """A Python value pa.array takes for ``schema``'s Arrow type, or None."""
    if draw(st.integers(0, 9)) == 0:
        return None
    kind, name = schema["type"], schema.get("name")
    if name == DECIMAL:
        scale = int(schema["parameters"]["scale"])
        digits = min(int(schema["parameters"].get("connect.decimal.precision", 38)), 38)
        unscaled = draw(st.integers(-(10**digits) + 1, 10**digits - 1) | st.integers(-999, 999))
        return Decimal(f"{unscaled}E{-scale}")
    if name == DATE:
        return datetime.date(1970, 1, 1) + datetime.timedelta(days=draw(st.integers(-10**5, 10**5)))
    if name == TIME:
        return (datetime.datetime(2000, 1, 1) + datetime.timedelta(
            milliseconds=draw(st.integers(0, 86_399_999)))).time()
    if name == TIMESTAMP:
        return datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(
            milliseconds=draw(st.integers(-(10**13), 10**13)))
    if kind in ("int8", "int16", "int32", "int64"):
        bits = int(kind[3:]) - 1
        return draw(st.integers(-(2**bits), 2**bits - 1))
    if kind in ("float", "double"):
        value = draw(st.floats(width=32 if kind == "float" else 64))
        return value
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "string":
        return draw(st.text(st.characters(exclude_categories=("Cs",)), max_size=8))
    if kind == "bytes":
        return draw(st.binary(max_size=8))
    if kind == "array":
        return draw(st.lists(arrow_value(schema["items"]), max_size=3))
    if kind == "map":
        keys = draw(st.lists(arrow_value(schema["keys"]), max_size=3, unique=True))
        return [(k, draw(arrow_value(schema["values"]))) for k in keys if k is not None]
    return {f["field"]: draw(arrow_value(f)) for f in schema["fields"]}


def _fits(schema):  # decimals whose values fit their precision, scales pa.array can take
    if schema.get("name") == DECIMAL:
        params = schema["parameters"]
        return 0 <= int(params["scale"]) <= int(params.get("connect.decimal.precision", 38))
    return all(_fits(s) for s in [schema.get("items"), schema.get("keys"), schema.get("values"),
                                  *schema.get("fields", [])] if s is not None)


@SETTINGS
@given(schemas.filter(_fits).flatmap(lambda s: st.tuples(
    st.just(s), st.lists(arrow_value(s), min_size=1, max_size=6))),
       st.booleans(), st.booleans(), st.sampled_from(["BASE64", "NUMERIC"]))
def test_writing_matches_the_per_record_path(schema_values, schemas_enable, replace_null, fmt):
    schema, values = schema_values
    field = connect_schema_to_field(schema, "value")
    column = pa.array(values, field.type)
    compare_from_connect(field, column, **{"schemas.enable": schemas_enable,
                                           "replace.null.with.default": replace_null,
                                           "decimal.format": fmt})


@pytest.mark.parametrize("column", [
    pa.array(["a", None, "\U0001F600"], pa.large_string()),
    pa.array(["a", "b", "a"]).dictionary_encode(),
    pa.array([1, 2**63, None], pa.uint64()), pa.array([1, 2**63 - 1, None], pa.uint64()),
    pa.array([1.5, None, float("nan")], pa.float16()),
    pa.array([0, 86_399_999_999], pa.time64("us")), pa.array([0, 1], pa.date64()),
    pa.array([-1, 10**15], pa.timestamp("us")), pa.array([b"ab", None], pa.large_binary()),
    pa.array([[1, None], None, [3]], pa.large_list(pa.int32())),
    pa.array([{"a": 1}, None, {"a": None}], pa.struct([pa.field("a", pa.int32(), False)])),
    pa.array([{"a": {"b": None}}, None], pa.struct([("a", pa.struct([
        pa.field("b", pa.int32(), False)]))])),
    pa.array([[("k", 1)], None], pa.map_(pa.string(), pa.int32())),
    pa.array(["x", "y", None])[1:],
])
def test_writing_unusual_arrow_layouts_matches_the_per_record_path(column):
    compare_from_connect(pa.field("value", column.type), column)


# --- the compiled loops against their twin -------------------------------------------------

def same(a, b):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, pa.Buffer):
        return a.to_pybytes() == b.to_pybytes()
    if isinstance(a, pa.Array):
        return a.type == b.type and a.equals(b)
    return a == b


json_texts = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(text, c, max_size=3), max_leaves=8,
).map(lambda v: dump(v, False, False).encode())
mangled = st.tuples(json_texts, st.integers(0, 40), st.binary(max_size=2)).map(
    lambda t: t[0][:t[1]] + t[2] + t[0][t[1]:])
rows = st.lists(st.none() | json_texts | mangled | st.binary(max_size=8), max_size=8)


@SETTINGS
@given(rows, st.integers(0, 3))
def test_validate_rows_cython_equals_twin(values, start):
    data = pa.array(values + [b"1"] * 3, pa.binary())[start:]
    assert same(_compiled.validate_rows(data), _json_fast_py.validate_rows(data))


ENVELOPE_FORMS = [
    lambda s, p: b'{"schema":' + s + b',"payload":' + p + b"}",
    lambda s, p: b' {\n"payload" : ' + p + b' ,"schema":' + s + b"}\t",
    lambda s, p: b'{"schema":' + s + b',"payload":' + p + b',"payload":1}',
    lambda s, p: b'{"schema":' + s + b"}" + p,
]
schema_texts = st.sampled_from([b'{"type":"int32"}', b'{"type":"int32"} ', b"null", b"12",
                                b'{"a":"\\"}']) | json_texts | mangled


@SETTINGS
@given(st.lists(st.none() | st.tuples(schema_texts, json_texts | mangled, st.integers(0, 9)),
                max_size=12), st.integers(0, 2), st.booleans())
def test_scan_envelopes_cython_equals_twin(envelopes, start, wrap):
    values = [None if e is None else ENVELOPE_FORMS[max(0, e[2] - 6)](e[0], e[1])
              for e in envelopes]
    data = pa.array([None] * 2 + values, pa.binary())[start:]
    assert same(_compiled.scan_envelopes(data, wrap), _json_fast_py.scan_envelopes(data, wrap))


@SETTINGS
@given(st.lists(st.none() | st.text(max_size=10), max_size=8), st.integers(0, 2))
def test_quote_strings_cython_equals_twin_and_orjson(values, start):
    values = [v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if v else v
              for v in values]
    strings = pa.array(values + ["x"] * 2, pa.string())[start:]
    quoted = _compiled.quote_strings(strings)
    assert same(quoted, _json_fast_py.quote_strings(strings))
    encoder = converter()._encoder
    assert quoted.to_pylist() == [None if v is None else encoder.json_text(v).decode()
                                  for v in strings.to_pylist()]


def test_quote_strings_refuses_invalid_utf8():
    bad = pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(b"\0\0\0\0\2\0\0\0"),
                                                 pa.py_buffer(b"\xed\xa0")])
    assert _compiled.quote_strings(bad) is None and _json_fast_py.quote_strings(bad) is None


@SETTINGS
@given(st.lists(st.none() | st.floats() | st.floats(-1e8, 1e8) | st.floats(-0.01, 0.01)
                | st.integers(-(2**60), 2**60).map(float), min_size=1, max_size=20))
def test_doubles_are_written_as_the_per_record_path_writes_them(values):
    for arrow_type in (pa.float64(), pa.float32()):
        column = pa.array(values, pa.float64()).cast(arrow_type)
        compare_from_connect(pa.field("value", arrow_type), column)


def test_the_chooser_names_what_runs():
    assert json_fast.IMPLEMENTATION in ("cython", "python")
