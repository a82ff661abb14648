"""StandaloneHerder: the connectors given on the command line, on one worker, until stopped."""

from __future__ import annotations

import logging
from typing import Mapping

from fastconnect.api import ConfigError
from fastconnect.config.connector import NAME
from fastconnect.runtime.status import State, TaskStatus
from fastconnect.runtime.worker import Worker

__all__ = ["StandaloneHerder"]

log = logging.getLogger(__name__)


class StandaloneHerder:
    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    async def start(self) -> None:
        await self.worker.start()

    def validate(self, config: Mapping[str, str]) -> str:
        """Check one connector config; return its name or raise ConfigError naming the key."""
        name = str(config.get(NAME) or "").strip()
        if not name:
            raise ConfigError.missing(NAME)
        self.worker.validate_connector_config(config)
        return name

    async def put_connector_config(self, config: Mapping[str, str]) -> None:
        """Validate and start one connector; ConfigError names the bad key."""
        await self.worker.start_connector(self.validate(config), config)

    def task_statuses(self) -> list[TaskStatus]:
        return [task.status for running in self.worker.connectors.values()
                for task in running.tasks]

    def failed(self) -> list[TaskStatus]:
        return [status for status in self.task_statuses() if status.state is State.FAILED]

    async def stop(self) -> None:
        await self.worker.stop()
