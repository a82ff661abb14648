"""Connector and task identity and state, as Kafka Connect's status API reports them."""

from __future__ import annotations

import enum
import traceback
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["ConnectorTaskId", "State", "TaskStatus"]


class ConnectorTaskId(NamedTuple):
    connector: str
    task: int

    def __str__(self) -> str:
        return f"{self.connector}-{self.task}"


class State(enum.Enum):
    UNASSIGNED = "UNASSIGNED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    FAILED = "FAILED"
    RESTARTING = "RESTARTING"
    STOPPED = "STOPPED"


@dataclass(slots=True)
class TaskStatus:
    id: ConnectorTaskId
    state: State = State.UNASSIGNED
    trace: str | None = None
    error: BaseException | None = field(default=None, repr=False)

    def fail(self, error: BaseException) -> None:
        self.state = State.FAILED
        self.error = error
        self.trace = "".join(traceback.format_exception(error))
