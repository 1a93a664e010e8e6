"""Keys that work everywhere (language, colours, quit, the keys list): the app binds them,
dialogs forward those their footer shows.

Textual ends the key chain at a modal screen, so an app binding that is not a
priority one does nothing while a dialog is open — and a dialog's footer shows
only the dialog's own keys. Each dialog therefore forwards these to the app
with the *same* binding ids, so ``ROOMCAL_KEYMAP="app.language=f2"`` remaps
them in dialogs too.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from wizard.core.i18n import N_


def app_keys(*, forward: bool = False) -> list[BindingType]:  # as BINDINGS is typed
    """The app-wide bindings; ``forward``: as a dialog declares them (``app.`` actions)."""
    prefix = "app." if forward else ""
    return [
        # The description is replaced by the other language's name when shown
        # (wizard.ui.text.translate_bindings): "^l English" on a German screen.
        # A priority binding, so the keys typed after it wait for the re-composed screen
        # (wizard.ui.app) instead of reaching the widgets being replaced.
        Binding("ctrl+l", f"{prefix}switch_language", N_("Deutsch/English"),
                id="app.language", priority=not forward),
        Binding("ctrl+t", f"{prefix}cycle_theme", N_("Colours"), id="app.theme"),
        # A priority binding on the app works in dialogs already; the dialog's copy
        # is there to be shown in its footer.
        Binding("ctrl+q", f"{prefix}quit", N_("Quit"), id="app.quit", priority=not forward),
        # Every key of the screen (wizard.ui.keys). A priority binding: it works in dialogs
        # without forwarding. A field that takes "?" as text still gets it (Textual leaves
        # out keys the focused widget consumes); F1 works there.
        *([] if forward else [
            Binding("f1,question_mark", "toggle_keys", N_("Keys"), id="app.keys", show=False,
                    priority=True)]),
    ]
