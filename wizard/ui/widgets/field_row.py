"""One labelled input of a provider's form; validation shown right below it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Select, Static

from wizard.core.i18n import _
from wizard.core.model import TOGGLE_ON, Field, render
from wizard.ui.text import plain, show
from wizard.ui.widgets.steady_input import SteadyInput
from wizard.ui.widgets.toggle import Toggle


class FieldRow(Vertical):
    DEFAULT_CSS = "FieldRow { height: auto; }"

    def __init__(self, field: Field, value: str) -> None:
        super().__init__(id=f"row-{field.key}")
        self.field = field
        self.value = value

    def compose(self) -> ComposeResult:
        field = self.field
        if field.kind == "toggle":  # the sentence is the label: no column of its own
            yield Toggle(plain(_(field.label)), value=self.value == TOGGLE_ON,
                         id=f"field-{field.key}", compact=True)
            return
        label = _(field.label) + ("" if field.required else " " + _("(optional)"))
        with Horizontal(classes="field-row"):
            yield Static(plain(label), classes="field-label")
            if field.choices:
                yield Select(
                    [(_(text), value) for value, text in field.choices],
                    value=self.value or field.choices[0][0],
                    allow_blank=False,
                    id=f"field-{field.key}",
                    compact=True,
                )
            else:
                yield SteadyInput(
                    value=self.value,
                    placeholder=field.placeholder,
                    password=field.secret,
                    id=f"field-{field.key}",
                    compact=True,
                )
        problem = self.problem(self.value)
        error = Static(plain(problem or ""), classes="field-error")
        error.display = bool(problem)
        yield error

    def problem(self, value: str) -> str | None:
        problem = self.field.problem(value)
        return render(problem) if problem is not None else None

    def show_problem(self, value: str) -> bool:
        """Whether ``value`` is acceptable, and its problem shown under the field. A row
        not composed (yet, or any more: a debounced re-check can fire while ctrl+l
        re-composes the screen, or as the app closes) has nothing to show it in; compose
        shows the problem of its own value."""
        problem = self.problem(value)
        for error in self.query(".field-error").results(Static):
            show(error, plain(problem or ""))
            error.display = bool(problem)
        return problem is None
