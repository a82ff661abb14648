"""The JSON fast path's per-record loops in plain Python: the specification.

``src_ext/json_scan.pyx`` implements the same functions with the same signatures and results;
:mod:`fastconnect.converters.json_fast` chooses between them and does the vector work around
them. Whatever this module does is what the compiled version must do (the unit tests compare
them on random input), so it is written to be read, not to be fast.

What the scanners accept as JSON: one JSON text (RFC 8259) in strict UTF-8, whitespace being
space, tab, LF and CR, nested at most ``MAX_DEPTH`` deep, with number tokens of at most
``MAX_NUMBER`` characters. Every such text is one the per-record path reads (orjson, and
``json.loads`` for the numbers orjson refuses); what it refuses beyond that (deeper nesting,
longer numbers, a byte-order mark) is left to the per-record path, which gives the verdict.
So a batch the scanners accept is one the per-record path accepts.

``quote_strings`` writes strings as the per-record path does: as orjson escapes them, with
Jackson's uppercase ``\\u001F`` and escaped surrogate pairs beyond U+FFFF.
"""

from __future__ import annotations

import re

import pyarrow as pa


__all__ = ["MAX_DEPTH", "MAX_NUMBER", "MAX_SCHEMAS", "validate_rows", "scan_envelopes",
           "quote_strings"]

MAX_DEPTH = 256      # nesting the scanners follow (orjson: 1024)
MAX_NUMBER = 256     # characters in one number token (json.loads: 4,300 digits per integer)
MAX_SCHEMAS = 8      # distinct schema texts scan_envelopes keeps per batch

