"""``roomcal --help`` from a cache: formatting argparse help costs more than Python's start.

The cached text is exact: its key holds everything the text is made from —

* roomcal's own files: every file under ``wizard/`` by name, size and mtime (the
  parser in commands/dispatch.py, the provider fields it reads, the settings'
  descriptions, the compiled catalogs), found with ``os.scandir``;
* what is installed: the mtime of every ``sys.path`` directory (installing a
  plugin adds a dist-info to one), and the Python version (argparse's own words);
* the language and the terminal width;
* the environment variables the renderer says the text depends on (the log
  file's path is shown), with their values.

One file per language and width, the key in front of the text: a stale file is
replaced rather than joined by another, and a key that differs in any part is a
miss. A cache that cannot be read or written is simply not used. Only ``os``
and ``sys`` are imported here: this module is the whole start-up of ``--help``.
"""

from __future__ import annotations

import os
import sys

from wizard import __version__

TYPE_CHECKING = False  # keeps typing/collections.abc off the start-up path
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

PACKAGE = os.path.dirname(os.path.abspath(__file__))
SEPARATOR = "\0"  # in no file name, environment value or help text


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "roomcal")


def _width() -> int:
    try:
        return int(os.environ.get("COLUMNS", "")) or os.get_terminal_size().columns
    except (ValueError, OSError):
        return 80


def _files(directory: str, stamps: list[str]) -> None:
    """name, size and mtime of every file below ``directory`` (compiled bytecode aside)."""
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        stamps.append(f"{directory}/?")
        return
    stamps.append(f"{directory}/")
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _files(entry.path, stamps)
                continue
            stat = entry.stat()
        except OSError:
            continue
        stamps.append(f"{entry.name} {stat.st_size} {stat.st_mtime_ns}")


def _installed() -> list[str]:
    stamps = []
    for directory in sys.path:
        try:
            stamps.append(f"{directory} {os.stat(directory or '.').st_mtime_ns}")
        except OSError:
            stamps.append(f"{directory} -")
    return stamps


def key(lang: str, width: int, variables: Sequence[str]) -> str:
    stamps = [__version__, sys.version, lang, str(width)]
    stamps += [f"{name}={os.environ.get(name, '')}" for name in variables]
    stamps += _installed()
    _files(PACKAGE, stamps)
    return "\n".join(stamps)


def _read(path: str, lang: str, width: int) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            variables, stored_key, text = handle.read().split(SEPARATOR, 2)
    except (OSError, ValueError):  # missing, unreadable, or not ours
        return None
    return text if stored_key == key(lang, width, variables.split()) else None


def _write(path: str, content: str) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except OSError:
        pass


def print_help(lang: str, render: Callable[[], tuple[str, Sequence[str]]]) -> int:
    """Print the help; ``render`` returns it and the environment variables it depends on."""
    width = _width()
    path = os.path.join(_cache_dir(), f"help-{lang}-{width}.txt")
    text = _read(path, lang, width)
    if text is None:
        text, variables = render()
        content = SEPARATOR.join([" ".join(variables), key(lang, width, variables), text])
        _write(path, content)
    sys.stdout.write(text)
    return 0
