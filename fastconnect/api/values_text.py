"""Text as Kafka's ``Values`` reads it: tokens, ``BigDecimal`` numbers, ``SimpleDateFormat`` dates.

:mod:`fastconnect.api.values` builds ``parse_string`` and ``convert_to_string`` from these
Java behaviours, kept here so that module holds only Connect's rules:

- **Java strings.** ``trim()`` strips every char up to U+0020, ``length()`` counts UTF-16
  units and ``Character.isDigit`` sees one unit, so a digit beyond U+FFFF is none.
- **Tokens.** :class:`Parser` is Kafka's ``Values.Parser``.
- **Numbers.** :func:`parse_big_decimal` accepts what ``new BigDecimal(text)`` accepts (no
  ``_``, ``Infinity`` or surrounding blanks, which ``decimal.Decimal`` would allow);
  :func:`float32_of` rounds as ``BigDecimal.floatValue()`` does, once.
- **Dates.** Kafka parses and prints Connect Date, Time and Timestamp values with three
  patterns, ``yyyy-MM-dd``, ``HH:mm:ss.SSS'Z'`` and ``yyyy-MM-dd'T'HH:mm:ss.SSS'Z'``, through
  a fresh ``SimpleDateFormat`` each time. That brings three more Java behaviours:

  - *Leniency.* Each numeric field takes as many digits as it finds (after spaces or tabs),
    may be negative, and overflows into the next field: ``2019-13-01`` is 2020-01-01 and
    ``25:00:00.000Z`` is one hour into the second day. Parsing stops once the pattern is
    consumed, so trailing text is ignored (``2019-08-2x`` is 2019-08-02).
  - *Java's calendar.* ``GregorianCalendar`` is Julian before 15 October 1582, so
    ``1000-01-01`` names the day Python calls ``date(1000, 1, 6)``. (Kafka prints every
    instant before 1970 as a time of day, so the Julian calendar never shows in its output.)
  - *The time zone.* Kafka uses the JVM's default time zone; fastconnect uses UTC, the zone
    Connect's logical types are defined in (a worker run with ``-Duser.timezone=UTC``).

  Dates travel as epoch milliseconds, as ``java.util.Date`` holds them; the
  ``*_from_millis`` functions turn them into ``datetime`` objects, or None when Python cannot
  hold the day (before year 1 or after 9999) or the time (outside one day).
"""

from __future__ import annotations

import datetime as _dt
import re
import struct as _struct
from decimal import Decimal
from fractions import Fraction

__all__ = [
    "DAY_MS", "DATE_PATTERN", "TIME_PATTERN", "TIMESTAMP_PATTERN", "Parser", "date_from_millis",
    "float32_of", "format_java_date", "int32", "java_digit", "java_length", "java_trim",
    "parse_big_decimal", "parse_java_date", "time_from_millis", "timestamp_from_millis",
    "to_float32", "to_millis",
]

# --- Java strings -----------------------------------------------------------------------------

_JAVA_BLANKS = "".join(map(chr, range(33)))


def java_trim(text: str) -> str:
    """``String.trim()``; an empty result is ``Utils.isBlank``."""
    return text.strip(_JAVA_BLANKS)


def java_length(text: str) -> int:
    """``String.length()``: UTF-16 units, so a character beyond U+FFFF counts twice."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def java_digit(c: str) -> bool:
    """``Character.isDigit`` of one UTF-16 unit: a decimal digit of the Basic Plane."""
    return c.isdecimal() and ord(c) < 0x10000


def int32(value: int) -> int:
    """Java's ``(int)`` cast of a long: the low 32 bits."""
    return (value + 2**31) % 2**32 - 2**31


# --- tokens -----------------------------------------------------------------------------------

_DELIMITERS = frozenset(':,{}[]"')


