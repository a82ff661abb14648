"""Connectors: the plugin a user names in ``connector.class``.

A connector does not move data itself. It validates its configuration, then splits the
work into at most ``tasks.max`` task configurations; the worker runs one task for each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Mapping

from fastconnect.api.config import ConfigDef, ConfigValue

__all__ = ["Connector", "ConnectorContext", "SourceConnector", "SinkConnector"]


class ConnectorContext:
    """What the runtime offers a running connector.

    ``request_task_reconfiguration()`` asks the herder to call ``task_configs`` again (the
    set of tables changed, say); ``raise_error(e)`` fails the connector with ``e``. Both may
    be called from any coroutine on the worker's loop.
    """

    def request_task_reconfiguration(self) -> None:
        """Ask for ``task_configs`` to be called again and the tasks restarted."""

    def raise_error(self, error: BaseException) -> None:
        """Fail the connector with ``error``; its status becomes FAILED."""
        raise error


class Connector(ABC):
    """Base of every connector.

    Lifecycle, all on the worker's event loop: ``initialize(context)`` once, then
    ``await start(config)``, then ``task_configs(max_tasks)`` (again whenever the connector
    asks for reconfiguration), and ``await stop()`` when the connector is deleted or the
    worker shuts down. ``start`` and ``stop`` must not block the loop; run blocking client
    calls with ``asyncio.to_thread``.

    Class attributes:

    ``CONFIG_DEF``
        The connector's own keys. The worker adds the common ones (``name``,
        ``connector.class``, ``tasks.max``, converters, ``topics``...) itself.
    ``ALIASES``
        Further names ``connector.class`` may use (the Java class names of the connector
        this one replaces). The class name and the name without ``Connector`` always work.
    """

    CONFIG_DEF: ClassVar[ConfigDef] = ConfigDef()
    ALIASES: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.context: ConnectorContext = ConnectorContext()

    def initialize(self, context: ConnectorContext) -> None:
        """Called once by the runtime before ``start``."""
        self.context = context

    def version(self) -> str:
        """The connector's version, as ``GET /connector-plugins`` shows it."""
        from fastconnect import __version__

        return __version__

    @abstractmethod
    async def start(self, config: Mapping[str, str]) -> None:
        """Start with the connector's whole configuration (raw strings).

        Raise :class:`~fastconnect.api.errors.ConfigError` for a value that cannot work.
        """

    @abstractmethod
    def task_class(self) -> type:
        """The task class (a ``SourceTask`` or ``SinkTask`` subclass) to run."""

    @abstractmethod
    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """Split the work into at most ``max_tasks`` task configurations (raw strings)."""

    async def stop(self) -> None:
        """Release whatever ``start`` acquired. Called once; the default does nothing."""

    def config(self) -> ConfigDef:
        return self.CONFIG_DEF

    def validate(self, config: Mapping[str, Any]) -> list[ConfigValue]:
        """Validate ``config`` against ``CONFIG_DEF``, every key, all errors collected."""
        return self.config().validate(config)


class SourceConnector(Connector):
    """A connector that reads from an external system and writes to Kafka."""


class SinkConnector(Connector):
    """A connector that reads from Kafka and writes to an external system.

    Its configuration names its input with ``topics`` (a list) or ``topics.regex``.
    """
