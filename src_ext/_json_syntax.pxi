# The JSON syntax and Arrow plumbing the compiled JSON modules share, included by
# json_scan.pyx and json_objects.pyx (each module compiles its own copy; the
# functions are inline or small). Their Python twins are in
# fastconnect/converters/_json_fast_py.py and _json_objects_py.py.

cimport cython
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdint cimport int32_t, uint8_t, uint64_t, uintptr_t
from libc.string cimport memchr, memcmp, memcpy, memset

import sys

import pyarrow as pa

from fastconnect.converters._json_fast_py import MAX_DEPTH, MAX_NUMBER, MAX_SCHEMAS

cdef Py_ssize_t _MAX_DEPTH = MAX_DEPTH, _MAX_NUMBER = MAX_NUMBER, _MAX_SCHEMAS = MAX_SCHEMAS
cdef object _STRING = pa.string()

# _PLAIN: bytes a string holds as they are (no quote, backslash, control or non-ASCII byte);
# _SHORT: the letter of a byte's two-character escape (n for LF), else 0; _HEX: hex digits.
cdef uint8_t _PLAIN[256]
cdef uint8_t _SHORT[256]
cdef uint8_t _HEX[256]
cdef const char *_DIGITS = b"0123456789ABCDEF"
_ESCAPES = dict(zip(b'\b\t\n\f\r"\\', b'btnfr"\\'))
cdef int _c
for _c in range(256):
    _PLAIN[_c] = 0x20 <= _c < 0x80 and _c != 0x22 and _c != 0x5C
    _SHORT[_c] = _ESCAPES.get(_c, 0)
    _HEX[_c] = chr(_c) in "0123456789abcdefABCDEF"

cdef extern from *:
    int __builtin_ctzll(unsigned long long x) nogil

cdef uint64_t ONES = 0x0101010101010101, HIGHS = 0x8080808080808080
cdef bint _LITTLE = sys.byteorder == "little"


