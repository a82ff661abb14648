"""What every Java service the project starts needs: java, free ports, CDS, log tails."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
from pathlib import Path

from fastconnect.services import ServiceError

__all__ = ["find_java", "free_ports", "cds_archive", "log_tail"]

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
