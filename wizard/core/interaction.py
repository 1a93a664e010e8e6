"""How a blocking sign-in asks the person at the keyboard for help.

Checks and the Cronofy link run in worker threads. When they need the user
(open a URL in a browser somewhere, paste back the final redirect URL, type a
device code) they call ``Interaction.begin_sign_in``; the TUI shows a modal,
the CLI prints on stderr and reads stdin. Pasted URLs arrive on a queue that
the waiting code polls alongside its loopback server.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from typing import Protocol

from wizard.core.model import Text


@dataclass(frozen=True)
class SignInRequest:
    service: str  # "google", "microsoft365", "cronofy"
    url: str  # where the browser must go (authorize URL or device-code page)
    # Where the person signs in, as the sign-in's title says it: the requester's words
    # (a provider's package), so the screens name no provider.
    title: Text = ""
    message: Text = ""
    port: int | None = None  # loopback port: show `ssh -L PORT:127.0.0.1:PORT host`
    user_code: str = ""  # device-code flows
    accepts_paste: bool = True  # may the user paste the final redirect URL?
    expires_at: float | None = None
    qr: bool = False  # may be opened on a phone: show the URL as a QR code too


def ssh_hint(port: int) -> str:
    return f"ssh -L {port}:127.0.0.1:{port} <jump-host>"


class Interaction(Protocol):
    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        """Show the request; return the queue on which pasted redirect URLs arrive."""

    def end_sign_in(self) -> None:
        """The sign-in finished (or failed): close whatever was shown."""

    def notify(self, text: Text) -> None:
        """Tell the user something while the sign-in waits (e.g. a pasted URL was wrong)."""


class NoInteraction:
    """For non-interactive runs: a sign-in cannot be completed by anybody."""

    def __init__(self) -> None:
        self.requests: list[SignInRequest] = []
        self.notes: list[str] = []

    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        self.requests.append(request)
        return queue.Queue()

    def end_sign_in(self) -> None:
        pass

    def notify(self, text: Text) -> None:
        self.notes.append(str(text))
