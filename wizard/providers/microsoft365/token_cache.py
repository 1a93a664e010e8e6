"""Sign in once: msal's token cache kept in the secret store (the keyring, else memory).

A re-check, or a second run within the refresh token's lifetime, takes the
cached account's token (``acquire_token_silent``: from the cache, or renewed with
the refresh token) instead of a new device code. Disconnecting and "Start over"
forget it (``CACHE_KEY`` is the plugin's remembered sign-in), and so does a
sign-in that turned out to be the wrong account.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from wizard.core import redact
from wizard.core.model import CheckContext

log = logging.getLogger(__name__)

CACHE_KEY = "microsoft365.token_cache"
_SECRET_SECTIONS = ("AccessToken", "RefreshToken", "IdToken")


class StoredTokenCache:
    """One profile's msal cache: loaded from the store, saved back when msal changed it."""

    def __init__(self, ctx: CheckContext) -> None:
        import msal

        self.store = ctx.shared.get("secret_store")
        self.profile = str(ctx.shared.get("profile", "default"))
        self.msal = msal.SerializableTokenCache()
        blob = self.store.get(self.profile, CACHE_KEY) if self.store is not None else None
        if blob:
            try:
                self.msal.deserialize(blob)
                _register_secrets(blob)
            except ValueError:  # damaged (or from an incompatible msal): sign in afresh
                log.info("the stored Microsoft 365 token cache is unreadable; dropped")
                self.forget()

    @property
    def warning(self) -> Any:
        """Why the sign-in will not outlive this session (a Msg): this machine has no
        keyring. None otherwise — also in the demo, which keeps everything in memory."""
        return self.store.warning if self.store is not None and self.store.keyring_missing \
            else None

    def save(self) -> None:
        if self.store is not None and self.msal.has_state_changed:
            blob = self.msal.serialize()
            _register_secrets(blob)
            self.store.set(self.profile, CACHE_KEY, blob)
            self.msal.has_state_changed = False

    def forget(self) -> None:
        forget(self.store, self.profile)


def forget(store: Any, profile: str) -> None:
    """Drop the stored sign-in: the next check asks for a device code."""
    if store is not None:
        store.delete(profile, CACHE_KEY)


def _register_secrets(blob: str) -> None:
    """Every token in the cache is scrubbed from logs and reports, not only the blob."""
    try:
        data = json.loads(blob)
    except ValueError:
        return
    for section in _SECRET_SECTIONS:
        for entry in (data.get(section) or {}).values():
            if isinstance(entry, dict):
                redact.register(entry.get("secret"))
