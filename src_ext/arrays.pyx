# cython: language_level=3, boundscheck=False, wraparound=False
"""Row-wise concatenation of text columns, and the plain text of doubles, compiled.

The specification is ``fastconnect.api._arrays_py``: same functions, same results.
Arrow's ``binary_join_element_wise`` pays ~9 ns per piece and row in its generic kernel;
rendering a schemaless map of nine keys is nineteen pieces a row. Here each row is a run of
memcpy, sizes summed first so the output is allocated once. ``plain_double_texts`` writes
``Double.toString`` of the common doubles in one pass, where Arrow's cast and the fixes to
make its text Java's took about a dozen kernels.
"""

cimport cython
from libc.math cimport fabs, rint, signbit
from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint8_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

import pyarrow as pa

from fastconnect.api import _arrays_py


cdef struct Piece:
    const uint8_t *valid     # NULL: no nulls (or a constant)
    const int32_t *offsets   # NULL: a constant
    const char *data
    int64_t offset           # the array's slice offset
    Py_ssize_t size          # a constant's size


cdef inline bint _valid(const uint8_t *bits, int64_t i) noexcept nogil:
    return bits == NULL or (bits[i >> 3] >> (i & 7)) & 1


cdef inline const char *_address(object buffer):
    return NULL if buffer is None else <const char *><uintptr_t>buffer.address


