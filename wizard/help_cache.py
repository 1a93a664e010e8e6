"""``roomcal --help`` from a cache: formatting argparse help costs more than Python's start.

The rendered text is cached per version, language and terminal width in the
user's cache directory; any change to the CLI (a new version or an edited
cli.py in a checkout) makes a new key. A cache that cannot be written is
simply not used.
"""

from __future__ import annotations

import os
import sys

from wizard import __version__

TYPE_CHECKING = False  # keeps typing/collections.abc off the start-up path
if TYPE_CHECKING:
    from collections.abc import Callable


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "roomcal")


def _key(lang: str) -> str:
    cli = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cli.py")
    try:
        stamp = str(os.stat(cli).st_mtime_ns)
    except OSError:
        stamp = ""
    try:
        width = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size().columns
    except (ValueError, OSError):
        width = 80
    return f"{__version__}-{lang}-{width}-{stamp}"


def print_help(lang: str, render: Callable[[], str]) -> int:
    path = os.path.join(_cache_dir(), f"help-{_key(lang)}.txt")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        text = render()
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError:
            pass
    sys.stdout.write(text)
    return 0
