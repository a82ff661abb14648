"""Kafka Connect values as its Java code prints and hashes them, for byte-exact output.

Kafka writes numbers with ``Double.toString``, ``Float.toString`` and ``BigDecimal.toString``,
and writes the entries of every map in the iteration order of the ``java.util.HashMap`` it
built, which follows the keys' ``hashCode()``. The functions here reproduce those forms
(as JDK 17 prints them), and read Arrow dates, times, timestamps and decimals as Java holds
them (epoch milliseconds, unscaled integers). :mod:`fastconnect.api.schema` renders values with
them and re-exports them, so they can still be imported from there.
"""

from __future__ import annotations

import decimal
import fractions
import functools
import math
import struct as _struct
import sys
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api.arrays import concat_elementwise, plain_double_texts

__all__ = [
    "decimal_unscaled", "epoch_millis", "java_big_decimal_str", "java_double_str",
    "java_float_str", "java_float_texts", "java_hash", "java_hashmap_capacity", "java_hashmap_growth",
    "java_hashmap_order", "java_key_hashes",
]

_MS_PER_DAY = 86_400_000


# --- Java's text forms ----------------------------------------------------------------------

def _java_digits(number: decimal.Decimal) -> str:
    """Format a finite non-zero number as Java's Double/Float.toString do."""
    negative, digit_tuple, exponent = number.as_tuple()
    digits = "".join(map(str, digit_tuple))
    sci = exponent + len(digits) - 1  # the power of ten of the first digit
    digits = digits.rstrip("0") or "0"
    sign = "-" if negative else ""
    if -3 <= sci < 7:
        point = sci + 1
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        whole, frac = digits[:point].ljust(point, "0"), digits[point:]
        return f"{sign}{whole}.{frac or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{sci}"


def _nonfinite(x: float) -> str | None:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    return None


def _integral_digits(x: float, significant_bits: int) -> decimal.Decimal | None:
    """The digits JDK 17's ``FloatingDecimal`` prints for an integral value below 2**63.

    It writes such values from their exact integer, only rounding off the digits below the
    precision of the type, so ``5.5423575513377032E16`` where the shortest form (printed by
    JDK 19 and later) is ``5.542357551337703E16``.
    """
    if x != int(x) or abs(x) >= 2**63:
        return None
    value = int(abs(x))
    p2 = value.bit_length() - 1 - significant_bits - 1
    drop = len(str(1 << p2)) - 1 if p2 > 1 else 0
    if drop:
        value, residue = divmod(value, 10**drop)
        value += residue >= 10**drop // 2
    return decimal.Decimal(f"{'-' if x < 0 else ''}{value}E{drop}")


def _power_of_two_digits(x: float, mantissa_bits: int, min_exponent: int) -> decimal.Decimal | None:
    """JDK 17 writes a power of two with the digits that fall within a quarter of the ulp
    above it (its ``FloatingDecimal`` halves its error bound there), often one digit more
    than the shortest: ``5.9604644775390625E-8`` for 2**-24."""
    mantissa, exponent = math.frexp(x)
    if abs(mantissa) != 0.5:
        return None
    limit = fractions.Fraction(2) ** max(exponent - 1 - mantissa_bits, min_exponent) / 4
    first = math.floor(math.log10(abs(x)))
    exact = fractions.Fraction(x)
    for digits in range(2 if first < -3 or first >= 7 else 1, 18):
        text = f"{x:.{digits - 1}e}"
        if abs(fractions.Fraction(text) - exact) < limit:
            return decimal.Decimal(text)
    return None


def java_double_str(x: float) -> str:
    """``Double.toString(x)`` as JDK 17 prints it: ``1.0E10`` style outside 1e-3..1e7.

    Digits are the shortest that read back as ``x`` (closest of the 1- and 2-digit ones
    when one digit would do), except that integral values below 2**63 are written from
    their exact digits and powers of two with a tighter bound, as JDK 17 does (JDK 19+
    writes the shortest there too). JDK 17's general path also, rarely (about 1 value in
    40,000 for doubles, 1 in 10,000 for floats), picks another last digit.
    """
    if 1e-3 <= abs(x) < 1e7:  # Python's repr is Java's here, the common case
        return repr(x)
    special = _nonfinite(x)
    if special is not None:
        return special
    exact = _integral_digits(x, 53)
    if exact is None:
        exact = _power_of_two_digits(x, 52, -1074)
    if exact is not None:
        return _java_digits(exact)
    shortest = decimal.Decimal(repr(x))
    if len(shortest.normalize().as_tuple().digits) == 1:  # Java then picks the closest of
        two = f"{x:.1e}"                                  # the 1- and 2-digit decimals
        if float(two) == x:
            shortest = decimal.Decimal(two)
    return _java_digits(shortest)


