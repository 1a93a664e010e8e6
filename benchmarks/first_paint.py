"""Start an app headless, exit as soon as its first screen is painted (run as a script).

    python benchmarks/first_paint.py minimal|wizard

"Painted" is the same moment for both apps: the screen is mounted and one
refresh has gone through (``call_after_refresh``). Work the wizard does only
after that — placing the cursor, starting checks — is not counted, as the
user already sees the screen.
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
    from wizard.ui.app import WizardApp
    from wizard.ui.screens.base import StepScreen

    original = StepScreen.after_mount

    def after_mount(self: StepScreen) -> None:
        original(self)
        self.call_after_refresh(self.app.exit)

    StepScreen.after_mount = after_mount  # type: ignore[method-assign]
    return WizardApp(profile_name="bench", language="de")


def main() -> None:
    app = minimal_app() if sys.argv[1] == "minimal" else wizard_app()
    app.run(headless=True, size=(80, 24))


if __name__ == "__main__":
    main()
