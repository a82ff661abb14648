# cython: language_level=3, boundscheck=False, wraparound=False
"""Row-wise concatenation of text columns, compiled.

The specification is ``fastconnect.api._arrays_py.concat_elementwise``: same function,
same result. Arrow's ``binary_join_element_wise`` pays ~9 ns per piece and row in its
generic kernel; rendering a schemaless map of nine keys is nineteen pieces a row. Here each
row is a run of memcpy, sizes summed first so the output is allocated once.
"""

cimport cython
from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint8_t, uintptr_t
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