def java_float_str(x: float) -> str:
    """``Float.toString(x)`` for a float32 value (given as a Python float), as JDK 17."""
    special = _nonfinite(x)
    if special is not None:
        return special
    exact = _integral_digits(x, 24)
    if exact is None:
        exact = _power_of_two_digits(x, 23, -149)
    if exact is not None:
        return _java_digits(exact)
    for precision in range(2, 10):  # 2: Java picks the closest of the 1- and 2-digit ones
        text = f"{x:.{precision - 1}e}"
        try:
            if _struct.unpack("<f", _struct.pack("<f", float(text)))[0] == x:
                break
        except OverflowError:
            continue
    return _java_digits(decimal.Decimal(text))


def java_big_decimal_str(unscaled: int, scale: int) -> str:
    """``BigDecimal.toString()`` of ``unscaled * 10**-scale`` (``1E-7`` style when small)."""
    coeff = str(abs(unscaled))
    sign = "-" if unscaled < 0 else ""
    adjusted = len(coeff) - 1 - scale
    if scale >= 0 and adjusted >= -6:
        if scale == 0:
            return sign + coeff
        if len(coeff) > scale:
            return f"{sign}{coeff[:-scale]}.{coeff[-scale:]}"
        return f"{sign}0.{'0' * (scale - len(coeff))}{coeff}"
    mantissa = coeff[0] + ("." + coeff[1:] if len(coeff) > 1 else "")
    exponent = f"E{'+' if adjusted > 0 else ''}{adjusted}" if adjusted else ""
    return sign + mantissa + exponent


_LITTLE = sys.byteorder == "little"


@functools.lru_cache(maxsize=4096)
def _string_hash(s: str) -> int:
    h = 0
    units = memoryview(s.encode("utf-16-le" if _LITTLE else "utf-16-be")).cast("H")
    for unit in units:
        h = (31 * h + unit) & 0xFFFFFFFF
    return h


def _long_hash(v: int) -> int:
    v &= 0xFFFFFFFFFFFFFFFF
    return (v ^ (v >> 32)) & 0xFFFFFFFF


def _bigint_hash(v: int) -> int:
    words, magnitude = [], abs(v)
    while magnitude:
        words.append(magnitude & 0xFFFFFFFF)
        magnitude >>= 32
    h = 0
    for word in reversed(words):
        h = (31 * h + word) & 0xFFFFFFFF
    return (-h if v < 0 else h) & 0xFFFFFFFF


def java_hash(value: Any, connect_type: str) -> int | None:
    """Java's ``hashCode()`` (as unsigned 32 bits) of a plain Connect value.

    ``connect_type`` is the Connect type name (``int32``, ``string``, ...). Returns None for
    values whose Java hash is their identity (byte arrays) or not computed here (structs,
    lists, maps), whose HashMap order cannot be reproduced.
    """
    if value is None:
        return 0
    if connect_type == "string":
        return _string_hash(value)
    if connect_type == "boolean":
        return 1231 if value else 1237
    if connect_type in ("int8", "int16", "int32"):
        return value & 0xFFFFFFFF
    if connect_type == "int64":
        return _long_hash(value)
    if connect_type == "float":
        return 0x7FC00000 if value != value else _struct.unpack("<I", _struct.pack("<f", value))[0]
    if connect_type == "double":
        bits = (0x7FF8000000000000 if value != value
                else _struct.unpack("<Q", _struct.pack("<d", value))[0])
        return _long_hash(bits)
    return None


def java_key_hashes(field: pa.Field, keys: pa.Array) -> list[int] | None:
    """Java hash of each map key in ``keys`` (no nulls), or None where Java's is identity.

    Date/Time/Timestamp keys hash as ``java.util.Date``, decimals as ``BigDecimal``.
    """
    t = keys.type
    if pa.types.is_dictionary(t):
        keys, t = keys.dictionary_decode(), t.value_type
    if pa.types.is_temporal(t) and not pa.types.is_duration(t):
        return [_long_hash(ms) for ms in epoch_millis(keys).to_pylist()]
    if pa.types.is_decimal(t):
        return [(31 * _bigint_hash(u) + t.scale) & 0xFFFFFFFF for u in decimal_unscaled(keys)]
    from fastconnect.api.schema import _to_schema  # imported here: schema imports this module

    connect_type = _to_schema(field)["type"]
    if connect_type in ("bytes", "struct", "array", "map"):
        return None
    if pa.types.is_floating(t):
        keys = keys.cast(pa.float64())
    return [java_hash(k, connect_type) for k in keys.to_pylist()]


