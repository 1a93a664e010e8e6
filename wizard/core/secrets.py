"""Secrets in the keyring, or in memory when the machine has no keyring.

Jump hosts rarely run a keyring daemon: keyring's ``fail`` backend then raises
``NoKeyringError`` on every call. We catch that once, say so in one sentence,
and keep secrets in this process's memory only. Secrets never go to files.
Every value stored here is also registered with ``wizard.core.redact`` so it
is scrubbed from logs and reports even if some code path tried to print it.
"""

from __future__ import annotations

import logging
import threading

from wizard.core import redact
from wizard.core.i18n import N_
from wizard.core.model import Msg

log = logging.getLogger(__name__)

SERVICE = "roomcal"


class SecretStore:
    def __init__(self, *, use_keyring: bool = True) -> None:
        self._memory: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._keyring_ok = use_keyring
        self._keyring_wanted = use_keyring
        self.warning: Msg | None = None
        if not use_keyring:
            self.warning = Msg(N_("Secrets are kept in memory for this session only."))

    @property
    def persistent(self) -> bool:
        return self._keyring_ok

    @property
    def keyring_missing(self) -> bool:
        """A keyring was wanted but this machine has none (the demo never wants one)."""
        return self._keyring_wanted and not self._keyring_ok

    def _keyring_call(self, name: str, *args: str) -> object:
        if not self._keyring_ok:
            return None
        try:
            import keyring
            from keyring.errors import KeyringError, NoKeyringError

            return getattr(keyring, name)(*args)
        except ModuleNotFoundError:
            self._disable()
        except NoKeyringError:
            self._disable()
        except KeyringError as exc:
            log.warning("keyring %s failed: %s", name, type(exc).__name__)
            if name != "delete_password":
                self._disable()
        except Exception as exc:
            log.warning("keyring %s failed: %s", name, type(exc).__name__)
            self._disable()
        return None

    def _disable(self) -> None:
        if self._keyring_ok:
            self._keyring_ok = False
            self.warning = Msg(
                N_(
                    "No keyring is available on this machine: secrets are kept in memory "
                    "for this session only and must be entered again next time."
                )
            )
            log.info("no keyring backend: secrets stay in memory")

    @staticmethod
    def _name(profile: str, key: str) -> str:
        return f"{profile}:{key}"

    def get(self, profile: str, key: str, *, secret: bool = True) -> str | None:
        """The stored value; ``secret=False`` for identifiers kept beside the secrets
        (a client id, a token's expiry): those must not be masked in output."""
        with self._lock:
            value = self._memory.get((profile, key))
        if value is None:
            stored = self._keyring_call("get_password", SERVICE, self._name(profile, key))
            value = stored if isinstance(stored, str) else None
            if value is not None:
                if secret:
                    redact.register(value)
                with self._lock:
                    self._memory[(profile, key)] = value
        return value

    def set(self, profile: str, key: str, value: str, *, secret: bool = True) -> None:
        if secret:
            redact.register(value)
        with self._lock:
            self._memory[(profile, key)] = value
        self._keyring_call("set_password", SERVICE, self._name(profile, key), value)

    def delete(self, profile: str, key: str) -> None:
        with self._lock:
            self._memory.pop((profile, key), None)
        self._keyring_call("delete_password", SERVICE, self._name(profile, key))
