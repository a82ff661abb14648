"""Log lines that say which connector and task wrote them, as Kafka Connect's do."""

from __future__ import annotations

import logging

from fastconnect.runtime.status import ConnectorTaskId

__all__ = ["task_logger"]


class _TaskAdapter(logging.LoggerAdapter):
    def process(self, msg, kwargs):
        return f"[{self.extra['context']}] {msg}", kwargs


def task_logger(name: str, task_id: ConnectorTaskId | str) -> logging.LoggerAdapter:
    if isinstance(task_id, ConnectorTaskId):
        context = f"{task_id.connector}|task-{task_id.task}"
    else:
        context = str(task_id)
    return _TaskAdapter(logging.getLogger(name), {"context": context})