def java_hashmap_order(hashes: Sequence[int], capacity: int = 16) -> list[int]:
    """The order in which a ``java.util.HashMap`` filled with keys of these hashes iterates.

    Keys are given in insertion order; the result lists their positions in iteration order
    (bucket by bucket, insertion order within a bucket: resizing keeps that order). The map
    starts with ``capacity`` buckets (16: ``new HashMap<>()``; see
    :func:`java_hashmap_capacity` for the other constructors) and doubles them whenever it
    holds more than three quarters of them. Kafka builds a HashMap for every JSON object it
    reads, so this is the order in which it writes them back.
    """
    capacity = java_hashmap_growth(capacity, len(hashes))
    mask = capacity - 1
    return sorted(range(len(hashes)), key=lambda i: ((hashes[i] ^ (hashes[i] >> 16)) & mask, i))


def java_hashmap_growth(capacity: int, size: int) -> int:
    """The buckets of a HashMap that started with ``capacity`` once it holds ``size`` keys."""
    while size > capacity * 3 // 4:
        capacity *= 2
    return capacity


def java_hashmap_capacity(constructor: str, size: int) -> int:
    """The buckets a HashMap starts with: ``new HashMap<>()`` ("new"), ``new HashMap<>(size)``
    ("sized"), or ``new HashMap<>(map)`` of a map of ``size`` keys ("copy")."""
    if constructor == "new" or (constructor == "copy" and size == 0):
        return 16
    wanted = size if constructor == "sized" else size * 4 // 3 + 1  # (int) (size / .75f + 1)
    capacity = 1
    while capacity < wanted:
        capacity *= 2
    return capacity


def java_float_texts(values: pa.Array, single: bool = False) -> pa.StringArray:
    """``Double.toString`` (``Float.toString`` if ``single``) of each value of a float array.

    Most doubles are written in one compiled pass (:func:`~fastconnect.api.arrays.
    plain_double_texts`: plain notation, up to 15 digits). The rest, and floats: between
    1e-3 and 1e7 Java's digits are Python's ``repr``, and so Arrow's text (the shortest
    digits that read back) with ``.0`` after integral values; zeros too. Other values go
    through :func:`java_double_str`/:func:`java_float_str` one by one."""
    if not single and pa.types.is_float64(values.type):
        text = plain_double_texts(values)
        missing = text.null_count - values.null_count
        if missing == 0:
            return text
        if missing < len(values):
            left = pc.and_(text.is_null(), values.is_valid())
            rest = _java_float_texts(values.filter(left), single)
            return pc.replace_with_mask(text, left, rest)
    return _java_float_texts(values, single)


def _java_float_texts(values: pa.Array, single: bool) -> pa.StringArray:
    text = values.cast(pa.string())
    if single:
        rare = values.is_valid()
    else:
        text = pc.if_else(pc.match_substring(text, "."), text,
                          concat_elementwise(text, ".0"))
        magnitude = pc.abs(values)
        common = pc.or_(pc.and_(pc.greater_equal(magnitude, 1e-3), pc.less(magnitude, 1e7)),
                        pc.equal(values, 0.0))
        rare = pc.invert(common).fill_null(False)
    if pc.any(rare).as_py():
        fmt = java_float_str if single else java_double_str
        texts = [fmt(x) for x in values.filter(rare).to_pylist()]
        text = pc.replace_with_mask(text, rare, pa.array(texts, pa.string()))
    return text


# --- Arrow values as Java holds them --------------------------------------------------------

def epoch_millis(array: pa.Array) -> pa.Array:
    """``int64`` milliseconds since the epoch of a date or timestamp array (since midnight
    for a time array), as ``java.util.Date`` holds them; finer units are truncated."""
    t = array.type
    if pa.types.is_date32(t):
        return pc.multiply(array.cast(pa.int32()).cast(pa.int64()), _MS_PER_DAY)
    if pa.types.is_date64(t):
        return array.cast(pa.int64())
    if pa.types.is_time(t):
        return array.cast(pa.time32("ms"), safe=False).cast(pa.int32()).cast(pa.int64())
    return array.cast(pa.timestamp("ms", tz=t.tz), safe=False).cast(pa.int64())


def decimal_unscaled(array: pa.Array) -> list[int]:
    """The unscaled integers of a decimal array without nulls, read from its buffer."""
    width = array.type.byte_width
    data = memoryview(array.buffers()[1])
    start = array.offset * width
    return [int.from_bytes(data[start + i * width:start + (i + 1) * width], "little", signed=True)
            for i in range(len(array))]
