"""Scrub secrets from anything that leaves the process: logs, reports, output.

Secret values are registered when they enter the wizard (typed, read from the
environment or the keyring, received as tokens). ``scrub`` replaces each with
``***``; ``RedactingFilter`` applies it to every log record.
"""

from __future__ import annotations

import logging
import re
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "***"
# Tokens/codes that travel in URLs even when nobody registered them.
_URL_SECRETS = re.compile(
    r"(?i)\b(code|access_token|refresh_token|id_token|client_secret|password|assertion)"
    r"=([^&\s\"']+)"
)


def register(value: str | None) -> None:
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def forget_all() -> None:
    """Forget every registered secret (tests: one test's secrets must not mask the next's)."""
    with _lock:
        _secrets.clear()


def scrub(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return _URL_SECRETS.sub(lambda m: f"{m.group(1)}={MASK}", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = scrub(message)
        record.args = None
        if record.exc_info:
            # Tracebacks go to the log file only, and scrubbed.
            formatted = logging.Formatter().formatException(record.exc_info)
            record.msg = f"{record.msg}\n{scrub(formatted)}"
            record.exc_info = None
            record.exc_text = None
        return True
