"""Building wizard apps for Pilot tests, against the sandbox (settle() is in scripts/scenes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
