"""What Pilot tests share: wizard apps against the sandbox, and a person's ways through them.

The walks (to the link page, to "connected", to the assignment) are the scenes' own
(scripts/scenes.py), so a test goes the way the screenshots and snapshots go.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scenes import after_reminder, click, link_screen, settle, signed_in
from scenes import assign as walk_to_assign
from scenes import connected as walk_to_connected
from textual.widgets import Static

from wizard.app import Setup
from wizard.core.flow import Step
from wizard.core.secrets import SecretStore
from wizard.core.settings import Settings
from wizard.sandbox import Sandbox
from wizard.ui.app import WizardApp

# Fixed ports make the URLs in the demo's forms repeatable, so snapshots are too.
SNAPSHOT_PORT_BASE = 47310


@contextmanager
def sandbox(scenario: str = "healthy", *, port_base: int = 0,
            services: tuple[str, ...] | None = None) -> Iterator[Sandbox]:
    box = Sandbox(scenario, port_base=port_base).start(services)
    try:
        yield box
    finally:
        box.stop()


def make_setup(
    box: Sandbox | None,
    *,
    profile: str = "test",
    provider: str | None = None,
    step: Step | None = None,
    secrets: SecretStore | None = None,
    settings: Settings | None = None,
) -> Setup:
    """A setup as `roomcal demo` makes one; ``secrets``: e.g. a keyring-backed store
    (the demo's own keeps secrets in memory); ``settings``: default, the test's
    environment (its tmp config dir), as roomcal reads it."""
    setup = Setup(profile, demo=box, secrets=secrets,
                  settings=settings or Settings.from_env())
    if provider is not None:
        setup.session.choose_provider(provider)
    if step is not None:
        setup.session.set_step(step)
    return setup


def make_app(
    box: Sandbox | None,
    *,
    profile: str = "test",
    language: str = "en",
    provider: str | None = None,
    step: Step | None = None,
    secrets: SecretStore | None = None,
    settings: Settings | None = None,
) -> WizardApp:
    setup = make_setup(box, profile=profile, provider=provider, step=step, secrets=secrets,
                       settings=settings)
    return WizardApp(setup, language=language)


# What a terminal sends for the keys a burst uses that are not characters themselves.
_KEY_CHARACTERS = {"enter": "\r", "tab": "\t", "space": " ", "escape": "\x1b"}


async def type_at_once(pilot: Any, *keys: str) -> None:
    """``keys`` as a terminal delivers them when they were typed quickly, or arrived in
    one packet over SSH: all queued at once, each handled after the one before — not with
    a pause between them for the app to settle, as Pilot.press gives them."""
    from textual import events

    for key in keys:
        pilot.app.post_message(events.Key(key, _KEY_CHARACTERS.get(
            key, key if len(key) == 1 else None)))
    await pilot.pause()
    await pilot.pause()


def shown_text(app: Any, selector: str) -> str:
    """What the Static ``selector`` on the current screen says, on one line ("" while it is
    hidden): a sentence wrapped by its own line breaks is still found whole."""
    widget = app.screen.query_one(selector, Static)
    return str(widget.render()).replace("\n", "") if widget.display else ""


__all__ = ["after_reminder", "click", "link_screen", "make_app", "make_setup", "sandbox",
           "settle", "shown_text", "signed_in", "type_at_once", "walk_to_assign",
           "walk_to_connected"]
