"""Start an app headless, exit as soon as its first screen is painted (run as a script).

    python benchmarks/first_paint.py minimal|wizard|demo

"Painted" is the same moment for every app: the screen is mounted and one
refresh has gone through (``call_after_refresh``). Work the wizard does only
after that — placing the cursor, starting checks — is not counted, as the
user already sees the screen. ``demo`` is ``roomcal demo --lang de`` through
the real entry point (``wizard.cli.main``), sandbox included: whatever the
command does before its first paint is counted.
"""

from __future__ import annotations

import os
import sys
import tempfile


def minimal_app():  # -> App
    from textual.app import App, ComposeResult
    from textual.widgets import Checkbox, Footer, Header, Static

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello")
            yield Checkbox("Accept")
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    return Minimal()


def wizard_app():  # -> App
    os.environ.setdefault("ROOMCAL_CONFIG_DIR", tempfile.mkdtemp(prefix="roomcal-bench-"))
    from wizard.app import Setup
    from wizard.core.settings import Settings
    from wizard.ui.app import WizardApp

    _exit_after_first_paint()
    # As `roomcal` does: the settings read once from the environment, passed down.
    return WizardApp(Setup("bench", settings=Settings.from_env()), language="de")


def _exit_after_first_paint() -> None:
    from wizard.ui.screens.base import StepScreen

    original = StepScreen.after_mount

    def after_mount(self: StepScreen) -> None:
        original(self)
        self.call_after_refresh(self.app.exit)

    StepScreen.after_mount = after_mount  # type: ignore[method-assign]


def run_demo() -> int:
    """``roomcal demo --lang de``, headless at 80×24, until its first paint."""
    for name in ("ROOMCAL_CONFIG_DIR", "ROOMCAL_STATE_DIR"):
        os.environ.setdefault(name, tempfile.mkdtemp(prefix="roomcal-bench-"))
    from textual.app import App

    _exit_after_first_paint()
    original_run = App.run

    def run_headless(self: App, *args: object, **kwargs: object) -> object:
        kwargs.setdefault("headless", True)
        kwargs.setdefault("size", (80, 24))
        return original_run(self, *args, **kwargs)  # type: ignore[arg-type]

    App.run = run_headless  # type: ignore[method-assign]
    from wizard.cli import run

    # The console script's own way out (wizard.cli.run), exit included.
    sys.argv = ["roomcal", "demo", "--lang", "de"]
    run()
    return 0


def main() -> None:
    if sys.argv[1] == "demo":
        raise SystemExit(run_demo())
    app = minimal_app() if sys.argv[1] == "minimal" else wizard_app()
    app.run(headless=True, size=(80, 24))


if __name__ == "__main__":
    main()
