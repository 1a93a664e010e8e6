"""The log file: scrubbed, private (0600), rotated; the HTTP libraries quiet unless --verbose.

On a shared jump host the log sits in the admin's state directory for as long
as the machine lives: it must not be readable by the others logged in, must
not grow without bound, and must not hold what the client libraries log at
INFO — httpx writes every request URL with its query (OAuth ``state``, the
``login_hint`` e-mail). ``--verbose`` lets them in, scrubbed like the rest —
except the authentication libraries: what pyspnego logs at DEBUG is each NTLM
message itself (``NTLM step output: TlRMTVNTUAAD…``), and a challenge with its
response is an offline-crackable hash of the service account's password. They
stay at WARNING; the scrubber masks such messages anywhere else as well.

Core lists the network libraries it and the Cronofy client use; each provider
declares its own (``ProviderInfo.chatty_libraries``, ``authentication_libraries``),
collected through the registry.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from wizard.core import redact
from wizard.core.settings import LOG_NAME

MAX_BYTES = 1_000_000
BACKUPS = 3  # roomcal.log.1 … .3
# Libraries that log request lines, headers or wire details below WARNING.
CHATTY = ("httpx", "httpcore", "urllib3", "requests", "aiohttp", "asyncio")


def chatty() -> tuple[str, ...]:
    """Core's chatty libraries and every provider's."""
    from wizard import providers  # the registry: a provider's INFO, no client library

    return CHATTY + tuple(name for info in providers.providers()
                          for name in info.chatty_libraries)


def authentication() -> tuple[str, ...]:
    """Libraries whose DEBUG is the authentication exchange itself: never below WARNING."""
    from wizard import providers

    return tuple(name for info in providers.providers()
                 for name in info.authentication_libraries)


def path(directory: Path) -> Path:
    return directory / LOG_NAME


def _private_rotating_handler(target: Path) -> logging.Handler:
    """A rotating handler whose every file (the log, each new one after a rotation) is 0600.

    Defined when a log is opened, not when the module is imported: ``roomcal --help``
    shows the log's path, and logging.handlers (socket, pickle, queue) is not on its way.
    """
    from io import TextIOWrapper
    from logging.handlers import RotatingFileHandler

    class PrivateRotatingFileHandler(RotatingFileHandler):
        def _open(self) -> TextIOWrapper:
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(fd, 0o600)  # a log an older roomcal left at 0644 becomes private too
            return os.fdopen(fd, "a", encoding=self.encoding)

    return PrivateRotatingFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                      encoding="utf-8")


def setup(directory: Path, *, verbose: bool = False) -> Path | None:
    """Log to ``directory``/roomcal.log (never the terminal); its path, or None if unwritable."""
    root = logging.getLogger()
    for level_of in chatty():
        logging.getLogger(level_of).setLevel(logging.DEBUG if verbose else logging.WARNING)
    for level_of in authentication():
        logging.getLogger(level_of).setLevel(logging.WARNING)
    target: Path | None = path(directory)
    for old in [h for h in root.handlers if getattr(h, "roomcal", False)]:
        if getattr(old, "baseFilename", None) == str(target):
            root.setLevel(logging.DEBUG if verbose else logging.INFO)
            return target
        root.removeHandler(old)  # another state dir (a second run in one process)
        old.close()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = _private_rotating_handler(path(directory))
    except OSError:
        handler, target = logging.NullHandler(), None
    # Our mark on a stdlib handler (the loop above finds it): not an attribute typeshed knows.
    handler.roomcal = True  # type: ignore[attr-defined]
    handler.addFilter(redact.RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    return target
