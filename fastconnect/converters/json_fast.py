"""The JSON converter's fast path: whole batches through Arrow, no Python object per record.

Reading envelopes (``schemas.enable=true``): a scanner finds each row's ``schema`` and
``payload`` and copies the payloads into one NDJSON buffer (a struct's payload as it is,
others as ``{"v":<payload>}``);
``pyarrow.json`` reads that buffer in one call against the Arrow type of the batch's one
schema, and Connect's logical types are fixed up on whole columns. Reading plain JSON
(``schemas.enable=false``): the scanner validates every row, and the column is the input's
bytes viewed as text. Writing: each column is turned into its JSON texts (Arrow casts for
integers, booleans, dates, times and NUMERIC decimals; Arrow's shortest digits for doubles
between 1e-3 and 1e7; the compiled quoting for strings; polars for base64), and structs,
lists and the envelope are joined from them with Arrow's string kernels.

The per-record path in :mod:`~fastconnect.converters.json_decode` and
:mod:`~fastconnect.converters.json_encode` is the reference. The fast path only answers for a
batch when it can prove it gives the same column or the same bytes; otherwise (a row that is
not an envelope or not JSON, several schemas, a schemaless envelope, a map, a value out of
range, a null where none may be, a default value of a nested type, anything the vector
readers refuse) it returns None, and the caller runs the per-record path on the batch, which
gives the values, or the DataError with the row's index. Where only part of a column cannot
be written by vector (maps, unusual Arrow types) that part's texts come from the per-record
writer and the rest stays vectorised.

The per-record loops the vector kernels cannot express are ``src_ext/json_scan.pyx``, with
:mod:`~fastconnect.converters._json_fast_py` as their specification; the compiled module is
used when it is built, unless ``FASTCONNECT_PURE_PYTHON=1`` forces the twin.
``IMPLEMENTATION`` says which one runs.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, NamedTuple, Protocol

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from fastconnect._ext import choose
from fastconnect.api.arrays import concat_elementwise
from fastconnect.api.errors import DataError
from fastconnect.api.java_text import epoch_millis, java_float_texts
from fastconnect.converters import _json_fast_py
from fastconnect.converters.json_common import MS_PER_DAY, Node, loads

__all__ = ["IMPLEMENTATION", "read_schemaless", "read_envelopes", "write_column"]


class JsonScanImplementation(Protocol):
    """What both twins provide (the compiled module and ``_json_fast_py``)."""

    def validate_rows(self, data: pa.Array) -> tuple[int, pa.Array | None]: ...

    def scan_envelopes(self, data: pa.Array, wrap: bool = True
                       ) -> tuple[int, pa.Buffer | None, list[bytes], int, bool]: ...

    def quote_strings(self, strings: pa.Array) -> pa.Array | None: ...

class RecordWriter(Protocol):
    """What ``write_column`` uses of the per-record writer (``JsonEncoder``)."""

    numeric_decimals: bool
    replace_null: bool

    def json_text(self, value: Any) -> bytes:
        """The JSON of a JSON-ready value, as the per-record path writes it."""

    def json_texts(self, node: Node, array: pa.Array) -> list[bytes]:
        """The JSON of each row, nulls written or refused (DataError) as a field's are."""


_impl, IMPLEMENTATION = choose("json_scan", _json_fast_py)


class _Fallback(Exception):
    """The fast path cannot prove it does what the per-record path does with this batch."""


# What may go wrong inside the fast path; each sends the batch to the per-record path.
_GIVE_UP = (_Fallback, DataError, pa.ArrowException, ValueError, TypeError, OverflowError)
_INTS = {"int8", "int16", "int32", "int64"}
_BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_NULL_TEXT = pa.scalar(None, pa.string())


# --- reading ------------------------------------------------------------------------------

