"""TransformationChain: a connector's SMTs, in order, with their predicates, on batches.

A predicate splits a batch into runs of rows that match and rows that do not; a transform
may change the schema of the rows it touches, so the two kinds cannot share one Arrow batch.
The chain therefore returns a list of batches, in record order, each with one schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from fastconnect.api import VALUE, ConfigError, DataError
from fastconnect.api.transform import Predicate, Transformation
from fastconnect.runtime.conversion import record_error
from fastconnect.transforms._maps import texts_for

__all__ = ["TransformationChain"]

TRANSFORMS = "transforms"
PREDICATES = "predicates"


@dataclass
class _Stage:
    name: str
    transform: Transformation
    predicate: Predicate | None
    negate: bool

    @property
    def takes_structs(self) -> bool:
        return self.transform.ACCEPTS_SCHEMALESS_STRUCTS and (
            self.predicate is None or self.predicate.ACCEPTS_SCHEMALESS_STRUCTS)

    def split(self, batch: pa.RecordBatch) -> list[tuple[pa.RecordBatch, bool]]:
        """``batch`` in runs, each with whether this stage's transform applies to it."""
        if not self.takes_structs:
            batch = texts_for(batch)
        if self.predicate is None:
            return [(batch, True)]
        mask = self.predicate.test(batch)
        if self.negate:
            mask = pc.invert(mask)
        return [(batch.slice(start, stop - start), matches)
                for start, stop, matches in _runs(mask)]

    def apply(self, batch: pa.RecordBatch) -> list[pa.RecordBatch]:
        return [self._transform(part) if matches else part for part, matches in self.split(batch)]

    def _transform(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        try:
            return self.transform.apply(batch)
        except DataError as error:
            raise record_error(f"Transform {self.name}", batch, error, slice(0, batch.num_rows)) from None


def _runs(mask: pa.BooleanArray) -> list[tuple[int, int, bool]]:
    """Maximal runs of equal values in ``mask`` as (start, stop, value)."""
    n = len(mask)
    if n == 0:
        return []
    changes = pc.indices_nonzero(pc.not_equal(mask.slice(1), mask.slice(0, n - 1)))
    starts = [0] + [i + 1 for i in changes.to_pylist()]
    stops = starts[1:] + [n]
    return [(a, b, mask[a].as_py()) for a, b in zip(starts, stops)]


def _prefixed(error: ConfigError, prefix: str) -> ConfigError:
    """The plugin's ConfigError, with its key named as the user wrote it in the connector."""
    if error.key is None:
        return ConfigError(f"{prefix.rstrip('.')}: {error}", prefix.rstrip("."))
    full = prefix + error.key
    message = str(error).replace(f"configuration {error.key}:", f"configuration {full}:")
    message = message.replace(f'"{error.key}"', f'"{full}"')
    return ConfigError(message, full)


def _names(config: Mapping[str, str], key: str) -> list[str]:
    raw = str(config.get(key) or "").strip()
    names = [n.strip() for n in raw.split(",")] if raw else []
    if len(set(names)) != len(names) or "" in names:
        raise ConfigError.invalid(key, raw, "Duplicate or empty alias provided.")
    return names


def _settings(config: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}


class TransformationChain:
    def __init__(self, stages: list[_Stage]) -> None:
        self._stages = stages

    def __len__(self) -> int:
        return len(self._stages)

    @classmethod
    def from_config(cls, config: Mapping[str, str], plugins: Any) -> TransformationChain:
        """Build and configure every transform and predicate; ConfigError names the key."""
        predicates: dict[str, Predicate] = {}
        for name in _names(config, PREDICATES):
            predicates[name] = cls._plugin(config, f"{PREDICATES}.{name}.", plugins.predicates,
                                           "Predicate")
        stages = []
        for name in _names(config, TRANSFORMS):
            prefix = f"{TRANSFORMS}.{name}."
            transform = cls._plugin(config, prefix, plugins.transforms, "Transformation",
                                    reserved=("predicate", "negate"))
            predicate_name = str(config.get(prefix + "predicate") or "").strip()
            negate = str(config.get(prefix + "negate") or "false").strip().lower()
            if negate not in ("true", "false"):
                raise ConfigError.invalid(prefix + "negate", negate,
                                          "Expected value to be either true or false")
            if predicate_name and predicate_name not in predicates:
                raise ConfigError.invalid(prefix + "predicate", predicate_name,
                                          f"The predicate {predicate_name} is not defined in "
                                          f"{PREDICATES}")
            if negate == "true" and not predicate_name:
                raise ConfigError.invalid(prefix + "negate", negate,
                                          "negate is set but no predicate is given")
            stages.append(_Stage(name, transform, predicates.get(predicate_name),
                                 negate == "true"))
        return cls(stages)

    @staticmethod
    def _plugin(config, prefix: str, table: Mapping[str, type], kind: str,
                reserved: tuple[str, ...] = ()):
        type_key = prefix + "type"
        class_name = str(config.get(type_key) or "").strip()
        if not class_name:
            raise ConfigError.missing(type_key)
        cls = table.get(class_name)
        if cls is None:
            raise ConfigError.invalid(type_key, class_name,
                                      f"Class {class_name} could not be found as a {kind}.")
        settings = {k: v for k, v in _settings(config, prefix).items()
                    if k != "type" and k not in reserved}
        plugin = cls()
        try:
            plugin.configure(settings)
        except ConfigError as error:
            raise _prefixed(error, prefix) from None
        return plugin

    def reads_value_structs(self, then: bool) -> bool:
        """Whether a schemaless value column given to the chain in the struct form is read
        in that form before anything needs its JSON text: by the first stage that works on
        values, or, when no stage does, by what takes the chain's output (``then``)."""
        for stage in self._stages:
            if not stage.takes_structs:
                return False
            if getattr(stage.transform, "COLUMN", None) == VALUE:
                return True
        return then

    def apply(self, batch: pa.RecordBatch) -> list[pa.RecordBatch]:
        """Run every stage over ``batch``; empty batches are dropped from the result."""
        batches = [batch]
        for stage in self._stages:
            batches = [out for b in batches for out in stage.apply(b) if out.num_rows]
        return batches

    async def apply_guarded(self, batch: pa.RecordBatch, errors) -> list[pa.RecordBatch]:
        """Like ``apply``, with each transform run under the task's ErrorHandler, so that
        with ``errors.tolerance=all`` a record a transform rejects is reported and skipped."""
        from fastconnect.runtime.errors import Stage

        batches = [batch]
        for stage in self._stages:
            out = []
            for b in batches:
                for part, matches in stage.split(b):
                    if not matches:
                        out.append(part)
                        continue
                    pieces = await errors.run(Stage.TRANSFORMATION, stage.transform, part,
                                              stage.transform.apply)
                    out.extend(result for _, result in pieces)
            batches = [b for b in out if b.num_rows]
        return batches

    def close(self) -> None:
        for stage in self._stages:
            stage.transform.close()
            if stage.predicate is not None:
                stage.predicate.close()