class Parser:
    """Kafka's ``Values.Parser``: text split at the unescaped delimiters ``: , { } [ ] "``.

    Each delimiter is a token of its own and the text between delimiters another, whitespace
    included; a backslash escapes the next character (and stays in the token). ``next``
    reads the next token; ``can_consume`` reads it only if it is the expected one, skipping
    blank tokens first unless told not to; ``mark`` and ``rewind_to`` back-track.
    """

    __slots__ = ("original", "_index", "_next", "_previous")

    def __init__(self, original: str) -> None:
        self.original = original
        self._index = 0
        self._next: str | None = None
        self._previous: str | None = None

    def position(self) -> int:
        return self._index

    def mark(self) -> int:
        return self._index - (len(self._next) if self._next is not None else 0)

    def rewind_to(self, position: int) -> None:
        self._index = position
        self._next = self._previous = None

    def has_next(self) -> bool:
        return self._next is not None or self._index < len(self.original)

    def next(self) -> str:
        if self._next is not None:
            self._previous, self._next = self._next, None
        else:
            self._previous = self._consume()
        return self._previous

    def next_n(self, n: int) -> str | None:
        """The text of the next ``n`` tokens; None (and nothing read) if fewer remain."""
        start = self.mark()
        for _ in range(n):
            if not self.has_next():
                self.rewind_to(start)
                return None
            self.next()
        return self.original[start:self._index]

    def previous(self) -> str | None:
        return self._previous

    def can_consume(self, expected: str, ignore_whitespace: bool = True) -> bool:
        if self._next is None:
            if not self.has_next():
                return False
            self._next = self._consume()
        if ignore_whitespace:
            while not java_trim(self._next) and self._index < len(self.original):
                self._next = self._consume()
            found = java_trim(self._next) == expected
        else:
            found = self._next == expected
        if found:
            self._next = None
        return found

    def _consume(self) -> str:
        text, start, escaped = self.original, self._index, False
        index = start
        while index < len(text):
            c = text[index]
            if c == "\\":
                escaped = not escaped
            elif c in _DELIMITERS and not escaped:
                if start < index:
                    self._index = index
                    return text[start:index]
                self._index = index + 1
                return c
            else:
                escaped = False
            index += 1
        self._index = index
        return text[start:index]


# --- numbers ----------------------------------------------------------------------------------

_BIG_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_INT32_RANGE = range(-2**31, 2**31)
_FLOAT32_MAX = float.fromhex("0x1.fffffep127")


def parse_big_decimal(token: str) -> Decimal | None:
    """``new BigDecimal(token)``, or None where Java throws NumberFormatException."""
    match = _BIG_DECIMAL.fullmatch(token)
    if match is None or any(ord(c) > 0xFFFF for c in token):
        return None
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    if not whole and not fraction:
        return None
    exponent_value = int(exponent) if exponent else 0
    scale = len(fraction) - exponent_value
    if exponent_value not in _INT32_RANGE or scale not in _INT32_RANGE:
        return None
    digits = tuple(int(c) for c in whole + fraction)
    return Decimal((sign == "-", digits, -scale))


def float32_of(value: Decimal) -> float:
    """``BigDecimal.floatValue()``: ``value`` rounded once, to nearest even, to float32."""
    negative = value.is_signed()
    if value.is_zero() or value.adjusted() < -47:
        return -0.0 if negative else 0.0
    if value.adjusted() > 39:
        return float("-inf") if negative else float("inf")
    exact = abs(Fraction(value))
    exponent = exact.numerator.bit_length() - exact.denominator.bit_length()
    if Fraction(2) ** exponent > exact:
        exponent -= 1
    ulp = max(exponent, -126) - 23
    result = float(round(exact / Fraction(2) ** ulp)) * 2.0 ** ulp
    if result > _FLOAT32_MAX:
        result = float("inf")
    return -result if negative else result


def to_float32(x: float) -> float:
    """Java's ``(float)`` cast of a double."""
    try:
        return _struct.unpack("<f", _struct.pack("<f", x))[0]
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


# --- dates ------------------------------------------------------------------------------------

DAY_MS = 86_400_000

# Patterns in a compact form: the letters yMdHmsS are numeric fields, anything else a literal.
DATE_PATTERN = "y-M-d"             # yyyy-MM-dd
TIME_PATTERN = "H:m:s.SZ"          # HH:mm:ss.SSS'Z'
TIMESTAMP_PATTERN = "y-M-dTH:m:s.SZ"  # yyyy-MM-dd'T'HH:mm:ss.SSS'Z'
_FIELDS = frozenset("yMdHmsS")

_EPOCH_JDN = 2_440_588      # Julian day number of 1970-01-01
_CUTOVER_JDN = 2_299_161    # 1582-10-15, the first Gregorian day of java.util.GregorianCalendar
_CUTOVER_YEAR = 1582
_ORDINAL_JDN = 1_721_425    # date.fromordinal(n) is Julian day n + this
_MAX_ORDINAL = _dt.date.max.toordinal()
_UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)
_ONE_MS = _dt.timedelta(milliseconds=1)


# --- calendars --------------------------------------------------------------------------------

def _gregorian_jdn(year: int, month: int, day: int) -> int:
    a = (14 - month) // 12
    y, m = year + 4800 - a, month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045


def _julian_jdn(year: int, month: int, day: int) -> int:
    a = (14 - month) // 12
    y, m = year + 4800 - a, month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083


