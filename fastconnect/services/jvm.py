"""What every Java service the project starts needs: java, ports, CDS, logs, stopping."""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from fastconnect.services import ServiceError

__all__ = ["RUNNING", "cds_archive", "end_process", "find_java", "free_ports", "keep_cds_archive",
           "log_tail", "serve_in_foreground"]

_STACK_FRAME = re.compile(r"\s+(at |\.\.\. \d+ more)")


def find_java(needed_by: str) -> str:
    """``$JAVA_HOME/bin/java`` or ``java`` on PATH; ServiceError naming who needs it."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise ServiceError(f"java not found on PATH: {needed_by} needs Java 17+ "
                           "(Debian: openjdk-17-jdk-headless)")
    return java


def free_ports(host: str, count: int) -> list[int]:
    """Ports the OS just handed out; all held open together so that they differ."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in socks:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def cds_archive(java: str, directory: Path, prefix: str) -> Path:
    """Where a class-data-sharing (AppCDS) archive for these jars and this JDK lives.

    Loading thousands of classes is most of a JVM service's start-up; a dynamic CDS
    archive, dumped when the first process on these jars exits cleanly, takes seconds off
    every later start. An archive is only valid for the JVM build that wrote it, hence
    the key.
    """
    real = Path(java).resolve()
    try:
        st = (real.parent.parent / "lib" / "modules").stat()
        stamp = f"{real}|{st.st_size}|{st.st_mtime_ns}"
    except OSError:
        stamp = str(real)
    return directory / f"{prefix}-cds-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}.jsa"


def log_tail(path: Path, lines: int = 30) -> str:
    """The last messages of a log, without Java stack frames: the "Caused by:" lines say
    what went wrong, the "at ..." lines only where. SLF4J's binding notices are dropped."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if line.strip()
            and not _STACK_FRAME.match(line) and not line.startswith("SLF4J:")]
    return "\n".join(kept[-lines:])


def end_process(proc: subprocess.Popen | None, timeout: float) -> None:
    """SIGTERM (a clean shutdown), SIGKILL after ``timeout``."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def keep_cds_archive(dump: tuple[Path, Path] | None, proc: subprocess.Popen | None) -> None:
    """Install the class-data archive a JVM dumped on exit, or drop a partial one.

    Only a clean exit leaves a complete archive: 0, or 143 (= 128 + SIGTERM: the JVM handled
    the signal, exited and dumped).
    """
    if dump is None:
        return
    partial, archive = dump
    if proc is not None and proc.returncode in (0, 143) and partial.is_file():
        os.replace(partial, archive)
    else:
        partial.unlink(missing_ok=True)


# A test that forgets stop(), or dies between start() and stop(), must not leave a JVM
# behind holding a port and half a gigabyte (each JVM is in its own session, so it would
# outlive us). A strong set: a service nobody references any more must still be stopped.
RUNNING: set = set()


@atexit.register
def _stop_all() -> None:
    for service in list(RUNNING):
        service.stop(timeout=10)


def serve_in_foreground(service, banner: Callable[[], str], what: str, timeout: float) -> int:
    """``python -m fastconnect.services.<x>``: start, print ``banner()``, run until
    SIGINT/SIGTERM, stop. Exit 0 after a signal, 1 if the service failed, 130 if
    interrupted while starting."""
    stopping = threading.Event()
    up = False

    def on_signal(signum: int, frame: object) -> None:
        # While starting, unwind through start()'s cleanup; once up, leave the wait loop.
        if not up:
            raise KeyboardInterrupt
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        service.start(timeout=timeout)
        up = True
        print(banner(), flush=True)
        while not stopping.wait(1.0):
            if service._proc is None or service._proc.poll() is not None:
                print(f"error: {what} exited\n{service._logs()}", file=sys.stderr)
                return 1
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        service.stop()
    return 0


class JavaService:
    """The lifecycle every JVM service of the project shares: a process in its own session,
    a class-data archive finished on a clean exit, ``stop()`` from anywhere (idempotent),
    and the context manager. Subclasses write ``start()`` and ``_logs()``, and drop their
    scratch directory in ``_cleanup()``."""

    _proc: subprocess.Popen | None = None
    _cds_dump: tuple[Path, Path] | None = None  # (being written, final name)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self, timeout: float):
        raise NotImplementedError

    def _logs(self) -> str:
        raise NotImplementedError

    def _cleanup(self) -> None:
        """Remove what start() created for this run (no-op default)."""

    def _cds_flags(self, java: str, directory: Path, prefix: str) -> tuple[list[str], list[str]]:
        """JVM flags to use the class-data archive, or to dump one: ``(use, dump)``.

        The JVM writes a dump as it exits; stop() renames it into place only after a clean
        exit, so a killed JVM never leaves a torn archive behind.
        """
        archive = cds_archive(java, directory, prefix)
        if archive.is_file():
            return [f"-XX:SharedArchiveFile={archive}"], []
        partial = archive.with_name(f"{archive.name}.{os.getpid()}.{id(self)}.tmp")
        self._cds_dump = (partial, archive)
        return [], [f"-XX:ArchiveClassesAtExit={partial}"]

    def _launch(self, command: list[str], output: Path, cwd: Path | None = None) -> None:
        """Start the JVM with its stdout/stderr in ``output`` (a pipe nobody reads would in
        time block it) and in its own session (a Ctrl-C in the terminal reaches only us, and
        we stop the service in order rather than both racing to exit)."""
        with open(output, "ab") as out:
            self._proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL,
                                          stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        RUNNING.add(self)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (a clean shutdown), SIGKILL after ``timeout``; clean up. Idempotent."""
        proc, self._proc = self._proc, None
        RUNNING.discard(self)
        end_process(proc, timeout)
        dump, self._cds_dump = self._cds_dump, None
        keep_cds_archive(dump, proc)
        self._cleanup()

    def __enter__(self):
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
