"""Java's ``SimpleDateFormat`` (in UTC) on whole Arrow columns of epoch milliseconds.

Kafka's TimestampConverter and TimestampRouter format and parse with a ``SimpleDateFormat``
in UTC, in the JVM's default (here: US English) locale, on a ``GregorianCalendar`` (Julian
before 15 October 1582). :class:`JavaDateFormat` compiles the same patterns and applies them
to a column at once:

- formatting goes through polars' ``strftime`` when the pattern has a chrono twin and every
  instant falls in the Gregorian years 1583-9999, and otherwise through calendar arithmetic
  with pyarrow compute, field by field;
- parsing reads rows whose fields all have their pattern's width by position (one regex
  check, byte slices), and the other rows with one RE2 ``extract_regex``; the calendar
  arithmetic then runs once per distinct day. It is lenient as Java is: ``2019-13-01`` is
  2020-01-01, text after the pattern is ignored, numbers may follow blanks and be negative.

Pattern letters: ``G y M L d E u a H k K h m s S D F z Z X`` and quoted text. The week-based
letters ``Y w W`` (whose meaning depends on the locale's first day of week) are refused. Zones
read: ``UTC``, ``UT``, ``GMT``, ``GMT+hh:mm``, ``+hhmm``, ISO ``Z``/``+hh:mm``; named zones
such as ``PST`` are not (Java reads them from its zone database). Day-of-week fields are
checked but, as Java only uses them when no day of the month is given, not used.
"""

from __future__ import annotations

import datetime as _dt

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api._calendar import (  # noqa: F401  (DAY_MS, floor_divide re-exported)
    civil_date,
    CUTOVER_MS,
    DAY_MS,
    distinct_jdn,
    EPOCH_JDN,
    fdiv,
    floor_divide,
    fmod,
    gregorian_jdn,
    int_scalar,
    julian_jdn,
    where,
)

__all__ = ["DAY_MS", "JavaDateFormat", "PatternError", "UnsupportedPattern", "floor_divide"]

_YEAR_10000_MS = 253_402_300_800_000  # 10000-01-01T00:00Z

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_JAVA_LETTERS = set("GyMdkHmsSEDFwWahKzZYuXL")
_UNSUPPORTED = set("YwW")
_NUMERIC = set("yMLdkHKhmsSDFu")
# The smallest unit a pattern letter shows, in milliseconds (for de-duplicating work).
_RESOLUTION = {"S": 1, "s": 1000, "m": 60_000, "H": 3_600_000, "k": 3_600_000,
               "K": 3_600_000, "h": 3_600_000, "a": 43_200_000}


class PatternError(ValueError):
    """A pattern Java's ``SimpleDateFormat`` refuses; the message is Java's."""


class UnsupportedPattern(PatternError):
    """A pattern Java accepts that fastconnect does not implement."""


# --- patterns -----------------------------------------------------------------------------

def _compile(pattern: str) -> list[tuple[str, int] | str]:
    """Tokens of a SimpleDateFormat pattern: (letter, count) or literal text."""
    tokens: list = []
    literal: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            if i + 1 < n and pattern[i + 1] == "'":
                literal.append("'")
                i += 2
                continue
            end = pattern.find("'", i + 1)
            while end != -1 and end + 1 < n and pattern[end + 1] == "'":
                end = pattern.find("'", end + 2)
            if end == -1:
                raise PatternError("Unterminated quote")
            literal.append(pattern[i + 1:end].replace("''", "'"))
            i = end + 1
            continue
        if ("a" <= c <= "z") or ("A" <= c <= "Z"):
            if c not in _JAVA_LETTERS:
                raise PatternError(f"Illegal pattern character '{c}'")
            j = i
            while j < n and pattern[j] == c:
                j += 1
            if c in _UNSUPPORTED:
                raise UnsupportedPattern(f"Pattern letter '{c}' (week-based) is not supported by "
                                   "fastconnect")
            if c == "X" and j - i > 3:
                raise PatternError(f"invalid ISO 8601 format: length={j - i}")
            if literal:
                tokens.append("".join(literal))
                literal = []
            tokens.append((c, j - i))
            i = j
            continue
        literal.append(c)
        i += 1
    if literal:
        tokens.append("".join(literal))
    return tokens


