"""Start an app headless, exit as soon as its first screen is painted (run as a script).

    python benchmarks/first_paint.py minimal|wizard

Both apps are started and stopped the same way, so the difference between
them is what the wizard adds to start-up.
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

    return Minimal()


def wizard_app():  # -> App
    os.environ.setdefault("ROOMCAL_CONFIG_DIR", tempfile.mkdtemp(prefix="roomcal-bench-"))
    from wizard.ui.app import WizardApp

    return WizardApp(profile_name="bench", language="de")


async def _exit_after_first_paint(pilot) -> None:
    await pilot.pause()
    pilot.app.exit()


def main() -> None:
    app = minimal_app() if sys.argv[1] == "minimal" else wizard_app()
    app.run(headless=True, size=(80, 24), auto_pilot=_exit_after_first_paint)


if __name__ == "__main__":
    main()
