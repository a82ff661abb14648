"""Config files as ``connect-standalone.sh`` reads them: Java ``.properties`` or JSON.

A connector file may be ``.properties`` (flat keys) or JSON, either a bare
``{"key": "value"}`` map or the REST form ``{"name": "...", "config": {...}}``.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from fastconnect.api.errors import ConfigError

__all__ = ["load_properties", "parse_properties", "load_connector_config"]

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_UNICODE = re.compile(r"u([0-9a-fA-F]{4})")


def _logical_lines(text: str):
    """Yield logical lines: comments dropped, backslash continuations joined."""
    pending = None
    for raw in text.splitlines():
        line = raw.lstrip(" \t\f")
        if pending is None and (not line or line[0] in "#!"):
            continue
        # An odd number of trailing backslashes continues the line.
        trailing = len(line) - len(line.rstrip("\\"))
        continued = trailing % 2 == 1
        if continued:
            line = line[:-1]
        pending = line if pending is None else pending + line
        if not continued:
            yield pending
            pending = None
    if pending is not None:
        yield pending


def _unescape(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\" or i + 1 == len(text):
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        match = _UNICODE.match(text, i + 1) if nxt == "u" else None
        if match:
            out.append(chr(int(match.group(1), 16)))
            i = match.end()
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return "".join(out)


def _split_key(line: str) -> tuple[str, str]:
    """Split at the first unescaped ``=``, ``:`` or whitespace, as java.util.Properties does."""
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "=: \t\f":
            break
        i += 1
    key, rest = line[:i], line[i:]
    rest = rest.lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return _unescape(key), _unescape(rest)


def parse_properties(text: str) -> dict[str, str]:
    """Parse Java ``.properties`` text into an ordered ``dict`` (later keys win)."""
    return dict(_split_key(line) for line in _logical_lines(text))


def _read(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"Cannot read {what} file {path}: {reason}") from None


def load_properties(path: str | Path) -> dict[str, str]:
    """Read a worker config (``.properties``)."""
    return parse_properties(_read(path, "worker config"))


def load_connector_config(path: str | Path) -> dict[str, str]:
    """Read one connector config: ``.properties`` or JSON (bare map or ``{name, config}``).

    Values are returned as strings, as Kafka Connect stores them.
    """
    text = _read(path, "connector config")
    if str(path).endswith(".json") or text.lstrip().startswith("{"):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            raise ConfigError(f"Connector config {path} is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"Connector config {path} must be a JSON object")
        if isinstance(data.get("config"), dict):
            config = dict(data["config"])
            if "name" in data:
                config.setdefault("name", data["name"])
            data = config
        return {str(k): _as_string(v) for k, v in data.items()}
    return parse_properties(text)


def _as_string(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(_as_string(v) for v in value)
    return str(value)
