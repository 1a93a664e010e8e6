"""Tokens at rest: AES-GCM under a key derived from ROOMCAL_RELAY_KEY (HKDF-SHA256), a
fresh nonce per record and the record's identity as associated data, so a sealed value
moved to another link's row does not open."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"


class SealError(Exception):
    """A sealed value does not open: another key, another row, or damage."""


class Sealer:
    def __init__(self, key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"roomcal-relay",
                       info=b"tokens at rest v1").derive(key.encode("utf-8"))
        self._aead = AESGCM(derived)

    def seal(self, value: dict[str, Any], context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, json.dumps(value).encode(), context.encode())
        return f"{VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, context: str) -> dict[str, Any]:
        version, _, body = sealed.partition(".")
        try:
            raw = base64.urlsafe_b64decode(body)
            if version != VERSION or len(raw) < 29:
                raise SealError
            value = json.loads(self._aead.decrypt(raw[:12], raw[12:], context.encode()))
        except (InvalidTag, ValueError) as exc:
            raise SealError from exc
        if not isinstance(value, dict):
            raise SealError
        return value


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored of a random, high-entropy secret (a state, an enrollment token)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