_WS = re.compile(rb"[ \t\n\r]*")
_UTF8 = (rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
         rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}"
         rb"|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_STRING = re.compile(rb'"(?:[\x20\x21\x23-\x5b\x5d-\x7f]|\\["\\/bfnrt]|\\u[0-9A-Fa-f]{4}|'
                     + _UTF8 + rb')*"')
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
_KEYS = (b'"schema"', b'"payload"')


def _ws(s: bytes, i: int) -> int:
    return _WS.match(s, i).end()


def _value(s: bytes, i: int, depth: int) -> int:
    """The index just after the JSON value that starts at ``s[i]``, or -1 if none does."""
    if i >= len(s):
        return -1
    c = s[i]
    if c == 0x22:
        match = _STRING.match(s, i)
        return -1 if match is None else match.end()
    if c in (0x7B, 0x5B):  # { [
        if depth >= MAX_DEPTH:
            return -1
        close = c + 2  # } ]
        i = _ws(s, i + 1)
        if s[i:i + 1] == bytes([close]):
            return i + 1
        while True:
            if c == 0x7B:
                match = _STRING.match(s, i)
                if match is None:
                    return -1
                i = _ws(s, match.end())
                if s[i:i + 1] != b":":
                    return -1
                i = _ws(s, i + 1)
            i = _value(s, i, depth + 1)
            if i < 0:
                return -1
            i = _ws(s, i)
            if s[i:i + 1] != b",":
                return i + 1 if s[i:i + 1] == bytes([close]) else -1
            i = _ws(s, i + 1)
    literal = _LITERALS.get(c)
    if literal is not None:
        return i + len(literal) if s.startswith(literal, i) else -1
    match = _NUMBER.match(s, i)
    if match is None or match.end() - i > MAX_NUMBER:
        return -1
    return match.end()


def validate_rows(data: pa.BinaryArray) -> tuple[int, pa.BooleanArray | None]:
    """Check that each row of ``data`` holds one JSON text (see the module doc).

    Returns ``(-1, nulls)`` when every row passes: ``nulls`` marks the rows read as no value
    (a JSON ``null``, or nothing but whitespace as ``bytes.strip`` sees it; null rows are not
    marked), or is None when there are none. Otherwise ``(row, None)``: the first row that
    did not pass.
    """
    nulls, marked = [], False
    for i, raw in enumerate(data.to_pylist()):
        null = False
        if raw is not None:
            if raw.strip():
                start = _ws(raw, 0)
                end = _value(raw, start, 0)
                if end < 0 or _ws(raw, end) != len(raw):
                    return i, None
                null = raw[start:end] == b"null"
            else:
                null = True
        nulls.append(null)
        marked = marked or null
    return -1, (pa.array(nulls, pa.bool_()) if marked else None)


def _envelope(raw: bytes) -> tuple[bytes, bytes] | None:
    """The schema and payload texts of ``{"schema":..,"payload":..}`` (either order, each
    key once and written without escapes, nothing else), or None."""
    spans: dict[bytes, bytes] = {}
    i = _ws(raw, 0)
    if raw[i:i + 1] != b"{":
        return None
    i = _ws(raw, i + 1)
    for separator in (b",", b"}"):
        key = next((k for k in _KEYS if raw.startswith(k, i)), None)
        if key is None or key in spans:
            return None
        i = _ws(raw, i + len(key))
        if raw[i:i + 1] != b":":
            return None
        i = _ws(raw, i + 1)
        end = _value(raw, i, 0)
        if end < 0:
            return None
        spans[key] = raw[i:end]
        i = _ws(raw, end)
        if raw[i:i + 1] != separator:
            return None
        i = _ws(raw, i + 1)
    return (spans[_KEYS[0]], spans[_KEYS[1]]) if i == len(raw) else None


def scan_envelopes(data: pa.BinaryArray, wrap: bool = True
                   ) -> tuple[int, pa.Buffer | None, list[bytes], int, bool]:
    """Split each row of ``data``, a Kafka envelope, into its schema and payload texts.

    Returns ``(bad_row, ndjson, schemas, longest, newlines)``. ``ndjson`` holds one line
    ``{"v":<payload>}`` + LF per non-null row, in row order, the payload as written (if not
    ``wrap``: ``<payload>`` + LF, and a payload that is not an object is a bad row);
    ``schemas`` the distinct schema texts, in order of first appearance; ``longest`` the
    longest line, LF included; ``newlines`` whether a payload holds a line feed or carriage
    return (as whitespace: JSON strings cannot hold them). ``bad_row`` is -1 when every
    non-null row is an envelope (see ``_envelope``) of valid JSON (module doc) and there are
    at most ``MAX_SCHEMAS`` schema texts; otherwise it is the first row where that fails,
    and ``ndjson`` is None.
    """
    lines: list[bytes] = []
    schemas: list[bytes] = []
    newlines = False
    for i, raw in enumerate(data.to_pylist()):
        if raw is None:
            continue
        envelope = _envelope(raw)
        if (envelope is None or envelope[0] not in schemas and len(schemas) == MAX_SCHEMAS
                or not wrap and not envelope[1].startswith(b"{")):
            return i, None, [], 0, False
        schema, payload = envelope
        if schema not in schemas:
            schemas.append(schema)
        newlines = newlines or b"\n" in payload or b"\r" in payload
        lines.append(b'{"v":' + payload + b"}\n" if wrap else payload + b"\n")
    return (-1, pa.py_buffer(b"".join(lines)), schemas, max(map(len, lines), default=0),
            newlines)


# --- writers ----------------------------------------------------------------------------

_ESCAPES = {i: f"\\u{i:04X}" for i in range(0x20)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
                 0x22: '\\"', 0x5C: "\\\\"})
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _surrogates(match: re.Match) -> str:
    code = ord(match[0]) - 0x10000
    return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"


def _quote(text: str) -> str:
    return '"' + _ASTRAL.sub(_surrogates, text.translate(_ESCAPES)) + '"'


def quote_strings(strings: pa.StringArray) -> pa.StringArray | None:
    """Each string as a JSON string literal as the per-record path writes it (module doc);
    null rows stay null. None if a value is not valid UTF-8."""
    try:
        values = strings.to_pylist()
    except UnicodeDecodeError:
        return None
    return pa.array([None if s is None else _quote(s) for s in values], pa.string())
