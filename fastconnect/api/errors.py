"""The error hierarchy every connector, converter and transform raises into.

::

    ConnectError                  anything fastconnect or a plugin reports
    +-- ConfigError               a configuration is invalid: names the key and the reason;
    |                             never retried, the connector or worker refuses to start
    +-- RetriableError            a transient failure (a broker or database briefly away);
    |                             the runtime retries the same call with back-off
    +-- DataError                 one record cannot be converted, transformed or written;
    |                             carries the row ``index`` inside its batch so the runtime
    |                             can name topic/partition/offset or route it to the DLQ
    +-- NotFoundError             a named connector, plugin or resource does not exist
    +-- AlreadyExistsError        a connector of that name is already running

Raise ``ConnectError`` itself for failures that should fail the task without retry.

Each of these classes names its Kafka twin in ``JAVA_CLASS``
(``org.apache.kafka.connect.errors.DataException`` for ``DataError``, ...): where Kafka
Connect writes an exception's class name for other tools to read (the dead letter queue's
``__connect.errors.exception.class.name``), fastconnect writes that name. A subclass of
them is its own class and goes by its Python name.
"""

from __future__ import annotations

__all__ = [
    "java_class_name",
    "ConnectError",
    "ConfigError",
    "RetriableError",
    "DataError",
    "NotFoundError",
    "AlreadyExistsError",
]


class ConnectError(Exception):
    """Base of every error fastconnect and its plugins raise."""

    JAVA_CLASS = "org.apache.kafka.connect.errors.ConnectException"


class ConfigError(ConnectError):
    """A configuration value is missing or invalid.

    ``key`` names the configuration key when there is one; the message is the one a user
    sees, written like Kafka's ``ConfigException``: ``Invalid value x for configuration k: why``.
    """

    JAVA_CLASS = "org.apache.kafka.common.config.ConfigException"

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key

    @classmethod
    def invalid(cls, key: str, value: object, reason: str) -> ConfigError:
        return cls(f"Invalid value {value} for configuration {key}: {reason}", key)

    @classmethod
    def missing(cls, key: str) -> ConfigError:
        return cls(f'Missing required configuration "{key}" which has no default value.', key)


class RetriableError(ConnectError):
    """A transient failure: the same operation may succeed if tried again later."""

    JAVA_CLASS = "org.apache.kafka.connect.errors.RetriableException"


class DataError(ConnectError):
    """A record could not be processed.

    ``index`` is the row of the failing record in the batch handed to the plugin (``None``
    when the plugin cannot tell); the runtime turns it into topic/partition/offset.
    """

    JAVA_CLASS = "org.apache.kafka.connect.errors.DataException"

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class NotFoundError(ConnectError):
    """A connector, task or plugin that was named does not exist."""

    JAVA_CLASS = "org.apache.kafka.connect.errors.NotFoundException"


class AlreadyExistsError(ConnectError):
    """A connector with that name exists already."""

    JAVA_CLASS = "org.apache.kafka.connect.errors.AlreadyExistsException"


def java_class_name(error: BaseException) -> str:
    """The class name Kafka Connect would write for ``error``: the Kafka twin of one of the
    classes above, else the Python class's own qualified name."""
    kind = type(error)
    return vars(kind).get("JAVA_CLASS") or f"{kind.__module__}.{kind.__qualname__}"
