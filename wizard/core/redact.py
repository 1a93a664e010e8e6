"""Scrub secrets from anything that leaves the process: logs, reports, output.

Two nets. Secret values are registered when they are committed to the wizard
(a password when its field is left or a check starts — never each keystroke —
a value read from the environment or the keyring, a token received), and
``scrub`` replaces each with ``***``. Shapes that carry secrets are masked
even when nobody registered their value: ``code=``/``access_token=`` … in URLs
and forms, ``"access_token": "…"`` … in JSON, and ``Authorization: Bearer …``.

What is not a secret stays readable: state values, user codes, error codes,
service-account ids (``ser_…``) and room names are never masked by shape, and
a registered secret is the whole committed value, so a word that merely
begins like it (a room "Sommerhaus" beside the password "Sommer2024!") stays.
"""

from __future__ import annotations

import logging
import re
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "***"
# The shortest value worth registering: shorter ones would mask ordinary words.
MIN_LENGTH = 4

# Parameters that carry a secret in a URL or a form body (``…?code=…&state=…``).
_URL_KEYS = ("code", "access_token", "refresh_token", "id_token", "client_secret", "password",
             "assertion", "device_code", "code_verifier", "token")
# Keys whose values are secrets in JSON (and Python reprs). Not "code": Graph and
# Google put error codes there, which support needs to read.
_JSON_KEYS = ("access_token", "refresh_token", "id_token", "client_secret", "password",
              "assertion", "device_code", "code_verifier")

_URL_SECRETS = re.compile(rf"(?i)\b({'|'.join(_URL_KEYS)})=([^&\s\"'<>]+)")
_JSON_SECRETS = re.compile(
    rf"""(?i)(["'])({'|'.join(_JSON_KEYS)})\1(\s*:\s*)(["'])((?:\\.|(?!\4).)*)\4""")
_AUTH_HEADER = re.compile(
    r"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)"
    r"(bearer|basic|ntlm|negotiate|digest)\s+[^\s\"',;}]+")


def register(value: str | None) -> None:
    if value and len(value) >= MIN_LENGTH:
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
    text = _URL_SECRETS.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _JSON_SECRETS.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{MASK}"
                  f"{m.group(4)}", text)
    return _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)} {MASK}", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = scrub(message)
        record.args = None
        if record.exc_info:
            # Tracebacks go to the log file only, and scrubbed (no local variables).
            formatted = logging.Formatter().formatException(record.exc_info)
            record.msg = f"{record.msg}\n{scrub(formatted)}"
            record.exc_info = None
            record.exc_text = None
        return True
