"""Command-line inputs to concrete paths: files, directories, globs (sestui expands quoted ones,
including `**`), and `-` for stdin."""

from __future__ import annotations

import glob
import os
import re
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

    def matches(self, errors: list[OSError] | None = None) -> list[str]:
        """The regular files (or FIFOs) this input names right now, sorted. A directory that a
        glob matches is walked like a directory argument; directories that cannot be listed
        are added to `errors`."""
        if self.kind == "stdin":
            return []
        if self.kind == "file":
            return [self.arg]
        if self.kind == "dir":
            return walk(self.arg, errors)
        found: set[str] = set()
        for path in _recursive_glob(self.arg) if "**" in self.arg else glob.glob(self.arg):
            if os.path.isdir(path):
                found.update(walk(path, errors))
            elif _readable_kind(path) and _is_log_name(path):
                found.add(path)
        return sorted(found)


def is_glob(arg: str) -> bool:
    return any(ch in arg for ch in "*?[") and not os.path.exists(arg)


def classify(arg: str) -> Target:
    """A path is a "dir" when it is one now or ends with a separator (it may not exist yet); a
    "file" that appears as a directory later is followed as one (see Follower._paths)."""
    if arg == STDIN:
        return Target(arg, "stdin")
    if is_glob(arg):
        return Target(arg, "glob")
    if arg.endswith(os.sep) or os.path.isdir(arg):
        return Target(arg, "dir")
    return Target(arg, "file")


def walk(directory: str, errors: list[OSError] | None = None) -> list[str]:
    """Regular files under a directory, recursively, skipping hidden entries and non-log files;
    directories that cannot be listed are added to `errors` (else passed over)."""
    found: list[str] = []
    for root, dirs, files in os.walk(directory, onerror=None if errors is None else errors.append, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(root, name)
            if not name.startswith(".") and _is_log_name(name) and _readable_kind(path):
                found.append(path)
    return found


def split_glob(pattern: str) -> tuple[str, list[str]]:
    """(the longest leading directory without wildcards, the remaining path segments)."""
    parts = pattern.split(os.sep)
    fixed = []
    for part in parts:
        if any(ch in part for ch in "*?["):
            break
        fixed.append(part)
    return os.sep.join(fixed) or ".", parts[len(fixed) :]


def _recursive_glob(pattern: str) -> list[str]:
    """`**` globbing that never follows symlinked directories (a symlink loop in a watched tree
    would otherwise be walked until paths hit the OS length limit). A matching directory is not
    descended into: the caller walks all of it."""
    root, rest = split_glob(pattern)
    regex = re.compile("".join(_segment(part, last=i == len(rest) - 1) for i, part in enumerate(rest)) + r"\Z", re.S)
    # Hidden directories (.snapshot, .git) can be large; skip them unless a part names one.
    dots = any(part.startswith(".") for part in rest)
    found = []
    for directory, dirs, files in os.walk(root, followlinks=False):
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative + os.sep
        matched = {name for name in dirs if regex.match(prefix + name)}
        dirs[:] = sorted(name for name in dirs if name not in matched and (dots or not name.startswith(".")))
        found.extend(os.path.join(directory, name) for name in sorted(matched))
        found.extend(os.path.join(directory, name) for name in sorted(files) if regex.match(prefix + name))
    return found


def _segment(part: str, last: bool) -> str:
    """One path segment of a glob as a regex that never crosses a separator. As in shells, a
    hidden name is matched only by a part that starts with a dot itself."""
    sep = re.escape(os.sep)
    name = rf"[^{sep}.][^{sep}]*"  # any name but a hidden one
    if part == "**":
        return f"{name}(?:{sep}{name})*" if last else f"(?:{name}{sep})*"
    out, i = ([] if part.startswith(".") else [r"(?!\.)"]), 0
    while i < len(part):
        ch = part[i]
        if ch == "*":
            out.append(f"[^{sep}]*")
        elif ch == "?":
            out.append(f"[^{sep}]")
        elif ch == "[" and "]" in part[i + 2 :]:  # a class; "]" right after "[" is a member
            end = part.index("]", i + 2)
            body = part[i + 1 : end]
            negated = body[:1] == "!"
            members = re.escape(body[1:] if negated else body).replace(r"\-", "-")  # ranges stay ranges
            out.append(f"(?!{sep})[{'^' if negated else ''}{members}]")  # never the separator
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out) if last else "".join(out) + sep


def _is_log_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() not in _NOT_LOGS


def _readable_kind(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISFIFO(mode)