def read_schemaless(data: pa.BinaryArray) -> pa.StringArray | None:
    """The JSON text of each row, JSON ``null`` and blank rows null, as the per-record path
    reads ``schemas.enable=false``; None if a row needs the per-record path's verdict."""
    try:
        bad, nulls = _impl.validate_rows(data)
        if bad >= 0:
            return None
        text = data.view(pa.string())  # validated UTF-8: the bytes are the text
        return text if nulls is None else pc.if_else(nulls, _NULL_TEXT, text)
    except _GIVE_UP:
        return None


# The decimal form that read a schema's last batch (True: numbers), to try first next time.
_NUMERIC_DECIMALS: weakref.WeakKeyDictionary[Node, bool] = weakref.WeakKeyDictionary()


class _Lines(NamedTuple):
    """The payloads of a batch as NDJSON (see ``scan_envelopes``), and how to read them."""

    ndjson: pa.Buffer
    longest: int
    newlines: bool
    flat: bool  # each line is the payload object itself, not {"v": payload}


def read_envelopes(data: pa.BinaryArray, name: str,
                   compiled: Callable[[bytes, Any, str], tuple[pa.Field, Node]],
                   replace_null: bool) -> tuple[pa.Field, pa.Array] | None:
    """The field and column ``name`` read from envelopes as the per-record path reads them,
    or None. ``compiled(key, schema, name)`` gives the field and compiled schema of a
    schema (``key``: its JSON with sorted keys), from the converter's cache.

    Answers only for batches whose non-null rows all carry one schema, and for which every
    step is proved to give what the per-record path gives.
    """
    try:
        valid = data.is_valid()
        first = pc.index(valid, True).as_py()
        head = _impl.scan_envelopes(data.slice(max(first, 0), 1))[2]
        schema = loads(head[0]) if first >= 0 and head else None
        if schema is None:  # no rows, not an envelope, or schemaless envelopes
            return None
        key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
        field, node = compiled(key, schema, name)
        # A struct's payloads are objects: pyarrow reads them as rows, a level less to parse
        # than {"v": payload}. A null payload among them: back to {"v": payload}.
        flat = node.kind == "struct" and bool(node.children)
        bad, ndjson, schemas, longest, newlines = _impl.scan_envelopes(data, not flat)
        if bad >= 0 and flat:
            flat = False
            bad, ndjson, schemas, longest, newlines = _impl.scan_envelopes(data)
        if bad >= 0 or any(orjson.dumps(loads(text), option=orjson.OPT_SORT_KEYS) != key
                           for text in schemas[1:]):
            return None
        lines = _Lines(ndjson, longest, newlines, flat)
        if not node.has_decimal:
            column = _read(lines, node, field.type, None, replace_null)
        else:  # JSON strings hold BASE64 decimals, numbers NUMERIC ones: find which
            numeric = _NUMERIC_DECIMALS.get(node, False)
            try:
                column = _read(lines, node, field.type, numeric, replace_null)
            except _GIVE_UP:
                numeric = not numeric
                column = _read(lines, node, field.type, numeric, replace_null)
            _NUMERIC_DECIMALS[node] = numeric
        if data.null_count:  # null rows have no line: spread the lines over the rows
            lines_of_rows = pc.subtract(pc.cumulative_sum(valid.cast(pa.int32())), 1)
            column = column.take(pc.if_else(valid, lines_of_rows, pa.scalar(None, pa.int32())))
        return field, column
    except _GIVE_UP:
        return None


def _read(lines: _Lines, node: Node, arrow_type: pa.DataType, numeric: bool | None,
          replace_null: bool) -> pa.Array:
    def read(decimals: pa.DataType | None) -> pa.Array:
        read_type = _read_type(node, arrow_type, decimals)
        table = pj.read_json(
            pa.BufferReader(lines.ndjson),
            read_options=pj.ReadOptions(block_size=max(1 << 20, lines.longest)),
            parse_options=pj.ParseOptions(
                explicit_schema=pa.schema(list(read_type) if lines.flat else [("v", read_type)]),
                newlines_in_values=lines.newlines, unexpected_field_behavior="ignore"))
        column = table.to_struct_array() if lines.flat else table.column(0)
        return column.combine_chunks()

    if numeric:
        read(pa.float64())  # pyarrow reads strings as decimals too: first prove all are numbers
    raw = read(None if numeric else pa.string())
    return _fix(node, arrow_type, raw, None, replace_null)


