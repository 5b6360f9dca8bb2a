"""Command-line inputs to concrete paths: files, directories, globs (sestui expands quoted ones,
including `**`), and `-` for stdin."""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass

STDIN = "-"
# A directory is walked for logs; these are never logs (e.g. sample_logs/generate.py).
_NOT_LOGS = frozenset({".py", ".pyc", ".md", ".rst", ".sh", ".toml", ".cfg", ".ini", ".yml", ".yaml"})


@dataclass(frozen=True, slots=True)
class Target:
    """One command-line input; `kind` is stdin, file, dir or glob."""

    arg: str
    kind: str

    def matches(self) -> list[str]:
        """The regular files (or FIFOs) this input names right now, sorted."""
        if self.kind == "stdin":
            return []
        if self.kind == "file":
            return [self.arg]
        if self.kind == "dir":
            return walk(self.arg)
        return sorted(
            path
            for path in glob.glob(self.arg, recursive=True)
            if _readable_kind(path) and _is_log_name(path)
        )


def is_glob(arg: str) -> bool:
    return any(ch in arg for ch in "*?[") and not os.path.exists(arg)


def classify(arg: str) -> Target:
    if arg == STDIN:
        return Target(arg, "stdin")
    if is_glob(arg):
        return Target(arg, "glob")
    if os.path.isdir(arg):
        return Target(arg, "dir")
    return Target(arg, "file")


def walk(directory: str) -> list[str]:
    """Regular files under a directory, recursively, skipping hidden entries and non-log files."""
    found: list[str] = []
    for root, dirs, files in os.walk(directory, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(root, name)
            if not name.startswith(".") and _is_log_name(name) and _readable_kind(path):
                found.append(path)
    return found


def _is_log_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() not in _NOT_LOGS


def _readable_kind(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISFIFO(mode)