def concat_elementwise(*pieces):
    """See ``fastconnect.api._arrays_py.concat_elementwise``: same contract."""
    cdef Py_ssize_t count = len(pieces), p, n = -1, nulls = 0
    cdef int64_t i, total = 0, pos = 0, start, end
    cdef bint binary = False, valid
    cdef int32_t *out_offsets
    cdef uint8_t *out_valid
    cdef char *out
    keep = []        # what the Piece pointers point into
    for piece in pieces:
        if isinstance(piece, bytes):
            binary = True
        elif isinstance(piece, pa.ChunkedArray) or (
                not isinstance(piece, str) and not (
                    pa.types.is_string(piece.type) or pa.types.is_binary(piece.type))):
            return _arrays_py.concat_elementwise(*pieces)   # large types and chunks
        elif not isinstance(piece, str):
            binary = binary or pa.types.is_binary(piece.type)
            if n < 0:
                n = len(piece)
            elif len(piece) != n:
                raise ValueError(f"concat_elementwise: pieces of {n} and {len(piece)} rows")
    if n < 0:
        raise ValueError("concat_elementwise needs at least one array piece")

    cdef Piece *views = <Piece *>malloc(max(count, 1) * sizeof(Piece))
    if views == NULL:
        raise MemoryError()
    try:
        for p, piece in enumerate(pieces):
            memset(&views[p], 0, sizeof(Piece))
            if isinstance(piece, (str, bytes)):
                data = piece.encode() if isinstance(piece, str) else piece
                keep.append(data)
                views[p].data = <const char *>data
                views[p].size = len(data)
                total += n * views[p].size
                continue
            buffers = piece.buffers()
            keep.append(buffers)
            views[p].valid = <const uint8_t *>_address(buffers[0]) if piece.null_count else NULL
            views[p].offsets = <const int32_t *>_address(buffers[1])
            views[p].data = _address(buffers[2])
            views[p].offset = piece.offset
            if n:
                total += (views[p].offsets[views[p].offset + n]
                          - views[p].offsets[views[p].offset])
        if total > INT32_MAX:
            return _arrays_py.concat_elementwise(*pieces)

        offsets_buffer = pa.allocate_buffer(4 * (n + 1))
        validity_buffer = pa.allocate_buffer((n + 7) // 8)
        data_buffer = pa.allocate_buffer(total, resizable=True)
        out_offsets = <int32_t *><uintptr_t>offsets_buffer.address
        out_valid = <uint8_t *><uintptr_t>validity_buffer.address
        out = <char *><uintptr_t>data_buffer.address
        with nogil:
            memset(out_valid, 0, (n + 7) // 8)
            out_offsets[0] = 0
            for i in range(n):
                valid = True
                for p in range(count):
                    if views[p].offsets != NULL and not _valid(views[p].valid,
                                                               views[p].offset + i):
                        valid = False
                        break
                if valid:
                    for p in range(count):
                        if views[p].offsets == NULL:
                            memcpy(out + pos, views[p].data, views[p].size)
                            pos += views[p].size
                        else:
                            start = views[p].offsets[views[p].offset + i]
                            end = views[p].offsets[views[p].offset + i + 1]
                            memcpy(out + pos, views[p].data + start, end - start)
                            pos += end - start
                    out_valid[i >> 3] |= <uint8_t>(1 << (i & 7))
                else:
                    nulls += 1
                out_offsets[i + 1] = <int32_t>pos
    finally:
        free(views)
    if pos < total:
        data_buffer.resize(pos, shrink_to_fit=True)
    return pa.Array.from_buffers(pa.binary() if binary else pa.string(), n,
                                 [validity_buffer if nulls else None, offsets_buffer,
                                  data_buffer], nulls)


# --- Double.toString in plain notation ------------------------------------------------------

cdef double _TENS[19]
_TENS[0] = 1.0
for _k in range(1, 19):
    _TENS[_k] = _TENS[_k - 1] * 10.0


cdef inline bint _reads_back(double d, int k, double a) noexcept nogil:
    # Whether the decimal d / 10**k reads back as a: d and 10**k are exact doubles, and
    # IEEE division rounds correctly, so the quotient is what parsing the decimal gives.
    return 0 < d < 1e15 and d / _TENS[k] == a


cdef Py_ssize_t _plain_double(double x, char *out) noexcept nogil:
    # The text of x into out (at most 25 bytes), or -1 when the fast path does not apply.
    cdef double a = fabs(x), p, d = 0
    cdef int k, width, i
    cdef uint64_t digits
    cdef char buffer[20]
    cdef Py_ssize_t n = 0
    if signbit(x):
        out[0] = 45  # '-'
        n = 1
    if a == 0:
        memcpy(out + n, b"0.0", 3)
        return n + 3
    if not (1e-3 <= a < 1e7):
        return -1
    # The fewest fraction digits k for which a decimal of at most 15 significant digits
    # reads back as a. At most one such decimal exists for each k (two would be nearer
    # each other than a double's spacing), and it lies within one of a * 10**k.
    for k in range(19):
        p = a * _TENS[k]
        if p >= 1e15:
            return -1
        d = rint(p)
        if _reads_back(d, k, a):
            break
        if _reads_back(d - 1, k, a):
            d -= 1
            break
        if _reads_back(d + 1, k, a):
            d += 1
            break
    else:
        return -1
    digits = <uint64_t>d
    width = 0
    while digits:
        buffer[width] = 48 + <char>(digits % 10)
        digits //= 10
        width += 1
    while width <= k:           # 0.00123: zeros before the first digit
        buffer[width] = 48
        width += 1
    for i in range(width - 1, k - 1, -1):
        out[n] = buffer[i]
        n += 1
    out[n] = 46  # '.'
    n += 1
    if k == 0:
        out[n] = 48
        return n + 1
    for i in range(k - 1, -1, -1):
        out[n] = buffer[i]
        n += 1
    return n


_MAX_ROWS = INT32_MAX // 25


def plain_double_texts(values):
    """See ``fastconnect.api._arrays_py.plain_double_texts``: same contract."""
    if not pa.types.is_float64(values.type):
        return _arrays_py.plain_double_texts(values)
    if len(values) > _MAX_ROWS:   # the texts' int32 offsets: 25 bytes a value at most
        return pa.concat_arrays([plain_double_texts(values.slice(start, _MAX_ROWS))
                                 for start in range(0, len(values), _MAX_ROWS)])
    cdef Py_ssize_t n = len(values), i
    cdef int64_t pos = 0, written
    cdef int64_t offset = values.offset
    buffers = values.buffers()
    cdef const uint8_t *valid = <const uint8_t *>_address(buffers[0]) if values.null_count \
        else NULL
    cdef const double *data = <const double *>_address(buffers[1])
    offsets_buffer = pa.allocate_buffer(4 * (n + 1))
    validity_buffer = pa.allocate_buffer((n + 7) // 8)
    data_buffer = pa.allocate_buffer(25 * n, resizable=True)
    cdef int32_t *out_offsets = <int32_t *><uintptr_t>offsets_buffer.address
    cdef uint8_t *out_valid = <uint8_t *><uintptr_t>validity_buffer.address
    cdef char *out = <char *><uintptr_t>data_buffer.address
    cdef Py_ssize_t nulls = 0
    with nogil:
        memset(out_valid, 0, (n + 7) // 8)
        out_offsets[0] = 0
        for i in range(n):
            written = _plain_double(data[offset + i], out + pos) \
                if _valid(valid, offset + i) else -1
            if written >= 0:
                pos += written
                out_valid[i >> 3] |= <uint8_t>(1 << (i & 7))
            else:
                nulls += 1
            out_offsets[i + 1] = <int32_t>pos
    data_buffer.resize(pos, shrink_to_fit=True)
    return pa.Array.from_buffers(pa.string(), n, [validity_buffer if nulls else None,
                                                  offsets_buffer, data_buffer], nulls)