def _gregorian_from_jdn(jdn: int) -> tuple[int, int, int]:
    a = jdn + 32044
    b = (4 * a + 3) // 146097
    c = a - 146097 * b // 4
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    return (100 * b + d - 4800 + m // 10, m + 3 - 12 * (m // 10),
            e - (153 * m + 2) // 5 + 1)


def _fixed_jdn(year: int, month0: int, day: int | None, extra_days: int) -> int:
    """The day GregorianCalendar.computeTime picks for lenient fields (month 0-based)."""
    y, m = year + month0 // 12, month0 % 12 + 1
    offset = extra_days + (day - 1 if day is not None else 0)
    gregorian = _gregorian_jdn(y, m, 1) + offset
    if year >= _CUTOVER_YEAR and gregorian >= _CUTOVER_JDN:
        return gregorian
    return _julian_jdn(y, m, 1) + offset


# --- parsing ----------------------------------------------------------------------------------

def _number(text: str, pos: int) -> tuple[int, int] | None:
    """DecimalFormat's integer parse at ``pos`` after SimpleDateFormat skipped blanks."""
    n = len(text)
    while pos < n and text[pos] in " \t":
        pos += 1
    start = pos
    if pos < n and text[pos] == "-":
        pos += 1
    digits_start = pos
    while pos < n and java_digit(text[pos]):
        pos += 1
    if pos == digits_start:
        return None
    return int32(int(text[start:pos])), pos


def parse_java_date(text: str, pattern: str) -> int | None:
    """Epoch milliseconds that a lenient ``SimpleDateFormat`` (UTC) reads from ``text``.

    ``pattern`` is one of :data:`DATE_PATTERN`, :data:`TIME_PATTERN`,
    :data:`TIMESTAMP_PATTERN`. Returns None where Java's ``parse`` fails (a literal does not
    match, or a field has no digits). Text after the pattern is ignored, as Java does.
    """
    fields: dict[str, int] = {}
    pos = 0
    for element in pattern:
        if element in _FIELDS:
            parsed = _number(text, pos)
            if parsed is None:
                return None
            fields[element], pos = parsed
        elif pos < len(text) and text[pos] == element:
            pos += 1
        else:
            return None
    time_of_day = (((fields.get("H", 0) * 60 + fields.get("m", 0)) * 60 + fields.get("s", 0))
                   * 1000 + fields.get("S", 0))
    extra_days, time_of_day = divmod(time_of_day, DAY_MS)
    jdn = _fixed_jdn(fields.get("y", 1970), fields.get("M", 1) - 1, fields.get("d"), extra_days)
    return (jdn - _EPOCH_JDN) * DAY_MS + time_of_day


# --- formatting -------------------------------------------------------------------------------

def format_java_date(millis: int) -> str:
    """``Values.dateFormatFor(d).format(d)`` in UTC for a ``java.util.Date`` of ``millis``.

    Kafka picks the pattern from the value, not its schema: under one day since the epoch
    (including every instant before 1970) prints as a time, a whole number of days as a
    date, anything else as a timestamp.
    """
    days, time_of_day = divmod(millis, DAY_MS)
    seconds, ms = divmod(time_of_day, 1000)
    clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{ms:03d}Z"
    if millis < DAY_MS:
        return clock
    year, month, day = _gregorian_from_jdn(days + _EPOCH_JDN)  # after 1970: Gregorian
    calendar_day = f"{year:04d}-{month:02d}-{day:02d}"
    return calendar_day if time_of_day == 0 else f"{calendar_day}T{clock}"


# --- Python values ----------------------------------------------------------------------------

def to_millis(value: _dt.date | _dt.time) -> int:
    """Epoch milliseconds of a date (midnight UTC), a datetime (naive read as UTC) or a time
    (since midnight); finer digits are truncated toward the past, as Java's would be."""
    if isinstance(value, _dt.datetime):
        epoch = _EPOCH if value.tzinfo is not None else _EPOCH_NAIVE
        return (value - epoch) // _ONE_MS
    if isinstance(value, _dt.date):
        return (value.toordinal() + _ORDINAL_JDN - _EPOCH_JDN) * DAY_MS
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000


def date_from_millis(millis: int) -> _dt.date | None:
    """The UTC day of ``millis``; None outside Python's years 1 to 9999."""
    ordinal = millis // DAY_MS + _EPOCH_JDN - _ORDINAL_JDN
    return _dt.date.fromordinal(ordinal) if 1 <= ordinal <= _MAX_ORDINAL else None


def time_from_millis(millis: int) -> _dt.time | None:
    """The time of day ``millis`` after midnight; None outside ``[0, 86400000)``."""
    if not 0 <= millis < DAY_MS:
        return None
    seconds, ms = divmod(millis, 1000)
    return _dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, ms * 1000)


def timestamp_from_millis(millis: int) -> _dt.datetime | None:
    """The UTC instant of ``millis``; None outside Python's years 1 to 9999."""
    if date_from_millis(millis) is None:
        return None
    return _EPOCH + _dt.timedelta(milliseconds=millis)