def _read_type(node: Node, t: pa.DataType, decimals: pa.DataType | None) -> pa.DataType:
    """The type pyarrow reads a payload as: wide enough to check what the per-record path
    checks (ints as int64, floats as float64, logical types as their JSON form)."""
    kind = node.kind
    if node.logical == "decimal":
        if not pa.types.is_decimal128(t) or not 0 <= t.scale <= t.precision:
            raise _Fallback  # pa.array refuses every value when the scale passes the precision
        return decimals or t
    if node.logical is not None or kind in _INTS:
        return pa.int64()
    if kind in ("float", "double"):
        return pa.float64()
    if kind in ("boolean", "string"):
        return t
    if kind == "bytes":
        return pa.string()
    if kind == "array":
        return pa.list_(_read_type(node.children[0], t.value_type, decimals))
    if kind == "struct" and node.children:
        return pa.struct([pa.field(t.field(i).name, _read_type(child, t.field(i).type, decimals))
                          for i, child in enumerate(node.children)])
    raise _Fallback  # maps: pyarrow.json has no map type; empty structs


def _fix(node: Node, t: pa.DataType, raw: pa.Array, live: pa.Array | None,
         replace_null: bool) -> pa.Array:
    """``raw`` (read as ``_read_type``) as the per-record path builds it, of type ``t``.
    ``live`` marks the rows whose parents are not null (None: all)."""
    logical, kind = node.logical, node.kind
    if logical == "decimal":
        if pa.types.is_decimal(raw.type):
            raw.validate(full=True)  # pyarrow.json reads 1 as decimal(5, 5) unchecked
            out = raw
        else:
            out = _decimals(raw, t)
    elif logical in ("date", "time"):
        low, high = (-(2**31), 2**31 - 1) if logical == "date" else (0, MS_PER_DAY)
        bounds = pc.min_max(raw).as_py()
        if bounds["min"] is not None and (bounds["min"] < low or bounds["max"] > high):
            raise _Fallback
        out = raw.cast(pa.int32()).cast(t)
    elif logical == "timestamp" or kind in _INTS:
        out = raw.cast(t)  # a safe cast: a value out of range raises
    elif kind in ("float", "double"):
        out = pc.add(raw, pa.scalar(0.0)).cast(t)  # float(value) + 0.0: no negative zero
    elif kind == "bytes":
        out = _base64(raw)
    elif kind == "struct":
        valid = raw.is_valid() if raw.null_count else None
        inner = valid if live is None else live if valid is None else pc.and_(live, valid)
        children = [_fix(child, t.field(i).type, raw.field(i), inner, replace_null)
                    for i, child in enumerate(node.children)]
        out = pa.StructArray.from_arrays(children, fields=list(t),
                                         mask=None if valid is None else pc.invert(valid))
    elif kind == "array":
        items = _fix(node.children[0], t.value_type, raw.values, None, replace_null)
        out = pa.ListArray.from_arrays(raw.offsets, items, type=t,
                                       mask=raw.is_null() if raw.null_count else None)
    else:
        out = raw
    return _nulls(node, out, live, replace_null)


def _nulls(node: Node, array: pa.Array, live: pa.Array | None, replace_null: bool) -> pa.Array:
    """Nulls as the per-record path reads them: the default, a null, or its error."""
    if not array.null_count:
        return array
    if node.has_default and replace_null:
        if node.kind in ("struct", "array", "map"):
            raise _Fallback
        return pc.fill_null(array, pa.array([node.default_value], array.type)[0])
    if node.optional:
        return array
    nulls = array.is_null() if live is None else pc.and_(array.is_null(), live)
    if pc.any(nulls).as_py():
        raise _Fallback  # "Invalid null value for required ... field": the per-record path says
    return array


