"""An in-memory keyring backend, so tests never touch the machine's keyring."""

from __future__ import annotations

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.writes: list[tuple[str, str]] = []  # (service, username) of every set_password

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password
        self.writes.append((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)
