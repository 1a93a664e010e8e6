"""What a person is doing survives ctrl+l: typed text, the cursor, what the screen said.

A language switch re-composes every screen and dialog (their texts are translated
when composed). What lives only in widgets is read from the old ones and put into
the new ones with the same id: each field's text and cursor (or selection), each
note's message (said again in the new language), and the focus — without the
select-all a focused Input does, which made the next key replace the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets.input import Selection

from wizard.core.model import Text
from wizard.ui.widgets.note import Note


@dataclass
class Kept:
    inputs: dict[str, tuple[str, Selection]] = field(default_factory=dict)
    notes: dict[str, Text] = field(default_factory=dict)
    focused: str | None = None


def keep(screen: Screen[Any], focused: Widget | None) -> Kept:
    kept = Kept(focused=focused.id if focused is not None and focused.screen is screen
                else None)
    for field_input in screen.query(Input):
        if field_input.id:
            kept.inputs[field_input.id] = (field_input.value, field_input.selection)
    for note in screen.query(Note):
        if note.id:
            kept.notes[note.id] = note.text
    return kept


def restore(screen: Screen[Any], kept: Kept) -> None:
    """Into the re-composed ``screen``: texts, notes, then the focus where it was."""
    for field_input in screen.query(Input):
        if field_input.id in kept.inputs:
            value, selection = kept.inputs[field_input.id]
            if field_input.value != value:
                field_input.value = value
            field_input.selection = selection
    for note in screen.query(Note):
        if note.id in kept.notes:
            note.show(kept.notes[note.id])
    if kept.focused:
        refocus(screen, kept.focused)


def refocus(screen: Screen[Any], widget_id: str) -> None:
    """Focus the widget with this id again, if it is still there and can take focus.

    An Input keeps its cursor or selection: focusing selects all of its text, so what
    was there is put back once the focus has arrived (the Input's own queue, in order).
    """
    for widget in screen.query(f"#{widget_id}"):
        if widget.focusable and widget.display:
            widget.focus()
            if isinstance(widget, Input):
                selection = widget.selection
                widget.app.call_later(widget.call_later, _select, widget, selection)
            return


def _select(field_input: Input, selection: Selection) -> None:
    field_input.selection = selection