_CHRONO = {("y", 4): "%Y", ("y", 2): "%y", ("M", 1): "%-m", ("M", 2): "%m", ("M", 3): "%b",
           ("d", 1): "%-d", ("d", 2): "%d", ("H", 1): "%-H", ("H", 2): "%H", ("h", 1): "%-I",
           ("h", 2): "%I", ("m", 1): "%-M", ("m", 2): "%M", ("s", 1): "%-S", ("s", 2): "%S",
           ("S", 3): "%3f", ("E", 1): "%a", ("E", 2): "%a", ("E", 3): "%a", ("a", 1): "%p",
           ("D", 3): "%j", ("z", 1): "UTC", ("z", 2): "UTC", ("z", 3): "UTC", ("Z", 1): "+0000",
           ("X", 1): "Z", ("X", 2): "Z", ("X", 3): "Z"}


def _chrono_format(tokens: list) -> str | None:
    """The chrono (polars) format printing as the pattern does for years 1583-9999, if any."""
    out = []
    for token in tokens:
        if isinstance(token, str):
            out.append(token.replace("%", "%%"))
            continue
        letter, count = token
        if letter in "ML" and count >= 4:
            out.append("%B")
        elif letter == "E" and count >= 4:
            out.append("%A")
        elif (letter if letter != "L" else "M", count) in _CHRONO:
            out.append(_CHRONO[(letter if letter != "L" else "M", count)])
        else:
            return None
    return "".join(out)


def _is_text(letter: str, count: int) -> bool:
    return letter in "GEazZX" or (letter in "ML" and count >= 3)


_RE2_SPECIAL = set("\\.^$|?*+()[]{}")


def _re_escape(text: str) -> str:
    return "".join("\\" + c if c in _RE2_SPECIAL else c for c in text)


def _alternatives(words: list[str]) -> str:
    return "(?i:" + "|".join(_re_escape(w) for w in words) + ")"


