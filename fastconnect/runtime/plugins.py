"""Finding plugins by the names users write in configs.

Connectors come from the entry-point group ``fastconnect.connectors`` (how installed
packages, ours included, register them) and from ``plugin.path`` directories. Converters
come from :mod:`fastconnect.converters`, SMTs and predicates from the modules of
:mod:`fastconnect.transforms`, and each kind also from its entry-point group
(``fastconnect.converters``, ``fastconnect.transforms``, ``fastconnect.predicates``). A plugin
answers to its entry-point name, its Python path (``pkg.module.Class`` or
``pkg.module:Class``), its class name, the class name without its ``Connector`` suffix,
and every name in its ``ALIASES`` (the Java class names it stands in for).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import pkgutil
import sys
from collections import ChainMap
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Iterable, MutableMapping

from fastconnect.api import ConfigError, Connector, Converter, SinkConnector, SourceConnector
from fastconnect.api.transform import Predicate, Transformation

__all__ = ["Plugins"]

log = logging.getLogger(__name__)

CONNECTOR_GROUP = "fastconnect.connectors"
CONVERTER_GROUP = "fastconnect.converters"
TRANSFORM_GROUP = "fastconnect.transforms"
PREDICATE_GROUP = "fastconnect.predicates"


def _names(cls: type, extra: Iterable[str] = ()) -> set[str]:
    names = {cls.__name__, f"{cls.__module__}.{cls.__qualname__}",
             f"{cls.__module__}:{cls.__qualname__}", *extra, *getattr(cls, "ALIASES", ())}
    if cls.__name__.endswith("Connector") and cls.__name__ != "Connector":
        names.add(cls.__name__[: -len("Connector")])
    return names


def _is_converter(obj: Any) -> bool:
    return (inspect.isclass(obj) and callable(getattr(obj, "to_connect", None))
            and callable(getattr(obj, "from_connect", None)))


def _subclass_of(base: type):
    def accept(obj: Any) -> bool:
        return (inspect.isclass(obj) and issubclass(obj, base) and obj is not base
                and not inspect.isabstract(obj))
    return accept


_is_transform = _subclass_of(Transformation)
_is_predicate = _subclass_of(Predicate)


def _is_connector(obj: Any) -> bool:
    return (inspect.isclass(obj) and issubclass(obj, Connector) and not inspect.isabstract(obj)
            and obj not in (Connector, SourceConnector, SinkConnector))


class Plugins:
    """The connectors and converters this worker can run, by every name they answer to."""

    def __init__(self, plugin_path: Iterable[str] | None = None) -> None:
        from fastconnect.converters import BUILTIN_CONVERTERS

        self.connectors: dict[str, type[Connector]] = {}
        # The built-in converters answer first, and import their module when first used;
        # plugins' converters go in the first map.
        self.converters: MutableMapping[str, type] = ChainMap({}, BUILTIN_CONVERTERS)
        self.transforms: dict[str, type[Transformation]] = {}
        self.predicates: dict[str, type[Predicate]] = {}
        self._load_builtin_transforms()
        self._load_entry_points()
        for directory in plugin_path or ():
            self._load_directory(Path(directory))

    def _add(self, table: MutableMapping[str, type], cls: type, extra: Iterable[str] = ()) -> None:
        for name in _names(cls, extra):
            if name not in table:
                table[name] = cls

    def _load_builtin_transforms(self) -> None:
        import fastconnect.transforms as package

        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if obj.__module__ == module.__name__:
                    self._add_transform_or_predicate(obj)

    def _add_transform_or_predicate(self, obj: Any) -> None:
        if _is_transform(obj):
            self._add(self.transforms, obj)
        elif _is_predicate(obj):
            self._add(self.predicates, obj)

    def _load_entry_points(self) -> None:
        installed = entry_points()  # one scan of the installed distributions for all groups
        for group, table, accept in ((CONNECTOR_GROUP, self.connectors, _is_connector),
                                     (CONVERTER_GROUP, self.converters, _is_converter),
                                     (TRANSFORM_GROUP, self.transforms, _is_transform),
                                     (PREDICATE_GROUP, self.predicates, _is_predicate)):
            for point in installed.select(group=group):
                try:
                    cls = point.load()
                except Exception as error:  # a broken plugin must not stop the worker
                    log.warning("Skipping plugin %s from %s: %s", point.name, point.value, error)
                    continue
                if accept(cls):
                    self._add(table, cls, [point.name])

    def _load_directory(self, directory: Path) -> None:
        """Import each module and package directly inside ``directory`` and keep its plugins."""
        if not directory.is_dir():
            raise ConfigError(f"Invalid value {directory} for configuration plugin.path: "
                              "not a readable directory", "plugin.path")
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
        for child in sorted(directory.iterdir()):
            if child.suffix == ".py":
                module_name = child.stem
            elif (child / "__init__.py").exists():
                module_name = child.name
            else:
                continue
            try:
                module = importlib.import_module(module_name)
            except Exception as error:
                log.warning("Skipping plugin module %s: %s", child, error)
                continue
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if _is_connector(obj):
                    self._add(self.connectors, obj)
                elif _is_transform(obj) or _is_predicate(obj):
                    self._add_transform_or_predicate(obj)
                elif _is_converter(obj) and not obj.__module__.startswith("fastconnect."):
                    self._add(self.converters, obj)

    def connector_class(self, name: str) -> type[Connector]:
        try:
            return self.connectors[name]
        except KeyError:
            available = ", ".join(sorted({c.__module__ + "." + c.__qualname__
                                          for c in self.connectors.values()}))
            raise ConfigError(
                f"Invalid value {name} for configuration connector.class: Failed to find any "
                f"class that implements Connector and which name matches {name}, available "
                f"connectors are: {available}", "connector.class") from None

    def new_converter(self, name: str, key: str) -> Converter:
        """A new, unconfigured instance of the converter ``name`` set under config ``key``."""
        try:
            cls = self.converters[name]
        except KeyError:
            raise ConfigError.invalid(key, name, "Class " + name + " could not be found.") from None
        return cls()
