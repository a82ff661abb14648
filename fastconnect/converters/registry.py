"""A Confluent-compatible schema registry client, its cache, and the subject name strategies.

:class:`SchemaRegistry` is what the Avro converter needs of a registry: four calls of
Confluent's REST API (register, look up, schema by id, latest version of a subject).
:class:`RestSchemaRegistry` makes them over HTTP with the standard library only
(``http.client``), keeping one connection open per registry URL and failing over to the
next URL of ``schema.registry.url`` when one does not answer. :class:`CachedSchemaRegistry`
wraps any implementation and remembers every answer, as Confluent's
``CachedSchemaRegistryClient`` does, so that a converter talks to the registry once per
schema, not once per batch.

The calls block. The converters run on the event loop thread, so a registry call stalls the
loop for its round trip: the cache is what keeps that to the first batch of each schema.
"""

from __future__ import annotations

import base64
import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

from fastconnect.api.errors import ConfigError, DataError, RetriableError
from fastconnect.converters.lru import LRU

__all__ = [
    "MemorySchemaRegistry",
    "CachedSchemaRegistry", "RegisteredSchema", "RegistryError", "RegistryUnavailableError",
    "RestSchemaRegistry", "SchemaRegistry", "SUBJECT_NAME_STRATEGIES", "subject_name_strategy",
    "TOPIC_NAME_STRATEGY",
]

_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
_ACCEPT = ("application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, "
           "application/json; qs=0.5")
SCHEMA_NOT_FOUND, SUBJECT_NOT_FOUND, VERSION_NOT_FOUND = 40403, 40401, 40402


@dataclass(frozen=True)
class RegisteredSchema:
    """A schema as the registry holds it: its global id, its version in ``subject``."""

    id: int
    schema: str
    subject: str | None = None
    version: int | None = None