class JavaDateFormat:
    """One ``SimpleDateFormat`` pattern, in UTC, over whole columns of epoch milliseconds."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._tokens = _compile(pattern)
        fields = [t for t in self._tokens if isinstance(t, tuple)]
        self.resolution = min([_RESOLUTION.get(letter, DAY_MS) for letter, _ in fields],
                              default=DAY_MS)
        self._regex, self._groups = self._parse_regex()
        self._shape, self._sample = self._fixed_shape()
        self._chrono = _chrono_format(self._tokens)
        now = _dt.datetime.now(_dt.timezone.utc)  # Java: now minus 80 years, at construction
        self._century_start = now.replace(year=now.year - 80, day=min(now.day, 28)
                                          if now.month == 2 else now.day)

    # --- formatting ----------------------------------------------------------------------

    def format(self, millis: pa.Array) -> pa.Array:
        """Each instant as Java's ``format(new Date(millis))`` prints it; nulls stay null."""
        millis = millis.cast(pa.int64())
        n = len(millis)
        if self._chrono is not None and n:
            low, high = pc.min_max(millis).values()
            low, high = low.as_py(), high.as_py()
            if low is None or (low >= CUTOVER_MS and high < _YEAR_10000_MS):
                # Gregorian years of four digits: chrono (polars) prints them as Java does.
                import polars as pl  # imported when first needed: a sixth of the start-up

                stamps = pl.from_arrow(millis).cast(pl.Datetime("ms"))
                return stamps.dt.strftime(self._chrono).to_arrow().cast(pa.string())
        parts = _Parts(millis.fill_null(0) if millis.null_count else millis)
        pieces = [pa.scalar(t, pa.string()) if isinstance(t, str) else parts.render(*t)
                  for t in self._tokens]
        if not any(isinstance(p, pa.Array) for p in pieces):
            out = pa.repeat(pa.scalar("".join(p.as_py() for p in pieces)), n)
        elif len(pieces) == 1:
            out = pieces[0]
        else:
            out = pc.binary_join_element_wise(*pieces, "")
        if millis.null_count:
            out = where(millis.is_valid(), out, pa.scalar(None, pa.string()))
        return out

    # --- parsing -------------------------------------------------------------------------

    def _parse_regex(self) -> tuple[str, list[tuple[str, int, str]]]:
        out, groups = ["^"], []
        tokens = self._tokens
        for i, token in enumerate(tokens):
            if isinstance(token, str):
                out.append(_re_escape(token))
                continue
            letter, count = token
            name = f"g{i}"
            groups.append((letter, count, name))
            if letter in "ML" and count >= 3:
                out.append(f"(?P<{name}>{_alternatives(_MONTHS + [m[:3] for m in _MONTHS])})")
            elif letter == "E":
                out.append(f"(?P<{name}>{_alternatives(_DAYS + [d[:3] for d in _DAYS])})")
            elif letter == "a":
                out.append(f"(?P<{name}>{_alternatives(['AM', 'PM'])})")
            elif letter == "G":
                out.append(f"(?P<{name}>{_alternatives(['AD', 'BC'])})")
            elif letter in "zZ":  # GMT+hh:mm, a UTC name, or RFC 822 +hhmm
                out.append(f"(?P<{name}>(?i:gmt)(?P<s{i}>[+-])(?P<h{i}>\\d{{1,2}})"
                           f"(?::?(?P<m{i}>\\d{{2}}))?|(?i:coordinated universal time|"
                           f"greenwich mean time|gmt|utc|ut)|(?P<t{i}>[+-])(?P<u{i}>\\d{{2}})"
                           f"(?P<v{i}>\\d{{2}}))")
            elif letter == "X":
                minutes = {1: "", 2: f"(?P<m{i}>\\d{{2}})", 3: f":(?P<m{i}>\\d{{2}})"}[count]
                out.append(f"(?P<{name}>Z|(?P<s{i}>[+-])(?P<h{i}>\\d{{2}}){minutes})")
            else:  # numeric: abutting numeric fields take at most their width, as in Java
                following = tokens[i + 1] if i + 1 < len(tokens) else None
                abutting = isinstance(following, tuple) and not _is_text(*following)
                digits = f"\\d{{1,{count}}}" if abutting else "\\d{1,18}"
                out.append(f"[ \\t]*(?P<{name}>-?{digits})")
        return "".join(out), groups

    def parse(self, text: pa.Array) -> pa.Array:
        """Epoch milliseconds of each string as Java's lenient ``parse`` reads it.

        Null where the input is null or does not match the pattern (Java's ParseException):
        compare with ``text.is_valid()`` to find the rows that failed.
        """
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        if not self._groups:  # literals only: the text must start with them
            prefix = "".join(t for t in self._tokens if isinstance(t, str))
            ok = pc.starts_with(text, prefix).fill_null(False)
            return where(ok, int_scalar(0), pa.scalar(None, pa.int64()))
        if self._shape is None:
            return self._parse_generic(text)
        # Rows of the exact shape (every field at its width) read by position; the rest,
        # if any, through the regular expression.
        fits = pc.match_substring_regex(text, self._shape).fill_null(False)
        if pc.all(fits).as_py():
            return self._parse_fixed(text)
        if not pc.any(fits).as_py():
            return self._parse_generic(text)
        fast = self._parse_fixed(where(fits, text, pa.scalar(self._sample)))
        slow = self._parse_generic(text.filter(pc.invert(fits)))
        return pc.replace_with_mask(fast, pc.invert(fits), slow)

    def _fixed_shape(self) -> tuple[str | None, str]:
        """A regex of the rows whose fields all have their pattern's width, and one such row."""
        shape, sample = ["^"], []
        tokens = self._tokens
        for i, token in enumerate(tokens):
            if isinstance(token, str):
                if i and token[0].isdigit():
                    return None, ""
                shape.append(_re_escape(token))
                sample.append(token)
                continue
            letter, count = token
            if letter == "Z":
                shape.append("[+-]\\d{4}")
                sample.append("+0000")
            elif letter == "X" and i == len(tokens) - 1:
                shape.append({1: "(?:Z|[+-]\\d{2})", 2: "(?:Z|[+-]\\d{4})",
                              3: "(?:Z|[+-]\\d{2}:\\d{2})"}[count])
                sample.append("Z")
            elif letter in _NUMERIC and count >= 2 and letter not in "kKhFu":
                shape.append(f"\\d{{{count}}}")
                sample.append("1" * count)
            else:
                return None, ""
        if isinstance(tokens[-1], tuple) and tokens[-1][0] in _NUMERIC:
            shape.append("(?:[^0-9]|$)")  # Java reads the last number to its end
        return "".join(shape), "".join(sample)

    def _parse_fixed(self, text: pa.Array) -> pa.Array:
        data = text.cast(pa.binary())
        values: dict[str, pa.Array] = {}
        pos = 0
        for token in self._tokens:
            if isinstance(token, str):
                pos += len(token.encode())
                continue
            letter, count = token
            if letter == "Z" or letter == "X":
                values["offset"] = _fixed_offset(data, pos, letter, count)
                pos += 5
                continue
            digits = pc.binary_slice(data, pos, pos + count).cast(pa.string()).cast(pa.int64())
            values[letter] = digits
            if letter == "y":
                values.pop("y2", None)
                if count == 2:
                    values["y2"] = pa.scalar(True)
            pos += count
        return self._assemble(values, text.is_valid())

    def _parse_generic(self, text: pa.Array) -> pa.Array:
        matched = pc.extract_regex(text, self._regex)
        fields = _Fields(matched, matched.is_valid())
        values: dict[str, pa.Array] = {}
        for letter, count, name in self._groups:
            if letter in "ML" and count >= 3:
                values["M"] = fields.names(name, _MONTHS)
            elif letter == "a":
                values["a"] = pc.subtract(fields.names(name, ["AM", "PM"]), 1)
            elif letter == "G":
                values["G"] = pc.equal(fields.names(name, ["AD", "BC"]), 2)
            elif letter in "zZX":
                values["offset"] = fields.zone(name[1:])
            elif letter not in "Eu":
                values[letter] = fields.number(name)
                if letter == "y":  # the last year field wins, ambiguity included
                    values.pop("y2", None)
                    if count <= 2:
                        values["y2"] = fields.two_digits(name)
        return self._assemble(values, matched.is_valid())

    def _assemble(self, v: dict[str, pa.Array], valid: pa.Array) -> pa.Array:
        """Epoch milliseconds from parsed calendar fields, as a lenient GregorianCalendar."""
        zero = int_scalar(0)
        year = v.get("y", int_scalar(1970))
        ambiguous = None
        if "y2" in v:  # two digits: within 80 years before and 20 after now
            start_year = self._century_start.year
            shifted = pc.add(year, start_year // 100 * 100)
            shifted = where(pc.less(year, start_year % 100), pc.add(shifted, 100), shifted)
            ambiguous = pc.and_(v["y2"], pc.equal(year, start_year % 100))
            year = where(v["y2"], shifted, year)
        if "G" in v:
            year = where(v["G"], pc.subtract(1, year), year)
        month0 = pc.subtract(v.get("M", v.get("L", int_scalar(1))), 1)
        if "H" in v:
            hour = v["H"]
        elif "k" in v:
            hour = where(pc.equal(v["k"], 24), zero, v["k"])
        else:
            hour = v.get("K", where(pc.equal(v["h"], 12), zero, v["h"]) if "h" in v else zero)
            hour = pc.add(hour, pc.multiply(v.get("a", zero), 12))
        time_of_day = pc.add(pc.multiply(pc.add(pc.multiply(pc.add(
            pc.multiply(hour, 60), v.get("m", zero)), 60), v.get("s", zero)), 1000),
            v.get("S", zero))
        extra_days = fdiv(time_of_day, DAY_MS)
        time_of_day = pc.subtract(time_of_day, pc.multiply(extra_days, DAY_MS))
        if "d" in v:
            day_offset = pc.subtract(v["d"], 1)
        elif "D" in v:
            day_offset, month0 = pc.subtract(v["D"], 1), zero
        else:
            day_offset = zero
        day_offset = pc.add(day_offset, extra_days)
        time_of_day = pc.subtract(time_of_day, pc.multiply(v.get("offset", zero), 60_000))

        def instant(year):
            jdn = distinct_jdn(year, month0, day_offset)
            return pc.add(pc.multiply(pc.subtract(jdn, EPOCH_JDN), DAY_MS), time_of_day)

        result = instant(year)
        if ambiguous is not None and pc.any(ambiguous).as_py():
            # The century start's own year: Java moves it on a century when the instant
            # falls before the start.
            start = int(self._century_start.timestamp() * 1000)
            later = pc.and_(ambiguous, pc.less(result, start))
            result = where(later, instant(pc.add(year, 100)), result)
        return where(valid, result, pa.scalar(None, pa.int64()))


def _fixed_offset(data: pa.Array, pos: int, letter: str, count: int) -> pa.Array:
    """Minutes east of UTC of a ``+hhmm`` (Z) or ISO (X) zone at byte ``pos``."""
    sign = pc.binary_slice(data, pos, pos + 1)
    hours = pc.binary_slice(data, pos + 1, pos + 3)
    minutes_at = pos + 4 if letter == "X" and count == 3 else pos + 3
    minutes = pc.binary_slice(data, minutes_at, minutes_at + 2)
    is_z = pc.equal(sign, b"Z")
    if letter == "X" and count == 1:
        minutes = pa.scalar(b"00")
    hours = where(is_z, pa.scalar(b"0"), hours).cast(pa.string()).cast(pa.int64())
    minutes = where(is_z, pa.scalar(b"0"), minutes).cast(pa.string()).cast(pa.int64())
    value = pc.add(pc.multiply(hours, 60), minutes)
    return where(pc.equal(sign, b"-"), pc.negate(value), value)


class _Fields:
    """The groups one ``extract_regex`` captured, as int64 columns (0 where unmatched)."""

    def __init__(self, matched: pa.StructArray, valid: pa.BooleanArray) -> None:
        self._matched = matched
        self._valid = valid

    def has(self, name: str) -> bool:
        return self._matched.type.get_field_index(name) >= 0

    def text(self, name: str) -> pa.Array:
        return pc.struct_field(self._matched, [self._matched.type.get_field_index(name)])

    def number(self, name: str) -> pa.Array:
        text = self.text(name)
        usable = pc.and_(self._valid, pc.not_equal(text, "")).fill_null(False)
        return where(usable, text, pa.scalar("0")).cast(pa.int64())

    def two_digits(self, name: str) -> pa.Array:
        return pc.match_substring_regex(self.text(name), r"^\d\d$").fill_null(False)

    def names(self, name: str, words: list[str]) -> pa.Array:
        """1-based position in ``words`` of each captured name (long or short form)."""
        full = [w.lower() for w in words]
        index = pc.index_in(pc.utf8_lower(self.text(name)),
                            value_set=pa.array(full + [w[:3] for w in full]))
        return pc.add(fmod(index.fill_null(0).cast(pa.int64()), len(words)), 1)

    def zone(self, i: str) -> pa.Array:
        """The captured zone's offset from UTC in minutes."""
        offset = int_scalar(0)
        for sign, hours, minutes in (("s", "h", "m"), ("t", "u", "v")):
            if not self.has(sign + i):
                continue
            signs = self.text(sign + i)
            given = pc.and_(self._valid, pc.not_equal(signs, "")).fill_null(False)
            value = pc.multiply(self.number(hours + i), 60)
            if self.has(minutes + i):
                value = pc.add(value, self.number(minutes + i))
            value = where(pc.equal(signs, "-"), pc.negate(value), value)
            offset = where(given, value, offset)
        return offset


class _Parts:
    """Calendar fields of epoch milliseconds, computed once each, rendered as Java does."""

    def __init__(self, ms: pa.Array) -> None:
        self.days = fdiv(ms, DAY_MS)
        self.time = pc.subtract(ms, pc.multiply(self.days, DAY_MS))
        self._civil_fields: tuple | None = None

    def _civil(self):
        if self._civil_fields is None:
            self._civil_fields = civil_date(pc.add(self.days, EPOCH_JDN))
        return self._civil_fields

    def value(self, letter: str) -> pa.Array:
        if letter in "yMLdGDF":
            y, m, d = self._civil()
            if letter == "y":
                return where(pc.greater(y, 0), y, pc.subtract(1, y))
            if letter in "ML":
                return m
            if letter == "d":
                return d
            if letter == "G":
                return pc.greater(y, 0).cast(pa.int64())
            if letter == "F":
                return pc.add(fdiv(pc.subtract(d, 1), 7), 1)
            one = pa.scalar(1, pa.int64())
            jan1 = where(pc.greater(y, 1582), gregorian_jdn(y, one, one),
                          julian_jdn(y, one, one))
            return pc.add(pc.subtract(pc.add(self.days, EPOCH_JDN), jan1), 1)
        if letter == "E":
            return fmod(pc.add(self.days, EPOCH_JDN + 1), 7)
        if letter == "u":
            return pc.add(fmod(pc.add(self.days, EPOCH_JDN), 7), 1)
        hour = pc.divide(self.time, 3_600_000)
        if letter == "H":
            return hour
        if letter == "k":
            return where(pc.equal(hour, 0), pa.scalar(24, pa.int64()), hour)
        if letter == "K":
            return fmod(hour, 12)
        if letter == "h":
            h = fmod(hour, 12)
            return where(pc.equal(h, 0), pa.scalar(12, pa.int64()), h)
        if letter == "a":
            return pc.divide(hour, 12)
        if letter == "m":
            return fmod(pc.divide(self.time, 60_000), 60)
        if letter == "s":
            return fmod(pc.divide(self.time, 1000), 60)
        return fmod(self.time, 1000)  # S

    def render(self, letter: str, count: int) -> pa.Array | pa.Scalar:
        if letter == "z":
            return pa.scalar("Coordinated Universal Time" if count >= 4 else "UTC")
        if letter == "Z":
            return pa.scalar("+0000")
        if letter == "X":
            return pa.scalar("Z")
        value = self.value(letter)
        names = None
        if letter == "G":
            names = ["BC", "AD"]
        elif letter == "a":
            names = ["AM", "PM"]
        elif letter == "E":
            names = _DAYS if count >= 4 else [d[:3] for d in _DAYS]
        elif letter in "ML" and count >= 3:
            names = [""] + (_MONTHS if count >= 4 else [m[:3] for m in _MONTHS])
        if names is not None:
            return pa.array(names, pa.string()).take(value)
        if letter == "y" and count == 2:
            value = fmod(value, 100)
        text = value.cast(pa.string())
        return pc.utf8_lpad(text, width=count, padding="0") if count > 1 else text
