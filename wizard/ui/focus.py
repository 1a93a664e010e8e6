"""Moving the focus in answer to a key, before the next key is handled.

Textual's ``Widget.focus()`` moves the focus later: a callback queued behind whatever the
terminal has already delivered. Keys typed quickly after the one that moved it — or
arriving in one packet over SSH, as typed keys often do on a jump host — went to the
widget the focus was leaving: Enter closed the checklist row the cursor had just left.

The app holds a key behind such a callback (wizard.ui.typeahead); the checklist's arrows,
pressed many times a second, move the focus at once and need no hold.
"""

from __future__ import annotations

from textual.widget import Widget


def focus_now(widget: Widget, *, scroll_visible: bool = True) -> None:
    """Focus ``widget`` (on the current screen) at once: the next key already goes to it."""
    widget.screen.set_focus(widget, scroll_visible=scroll_visible)
