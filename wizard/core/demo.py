"""What a demo environment offers the wizard — the interface the sandbox plugs into.

Production code never imports the sandbox (an import-linter contract says so):
``roomcal demo`` (and the tests) build one and inject it at start, and the
wizard asks it for its endpoints, the values that pre-fill the forms, the
demo's own secrets (a password, OAuth clients) and a "browser" that completes
a sign-in the way a person would. Without one, the wizard talks to the real
services with the person's own values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from wizard.core.endpoints import Endpoints
    from wizard.core.interaction import SignInRequest


class DemoEnvironment(Protocol):
    @property
    def endpoints(self) -> Endpoints:
        """Every base URL and the CA bundle (waits until the demo's servers run)."""
        ...

    def begin(self) -> None:
        """Start what is slow (servers, keys) — called once the first screen is painted;
        whatever needs it first waits for it."""
        ...

    def describe(self, lang: str) -> str:
        """One sentence on what this demo plays (shown on the welcome screen)."""
        ...

    def values(self, provider: str) -> dict[str, str]:
        """The values that pre-fill a provider's form."""
        ...

    def secrets(self, service: str) -> dict[str, str]:
        """The demo's own secrets for a provider or for ``cronofy`` (never a real one)."""
        ...

    def relay(self) -> tuple[str, str]:
        """The demo's roomcal relay (step 2): its address and an enrollment token."""
        ...

    def confirmations(self, provider: str) -> frozenset[str]:
        """The checks a person in this demo's world would confirm (its Marketplace app is
        installed unless the scenario says otherwise): a scripted check of a healthy
        scenario ends healthy."""
        ...

    def approve(self, request: SignInRequest) -> None:
        """Do in the demo what a person would do in a browser with this sign-in."""
        ...

    def stop(self) -> None: ...
