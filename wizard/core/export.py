"""Writing the room assignments to files: where, in which format, never over a file unasked.

The export dialog shows the full target paths before anything is written; this
module works them out, says which already exist, and writes. Each file is
written to a temp file in its own folder first — all of them before any is put
in place, so an unwritable folder writes nothing at all — and then:

* not asked to replace: hard-linked to its name, which fails if the name exists
  in the meantime (any file, a dangling symlink too), so nothing is overwritten;
* asked to replace: renamed over the name, which replaces a symlink itself and
  never writes through it into the file it points at.

Exports are meant to be handed on (to the meeting-room product, a colleague),
so they are 0644, unlike profiles and reports. ``write_files`` is the same
all-or-nothing, never-over-a-file-unasked writer for other files handed on (the
hand-off to IT and a report beside it, 0600: they name rooms and accounts).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path

from wizard.core import mapping
from wizard.core.i18n import current_language
from wizard.core.model import RoomMapping

MODE = 0o644


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    BOTH = "both"


SUFFIXES = {
    ExportFormat.JSON: (".json",),
    ExportFormat.CSV: (".csv",),
    ExportFormat.BOTH: (".json", ".csv"),
}
KNOWN_SUFFIXES = (".json", ".csv")


class ExportError(Exception):
    """One file (``folder=False``) or folder (``folder=True``) could not be written."""

    def __init__(self, path: Path, reason: str, *, folder: bool,
                 written: Sequence[Path] = ()) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.folder = folder
        self.written = list(written)  # placed before the failure (only when placing failed)


def default_path(profile: str) -> Path:
    """``~/roomcal-rooms-PROFILE.json``: home, not the current directory, which on a jump
    host is wherever the SSH session happened to start (or someone else's folder)."""
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no passwd entry
        home = Path.cwd()
    return home / f"roomcal-rooms-{profile}.json"


def _base(text: str) -> Path:
    if not text.strip():
        raise ValueError("no path")
    # Absolute, ~ expanded, but symlinks left as they are: the name the user sees is
    # the name that is written (and asked about).
    path = Path(os.path.abspath(Path(text.strip()).expanduser()))
    return path.with_suffix("") if path.suffix.lower() in KNOWN_SUFFIXES else path


def targets(text: str, fmt: ExportFormat) -> list[Path]:
    """The files an export of ``fmt`` to ``text`` writes; ValueError for an empty path.

    A ``.json``/``.csv`` ending is replaced by the format's; any other is kept and the
    format's appended (``rooms.txt`` → ``rooms.txt.csv``), so the content always
    matches the name.
    """
    base = _base(text)
    return [base.with_name(base.name + suffix) for suffix in SUFFIXES[fmt]]


def existing(paths: Iterable[Path]) -> list[Path]:
    return [p for p in paths if os.path.lexists(p)]


def folders(paths: Iterable[Path]) -> list[Path]:
    return [p for p in paths if p.is_dir()]


# Excel opens a .csv by double-click with the list separator of the Windows locale: ";"
# wherever "," is the decimal comma (German). Without a BOM it reads the bytes as the
# locale's ANSI code page, and "Förde" comes out as "FÃ¶rde".
CSV_DELIMITERS = {"de": ";"}
EXCEL_BOM = "\ufeff"


def csv_delimiter(lang: str) -> str:
    """The separator Excel of ``lang``'s locale expects (``,`` unless known otherwise)."""
    return CSV_DELIMITERS.get(lang, ",")


def _content(mappings: Sequence[RoomMapping], path: Path) -> str:
    if path.suffix.lower() != ".csv":
        return mapping.to_json(mappings)
    # Written in the language of the screen: whoever exports opens it in their Excel.
    return EXCEL_BOM + mapping.to_csv(mappings, delimiter=csv_delimiter(current_language()))


def write(mappings: Iterable[RoomMapping], paths: Sequence[Path], *,
          replace: bool = False) -> list[Path]:
    """Write every path (format by suffix); raise ExportError naming what failed."""
    rows = list(mappings)
    return write_files([(path, _content(rows, path)) for path in paths], replace=replace)


def write_files(files: Sequence[tuple[Path, str]], *, replace: bool = False,
                mode: int = MODE) -> list[Path]:
    """Write each (path, text): all staged before any is placed; ExportError names a failure."""
    staged: list[tuple[str, Path]] = []
    written: list[Path] = []
    try:
        for path, text in files:
            staged.append((_stage(text, path, mode), path))
        for tmp, path in staged:
            try:
                _place(tmp, path, replace=replace)
            except OSError as exc:
                raise ExportError(path, _reason(exc), folder=False, written=written) from None
            written.append(path)
    finally:
        for tmp, _path in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return written


def _stage(text: str, path: Path, mode: int) -> str:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ExportError(path.parent, _reason(exc), folder=True) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:  # e.g. the disk is full
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ExportError(path.parent, _reason(exc), folder=True) from None
    return tmp


def _place(tmp: str, path: Path, *, replace: bool) -> None:
    if replace:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # atomic "create, but only if the name is free"
    except FileExistsError:
        raise
    except OSError:
        # A filesystem without hard links (some network and FUSE mounts): check, then
        # rename — a race of microseconds instead of none.
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(tmp, path)


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