class RegistryError(Exception):
    """The registry answered with an error (``status`` HTTP, ``error_code`` Confluent's)."""

    def __init__(self, message: str, status: int | None = None,
                 error_code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code

    @property
    def not_found(self) -> bool:
        return self.status == 404


class RegistryUnavailableError(RegistryError):
    """No registry URL answered, or the one that did is overloaded (5xx, 408, 429)."""


@runtime_checkable
class SchemaRegistry(Protocol):
    """The registry calls the Avro and Protobuf converters make. Implementations raise
    RegistryError."""

    def register(self, subject: str, schema: str, schema_type: str = "AVRO") -> int:
        """Register ``schema`` under ``subject``; its id (existing or new). ``schema_type`` is
        the registry's ``schemaType`` (``AVRO``, ``PROTOBUF``, ``JSON``); Avro text when
        omitted, and callers pass it only when it is not ``AVRO``."""
        ...

    def lookup(self, subject: str, schema: str, schema_type: str = "AVRO") -> RegisteredSchema:
        """The id and version of ``schema`` in ``subject``; RegistryError 404 if absent."""
        ...

    def schema_by_id(self, schema_id: int) -> str:
        """The schema text of a global id; RegistryError 404 (40403) if unknown."""
        ...

    def latest_version(self, subject: str) -> RegisteredSchema:
        """The latest version of ``subject``; RegistryError 404 if the subject is unknown."""
        ...


class RestSchemaRegistry:
    """Confluent's REST API over ``http.client``: one kept-alive connection per URL.

    ``urls`` are tried in order from the last one that answered; a connection failure moves
    on to the next, and :class:`RegistryUnavailableError` is raised when none answers.
    Credentials come from ``user_info`` (``user:password``) or from the URL itself
    (``http://user:password@host:8081``); ``headers`` are added to every request.
    """

    def __init__(self, urls: list[str], *, user_info: str | None = None,
                 headers: Mapping[str, str] | None = None, connect_timeout: float = 60.0,
                 read_timeout: float = 60.0) -> None:
        if not urls:
            raise ConfigError("Missing required configuration \"schema.registry.url\" which "
                              "has no default value.", "schema.registry.url")
        self._targets = [self._target(url, user_info) for url in urls]
        self._headers = dict(headers or {})
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._connections: dict[int, http.client.HTTPConnection] = {}
        self._current = 0

    @staticmethod
    def _target(url: str, user_info: str | None) -> tuple[str, str, int | None, str, str | None]:
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError.invalid("schema.registry.url", url,
                                      "Expected an http:// or https:// URL")
        credentials = user_info
        if credentials is None and parts.username is not None:
            credentials = urllib.parse.unquote(parts.username) + ":" + \
                urllib.parse.unquote(parts.password or "")
        auth = None if not credentials else \
            "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
        return parts.scheme, parts.hostname, parts.port, parts.path.rstrip("/"), auth

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def register(self, subject: str, schema: str, schema_type: str = "AVRO") -> int:
        return int(self._call("POST", f"/subjects/{_quote(subject)}/versions",
                              _schema_body(schema, schema_type))["id"])

    def lookup(self, subject: str, schema: str, schema_type: str = "AVRO") -> RegisteredSchema:
        body = self._call("POST", f"/subjects/{_quote(subject)}",
                          _schema_body(schema, schema_type))
        return RegisteredSchema(int(body["id"]), body.get("schema", schema), subject,
                                body.get("version"))

    def schema_by_id(self, schema_id: int) -> str:
        return self._call("GET", f"/schemas/ids/{int(schema_id)}", None)["schema"]

    def latest_version(self, subject: str) -> RegisteredSchema:
        body = self._call("GET", f"/subjects/{_quote(subject)}/versions/latest", None)
        return RegisteredSchema(int(body["id"]), body["schema"], subject, body.get("version"))

    def _connection(self, index: int) -> http.client.HTTPConnection:
        connection = self._connections.get(index)
        if connection is None:
            scheme, host, port, _, _ = self._targets[index]
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            connection = kind(host, port, timeout=self._connect_timeout)
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(self._read_timeout)
            self._connections[index] = connection
        return connection

    def _call(self, method: str, path: str, payload: Any) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        failures = []
        for attempt in range(len(self._targets)):
            index = (self._current + attempt) % len(self._targets)
            try:
                status, text = self._send(index, method, path, body)
            except (OSError, http.client.HTTPException) as error:
                scheme, host, port, base, _ = self._targets[index]
                failures.append(f"{scheme}://{host}{'' if port is None else f':{port}'}{base}: "
                                f"{error or type(error).__name__}")
                continue
            self._current = index
            return self._answer(method, path, status, text)
        raise RegistryUnavailableError("Schema registry unreachable (" + "; ".join(failures) + ")")

    def _send(self, index: int, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        _, _, _, base, auth = self._targets[index]
        headers = {"Accept": _ACCEPT, **self._headers}
        if body is not None:
            headers["Content-Type"] = _CONTENT_TYPE
        if auth is not None:
            headers["Authorization"] = auth
        reused = index in self._connections
        try:
            return self._exchange(index, method, base + path, body, headers)
        except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
            self._drop(index)
            if not reused:
                raise
        except (OSError, http.client.HTTPException):
            self._drop(index)
            raise
        try:  # the server had closed the kept-alive connection: once more on a new one
            return self._exchange(index, method, base + path, body, headers)
        except (OSError, http.client.HTTPException):
            self._drop(index)
            raise

    def _exchange(self, index: int, method: str, url: str, body: bytes | None,
                  headers: dict[str, str]) -> tuple[int, bytes]:
        connection = self._connection(index)
        connection.request(method, url, body, headers)
        response = connection.getresponse()
        return response.status, response.read()

    @staticmethod
    def _answer(method: str, path: str, status: int, text: bytes) -> Any:
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            answer = {"message": text[:200].decode("utf-8", "replace")}
        if 200 <= status < 300:
            return answer
        message = answer.get("message", "") if isinstance(answer, dict) else str(answer)
        code = answer.get("error_code") if isinstance(answer, dict) else None
        text_of = f"{message} (HTTP {status}" + (f", error code {code})" if code else ")") + \
            f" on {method} {path}"
        kind = RegistryUnavailableError if status >= 500 or status in (408, 429) else RegistryError
        raise kind(text_of, status, code)

    def _drop(self, index: int) -> None:
        connection = self._connections.pop(index, None)
        if connection is not None:
            connection.close()


def _schema_body(schema: str, schema_type: str) -> dict[str, str]:
    # Confluent's registry takes a missing schemaType as AVRO; older ones know no other key
    return {"schema": schema} if schema_type == "AVRO" else \
        {"schema": schema, "schemaType": schema_type}


def _quote(subject: str) -> str:
    return urllib.parse.quote(subject, safe="")


class CachedSchemaRegistry:
    """Remembers the answers of another :class:`SchemaRegistry` (ids both ways, versions).

    Ids and schemas never change once given, so they are kept (up to ``capacity`` each,
    least recently used first out). The latest version of a subject does change: it is kept
    ``latest_ttl`` seconds, or for good when that is negative (Confluent's
    ``latest.cache.ttl.sec=-1``). Errors are not cached.
    """

    def __init__(self, inner: SchemaRegistry, capacity: int = 1000,
                 latest_ttl: float = -1, clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self._ids = LRU(capacity)  # (subject, schema) -> id
        self._lookups = LRU(capacity)  # (subject, schema) -> RegisteredSchema
        self._schemas = LRU(capacity)  # id -> schema text
        self._latest: dict[str, tuple[float, RegisteredSchema]] = {}
        self._latest_ttl = latest_ttl
        self._clock = clock

    def register(self, subject: str, schema: str, schema_type: str = "AVRO") -> int:
        key = (subject, schema)
        if key not in self._ids:
            # the type is passed on only when it is not AVRO, so that implementations written
            # before schema_type existed keep working for Avro
            schema_id = self.inner.register(subject, schema) if schema_type == "AVRO" else \
                self.inner.register(subject, schema, schema_type=schema_type)
            self._ids.put(key, schema_id)
            self._schemas.put(schema_id, schema)
        return self._ids[key]

    def lookup(self, subject: str, schema: str, schema_type: str = "AVRO") -> RegisteredSchema:
        key = (subject, schema)
        if key not in self._lookups:
            found = self.inner.lookup(subject, schema) if schema_type == "AVRO" else \
                self.inner.lookup(subject, schema, schema_type=schema_type)
            self._lookups.put(key, found)
            self._ids.put(key, found.id)
        return self._lookups[key]

    def schema_by_id(self, schema_id: int) -> str:
        if schema_id not in self._schemas:
            self._schemas.put(schema_id, self.inner.schema_by_id(schema_id))
        return self._schemas[schema_id]

    def latest_version(self, subject: str) -> RegisteredSchema:
        now = self._clock()
        cached = self._latest.get(subject)
        if cached is not None and (self._latest_ttl < 0 or now - cached[0] < self._latest_ttl):
            return cached[1]
        latest = self.inner.latest_version(subject)
        self._latest[subject] = (now, latest)
        self._schemas.put(latest.id, latest.schema)
        return latest

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


# --- subject name strategies ----------------------------------------------------------------

_PACKAGE = "io.confluent.kafka.serializers.subject."
TOPIC_NAME_STRATEGY = _PACKAGE + "TopicNameStrategy"

#: ``strategy(topic, is_key, record_name)`` -> subject; ``record_name`` is the full name of
#: the Avro record, None when the schema is not a record.
SubjectNameStrategy = Callable[[str, bool, "str | None"], str]


def _topic_name(topic: str, is_key: bool, record: str | None) -> str:
    return f"{topic}-{'key' if is_key else 'value'}"


def _needs_record(strategy: str) -> Callable[[str, bool, str | None], str]:
    def name(topic: str, is_key: bool, record: str | None) -> str:
        if record is None:
            raise DataError(f"In configuration {'key' if is_key else 'value'}.subject.name."
                            f"strategy = {_PACKAGE}{strategy}, the message must only be an Avro "
                            "record schema")
        return record if strategy == "RecordNameStrategy" else f"{topic}-{record}"
    return name


#: Every accepted name of a strategy (Confluent's class name, its simple name) -> function.
SUBJECT_NAME_STRATEGIES: dict[str, SubjectNameStrategy] = {}
for _simple, _function in (("TopicNameStrategy", _topic_name),
                           ("RecordNameStrategy", _needs_record("RecordNameStrategy")),
                           ("TopicRecordNameStrategy", _needs_record("TopicRecordNameStrategy"))):
    SUBJECT_NAME_STRATEGIES[_PACKAGE + _simple] = _function
    SUBJECT_NAME_STRATEGIES[_simple] = _function


def subject_name_strategy(key: str, value: str) -> SubjectNameStrategy:
    """The strategy a ``*.subject.name.strategy`` value names; ConfigError if unknown."""
    try:
        return SUBJECT_NAME_STRATEGIES[value]
    except KeyError:
        raise ConfigError.invalid(key, value, "Class " + value + " could not be found.") from None


def registry_error(error: RegistryError, what: str, index: int | None) -> DataError:
    """The DataError a converter raises for a registry failure at row ``index``."""
    if isinstance(error, RegistryUnavailableError):
        return RegistryUnavailable(f"{what}: {error}", index)
    return DataError(f"{what}: {error}", index)


class RegistryUnavailable(DataError, RetriableError):
    """The registry could not be reached: a DataError (it names the row that needed it) that
    is also a RetriableError, as trying again later may succeed."""


class MemorySchemaRegistry:
    """A Confluent registry in memory, for tests (ours and connector authors'): global ids
    shared by identical schema texts, versions per subject from 1, and the 404s (40401
    subject, 40403 schema) the real one answers. ``calls`` records what was asked."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.types: dict[int, str] = {}
        self.subjects: dict[str, list[int]] = {}
        self.calls: list[tuple[str, object]] = []

    def register(self, subject: str, schema: str, schema_type: str = "AVRO") -> int:
        self.calls.append(("register", subject))
        schema_id = self.ids.setdefault(schema, len(self.ids) + 1)
        self.types[schema_id] = schema_type
        versions = self.subjects.setdefault(subject, [])
        if schema_id not in versions:
            versions.append(schema_id)
        return schema_id

    def lookup(self, subject: str, schema: str, schema_type: str = "AVRO") -> RegisteredSchema:
        self.calls.append(("lookup", subject))
        if subject not in self.subjects:
            raise RegistryError(f"Subject '{subject}' not found.", 404, 40401)
        schema_id = self.ids.get(schema)
        if schema_id not in self.subjects[subject]:
            raise RegistryError("Schema not found", 404, 40403)
        return RegisteredSchema(schema_id, schema, subject,
                                self.subjects[subject].index(schema_id) + 1)

    def schema_by_id(self, schema_id: int) -> str:
        self.calls.append(("schema_by_id", schema_id))
        for schema, known in self.ids.items():
            if known == schema_id:
                return schema
        raise RegistryError("Schema not found", 404, 40403)

    def latest_version(self, subject: str) -> RegisteredSchema:
        self.calls.append(("latest_version", subject))
        if subject not in self.subjects:
            raise RegistryError(f"Subject '{subject}' not found.", 404, 40401)
        versions = self.subjects[subject]
        text = next(s for s, i in self.ids.items() if i == versions[-1])
        return RegisteredSchema(versions[-1], text, subject, len(versions))
