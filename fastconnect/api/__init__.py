"""The public contract for connector authors: standard library and pyarrow only.

Everything a connector, converter or transform needs is importable from here, and what is
in ``__all__`` is what fastconnect promises to keep stable.
"""

from fastconnect.api.batch import (
    HEADERS,
    HEADERS_TYPE,
    KEY,
    OFFSET,
    PARTITION,
    RAW_SCHEMA,
    TIMESTAMP,
    TIMESTAMP_TYPE,
    TOPIC,
    TOPIC_TYPE,
    VALUE,
    SourceBatch,
    TopicPartition,
    constant_topic,
)
from fastconnect.api.config import (
    NO_DEFAULT,
    ConfigDef,
    ConfigKey,
    ConfigValue,
    Importance,
    Password,
    Type,
    at_least,
    between,
    non_empty_string,
    one_of,
)
from fastconnect.api.connector import Connector, ConnectorContext, SinkConnector, SourceConnector
from fastconnect.api.converter import Converter, HeaderConverter
from fastconnect.api.errors import (
    AlreadyExistsError,
    ConfigError,
    ConnectError,
    DataError,
    NotFoundError,
    RetriableError,
)
from fastconnect.api.schema import (
    connect_schema_to_field,
    field_to_connect_schema,
    format_values,
    is_schemaless,
    schemaless_field,
)
from fastconnect.api.task import (
    OffsetStorageReader,
    SinkTask,
    SinkTaskContext,
    SourceTask,
    SourceTaskContext,
)

__all__ = [
    "AlreadyExistsError",
    "ConfigDef",
    "ConfigError",
    "ConfigKey",
    "ConfigValue",
    "ConnectError",
    "Connector",
    "ConnectorContext",
    "Converter",
    "DataError",
    "HEADERS",
    "HEADERS_TYPE",
    "HeaderConverter",
    "Importance",
    "KEY",
    "NO_DEFAULT",
    "NotFoundError",
    "OFFSET",
    "OffsetStorageReader",
    "PARTITION",
    "Password",
    "RAW_SCHEMA",
    "RetriableError",
    "SinkConnector",
    "SinkTask",
    "SinkTaskContext",
    "SourceBatch",
    "SourceConnector",
    "SourceTask",
    "SourceTaskContext",
    "TIMESTAMP",
    "TIMESTAMP_TYPE",
    "TOPIC",
    "TOPIC_TYPE",
    "TopicPartition",
    "Type",
    "VALUE",
    "at_least",
    "between",
    "connect_schema_to_field",
    "constant_topic",
    "field_to_connect_schema",
    "format_values",
    "is_schemaless",
    "non_empty_string",
    "one_of",
    "schemaless_field",
]
