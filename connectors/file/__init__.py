"""FileStream connectors: lines of a file (or stdin) to a topic, and a topic to a file (or stdout).

Drop-in for Apache Kafka's ``connect-file`` plugin: same class names, keys and offsets
(source partition ``{"filename": ...}``, offset ``{"position": <byte position>}``).
"""

from fastconnect_connectors.file.sink import FileStreamSinkConnector, FileStreamSinkTask
from fastconnect_connectors.file.source import FileStreamSourceConnector, FileStreamSourceTask

__all__ = [
    "FileStreamSinkConnector",
    "FileStreamSinkTask",
    "FileStreamSourceConnector",
    "FileStreamSourceTask",
]