def _base64(text: pa.StringArray) -> pa.BinaryArray:
    # Only canonical base64: there polars and base64.b64decode(validate=True) agree.
    if pc.all(pc.match_substring_regex(text, _BASE64)).as_py() is False:
        raise _Fallback
    import polars as pl  # imported when first needed: it is a sixth of the start-up

    try:
        return pl.from_arrow(text).str.decode("base64").to_arrow().cast(pa.binary())
    except pl.exceptions.PolarsError:
        raise _Fallback from None


def _decimals(text: pa.StringArray, t: pa.Decimal128Type) -> pa.Array:
    # Big-endian two's complement of 1 to 16 bytes, sign-extended to 16 and reversed: the
    # decimal128 buffer. Empty or longer: the per-record path gives the verdict.
    raw = _base64(text)
    lengths = pc.binary_length(raw)
    if pc.any(pc.or_(pc.equal(lengths, 0), pc.greater(lengths, 16))).as_py():
        raise _Fallback
    pads = pc.subtract(16, lengths)
    sign = pc.if_else(pc.less(pc.binary_slice(raw, 0, 1), b"\x80"),
                      pc.binary_repeat(b"\x00", pads), pc.binary_repeat(b"\xff", pads))
    little = pc.binary_reverse(pc.binary_join_element_wise(sign, raw, b"")).cast(pa.binary(16))
    out = pa.Array.from_buffers(t, len(little), little.buffers()[:2], offset=little.offset)
    out.validate(full=True)  # more digits than the precision: the per-record path says
    return out


# --- writing ------------------------------------------------------------------------------

def write_column(encoder: RecordWriter, node: Node, prefix: bytes | None, data: pa.Array
                 ) -> pa.Array | None:
    """What ``encoder`` writes for ``data`` with schema ``node``: each row
    as ``prefix + payload + "}"`` (the envelope) or the payload alone when ``prefix`` is
    None, null rows null; or None if the per-record path has to write this batch."""
    try:
        live = data.is_valid() if data.null_count else None
        texts = _texts(encoder, node, data, live)
        if live is not None:
            texts = pc.if_else(live, texts, _NULL_TEXT)
        texts = texts.view(pa.binary())
        if prefix is not None:
            texts = concat_elementwise(prefix, texts, b"}")
        return texts
    except _GIVE_UP:
        return None


def _texts(encoder: RecordWriter, node: Node, array: pa.Array, live: pa.Array | None) -> pa.Array:
    """The JSON text of each row of ``array``; a null row holds what the per-record path
    writes for it in a live row (``live``: rows whose parents are not null; None: all)."""
    t = array.type
    if pa.types.is_dictionary(t):
        array = array.dictionary_decode()
        t = array.type
    kind, text = node.kind, None
    if node.logical is not None:
        text = _logical_texts(encoder, node, array)
    elif kind == "struct" and pa.types.is_struct(t) and node.children:
        text = _struct_texts(encoder, node, array, live)
    elif kind == "array" and (pa.types.is_list(t) or pa.types.is_large_list(t)):
        text = _list_texts(encoder, node, array)
    elif kind in ("float", "double") and pa.types.is_floating(t):
        text = _float_texts(array.cast(pa.float64()), kind == "float")
    elif kind == "string" and (pa.types.is_string(t) or pa.types.is_large_string(t)):
        text = _impl.quote_strings(array.cast(pa.string()))
    elif kind == "bytes" and (pa.types.is_binary(t) or pa.types.is_large_binary(t)):
        text = _quoted_base64(array.cast(pa.binary()))
    elif kind == "boolean" and pa.types.is_boolean(t) or kind in _INTS and pa.types.is_integer(t):
        if pa.types.is_uint64(t) and (pc.max(array).as_py() or 0) > 2**63 - 1:
            raise _Fallback  # "does not fit in a Connect int64": the per-record path says
        text = array.cast(pa.string())
    if text is None:  # the per-record writer, for this column only
        try:
            texts = encoder.json_texts(node, array)
        except DataError:
            raise _Fallback from None
        return pa.array(texts, pa.binary()).view(pa.string())
    return _fill(encoder, node, array, text, live)


