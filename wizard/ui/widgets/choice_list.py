"""A one-of-n choice as a single light widget (radio buttons cost a widget each).

Shows ``●``/``○`` before each option; Enter or a click chooses. Start-up time
of the first screen is budgeted, and one OptionList renders far cheaper than
a RadioSet of RadioButtons.
"""

from __future__ import annotations

from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from wizard.ui.text import plain


class ChoiceList(OptionList):
    DEFAULT_CSS = """
    ChoiceList { height: auto; border: none; padding: 0; background: transparent; }
    ChoiceList:focus { border: none; }
    """

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
        super().__init__(*self._options(), id=id, compact=True)

    def _options(self) -> list[Option]:
        return [Option(plain(("● " if v == self.value else "○ ") + label), id=v)
                for v, label in self.choices]

    def on_mount(self) -> None:
        values = [v for v, _label in self.choices]
        self.highlighted = values.index(self.value) if self.value in values else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        value = event.option.id or ""
        self.value = value
        for index, (v, label) in enumerate(self.choices):
            self.replace_option_prompt_at_index(
                index, plain(("● " if v == value else "○ ") + label))
        self.post_message(self.Chosen(self, value))
