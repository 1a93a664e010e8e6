"""Reading the files a person names, and validators for the paths the forms take.

Every file a person names — a scenario or report to replay, an answers file, a
Google client file, and the profile itself — is read through ``read_user_file``:
a regular file only (a FIFO nobody writes into, ``/dev/zero`` or a terminal
would be read forever), at most ``MAX_BYTES``. Whatever is wrong comes back as
one ``UserFileError`` whose ``sentence`` names the path and the reason.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from wizard.core.i18n import N_
from wizard.core.model import Msg, Text

# A scenario or report of the wrong shape (wizard.sandbox.scenario.ShapeError, whose
# module is not extracted for translation): the sentence's parts.
WRONG_VALUE = N_("{key} must be {expected}")
WRONG_FILE = N_("the file must hold {expected}")
NESTED_TOO_DEEPLY = N_("nested too deeply")
EXPECTED = {
    "table": N_("a table"),
    "tables": N_("a table of tables"),
    "text": N_("text"),
    "number": N_("a number"),
    "count": N_("a whole number from 0 to {max}"),
    "objects": N_("a list of objects"),
    "rooms": N_("a list of tables, each with a name"),
    "object": N_("a JSON object"),
    "one_of": N_("one of: {names}"),
}

CA_BUNDLE_BYTES = 16 * 1024 * 1024  # the system's whole bundle is ~250 kB

# Far above any scenario, report or profile (a report of 5 000 rooms is ~2 MB).
MAX_BYTES = 64 * 1024 * 1024


class UserFileError(OSError):
    """A named file that cannot be used; ``reason``: why (a sentence's parameter)."""

    def __init__(self, path: str | Path, reason: Text) -> None:
        super().__init__(str(reason))
        self.path = str(path)
        self.reason = reason

    @property
    def sentence(self) -> Msg:
        return Msg(N_("{path} cannot be read ({reason})."), path=self.path, reason=self.reason)


def read_user_file(path: str | Path, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else ``UserFileError``.

    Opened without blocking (a FIFO without a writer would block the open itself) and
    checked on the open descriptor, so a file swapped in between cannot slip past.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UserFileError(path, exc.strerror or type(exc).__name__) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UserFileError(path, Msg(N_("a folder, not a file")))
        if not stat.S_ISREG(info.st_mode):
            raise UserFileError(path, Msg(N_("not a regular file but a pipe, a device or a "
                                             "socket: name a file")))
        too_large = UserFileError(path, Msg(N_("larger than {size} MB"),
                                            size=limit // (1024 * 1024)))
        if info.st_size > limit:
            raise too_large
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, 1024 * 1024):
            total += len(chunk)
            if total > limit:  # grew while being read
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)
    except UserFileError:
        raise
    except OSError as exc:
        raise UserFileError(path, exc.strerror or type(exc).__name__) from None
    finally:
        os.close(fd)


def read_user_text(path: str | Path, *, limit: int = MAX_BYTES) -> str:
    """``read_user_file`` as UTF-8 text; text that is not UTF-8 is a ``UserFileError`` too."""
    try:
        return read_user_file(path, limit=limit).decode("utf-8")
    except UnicodeDecodeError:
        raise UserFileError(path, Msg(N_("not UTF-8 text"))) from None


def valid_ca_bundle(value: str) -> Msg | None:
    """A readable PEM file: caught in the form, not as an OSError deep in a TLS handshake."""
    path = os.path.expanduser(value)
    if not os.path.lexists(path):
        return Msg(N_("{path} does not exist: enter the path of the CA's certificate file "
                      "(PEM)."), path=value)
    try:
        # Bounded, regular files only: a FIFO here would hang the form's check.
        head = read_user_file(path, limit=CA_BUNDLE_BYTES)[:64 * 1024]
    except UserFileError as exc:
        return Msg(N_("{path} cannot be read ({reason})."), path=value, reason=exc.reason)
    if b"-----BEGIN CERTIFICATE-----" not in head:
        return Msg(N_("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----); convert "
                      "a .cer/.der file with: openssl x509 -inform der -in FILE -out ca.pem"),
                   path=value)
    return None
