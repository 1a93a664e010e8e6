"""Building wizard apps for Pilot tests, against the sandbox (settle() is in scripts/scenes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from wizard.core.flow import Step
from wizard.core.model import Provider
from wizard.core.session import Session
from wizard.sandbox import SERVICES, Sandbox
from wizard.ui.app import WizardApp

# Fixed ports make the URLs in the demo's forms repeatable, so snapshots are too.
SNAPSHOT_PORT_BASE = 47310


@contextmanager
def sandbox(scenario: str = "healthy", *, port_base: int = 0,
            services: tuple[str, ...] = SERVICES) -> Iterator[Sandbox]:
    box = Sandbox(scenario, port_base=port_base).start(services)
    try:
        yield box
    finally:
        box.stop()


def make_app(
    box: Sandbox | None,
    *,
    profile: str = "test",
    language: str = "en",
    provider: Provider | None = None,
    step: Step | None = None,
) -> WizardApp:
    session = Session(profile, sandbox=box)
    if provider is not None:
        session.choose_provider(provider)
    if step is not None:
        session.set_step(step)
    return WizardApp(language=language, session=session)
