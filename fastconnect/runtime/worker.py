"""Worker: turns validated configs into running connectors and tasks on one event loop."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Mapping

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from fastconnect.api import (
    ConfigError,
    ConnectError,
    Connector,
    ConnectorContext,
    Converter,
    SinkConnector,
    SourceConnector,
)
from fastconnect.config.connector import (
    CONNECTOR_CLASS,
    CONNECTOR_CONFIG_DEF,
    SINK_CONNECTOR_CONFIG_DEF,
    TASKS_MAX,
    validate_sink_topics,
)
from fastconnect.config.worker import (
    BOOTSTRAP_SERVERS,
    CLUSTER_CONNECT_TIMEOUT_MS,
    KEY_CONVERTER,
    PLUGIN_PATH,
    VALUE_CONVERTER,
    client_overrides,
)
from fastconnect.herder.offsets import OffsetBackingStore
from fastconnect.runtime.clients import admin_config
from fastconnect.runtime.plugins import Plugins
from fastconnect.runtime.sink_task import WorkerSinkTask
from fastconnect.runtime.source_task import WorkerSourceTask
from fastconnect.runtime.status import ConnectorTaskId
from fastconnect.runtime.transformation_chain import TransformationChain

__all__ = ["Worker", "RunningConnector"]

log = logging.getLogger(__name__)

WorkerTask = WorkerSourceTask | WorkerSinkTask


@dataclass
class RunningConnector:
    name: str
    connector: Connector
    config: dict[str, str]
    tasks: list[WorkerTask] = field(default_factory=list)
    runs: list[asyncio.Task] = field(default_factory=list)


class Worker:
    """One worker process: its config, its plugins, its offset store, its running tasks."""

    def __init__(self, config: Mapping[str, Any], raw: Mapping[str, str],
                 offset_store: OffsetBackingStore, plugins: Plugins | None = None) -> None:
        self.config = config
        self.raw = dict(raw)
        for prefix in ("producer.", "consumer.", "admin."):
            client_overrides(self.raw, prefix)   # a client setting it cannot honour: refused now
        self.offset_store = offset_store
        self.plugins = plugins or Plugins(config.get(PLUGIN_PATH))
        self.connectors: dict[str, RunningConnector] = {}

    async def start(self) -> None:
        await self._check_cluster()
        await self.offset_store.start()

    async def _check_cluster(self) -> None:
        """Fail fast, naming bootstrap.servers, when no broker answers."""
        servers = ",".join(self.config[BOOTSTRAP_SERVERS])
        timeout = self.config[CLUSTER_CONNECT_TIMEOUT_MS] / 1000
        admin = AdminClient(admin_config(self.config, self.raw))
        try:
            await asyncio.to_thread(admin.list_topics, timeout=timeout)
        except KafkaException as error:
            raise ConnectError(
                f"Failed to connect to the Kafka cluster at {BOOTSTRAP_SERVERS}={servers} "
                f"within {timeout:g} s ({error.args[0].str()}). Check that a broker is running "
                "there and the worker's connection settings.") from None

    # -- validation -------------------------------------------------------------------

    def validate_connector_config(self, config: Mapping[str, str]) -> type[Connector]:
        """Check the common keys, the class and the connector's own keys; return the class."""
        if not str(config.get(CONNECTOR_CLASS) or "").strip():
            raise ConfigError.missing(CONNECTOR_CLASS)
        cls = self.plugins.connector_class(config[CONNECTOR_CLASS].strip())
        if issubclass(cls, SinkConnector):
            SINK_CONNECTOR_CONFIG_DEF.parse(config)
            validate_sink_topics(config)
        else:
            CONNECTOR_CONFIG_DEF.parse(config)
        for value in cls().validate(config):
            if value.errors:
                raise ConfigError(value.errors[0], value.name)
        for key in (KEY_CONVERTER, VALUE_CONVERTER):
            self._converter_settings(config, key)
        TransformationChain.from_config(config, self.plugins).close()
        return cls

    def _converter_settings(self, config: Mapping[str, str], key: str) -> tuple[str, dict]:
        """The converter class and its settings: the connector's, else the worker's.

        As in Kafka Connect, the settings come with the class: a connector that names its
        own converter gets only its own ``<key>.*`` settings, not the worker's.
        """
        source = config if str(config.get(key) or "").strip() else self.raw
        name = str(source.get(key) or "").strip()
        if not name:
            raise ConfigError.missing(key)
        if name not in self.plugins.converters:
            raise ConfigError.invalid(key, name, f"Class {name} could not be found.")
        prefix = key + "."
        settings = {k[len(prefix):]: v for k, v in source.items() if k.startswith(prefix)}
        return name, settings

    def new_converter(self, config: Mapping[str, str], key: str) -> Converter:
        name, settings = self._converter_settings(config, key)
        converter = self.plugins.new_converter(name, key)
        converter.configure(settings, is_key=(key == KEY_CONVERTER))
        return converter

    # -- lifecycle --------------------------------------------------------------------

    async def start_connector(self, name: str, config: Mapping[str, str]) -> RunningConnector:
        if name in self.connectors:
            raise ConfigError(f"Connector {name} already exists", "name")
        cls = self.validate_connector_config(config)
        connector = cls()
        connector.initialize(_ConnectorContext(name))
        await connector.start(dict(config))
        running = RunningConnector(name, connector, dict(config))
        self.connectors[name] = running
        task_configs = connector.task_configs(CONNECTOR_CONFIG_DEF.parse(config)[TASKS_MAX])
        for index, task_config in enumerate(task_configs):
            worker_task = self._new_task(ConnectorTaskId(name, index), connector, config,
                                         task_config)
            running.tasks.append(worker_task)
            running.runs.append(asyncio.create_task(worker_task.run(), name=str(worker_task.id)))
        log.info("Connector %s started with %d task(s)", name, len(running.tasks))
        return running

    def _new_task(self, task_id: ConnectorTaskId, connector: Connector,
                  config: Mapping[str, str], task_config: Mapping[str, str]) -> WorkerTask:
        task = connector.task_class()()
        key_converter = self.new_converter(config, KEY_CONVERTER)
        value_converter = self.new_converter(config, VALUE_CONVERTER)
        chain = TransformationChain.from_config(config, self.plugins)
        if isinstance(connector, SourceConnector):
            return WorkerSourceTask(task_id, task, task_config, self.config, self.raw,
                                    key_converter, value_converter, chain, self.offset_store,
                                    config)
        # Sink tasks subscribe with the connector's topics/topics.regex.
        merged = dict(config) | dict(task_config)
        return WorkerSinkTask(task_id, task, merged, self.config, self.raw,
                              key_converter, value_converter, chain)

    async def stop_connector(self, name: str) -> None:
        running = self.connectors.pop(name)
        for task in running.tasks:
            task.stop()
        # A stopping task finishes its batch (graceful timeout), then waits for acks and
        # commits (flush timeout): allow both before giving up on it.
        timeout = (self.config["task.shutdown.graceful.timeout.ms"]
                   + self.config["offset.flush.timeout.ms"]) / 1000
        if running.runs:
            done, pending = await asyncio.wait(running.runs, timeout=timeout)
            for run in pending:
                log.warning("Task %s did not stop in time; cancelling it", run.get_name())
                run.cancel()
        await running.connector.stop()
        log.info("Connector %s stopped", name)

    async def stop(self) -> None:
        for name in list(self.connectors):
            await self.stop_connector(name)
        await self.offset_store.stop()


class _ConnectorContext(ConnectorContext):
    def __init__(self, name: str) -> None:
        self.name = name

    def request_task_reconfiguration(self) -> None:
        log.info("Connector %s asked for task reconfiguration; standalone restarts are manual",
                 self.name)

    def raise_error(self, error: BaseException) -> None:
        raise error
