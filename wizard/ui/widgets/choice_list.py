"""A one-of-n choice as one small widget: ``●``/``○`` lines, arrows move, Enter chooses.

RadioSet/OptionList would do, but the first screen's paint time is budgeted
(≤ 1.15× a minimal app) and each of them costs ~50 ms of start-up for its
styles and machinery; this is a Static that renders its own lines.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from wizard.core.i18n import N_
from wizard.core.text import printable
from wizard.ui.text import translate_bindings


class ChoiceList(Static, can_focus=True):
    DEFAULT_CSS = """
    ChoiceList { height: auto; width: 1fr; }
    """
    BINDINGS = [
        Binding("up", "move(-1)", N_("Previous choice"), show=False, id="choice.previous"),
        Binding("down", "move(1)", N_("Next choice"), show=False, id="choice.next"),
        Binding("enter,space", "choose", N_("Choose"), id="choice.choose"),
    ]

    cursor = reactive(0)

    class Chosen(Message):
        def __init__(self, choice_list: ChoiceList, value: str) -> None:
            super().__init__()
            self.choice_list = choice_list
            self.value = value

        @property
        def control(self) -> ChoiceList:
            return self.choice_list

    def __init__(self, choices: list[tuple[str, str]], value: str | None, *, id: str) -> None:
        self.choices = choices  # (value, label)
        self.value = value
        values = [v for v, _label in choices]
        super().__init__(id=id)
        translate_bindings(self)
        self.set_reactive(ChoiceList.cursor, values.index(value) if value in values else 0)

    def render(self) -> Content:
        lines = []
        for index, (value, label) in enumerate(self.choices):
            mark = "● " if value == self.value else "○ "
            style = "reverse" if (index == self.cursor and self.has_focus) else (
                "bold" if value == self.value else "")
            lines.append(Content.styled(mark + printable(label), style))
        return Content("\n").join(lines)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.choices)

    def action_choose(self) -> None:
        value = self.choices[self.cursor][0]
        self.value = value
        self.refresh()
        self.post_message(self.Chosen(self, value))

    def on_click(self, event: events.Click) -> None:
        if 0 <= event.y < len(self.choices):
            self.cursor = event.y
            self.action_choose()
