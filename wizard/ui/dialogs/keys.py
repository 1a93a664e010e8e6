"""The keys list (``?`` / F1): every key of the screen underneath, in a modal that scrolls."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from wizard.core.i18n import N_, _
from wizard.ui.dialogs.modal import WizardModal
from wizard.ui.keys import key_sections
from wizard.ui.text import plain, styled


class KeysModal(WizardModal[None]):
    # Local styles: nothing else shows a table of keys.
    DEFAULT_CSS = """
    KeysModal { align: center middle; }
    KeysModal #keys-list { height: auto; max-height: 16; }
    KeysModal .keys-place { margin-top: 1; text-style: bold; }
    KeysModal .keys-row { height: auto; }
    KeysModal .keys-key { width: 18; }
    KeysModal .keys-text { width: 1fr; }
    KeysModal .keys-row.-disabled { text-style: dim; }
    KeysModal .keys-hint { margin-top: 1; }
    """
    AUTO_FOCUS = "#keys-list"  # arrows, pgup/pgdn, home/end scroll the list
    BINDINGS = [
        # F1 and ? close it too: the app's keys binding toggles (it has priority).
        Binding("escape", "close_keys", N_("Close"), id="keys.close"),
    ]

    def __init__(self, below: Screen[Any]) -> None:
        super().__init__()
        self.below = below

    def compose_dialog(self) -> ComposeResult:
        with Vertical(classes="modal"):
            yield Static(styled((_("Keys on this screen"), "bold")))
            with VerticalScroll(id="keys-list"):
                for section in key_sections(self.below):
                    yield Static(plain(section.title), classes="keys-place")
                    for row in section.rows:
                        with Horizontal(classes="keys-row" + ("" if row.enabled
                                                              else " -disabled")):
                            yield Static(plain(row.keys), classes="keys-key")
                            yield Static(plain(row.description), classes="keys-text")
            yield Static(plain(_("Escape, F1 or ? closes this list.")), classes="keys-hint")

    def action_close_keys(self) -> None:
        self.close()
