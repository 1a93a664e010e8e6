"""Scrub secrets from anything that leaves the process: logs, reports, output.

Secrets should not reach any of these at all — a report leaves the password out,
sentences name the account, never its password; this module is the safety net.
Two nets, and rules that keep them from doing harm:

* **Shapes** carry secrets whoever's they are, so they are masked without knowing
  any value: ``code=``/``access_token=`` … in URLs and forms, ``"access_token":
  "…"`` … in JSON, ``Authorization: Bearer …``, a URL's ``user:password@``, and
  NTLM, Negotiate (SPNEGO) and Kerberos messages — an NTLM challenge and response
  together are an offline-crackable hash of the password — wherever they stand.
* **Registered values** (a password when its field is left or a check starts —
  never each keystroke —, a value from the environment or the keyring, a token
  received) are masked where they stand as a token of their own: between spaces,
  quotes, brackets, ``=``, ``:``, ``&``, an escape's backslash …, never inside a
  longer word, address or host.
* **A guessable value is never masked** (fewer than 8 characters, or under 16 of
  one kind — letters only, digits only): masking it would not hide it, anyone can
  guess "demo", but point at it — ``svc-cronofy@***.example.com`` says the
  password; a room named after each guess says which one it is. It is kept out of
  output by not being written, not by masking.
* **Identifiers are never masked by value** (``scrub_data``): an account, a host,
  a room's name or address in a report or a ``--json`` object is not a secret.

State values, user codes, error codes and service-account ids (``ser_…``) are
never masked by shape.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] | None = None
MASK = "***"
# Shorter secrets, or shorter ones of a single kind of character, can be guessed:
# masking them only points at them (see the module's docstring).
MIN_LENGTH = 8
MIN_LENGTH_ONE_KIND = 16

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
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@\"'<>]*:)[^/\s@\"'<>]+(?=@)")
_B64 = r"[A-Za-z0-9+/]"
# An authentication message, base64: after its scheme's name (a WWW-Authenticate challenge,
# a header dump), or by its own first bytes — NTLMSSP\0 ("TlRMTVNTUA"), a GSS-API
# InitialContextToken (0x60, "YI…") or a SPNEGO NegTokenResp (0xa1, "oY…") — anywhere.
_AUTH_BLOB = re.compile(
    rf"(?i:\b(ntlm|negotiate|kerberos)\s+){_B64}{{16,}}={{0,2}}"
    rf"|(?<!{_B64})(?:TlRMTVNTUA{_B64}{{6,}}|(?:YI|oY)[GI]{_B64}{{20,}})={{0,2}}")
# What may stand beside a secret for it to be a token of its own (a backslash: a repr's
# or a JSON string's escape, ``'…\r\n'``).
_EDGE = r"\s\"'`=:,;()\[\]{}<>|&\\"
_BEFORE = rf"(?<![^{_EDGE}])"
_AFTER = rf"(?=$|[{_EDGE}]|[.!?](?:$|[{_EDGE}]))"


def guessable(value: str) -> bool:
    """Too short, or of one kind of character and not long: a guess finds it."""
    kinds = {"letter" if c.isalpha() else "digit" if c.isdigit() else "other" for c in value}
    return len(value) < MIN_LENGTH or (len(kinds) < 2 and len(value) < MIN_LENGTH_ONE_KIND)


def register(value: str | None) -> None:
    """Mask ``value`` from now on, if masking can hide it (``guessable``)."""
    global _ordered
    if not value or guessable(value):
        return
    with _lock:
        if value not in _secrets:
            _secrets.add(value)
            _ordered = None


def forget_all() -> None:
    """Forget every registered secret (tests: one test's secrets must not mask the next's)."""
    global _ordered
    with _lock:
        _secrets.clear()
        _ordered = None


def _longest_first() -> tuple[str, ...]:
    """Longest first: a secret that contains another is masked whole."""
    global _ordered
    with _lock:
        if _ordered is None:
            _ordered = tuple(sorted(_secrets, key=len, reverse=True))
        return _ordered


@functools.lru_cache(maxsize=256)
def _as_token(secret: str) -> re.Pattern[str]:
    return re.compile(f"{_BEFORE}{re.escape(secret)}{_AFTER}")


def scrub(text: str) -> str:
    """Free text (a log line, a sentence, a server's message): registered secrets and shapes."""
    for secret in _longest_first():  # a substring test first: thousands of codes stay cheap
        if secret in text:
            text = _as_token(secret).sub(MASK, text)
    return scrub_shapes(text)


def scrub_shapes(text: str) -> str:
    """Only what has the shape of a secret (an identifier's text: never masked by value)."""
    text = _URL_SECRETS.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _JSON_SECRETS.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{MASK}"
                  f"{m.group(4)}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)} {MASK}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _AUTH_BLOB.sub(lambda m: f"{m.group(1)} {MASK}" if m.group(1) else MASK, text)


# Fields whose values are identifiers (accounts, hosts, rooms, their addresses — anywhere
# below them) or ours (ids, codes, statuses): in a report or a --json object, they are
# never masked by value. Everything else is free text.
IDENTIFIER_KEYS = frozenset({
    "inputs", "rooms", "connection", "platform", "name", "key", "email", "account",
    "address", "host", "url", "domain", "building", "room", "room_list", "mailbox",
    "username", "admin_email", "tenant", "calendar", "resource_id", "service_account_id",
    "region", "provider", "path", "port", "roles", "id", "status", "code", "title",
    "created", "roomcal_version", "scenario",
})


def scrub_data(value: Any, *, identifier: bool = False) -> Any:
    """A JSON-like structure, string by string: identifiers by shape only, the rest as text."""
    if isinstance(value, str):
        return scrub_shapes(value) if identifier else scrub(value)
    if isinstance(value, Mapping):
        return {key: scrub_data(item, identifier=identifier or key in IDENTIFIER_KEYS)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_data(item, identifier=identifier) for item in value]
    return value


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