def _logical_texts(encoder: RecordWriter, node: Node, array: pa.Array) -> pa.Array | None:
    t, logical = array.type, node.logical
    if logical == "decimal":
        if not pa.types.is_decimal(t) or t.scale != node.scale:
            return None
        if encoder.numeric_decimals:  # Arrow's decimal text is BigDecimal.toString()'s
            return array.cast(pa.string())
        if not pa.types.is_decimal128(t):
            return None
        # BigInteger.toByteArray(): the 16 little-endian bytes reversed, less the leading
        # bytes that only repeat the sign; then base64, quoted.
        little = pa.Array.from_buffers(pa.binary(16), len(array), array.buffers()[:2],
                                       offset=array.offset)
        big = pc.binary_reverse(little.cast(pa.binary()))
        big = pc.replace_substring_regex(big, r"^\x00+([\x00-\x7f])", r"\1")
        big = pc.replace_substring_regex(big, r"^\xff+([\x80-\xff])", r"\1")
        return _quoted_base64(big)
    if pa.types.is_integer(t):
        return array.cast(pa.string())
    if logical == "date" and pa.types.is_date32(t):
        return array.cast(pa.int32()).cast(pa.string())
    if (logical == "time" and pa.types.is_time(t)
            or logical == "timestamp" and (pa.types.is_timestamp(t) or pa.types.is_date(t))):
        return epoch_millis(array).cast(pa.string())
    return None


def _float_texts(values: pa.DoubleArray, single: bool) -> pa.StringArray:
    """Java's ``Double.toString`` (``Float.toString`` if ``single``), NaN and infinities
    quoted as Jackson writes them."""
    text = java_float_texts(values, single)
    special = pc.or_(pc.ends_with(text, "y"), pc.ends_with(text, "N")).fill_null(False)
    if pc.any(special).as_py():
        text = pc.if_else(special, concat_elementwise('"', text, '"'), text)
    return text


def _quoted_base64(raw: pa.BinaryArray) -> pa.StringArray:
    import polars as pl  # imported when first needed: it is a sixth of the start-up

    encoded = pl.from_arrow(raw).bin.encode("base64").to_arrow().cast(pa.string())
    return concat_elementwise('"', encoded, '"')


def _struct_texts(encoder: RecordWriter, node: Node, array: pa.StructArray, live: pa.Array | None
                  ) -> pa.Array:
    if array.null_count:
        valid = array.is_valid()
        live = valid if live is None else pc.and_(live, valid)
    parts: list[Any] = []
    for i, (name, child) in enumerate(zip(node.names, node.children)):
        key = encoder.json_text(name).decode()
        text = _texts(encoder, child, array.field(i), live)
        parts += [("{" if i == 0 else ",") + key + ":", text]
    return concat_elementwise(*parts, "}")


def _list_texts(encoder: RecordWriter, node: Node, array: pa.Array) -> pa.Array:
    lengths = pc.list_value_length(array)
    if array.null_count:
        lengths = lengths.fill_null(0)
    ends = pc.cumulative_sum(lengths.cast(pa.int64()))
    offsets = pa.concat_arrays([pa.array([0], pa.int64()), ends]).cast(pa.int32())
    items = _texts(encoder, node.children[0], array.flatten(), None)
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, items), ",")
    return concat_elementwise("[", joined, "]")


def _fill(encoder: RecordWriter, node: Node, array: pa.Array, text: pa.Array, live: pa.Array | None
          ) -> pa.Array:
    """Null rows as the per-record path writes them: the default, ``null``, or its error."""
    if not array.null_count:
        return text
    nulls = array.is_null()
    if node.has_default and encoder.replace_null:
        fill = encoder.json_text(node.default_json).decode()
    elif node.optional or live is not None and not pc.any(pc.and_(nulls, live)).as_py():
        fill = "null"  # no null in a live row of a required field
    else:
        raise _Fallback  # "null value for field that is required": the per-record path says
    return pc.if_else(nulls, pa.scalar(fill), text)
