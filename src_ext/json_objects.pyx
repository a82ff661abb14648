# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Schemaless JSON objects of one shape into Arrow columns, compiled.

The specification is ``fastconnect.converters._json_objects_py.scan_objects``: same
function, same result, and the tests compare the two. One pass over the rows with the GIL
released checks the shape (the first object's keys, in order, with one kind of value each)
and notes where each value lies; then each column is written from those spans into buffers
from Arrow's pool: strings copied (escapes decoded), integers and booleans parsed here,
other numbers exactly where one IEEE operation is exact (Clinger's fast path: up to 15
significant digits and a power of ten up to 22), else by CPython's own correctly rounded
``PyOS_string_to_double`` (which pays for switching the x87 control word on each call).
"""

include "_json_syntax.pxi"

from cpython.conversion cimport PyOS_string_to_double
from libc.math cimport isfinite
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc

from fastconnect.converters._json_objects_py import MAX_KEYS

cdef enum:
    _MAX_KEYS = 256
    _TOKEN = 257  # a number token and its NUL
if MAX_KEYS != _MAX_KEYS or MAX_NUMBER >= _TOKEN:
    raise ImportError("json_objects was compiled for other limits than _json_objects_py's")
cdef enum:
    _TEXT = 0
    _INTEGER = 1
    _FLOAT = 2
    _BOOLEAN = 3
cdef object _TYPES = (pa.string(), pa.int64(), pa.float64(), pa.bool_())


cdef struct Key:  # one key of the first object: its raw text (between the quotes)
    const uint8_t *text
    Py_ssize_t size
    int kind
    bint escaped    # a text value of this key holds an escape, in some row


cdef inline int _hex(uint8_t c) noexcept nogil:
    return c - 0x30 if c <= 0x39 else (c | 0x20) - 0x57


cdef inline unsigned int _unit(const uint8_t *s) noexcept nogil:
    return (_hex(s[0]) << 12) | (_hex(s[1]) << 8) | (_hex(s[2]) << 4) | _hex(s[3])


cdef Py_ssize_t _unescape(const uint8_t *s, Py_ssize_t n, uint8_t *out) noexcept nogil:
    # The UTF-8 of a string's content s[0:n] (validated by _string) into out; its size, or
    # -1 for a lone surrogate, which has no UTF-8.
    cdef Py_ssize_t i = 0, o = 0
    cdef unsigned int u, low
    cdef uint8_t c
    while i < n:
        c = s[i]
        if c != 0x5C:
            out[o] = c
            o += 1
            i += 1
            continue
        c = s[i + 1]
        if c != 0x75:
            out[o] = (c if c == 0x22 or c == 0x5C or c == 0x2F else 0x08 if c == 0x62 else
                      0x0C if c == 0x66 else 0x0A if c == 0x6E else 0x0D if c == 0x72 else 0x09)
            o += 1
            i += 2
            continue
        u = _unit(s + i + 2)
        i += 6
        if 0xDC00 <= u < 0xE000:
            return -1
        if 0xD800 <= u < 0xDC00:
            if i + 6 > n or s[i] != 0x5C or s[i + 1] != 0x75:
                return -1
            low = _unit(s + i + 2)
            if not 0xDC00 <= low < 0xE000:
                return -1
            u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
            i += 6
        if u < 0x80:
            out[o] = u
            o += 1
        elif u < 0x800:
            out[o], out[o + 1] = 0xC0 | (u >> 6), 0x80 | (u & 0x3F)
            o += 2
        elif u < 0x10000:
            out[o], out[o + 1], out[o + 2] = (0xE0 | (u >> 12), 0x80 | ((u >> 6) & 0x3F),
                                              0x80 | (u & 0x3F))
            o += 3
        else:
            out[o], out[o + 1] = 0xF0 | (u >> 18), 0x80 | ((u >> 12) & 0x3F)
            out[o + 2], out[o + 3] = 0x80 | ((u >> 6) & 0x3F), 0x80 | (u & 0x3F)
            o += 4
    return o


cdef inline bint _spelled_as(const Key *key, const uint8_t *s, Py_ssize_t i,
                             Py_ssize_t n) noexcept nogil:
    # Whether s[i:] holds the key's raw text and then its closing quote (most rows spell
    # their keys as the first row did: no need to scan and compare them apart).
    cdef Py_ssize_t j
    if i + key.size >= n or s[i + key.size] != 0x22:
        return False
    for j in range(key.size):
        if s[i + j] != key.text[j]:
            return False
    return True


cdef bint _same_key(const Key *key, const uint8_t *s, Py_ssize_t n,
                    uint8_t *scratch) noexcept nogil:
    # Whether the raw key s[0:n] names the same key as `key` once both are decoded.
    cdef Py_ssize_t a, b
    if n == key.size and memcmp(s, key.text, n) == 0:
        return True
    if memchr(s, 0x5C, n) == NULL and memchr(key.text, 0x5C, key.size) == NULL:
        return False
    a = _unescape(key.text, key.size, scratch)
    b = _unescape(s, n, scratch + key.size)
    return a >= 0 and a == b and memcmp(scratch, scratch + key.size, a) == 0


cdef int _object(const uint8_t *s, Py_ssize_t n, Key *keys, Py_ssize_t *count, bint first,
                 int64_t *spans, uint8_t *scratch) noexcept nogil:
    # One row: an object of the keys and kinds in `keys` (the first row sets them, and
    # `count`); each value's start and end go to spans. 0, or -1 if the row is not of them.
    cdef Py_ssize_t i, k = 0, end, start, j
    cdef int kind
    cdef uint8_t c
    cdef bint escaped = False
    i = _ws(s, 0, n)
    if i >= n or s[i] != 0x7B:
        return -1
    i = _ws(s, i + 1, n)
    while True:
        if i >= n or s[i] != 0x22:
            return -1
        if not first and k < count[0] and _spelled_as(&keys[k], s, i + 1, n):
            end = i + keys[k].size + 2   # the first row's key, byte for byte: valid
        else:
            end = _string(s, i, n)
            if end < 0:
                return -1
            if first:
                if k >= _MAX_KEYS:
                    return -1
                keys[k].text, keys[k].size = s + i + 1, end - i - 2
            elif k >= count[0] or not _same_key(&keys[k], s + i + 1, end - i - 2, scratch):
                return -1
        i = _ws(s, end, n)
        if i >= n or s[i] != 0x3A:
            return -1
        start = _ws(s, i + 1, n)
        if start >= n:
            return -1
        c = s[start]
        if c == 0x22:
            kind, end = _TEXT, _string_escapes(s, start, n, &escaped)
        elif c == 0x74:
            kind = _BOOLEAN
            end = start + 4 if start + 4 <= n and memcmp(s + start, b"true", 4) == 0 else -1
        elif c == 0x66:
            kind = _BOOLEAN
            end = start + 5 if start + 5 <= n and memcmp(s + start, b"false", 5) == 0 else -1
        else:  # a number, or what this shape does not hold (null, an object, an array)
            kind, end = _INTEGER, _number(s, start, n)
            for j in range(start, end):
                if s[j] == 0x2E or s[j] == 0x65 or s[j] == 0x45:
                    kind = _FLOAT
                    break
        if end < 0:
            return -1
        if first:
            keys[k].kind = kind
            keys[k].escaped = False
        elif keys[k].kind != kind:
            return -1
        if kind == _TEXT and escaped:
            keys[k].escaped = True
        spans[2 * k], spans[2 * k + 1] = start, end
        k += 1
        i = _ws(s, end, n)
        if i >= n:
            return -1
        if s[i] == 0x2C:
            i = _ws(s, i + 1, n)
            continue
        if s[i] != 0x7D:
            return -1
        break
    if _ws(s, i + 1, n) != n:
        return -1
    if first:
        count[0] = k
    return 0 if k == count[0] else -1


cdef object _text_column(View *v, int64_t *spans, Py_ssize_t stride, Py_ssize_t k,
                         object validity, bint escaped):
    cdef Py_ssize_t i, size, total = 0, pos = 0, written
    cdef const uint8_t *row
    cdef const uint8_t *src
    for i in range(v.length):
        if _valid(v, i):
            total += spans[i * stride + 2 * k + 1] - spans[i * stride + 2 * k] - 2
    if total > 2**31 - 1:
        return None
    cdef _Out offsets = _Out(4 * (v.length + 1)), data = _Out(total)
    cdef int32_t *offs = <int32_t *>offsets.data
    with nogil:
        for i in range(v.length):
            offs[i] = pos
            if not _valid(v, i):
                continue
            row = v.data + v.offsets[v.offset + i]
            src = row + spans[i * stride + 2 * k] + 1
            size = spans[i * stride + 2 * k + 1] - spans[i * stride + 2 * k] - 2
            if not escaped or memchr(src, 0x5C, size) == NULL:
                memcpy(data.data + pos, src, size)
                pos += size
                continue
            written = _unescape(src, size, data.data + pos)
            if written < 0:
                pos = -1
                break
            pos += written
        if pos >= 0:
            offs[v.length] = pos
    if pos < 0:
        return None
    offsets.size, data.size = 4 * (v.length + 1), pos
    return pa.Array.from_buffers(_TYPES[_TEXT], v.length,
                                 [validity, offsets.finish(), data.finish()])


cdef object _integer_column(View *v, int64_t *spans, Py_ssize_t stride, Py_ssize_t k,
                            object validity):
    cdef _Out out = _Out(8 * v.length)
    cdef int64_t *values = <int64_t *>out.data
    cdef Py_ssize_t i, j, start, end
    cdef const uint8_t *row
    cdef uint64_t acc, limit, digit
    cdef bint negative, overflow = False
    with nogil:
        for i in range(v.length):
            values[i] = 0
            if not _valid(v, i):
                continue
            row = v.data + v.offsets[v.offset + i]
            start, end = spans[i * stride + 2 * k], spans[i * stride + 2 * k + 1]
            negative = row[start] == 0x2D
            acc = 0
            if end - start - negative <= 18:   # below 10**18: no overflow to check for
                for j in range(start + negative, end):
                    acc = acc * 10 + (row[j] - 0x30)
            else:
                limit = (<uint64_t>1 << 63) - (0 if negative else 1)
                for j in range(start + negative, end):
                    digit = row[j] - 0x30
                    if acc > (limit - digit) // 10:
                        overflow = True
                        break
                    acc = acc * 10 + digit
            if overflow:
                break
            values[i] = <int64_t>(0 - acc) if negative else <int64_t>acc
    if overflow:
        return None
    out.size = 8 * v.length
    return pa.Array.from_buffers(_TYPES[_INTEGER], v.length, [validity, out.finish()])


# Powers of ten a double holds exactly (Clinger's fast path).
cdef double _EXACT_TENS[23]
_EXACT_TENS[0] = 1.0
for _c in range(1, 23):
    _EXACT_TENS[_c] = _EXACT_TENS[_c - 1] * 10.0


cdef inline bint _fast_double(const uint8_t *s, Py_ssize_t n, double *out) noexcept nogil:
    # The double of the JSON number s[0:n] when it is exactly one IEEE multiplication or
    # division of two exact doubles (so correctly rounded); False to take the slow path.
    cdef Py_ssize_t i = 0, digits = 0
    cdef uint64_t mantissa = 0
    cdef int exponent = 0, e = 0, e_sign = 1
    cdef bint negative = s[0] == 0x2D, fraction = False, significant = False
    cdef uint8_t c
    if negative:
        i = 1
    while i < n:
        c = s[i]
        if c == 0x2E:
            fraction = True
        elif c == 0x65 or c == 0x45:
            break
        else:
            if c != 0x30 or significant:
                significant = True
                digits += 1
                if digits > 15:
                    return False
                mantissa = mantissa * 10 + (c - 0x30)
            if fraction:
                exponent -= 1
        i += 1
    if i < n:   # the exponent part
        i += 1
        if s[i] == 0x2D or s[i] == 0x2B:
            e_sign = -1 if s[i] == 0x2D else 1
            i += 1
        while i < n:
            e = e * 10 + (s[i] - 0x30)
            if e > 400:
                return False
            i += 1
        exponent += e_sign * e
    if exponent < -22 or exponent > 22:
        return False
    out[0] = (<double>mantissa * _EXACT_TENS[exponent] if exponent >= 0 else
              <double>mantissa / _EXACT_TENS[-exponent])
    if negative:
        out[0] = -out[0]
    return True


cdef object _float_column(View *v, int64_t *spans, Py_ssize_t stride, Py_ssize_t k,
                          object validity):
    cdef _Out out = _Out(8 * v.length)
    cdef double *values = <double *>out.data
    cdef char token[_TOKEN]
    cdef Py_ssize_t i, start, size
    cdef const uint8_t *row
    for i in range(v.length):
        values[i] = 0.0
        if not _valid(v, i):
            continue
        row = v.data + v.offsets[v.offset + i]
        start = spans[i * stride + 2 * k]
        size = spans[i * stride + 2 * k + 1] - start
        if _fast_double(row + start, size, &values[i]):
            values[i] += 0.0                      # -0.0 reads as 0.0
            continue
        memcpy(token, row + start, size)
        token[size] = 0
        values[i] = PyOS_string_to_double(token, NULL, NULL) + 0.0
        if not isfinite(values[i]):  # beyond a double: the per-record path decides
            return None
    out.size = 8 * v.length
    return pa.Array.from_buffers(_TYPES[_FLOAT], v.length, [validity, out.finish()])


cdef object _boolean_column(View *v, int64_t *spans, Py_ssize_t stride, Py_ssize_t k,
                            object validity):
    cdef _Out out = _bitmap(v.length, NULL)
    cdef Py_ssize_t i
    for i in range(v.length):
        if _valid(v, i) and (v.data + v.offsets[v.offset + i])[spans[i * stride + 2 * k]] == 0x74:
            out.data[i >> 3] |= 1 << (i & 7)
    return pa.Array.from_buffers(_TYPES[_BOOLEAN], v.length, [validity, out.finish()])


def scan_objects(data):
    """See ``fastconnect.converters._json_objects_py.scan_objects``: same contract."""
    cdef View v = _view(data)
    cdef Py_ssize_t i, k, first = -1, count = 0, longest = 0, stride, size
    cdef Key keys[_MAX_KEYS]
    cdef int64_t *spans = NULL
    cdef uint8_t *scratch = NULL
    cdef int failed = 0
    for i in range(v.length):
        if _valid(&v, i):
            if first < 0:
                first = i
            longest = max(longest, v.offsets[v.offset + i + 1] - v.offsets[v.offset + i])
    if first < 0:
        return None
    try:
        scratch = <uint8_t *>malloc(2 * longest + 2)
        spans = <int64_t *>malloc(sizeof(int64_t) * 2 * _MAX_KEYS)
        if scratch == NULL or spans == NULL:
            raise MemoryError()
        if _object(v.data + v.offsets[v.offset + first],
                   v.offsets[v.offset + first + 1] - v.offsets[v.offset + first],
                   keys, &count, True, spans, scratch) < 0:
            return None
        free(spans)
        stride = 2 * count
        spans = <int64_t *>malloc(sizeof(int64_t) * stride * v.length)
        if spans == NULL:
            raise MemoryError()
        with nogil:
            for i in range(first, v.length):
                if _valid(&v, i) and _object(
                        v.data + v.offsets[v.offset + i],
                        v.offsets[v.offset + i + 1] - v.offsets[v.offset + i],
                        keys, &count, False, spans + i * stride, scratch) < 0:
                    failed = 1
                    break
        if failed:
            return None
        names = []
        for k in range(count):
            size = _unescape(keys[k].text, keys[k].size, scratch)
            if size < 0:
                return None
            names.append(PyBytes_FromStringAndSize(<char *>scratch, size).decode())
        if len(set(names)) != count:
            return None
        bitmap = _bitmap(v.length, &v)
        validity = None if bitmap is None else (<_Out>bitmap).finish()
        columns = []
        for k in range(count):
            if keys[k].kind == _TEXT:
                column = _text_column(&v, spans, stride, k, validity, keys[k].escaped)
            elif keys[k].kind == _INTEGER:
                column = _integer_column(&v, spans, stride, k, validity)
            elif keys[k].kind == _FLOAT:
                column = _float_column(&v, spans, stride, k, validity)
            else:
                column = _boolean_column(&v, spans, stride, k, validity)
            if column is None:
                return None
            columns.append(column)
        return names, columns
    finally:
        free(spans)
        free(scratch)
