"""What a provider's world answers when the sandbox's Cronofy links it: one world per scenario.

The real Cronofy signs in to the calendar service itself — EWS with the service
account, Microsoft's admin consent, Google's administrator sign-in — and reads the
rooms from there, so what step 1 meets in a scenario, Cronofy meets too: no consent
without an administrator who may give it, no EWS sign-in with a rejected password, no
Google resources without the Marketplace app. A provider's sandbox service says so on
its ``ServiceHandle.enterprise_connect`` (reading its own scenario state); the sandbox's
Cronofy asks it in the same process and knows no provider itself. A service that
offers none (or is not running) is linked as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from wizard.sandbox.rooms import Room


@dataclass(frozen=True)
class Refusal:
    """Cronofy's sign-in to the service fails: the redirect carries ``error`` (RFC 6749
    4.1.2.1) and ``error_description``, the service's reason as Cronofy passes it on."""

    error: str
    description: str


class EnterpriseConnect(Protocol):
    def sign_in(self) -> Refusal | None:
        """None when Cronofy's sign-in to the service succeeds in this world."""

    def account(self) -> str:
        """Who Cronofy signed in as (its userinfo's ``email``)."""

    def resources(self, rooms: list[Room]) -> list[Room]:
        """The rooms whose calendars Cronofy lists."""

    def readable(self, email: str) -> bool:
        """A per-room authorization of this room succeeds."""
