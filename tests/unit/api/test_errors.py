"""The error hierarchy's Kafka names, as the dead letter queue headers carry them."""

import pytest

from fastconnect.api import (
    AlreadyExistsError, ConfigError, ConnectError, DataError, NotFoundError, RetriableError,
)
from fastconnect.api.errors import java_class_name


@pytest.mark.parametrize("error, name", [
    (ConnectError("x"), "org.apache.kafka.connect.errors.ConnectException"),
    (ConfigError("x"), "org.apache.kafka.common.config.ConfigException"),
    (RetriableError("x"), "org.apache.kafka.connect.errors.RetriableException"),
    (DataError("x", 3), "org.apache.kafka.connect.errors.DataException"),
    (NotFoundError("x"), "org.apache.kafka.connect.errors.NotFoundException"),
    (AlreadyExistsError("x"), "org.apache.kafka.connect.errors.AlreadyExistsException"),
])
def test_each_error_goes_by_its_kafka_twin(error, name):
    assert java_class_name(error) == name


class PluginError(DataError):
    pass


def test_other_exceptions_and_subclasses_go_by_their_python_names():
    assert java_class_name(ValueError("x")) == "builtins.ValueError"
    assert java_class_name(PluginError("x")) == f"{__name__}.PluginError"
