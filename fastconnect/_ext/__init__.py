"""Compiled extensions built from src_ext/ (absent when installed with FASTCONNECT_NO_EXT=1).

Each compiled module has a pure-Python twin, its specification; ``choose`` is the one place
that picks between them.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def choose(name: str, twin: ModuleType) -> tuple[ModuleType, str]:
    """The compiled module ``name`` and "cython", or ``twin`` and "python" when it is not
    built (FASTCONNECT_NO_EXT=1, a source checkout) or FASTCONNECT_PURE_PYTHON=1 says so."""
    if os.environ.get("FASTCONNECT_PURE_PYTHON") == "1":
        return twin, "python"
    try:
        return importlib.import_module(f"{__name__}.{name}"), "cython"
    except ImportError:
        return twin, "python"
