# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The JSON fast path's per-record loops, compiled.

The specification is ``fastconnect.converters._json_fast_py``: same functions, same results,
and the tests compare the two. The scanners walk each row's bytes once with the GIL released,
validating as they go (a recursive descent over the row; strings skipped 8 bytes at a time);
``scan_envelopes`` copies each payload straight into the NDJSON buffer that ``pyarrow.json``
then reads, and takes a schema whose bytes equal the last one seen (one ``memcmp``) without
validating it again. ``quote_strings`` writes a string column into buffers from Arrow's pool,
as ``messages.pyx`` does.
"""

include "_json_syntax.pxi"


def validate_rows(data):
    """See ``fastconnect.converters._json_fast_py.validate_rows``: same contract."""
    cdef View v = _view(data)
    cdef _Out nulls = _bitmap(v.length, NULL)
    cdef Py_ssize_t i, start, end, n, bad = -1
    cdef const uint8_t *s
    cdef bint marked = False
    with nogil:
        for i in range(v.length):
            if not _valid(&v, i):
                continue
            s = v.data + v.offsets[v.offset + i]
            n = v.offsets[v.offset + i + 1] - v.offsets[v.offset + i]
            if not _blank(s, n):
                start = _ws(s, 0, n)
                end = _value(s, start, n, 0)
                if end < 0 or _ws(s, end, n) != n:
                    bad = i
                    break
                if end - start != 4 or s[start] != 0x6E:
                    continue
            nulls.data[i >> 3] |= 1 << (i & 7)
            marked = True
    if bad >= 0:
        return bad, None
    return -1, (pa.Array.from_buffers(pa.bool_(), v.length, [None, nulls.finish()])
                if marked else None)


# --------------------------------------------------------------------- envelopes

cdef struct Span:
    const uint8_t *start
    Py_ssize_t size


cdef Py_ssize_t _envelope(const uint8_t *s, Py_ssize_t n, Span *last, Span *schema,
                          Span *payload) noexcept nogil:
    # See _json_fast_py._envelope: -1 if the row is not an envelope, else 1 if its schema
    # is `last` (an object already validated, so taken as it is: objects end where their
    # bytes say), 0 if not.
    cdef Py_ssize_t i = _ws(s, 0, n), end, member, same = 0
    cdef Span *span
    if i >= n or s[i] != 0x7B:
        return -1
    i = _ws(s, i + 1, n)
    schema.start = payload.start = NULL
    for member in range(2):
        if i + 8 <= n and memcmp(s + i, b'"schema"', 8) == 0:
            span, i = schema, i + 8
        elif i + 9 <= n and memcmp(s + i, b'"payload"', 9) == 0:
            span, i = payload, i + 9
        else:
            return -1
        if span.start != NULL:
            return -1
        i = _ws(s, i, n)
        if i >= n or s[i] != 0x3A:
            return -1
        i = _ws(s, i + 1, n)
        if (span == schema and last.start != NULL and i + last.size <= n
                and memcmp(s + i, last.start, last.size) == 0):
            end = i + last.size
            same = 1
        else:
            end = _value(s, i, n, 0)
            if end < 0:
                return -1
        span.start, span.size = s + i, end - i
        i = _ws(s, end, n)
        if i >= n or s[i] != (0x2C if member == 0 else 0x7D):
            return -1
        i = _ws(s, i + 1, n)
    return same if i == n else -1


def scan_envelopes(data, bint wrap=True):
    """See ``fastconnect.converters._json_fast_py.scan_envelopes``: same contract."""
    cdef View v = _view(data)
    cdef Py_ssize_t total = v.offsets[v.offset + v.length] - v.offsets[v.offset]
    cdef _Out out = _Out(total + 7 * v.length)
    cdef Span last, schema, payload
    cdef Span distinct[16]
    cdef Py_ssize_t i, k, n, count = 0, longest = 0, bad = -1, same, size
    cdef const uint8_t *s
    cdef uint8_t *line
    cdef bint newlines = False
    last.start, last.size = NULL, 0
    with nogil:
        for i in range(v.length):
            if not _valid(&v, i):
                continue
            s = v.data + v.offsets[v.offset + i]
            n = v.offsets[v.offset + i + 1] - v.offsets[v.offset + i]
            same = _envelope(s, n, &last, &schema, &payload)
            if same < 0 or not wrap and payload.start[0] != 0x7B:
                bad = i
                break
            if not same:
                for k in range(count):
                    if distinct[k].size == schema.size and memcmp(
                            distinct[k].start, schema.start, schema.size) == 0:
                        break
                else:
                    if count == _MAX_SCHEMAS:
                        bad = i
                        break
                    distinct[count] = schema
                    count += 1
            last = schema if schema.start[0] == 0x7B else last
            line = out.data + out.size  # capacity: the row's bytes plus 7
            if wrap:
                memcpy(line, b'{"v":', 5)
                memcpy(line + 5, payload.start, payload.size)
                memcpy(line + 5 + payload.size, b"}\n", 2)
                size = payload.size + 7
            else:
                memcpy(line, payload.start, payload.size)
                line[payload.size] = 0x0A
                size = payload.size + 1
            out.size += size
            longest = max(longest, size)
            newlines = newlines or (memchr(payload.start, 0x0A, payload.size) != NULL
                                    or memchr(payload.start, 0x0D, payload.size) != NULL)
    if bad >= 0:
        return bad, None, [], 0, False
    schemas = [PyBytes_FromStringAndSize(<const char *>distinct[k].start, distinct[k].size)
               for k in range(count)]
    return -1, out.finish(), schemas, longest, newlines


# --------------------------------------------------------------------- writers

cdef inline Py_ssize_t _hex4(uint8_t *out, unsigned int unit) noexcept nogil:
    out[0], out[1] = 0x5C, 0x75
    out[2], out[3] = _DIGITS[(unit >> 12) & 15], _DIGITS[(unit >> 8) & 15]
    out[4], out[5] = _DIGITS[(unit >> 4) & 15], _DIGITS[unit & 15]
    return 6


cdef Py_ssize_t _quote(uint8_t *out, const uint8_t *s, Py_ssize_t i, Py_ssize_t end) noexcept nogil:
    # Writes s[i:end] as a JSON string literal (at most 2 + 6 bytes per byte); returns the
    # size written, or -1 if s[i:end] is not valid UTF-8.
    cdef Py_ssize_t size = 1, run
    cdef uint8_t c
    cdef unsigned int code
    out[0] = 0x22
    while i < end:
        run = _plain_run(s, i, end)
        memcpy(out + size, s + i, run - i)
        size += run - i
        i = run
        if i >= end:
            break
        c = s[i]
        if c < 0x80:
            if _SHORT[c]:
                out[size], out[size + 1] = 0x5C, _SHORT[c]
                size += 2
            else:
                size += _hex4(out + size, c)
            i += 1
            continue
        run = _utf8(s, i, end)
        if run < 0:
            return -1
        if run - i < 4:
            memcpy(out + size, s + i, run - i)
            size += run - i
        else:  # beyond U+FFFF: an escaped surrogate pair, as Jackson writes it
            code = (((c & 7) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6)
                    | (s[i + 3] & 0x3F)) - 0x10000
            size += _hex4(out + size, 0xD800 + (code >> 10))
            size += _hex4(out + size, 0xDC00 + (code & 0x3FF))
        i = run
    out[size] = 0x22
    return size + 1


def quote_strings(strings):
    """See ``fastconnect.converters._json_fast_py.quote_strings``: same contract."""
    cdef View v = _view(strings)
    cdef _Out offsets = _Out(4 * (v.length + 1)), data = _Out(v.length * 16)
    cdef int32_t *o = <int32_t *>offsets.data
    cdef Py_ssize_t i, start, end, size
    o[0] = 0
    for i in range(v.length):
        if _valid(&v, i):
            start, end = v.offsets[v.offset + i], v.offsets[v.offset + i + 1]
            size = _quote(data.reserve(6 * (end - start) + 2), v.data, start, end)
            if size < 0 or data.size + size > 0x7FFFFFFF:
                return None
            data.size += size
        o[i + 1] = <int32_t>data.size
    offsets.size = 4 * (v.length + 1)
    return _strings(&v, offsets, data)
