"""The struct form of schemaless objects: the compiled scanner against its twin, and the SMTs
and the renderer on the struct form against the same work on JSON text.

The JSON-text path (one object per row through orjson) is the reference: a batch of one
shape must come out of ReplaceField, InsertField, Cast and ``format_values`` the same
whichever form it went in as.
"""

from __future__ import annotations

import json
import math
from unittest import mock

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from fastconnect.api import RAW_SCHEMA
from fastconnect.api.java_text import java_double_str, java_float_texts, java_hashmap_capacity
from fastconnect.api.schema import format_values, is_schemaless_struct, schemaless_field
from fastconnect.converters import _json_objects_py
from fastconnect.transforms._fields import json_column, json_texts
from fastconnect.transforms._maps import to_struct, to_text
from fastconnect.transforms.cast import CastValue
from fastconnect.transforms.insert_field import InsertFieldValue
from fastconnect.transforms.replace_field import ReplaceFieldValue

# The tests need the compiled module: a build that failed must fail them, not skip them.
from fastconnect._ext import json_objects as _compiled

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- the scanner: compiled against twin ---------------------------------------------------

KEYS = st.sampled_from(["id", "user", "a", "b", "k=v", "", "caf\u00e9", "\u2603", "x y"])
SCALARS = st.one_of(
    st.text(max_size=12), st.booleans(),
    st.integers(-2**63, 2**63 - 1), st.integers(-2**70, 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([-0.0, 1e7, 1e-4]))
VALUES = st.one_of(SCALARS, st.none(), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.sampled_from(["n"]), st.integers(), max_size=1))


def spell(value, *, ascii_only: bool, spaced: bool) -> str:
    text = json.dumps(value, ensure_ascii=ascii_only, separators=(", ", " : ") if spaced
                      else (",", ":"))
    return text.replace("1e-04", "1E-4") if spaced else text


@st.composite
def batches(draw, one_shape: bool):
    """JSON texts of objects, mostly of one shape, with null rows; some rows spelled
    otherwise (escapes, spaces, exponents), some of another shape when not one_shape."""
    keys = draw(st.lists(KEYS, min_size=1, max_size=4, unique=True))
    kinds = {k: draw(st.sampled_from(["text", "int", "float", "bool"])) for k in keys}
    pick = {"text": st.text(max_size=8), "int": st.integers(-2**63, 2**63 - 1),
            "float": st.floats(allow_nan=False, allow_infinity=False), "bool": st.booleans()}
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.integers(0, 5)) == 0:
            rows.append(None)
            continue
        if not one_shape and draw(st.integers(0, 3)) == 0:
            obj = draw(st.dictionaries(KEYS, VALUES, max_size=4))
        else:
            obj = {k: draw(pick[kinds[k]]) for k in keys}
        rows.append(spell(obj, ascii_only=draw(st.booleans()), spaced=draw(st.booleans())))
    return rows


def same_scan(rows, binary: bool):
    data = pa.array([None if r is None else r.encode() for r in rows], pa.binary()) \
        if binary else pa.array(rows, pa.string())
    compiled, twin = _compiled.scan_objects(data), _json_objects_py.scan_objects(data)
    assert (compiled is None) == (twin is None), (rows, compiled, twin)
    if twin is not None:
        assert compiled[0] == twin[0]
        for ours, theirs in zip(compiled[1], twin[1]):
            assert ours.equals(theirs), (rows, ours, theirs)
    return twin


@SETTINGS
@given(rows=batches(one_shape=False), binary=st.booleans())
def test_compiled_scanner_is_its_twin(rows, binary):
    same_scan(rows, binary)


