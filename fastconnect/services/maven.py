"""Resolve a Java classpath from a pom.xml kept in the repo, with Maven, and cache it.

The JVM services (Kafka, Kafka Connect, S3Proxy, OpenSearch, ...) are not vendored: each
has a small pom.xml next to its module that names the artifacts, and
:func:`resolve_classpath` asks Maven to copy them (with all transitive runtime
dependencies) into a cache directory keyed by a hash of the pom. Only Maven Central is
needed, which is the one Java registry every dev machine and CI can reach.

Cache layout::

    $FASTCONNECT_CACHE_DIR or ~/.cache/fastconnect/
        <cache_name>/<hash>/          the jars
        <cache_name>/<hash>/.complete the list of jars, written last
        <cache_name>/<hash>.lock      serialises concurrent resolutions (pytest -n, CI)

Editing the pom changes the hash, so a stale classpath is never reused; an interrupted
download leaves no ``.complete`` marker, so the next call redoes it.

Some servers need a real build, not just their jars (a Quarkus application must be
augmented by its Maven plugin): :func:`build_with_maven` builds such a pom once, in a
scratch copy under the cache, and keeps one output directory of it the same way
(``<cache_name>/<hash>/`` with ``.complete`` written last).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from fastconnect.services import ServiceError

__all__ = ["ServiceError", "build_with_maven", "cache_root", "resolve_classpath"]

# Maven 3.8's built-in default for the dependency plugin is 2.8, too old to be trusted
# with flags like -Dmdep.prependGroupId; pin a current one. It is part of the cache key.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

_MARKER = ".complete"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Maven's advice on how to get more advice: it would push the real error out of the tail.
_BOILERPLATE = re.compile(
    r"^\[ERROR\]\s*$|re-run Maven|\[Help 1\] http|read the following articles", re.IGNORECASE)


def cache_root() -> Path:
    """The root of fastconnect's download cache (``$FASTCONNECT_CACHE_DIR`` wins)."""
    env = os.environ.get("FASTCONNECT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "fastconnect"


def _cache_key(pom_bytes: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(DEPENDENCY_PLUGIN.encode())
    digest.update(b"\0")
    digest.update(pom_bytes)
    return digest.hexdigest()[:16]


def _read_marker(target: Path) -> list[Path] | None:
    """The cached jars, or None when the cache is missing, partial or damaged."""
    marker = target / _MARKER
    try:
        names = marker.read_text().split()
    except OSError:
        return None
    jars = [target / name for name in names]
    if not jars or not all(jar.is_file() for jar in jars):
        return None
    return jars


def _tail(text: str, lines: int = 25) -> str:
    kept = [line.rstrip() for line in _ANSI.sub("", text).splitlines()
            if line.strip() and not _BOILERPLATE.search(line)]
    return "\n".join(kept[-lines:])


def resolve_classpath(pom: Path, cache_name: str, *, timeout: float = 1800.0) -> list[Path]:
    """Return the files of ``pom``'s dependencies (runtime scope, transitive), sorted.

    These are jars, ready for ``-cp``, unless the pom names other types (``<type>zip``).

    Runs ``mvn dependency:copy-dependencies`` on first use only; later calls with the same
    pom contents return the cached jars without starting Maven. Raises
    :class:`ServiceError` if Maven is missing, fails or times out.
    """
    pom = Path(pom).resolve()
    try:
        pom_bytes = pom.read_bytes()
    except OSError as exc:
        raise ServiceError(f"cannot read {pom}: {exc}") from exc

    target = cache_root() / cache_name / _cache_key(pom_bytes)
    jars = _read_marker(target)
    if jars is not None:
        return jars

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        # Another process may be downloading the same classpath: wait for it, then
        # reuse its result instead of racing it in the same directory.
        fcntl.flock(lock, fcntl.LOCK_EX)
        jars = _read_marker(target)
        if jars is not None:
            return jars
        shutil.rmtree(target, ignore_errors=True)  # a half-finished earlier attempt
        target.mkdir(parents=True)
        _run_maven(pom, target, timeout)

        # Usually jars; a pom may also ask for other types (an OpenSearch zip, say).
        names = sorted(p.name for p in target.iterdir()
                       if p.is_file() and not p.name.startswith("."))
        if not names:
            raise ServiceError(f"mvn resolved nothing from {pom} (into {target})")
        # Write the marker last, atomically: its presence means the directory is whole.
        tmp = target / f"{_MARKER}.tmp"
        tmp.write_text("\n".join(names) + "\n")
        tmp.replace(target / _MARKER)
        return [target / name for name in names]


def _run_maven(pom: Path, output_dir: Path, timeout: float) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServiceError(
            f"mvn not found on PATH: Maven is needed to fetch the jars of {pom.name} "
            "(Debian: apt-get install maven)"
        )
    cmd = [
        mvn,
        "-B",  # batch mode: no prompts, no progress bars
        "-q",  # only warnings and errors, which is what a failure message needs
        "-Dstyle.color=never",
        # We only get here when the cache is incomplete; without -U, an artifact that
        # failed to download once (a network hiccup) stays "not found" for a day.
        "-U",
        "-f",
        str(pom),
        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        f"-DoutputDirectory={output_dir}",
        "-DincludeScope=runtime",  # compile + runtime: what a JVM needs to run it
        # Two artifacts may share a file name (e.g. .../api.jar); keep both.
        "-Dmdep.prependGroupId=true",
    ]
    try:
        proc = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
            cwd=pom.parent,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.output or ""
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        raise ServiceError(
            f"mvn timed out after {timeout:.0f}s resolving {pom.name}\n{_tail(out)}"
        ) from None
    except OSError as exc:
        raise ServiceError(f"cannot run mvn for {pom.name}: {exc}") from exc
    if proc.returncode != 0:
        raise ServiceError(
            f"mvn failed (exit {proc.returncode}) resolving {pom.name}\n{_tail(proc.stdout)}"
        )


def build_with_maven(pom: Path, cache_name: str, output: str, *,
                     sources: Mapping[str, str] | None = None,
                     properties: Mapping[str, str] | None = None,
                     goals: Sequence[str] = ("package",),
                     timeout: float = 1800.0) -> Path:
    """Build ``pom`` with Maven once and return the cached copy of its ``output`` directory.

    The build runs in a scratch directory under the cache, never next to the pom (the
    package may be installed read-only): ``pom`` is copied there as ``pom.xml``, each
    ``sources`` entry (a path relative to the project, e.g. ``src/main/java/X.java``,
    and its text) is written beside it, and ``mvn goals -Dk=v...`` runs. ``output``
    (relative to the project, e.g. ``target/quarkus-app``) is then moved into the cache.
    The pom, the sources, the properties, the goals and ``output`` all make up the cache
    key, so changing any of them rebuilds. Raises :class:`ServiceError` on failure.
    """
    pom = Path(pom).resolve()
    try:
        pom_bytes = pom.read_bytes()
    except OSError as exc:
        raise ServiceError(f"cannot read {pom}: {exc}") from exc
    sources = dict(sources or {})
    properties = dict(properties or {})
    for rel in sources:
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ValueError(f"source path must stay inside the project: {rel!r}")

    digest = hashlib.sha256(pom_bytes)
    for part in [*sorted(sources.items()), *sorted(properties.items()), tuple(goals), output]:
        digest.update(b"\0" + repr(part).encode())
    target = cache_root() / cache_name / digest.hexdigest()[:16]
    if (target / _MARKER).is_file():
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        # As in resolve_classpath: a concurrent first use waits for the one build.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / _MARKER).is_file():
            return target
        work = target.parent / f"{target.name}.work"
        shutil.rmtree(work, ignore_errors=True)  # a half-finished earlier attempt
        shutil.rmtree(target, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            (work / "pom.xml").write_bytes(pom_bytes)
            for rel, text in sources.items():
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                (work / rel).write_text(text)
            _mvn([*goals, *(f"-D{k}={v}" for k, v in sorted(properties.items()))],
                 work / "pom.xml", f"building {pom.name}", timeout)
            built = work / output
            if not built.is_dir():
                raise ServiceError(f"mvn built {pom.name} but left no {output}")
            built.replace(target)  # same filesystem: a rename, not a copy
            (target / _MARKER).write_text(f"{pom.name}\n")  # written last: target is whole
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return target


def _mvn(args: list[str], pom: Path, what: str, timeout: float) -> None:
    """Run ``mvn args`` on ``pom`` quietly; ServiceError with Maven's own error on failure."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServiceError(f"mvn not found on PATH: Maven is needed for {what} "
                           "(Debian: apt-get install maven)")
    cmd = [mvn, "-B", "-q", "-Dstyle.color=never", "-U", "-f", str(pom), *args]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace",
                              timeout=timeout, cwd=pom.parent)
    except subprocess.TimeoutExpired as exc:
        out = exc.output or ""
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        raise ServiceError(f"mvn timed out after {timeout:.0f}s {what}\n{_tail(out)}") from None
    except OSError as exc:
        raise ServiceError(f"cannot run mvn for {what}: {exc}") from exc
    if proc.returncode != 0:
        raise ServiceError(f"mvn failed (exit {proc.returncode}) {what}\n{_tail(proc.stdout)}")
