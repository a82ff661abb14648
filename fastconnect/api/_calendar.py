"""Calendar arithmetic on whole int64 columns, as Java's GregorianCalendar does it in UTC.

Integer helpers that floor like Java's ``Math.floorDiv``/``floorMod`` on Arrow columns, and
day numbers for the proleptic Gregorian calendar after 15 October 1582 and the Julian one
before it. Used by the SimpleDateFormat twin (``fastconnect.transforms._time``) and by
``Date.toString()`` in ``schema.py``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

DAY_MS = 86_400_000
EPOCH_JDN = 2_440_588      # Julian day number of 1970-01-01
_CUTOVER_JDN = 2_299_161    # 1582-10-15, the first Gregorian day of GregorianCalendar
CUTOVER_MS = -12_219_292_800_000     # 1582-10-15T00:00Z


# --- integer arithmetic on int64 columns -------------------------------------------------

def _nonnegative(a) -> bool:
    if isinstance(a, pa.Scalar):
        return a.as_py() is None or a.as_py() >= 0
    low = pc.min(a).as_py()
    return low is None or low >= 0


def fdiv(a, b: int):
    """Floor division by a positive constant (Arrow's ``divide`` truncates toward zero)."""
    q = pc.divide(a, b)
    if _nonnegative(a):
        return q
    return pc.subtract(q, pc.less(pc.subtract(a, pc.multiply(q, b)), 0).cast(pa.int64()))


floor_divide = fdiv


def fmod(a, b: int):
    return pc.subtract(a, pc.multiply(fdiv(a, b), b))


def where(cond, a, b):
    return pc.if_else(cond, a, b)


def int_scalar(value: int) -> pa.Scalar:
    return pa.scalar(value, pa.int64())


def _all(cond) -> bool:
    return cond.as_py() if isinstance(cond, pa.Scalar) else bool(pc.all(cond).as_py())


# --- GregorianCalendar arithmetic (vectorised) -------------------------------------------

def gregorian_jdn(y, m, d):
    a = fdiv(pc.subtract(14, m), 12)
    y = pc.subtract(pc.add(y, 4800), a)
    m = pc.subtract(pc.add(m, pc.multiply(a, 12)), 3)
    return pc.add(pc.add(pc.add(d, fdiv(pc.add(pc.multiply(m, 153), 2), 5)),
                         pc.add(pc.multiply(y, 365), fdiv(y, 4))),
                  pc.subtract(pc.add(pc.negate(fdiv(y, 100)), fdiv(y, 400)), 32045))


def julian_jdn(y, m, d):
    a = fdiv(pc.subtract(14, m), 12)
    y = pc.subtract(pc.add(y, 4800), a)
    m = pc.subtract(pc.add(m, pc.multiply(a, 12)), 3)
    return pc.add(pc.add(d, fdiv(pc.add(pc.multiply(m, 153), 2), 5)),
                  pc.subtract(pc.add(pc.multiply(y, 365), fdiv(y, 4)), 32083))


def civil_date(jdn):
    """(year, month 1-12, day) of Julian day numbers, as GregorianCalendar names them."""
    gregorian = pc.greater_equal(jdn, _CUTOVER_JDN)
    a = pc.add(jdn, 32044)
    b = fdiv(pc.add(pc.multiply(a, 4), 3), 146097)
    c = pc.subtract(a, fdiv(pc.multiply(b, 146097), 4))
    if not _all(gregorian):
        b = where(gregorian, b, int_scalar(0))
        c = where(gregorian, c, pc.add(jdn, 32082))
    d = fdiv(pc.add(pc.multiply(c, 4), 3), 1461)
    e = pc.subtract(c, fdiv(pc.multiply(d, 1461), 4))
    m = fdiv(pc.add(pc.multiply(e, 5), 2), 153)
    m10 = fdiv(m, 10)
    year = pc.add(pc.subtract(pc.add(pc.multiply(b, 100), d), 4800), m10)
    month = pc.subtract(pc.add(m, 3), pc.multiply(m10, 12))
    day = pc.add(pc.subtract(e, fdiv(pc.add(pc.multiply(m, 153), 2), 5)), 1)
    return year, month, day


def _fixed_jdn(year, month0, day_offset):
    """The day GregorianCalendar.computeTime picks for lenient year/month/day fields."""
    y = pc.add(year, fdiv(month0, 12))
    m = pc.add(fmod(month0, 12), 1)
    gregorian = pc.add(gregorian_jdn(y, m, 1), day_offset)
    use_gregorian = pc.and_(pc.greater_equal(year, 1582), pc.greater_equal(gregorian, _CUTOVER_JDN))
    if _all(use_gregorian):
        return gregorian
    return where(use_gregorian, gregorian, pc.add(julian_jdn(y, m, 1), day_offset))


def distinct_jdn(year, month0, day_offset):
    """``_fixed_jdn`` computed once per distinct (year, month, day): a column of instants
    usually spans few days, and the calendar arithmetic is most of the work."""
    parts = [year, month0, day_offset]
    arrays = [p for p in parts if isinstance(p, pa.Array)]
    if not arrays or len(arrays[0]) < 4096:
        return _fixed_jdn(year, month0, day_offset)
    bounds = [tuple(x.as_py() for x in pc.min_max(p).values()) if isinstance(p, pa.Array)
              else (p.as_py(), p.as_py()) for p in parts]
    spans = [high - low + 1 for low, high in bounds]
    if spans[0] * spans[1] * spans[2] >= 2**62:
        return _fixed_jdn(year, month0, day_offset)
    key = pc.subtract(year, bounds[0][0])
    for part, (low, _), span in zip(parts[1:], bounds[1:], spans[1:]):
        key = pc.add(pc.multiply(key, span), pc.subtract(part, low))
    if isinstance(key, pa.Scalar):
        return _fixed_jdn(year, month0, day_offset)
    encoded = pc.dictionary_encode(key)
    keys = encoded.dictionary
    unique = []
    for (low, _), span in zip(reversed(bounds[1:]), reversed(spans[1:])):
        unique.append(pc.add(fmod(keys, span), low))
        keys = pc.divide(keys, span)
    unique.append(pc.add(keys, bounds[0][0]))
    return _fixed_jdn(*reversed(unique)).take(encoded.indices)