DECIMALS = st.builds(
    lambda sign, whole, fraction, exponent: (sign + whole + ("." + fraction if fraction else "")
                                             + exponent),
    st.sampled_from(["", "-"]),
    st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,19}", fullmatch=True)),
    st.from_regex(r"[0-9]{0,20}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True)))


@SETTINGS
@given(texts=st.lists(DECIMALS, min_size=1, max_size=20))
@example(texts=["9007199254740993.0", "0.1", "1e22", "1e23", "123456789012345678e-5",
                "2.2250738585072014e-308", "1.7976931348623157e308", "0.000000000000000000001"])
def test_decimal_numbers_read_as_python_reads_them(texts):
    # Exponents and digit counts on both sides of the exact fast path's limits.
    rows = ['{"x":' + t + ("" if any(c in t for c in ".eE") else ".0") + "}" for t in texts]
    expected = [float(row[5:-1]) + 0.0 for row in rows]
    if not all(math.isfinite(x) for x in expected):
        assert same_scan(rows, binary=True) is None
        return
    names, columns = same_scan(rows, binary=True)
    assert columns[0].to_pylist() == expected


@pytest.mark.parametrize("text", [
    '{"a":1,"a":2}', '{"a":null}', '{"a":[1]}', '{"a":{"b":1}}', "{}", "[1]", '"x"', "1",
    '{"a":9223372036854775808}', '{"a":-9223372036854775809}', '{"a":1e400}',
    '{"a":"\\ud800"}', '{"a":"\\udc00x"}', '{"a":NaN}', '{"a":1} x', '{"a":01}', '{"a":1.}',
    '\ufeff{"a":1}', '{"a":' + "9" * 300 + "}",
])
def test_what_the_scanners_refuse(text):
    assert same_scan([text], binary=True) is None


def test_a_key_matches_however_it_is_spelled():
    names, columns = same_scan(['{"a\\u00e9":1}', '{"a\u00e9":2}', None], binary=True)
    assert names == ["a\u00e9"] and columns[0].to_pylist() == [1, 2, None]


def test_negative_zero_reads_as_zero_as_jsonconverter_reads_it():
    _, (column,) = same_scan(['{"x":-0.0}'], binary=False)
    assert str(column[0].as_py()) == "0.0"


def test_hashmap_capacities_as_javas_constructors_give_them():
    assert [java_hashmap_capacity("new", n) for n in (0, 5, 100)] == [16, 16, 16]
    assert [java_hashmap_capacity("sized", n) for n in (0, 1, 9, 16, 17)] == [1, 1, 16, 16, 32]
    # new HashMap<>(map): tableSizeFor((int) (size / 0.75f + 1))
    assert [java_hashmap_capacity("copy", n) for n in (0, 1, 9, 11, 12, 24)] == \
        [16, 2, 16, 16, 32, 64]


# --- the SMTs and the renderer: struct form against JSON text --------------------------------

def batch_of(texts: list[str | None]) -> pa.RecordBatch:
    n = len(texts)
    raw = pa.RecordBatch.from_pylist(
        [{"topic": "t", "partition": 0, "offset": i, "timestamp": None, "key": None,
          "value": None, "headers": None} for i in range(n)], schema=RAW_SCHEMA)
    return raw.set_column(5, schemaless_field("value"), json_column(texts))


def as_struct(batch: pa.RecordBatch) -> pa.RecordBatch:
    found = to_struct(batch.schema.field("value"), batch.column("value"))
    assert found is not None
    return batch.set_column(5, *found)


def values(batch: pa.RecordBatch) -> list:
    field, column = batch.schema.field("value"), batch.column("value")
    if is_schemaless_struct(field):
        field, column = to_text(field, column)
    return [None if t is None else json.loads(t) for t in json_texts(column)], field


def chain(names: list[str]):
    """S3's kind of chain: renames (one onto a kept name), a drop, an insert that replaces a
    key and one that adds one, casts."""
    first, last = names[0] or "absent", names[-1] or "offset"  # a mapping names no ""
    replace = ReplaceFieldValue()
    replace.configure({"renames": f"{first}:renamed,{last}:{first}",
                       "exclude": names[1] if len(names) > 2 else ""})
    insert = InsertFieldValue()
    insert.configure({"static.field": "source", "static.value": "bench", "offset.field": last})
    cast = CastValue()
    cast.configure({"spec": f"source:string,{last}:float64"})
    return [replace, insert, cast]


@SETTINGS
@given(rows=batches(one_shape=True))
def test_smts_and_rendering_of_the_struct_form_are_those_of_json_text(rows):
    text = batch_of(rows)
    assume(to_struct(text.schema.field("value"), text.column("value")) is not None)
    struct = as_struct(text)
    names = [f.name for f in struct.schema.field("value").type]
    assert format_values(struct.schema.field("value"), struct.column("value")).to_pylist() == \
        format_values(text.schema.field("value"), text.column("value")).to_pylist()
    for transform in chain(names):
        struct = transform.apply(struct)
        with mock.patch("fastconnect.transforms._maps.to_struct", lambda *a: None):
            text = transform.apply(text)  # the JSON-text path
        assert is_schemaless_struct(struct.schema.field("value"))
        ours, theirs = values(struct), values(text)
        assert [list(v.items()) if v else v for v in ours[0]] == \
            [list(v.items()) if v else v for v in theirs[0]]  # keys in the same order too
        assert ours[1].equals(theirs[1], check_metadata=True)
        assert format_values(struct.schema.field("value"), struct.column("value")).to_pylist() \
            == format_values(text.schema.field("value"), text.column("value")).to_pylist()


def test_replace_field_dropping_every_key_leaves_empty_objects():
    replace = ReplaceFieldValue()
    replace.configure({"exclude": "a,b"})
    out = replace.apply(as_struct(batch_of(['{"a":1,"b":"x"}', None])))
    assert values(out)[0] == [{}, None]
    assert format_values(out.schema.field("value"), out.column("value")).to_pylist() == \
        ["{}", None]


@SETTINGS
@given(xs=st.lists(st.one_of(st.floats(), st.floats(-1e7, 1e7), st.sampled_from([0.0, -0.0])),
                   max_size=20))
def test_vectorised_double_texts_are_java_double_str(xs):
    assert java_float_texts(pa.array(xs, pa.float64())).to_pylist() == \
        [java_double_str(x) for x in xs]


def json_converter():
    from fastconnect.converters.json import JsonConverter

    converter = JsonConverter()
    converter.configure({"schemas.enable": "false"}, is_key=False)
    return converter


def test_jsonconverter_writes_an_smts_map_in_its_order_with_its_java_numbers():
    column = json_column(['{"zz":1,"a":-0.0,"n":{"b":-0.0,"a":1}}', None])
    written = json_converter().from_connect(
        "t", schemaless_field("value", hashmap_order=True), column).to_pylist()
    # Top level as the SMT left it (a Double -0.0 stays); the nested map as JsonConverter
    # read it: HashMap order, and -0.0 read as 0.0.
    assert written == [b'{"zz":1,"a":-0.0,"n":{"a":1,"b":0.0}}', None]


@SETTINGS
@given(rows=batches(one_shape=True))
def test_an_smts_struct_output_serialises_as_its_text_output(rows):
    from fastconnect.transforms._maps import texts_for

    text = batch_of(rows)
    assume(to_struct(text.schema.field("value"), text.column("value")) is not None)
    struct = as_struct(text)
    names = [f.name for f in struct.schema.field("value").type]
    for transform in chain(names):
        struct = transform.apply(struct)
        with mock.patch("fastconnect.transforms._maps.to_struct", lambda *a: None):
            text = transform.apply(text)
    converter = json_converter()
    written = texts_for(struct)  # what WorkerSourceTask hands the converters
    assert converter.from_connect("t", written.schema.field("value"),
                                  written.column("value")).to_pylist() == \
        converter.from_connect("t", text.schema.field("value"), text.column("value")).to_pylist()
