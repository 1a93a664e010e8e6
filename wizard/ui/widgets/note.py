"""A line that says what happened (an error, what was written), kept untranslated.

The screen that shows it re-composes on ctrl+l; the note's message travels to the
new widget (wizard.ui.carry) and is said again in the other language.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from wizard.core.model import Text, render
from wizard.ui.text import plain


class Note(Static):
    def __init__(self, text: Text = "", *, collapse: bool = False, **kwargs: Any) -> None:
        """``collapse``: no empty line while there is nothing to say."""
        super().__init__(plain(text), **kwargs)
        self.collapse = collapse
        self.text: Text = text
        if collapse:
            self.display = bool(render(text))

    def show(self, text: Text) -> None:
        self.text = text
        self.update(plain(text))
        if self.collapse:
            self.display = bool(render(text))