cdef inline Py_ssize_t _plain_run(const uint8_t *s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    # The first index from i on whose byte is not _PLAIN (n if none), 8 bytes at a time
    # (SWAR: a byte is flagged if it is a quote, a backslash, a control or a high byte; bytes
    # after a flagged one may be flagged wrongly, never the first).
    cdef uint64_t x, quote, slash, flags
    while _LITTLE and i + 8 <= n:
        memcpy(&x, s + i, 8)
        quote, slash = x ^ (ONES * 0x22), x ^ (ONES * 0x5C)
        flags = (((quote - ONES) & ~quote) | ((slash - ONES) & ~slash)
                 | ((x - ONES * 0x20) & ~x) | x) & HIGHS
        if flags:
            return i + (__builtin_ctzll(flags) >> 3)
        i += 8
    while i < n and _PLAIN[s[i]]:
        i += 1
    return i


# --------------------------------------------------------------------- reading Arrow arrays

cdef struct View:  # a binary or string array
    const uint8_t *valid    # NULL when there are no nulls
    const int32_t *offsets
    const uint8_t *data
    Py_ssize_t offset
    Py_ssize_t length


cdef const uint8_t _NOTHING = 0
cdef const int32_t _NO_OFFSETS = 0  # what an empty array may have instead of buffers


cdef View _view(object array) except *:
    cdef View v
    buffers = array.buffers()
    v.valid = NULL if array.null_count == 0 else <const uint8_t *><uintptr_t>buffers[0].address
    v.offset, v.length = array.offset, len(array)
    v.offsets = &_NO_OFFSETS if buffers[1] is None else (
        <const int32_t *><uintptr_t>buffers[1].address)
    v.data = &_NOTHING if buffers[2] is None else <const uint8_t *><uintptr_t>buffers[2].address
    return v


cdef inline bint _valid(const View *v, Py_ssize_t i) noexcept nogil:
    i += v.offset
    return v.valid == NULL or (v.valid[i >> 3] >> (i & 7)) & 1


# --------------------------------------------------------------------- output buffers

@cython.final
cdef class _Out:
    # Memory from Arrow's pool, grown by doubling, handed to Arrow as is by finish().
    cdef object buffer
    cdef uint8_t *data
    cdef Py_ssize_t size, capacity

    def __cinit__(self, Py_ssize_t capacity):
        self.capacity = capacity if capacity > 64 else 64
        self.buffer = pa.allocate_buffer(self.capacity, resizable=True)
        self.data = <uint8_t *><uintptr_t>self.buffer.address
        self.size = 0

    cdef uint8_t *reserve(self, Py_ssize_t extra) except NULL:
        if self.size + extra > self.capacity:
            self.capacity = max(self.size + extra, 2 * self.capacity)
            self.buffer.resize(self.capacity)
            self.data = <uint8_t *><uintptr_t>self.buffer.address
        return self.data + self.size

    cdef object finish(self):
        self.buffer.resize(self.size, shrink_to_fit=True)
        return self.buffer


cdef object _bitmap(Py_ssize_t length, View *source):
    # A zeroed validity bitmap for `length` rows, or the bits of `source` moved to offset 0.
    cdef _Out out = _Out((length + 7) // 8)
    cdef Py_ssize_t i
    memset(out.data, 0, (length + 7) // 8)
    out.size = (length + 7) // 8
    if source != NULL:
        if source.valid == NULL:
            return None
        for i in range(length):
            if _valid(source, i):
                out.data[i >> 3] |= 1 << (i & 7)
    return out


cdef object _strings(View *source, _Out offsets, _Out data):
    cdef _Out bitmap = _bitmap(source.length, source)
    return pa.Array.from_buffers(_STRING, source.length, [
        None if bitmap is None else bitmap.finish(), offsets.finish(), data.finish()])


# --------------------------------------------------------------------- JSON syntax

cdef inline Py_ssize_t _ws(const uint8_t *s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    while i < n and (s[i] == 0x20 or s[i] == 0x0A or s[i] == 0x0D or s[i] == 0x09):
        i += 1
    return i


cdef inline Py_ssize_t _utf8(const uint8_t *s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    # The end of the UTF-8 sequence at s[i] (a byte >= 0x80), or -1 if it is not valid:
    # no overlong forms, no surrogates, nothing beyond U+10FFFF (what Python's codec says).
    cdef uint8_t c = s[i]
    cdef uint8_t low = 0xA0 if c == 0xE0 else 0x90 if c == 0xF0 else 0x80
    cdef uint8_t high = 0x9F if c == 0xED else 0x8F if c == 0xF4 else 0xBF
    cdef Py_ssize_t more = 1 if c < 0xE0 else 2 if c < 0xF0 else 3, k
    if c < 0xC2 or c > 0xF4 or i + more >= n or not low <= s[i + 1] <= high:
        return -1
    for k in range(i + 2, i + more + 1):
        if s[k] & 0xC0 != 0x80:
            return -1
    return i + more + 1


cdef inline Py_ssize_t _string(const uint8_t *s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    # s[i] is a quote: the index after the string it opens, or -1.
    cdef bint escaped
    return _string_escapes(s, i, n, &escaped)


cdef Py_ssize_t _string_escapes(const uint8_t *s, Py_ssize_t i, Py_ssize_t n,
                                bint *escaped) noexcept nogil:
    # _string, also setting *escaped when the string holds a backslash escape.
    cdef uint8_t c
    escaped[0] = False
    i += 1
    while True:
        i = _plain_run(s, i, n)
        if i >= n:
            return -1
        c = s[i]
        if c == 0x22:
            return i + 1
        elif c == 0x5C:
            if i + 1 >= n:
                return -1
            escaped[0] = True
            c = s[i + 1]
            if c == 0x75:  # \uXXXX
                if i + 5 >= n or not (_HEX[s[i + 2]] and _HEX[s[i + 3]] and _HEX[s[i + 4]]
                                      and _HEX[s[i + 5]]):
                    return -1
                i += 6
            elif c in b'"\\/bfnrt':
                i += 2
            else:
                return -1
        elif c < 0x80:
            return -1
        else:
            i = _utf8(s, i, n)
            if i < 0:
                return -1


cdef inline Py_ssize_t _digits(const uint8_t *s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    while i < n and 0x30 <= s[i] <= 0x39:
        i += 1
    return i


cdef Py_ssize_t _number(const uint8_t *s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t start = i, k
    if s[i] == 0x2D:
        i += 1
    if i >= n or not 0x30 <= s[i] <= 0x39:
        return -1
    i = i + 1 if s[i] == 0x30 else _digits(s, i, n)
    if i < n and s[i] == 0x2E:
        k = _digits(s, i + 1, n)
        if k == i + 1:
            return -1
        i = k
    if i < n and (s[i] == 0x65 or s[i] == 0x45):
        i += 1
        if i < n and (s[i] == 0x2B or s[i] == 0x2D):
            i += 1
        k = _digits(s, i, n)
        if k == i:
            return -1
        i = k
    return -1 if i - start > _MAX_NUMBER else i


cdef Py_ssize_t _value(const uint8_t *s, Py_ssize_t i, Py_ssize_t n,
                       Py_ssize_t depth) noexcept nogil:
    # The index just after the JSON value that starts at s[i], or -1 if none does.
    cdef uint8_t c, close
    if i >= n:
        return -1
    c = s[i]
    if c == 0x22:
        return _string(s, i, n)
    if c == 0x7B or c == 0x5B:
        if depth >= _MAX_DEPTH:
            return -1
        close = c + 2
        i = _ws(s, i + 1, n)
        if i < n and s[i] == close:
            return i + 1
        while True:
            if c == 0x7B:
                if i >= n or s[i] != 0x22:
                    return -1
                i = _string(s, i, n)
                if i < 0:
                    return -1
                i = _ws(s, i, n)
                if i >= n or s[i] != 0x3A:
                    return -1
                i = _ws(s, i + 1, n)
            i = _value(s, i, n, depth + 1)
            if i < 0:
                return -1
            i = _ws(s, i, n)
            if i >= n:
                return -1
            if s[i] != 0x2C:
                return i + 1 if s[i] == close else -1
            i = _ws(s, i + 1, n)
    if c == 0x74:
        return i + 4 if i + 4 <= n and memcmp(s + i, b"true", 4) == 0 else -1
    if c == 0x66:
        return i + 5 if i + 5 <= n and memcmp(s + i, b"false", 5) == 0 else -1
    if c == 0x6E:
        return i + 4 if i + 4 <= n and memcmp(s + i, b"null", 4) == 0 else -1
    return _number(s, i, n)


cdef inline bint _blank(const uint8_t *s, Py_ssize_t n) noexcept nogil:
    # Nothing but what bytes.strip() strips.
    cdef Py_ssize_t i
    for i in range(n):
        if not (s[i] == 0x20 or 0x09 <= s[i] <= 0x0D):
            return False
    return True

