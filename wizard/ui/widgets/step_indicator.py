"""Where am I: the five steps, the current one named."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from wizard.core.flow import ORDER, Step
from wizard.ui.text import styled


class StepIndicator(Static):
    def __init__(self, step: Step) -> None:
        super().__init__(id="steps")
        self.step = step

    def on_mount(self) -> None:
        self.update(self.render_steps())

    def render_steps(self) -> Content:
        parts: list[tuple[str, str] | str] = []
        current = ORDER.index(self.step)
        for index, step in enumerate(ORDER):
            if index < current:
                parts.append((f"✓{index + 1}", "dim"))
            elif index == current:
                parts.append((f"[{index + 1}] {step.heading}", "bold reverse"))
            else:
                parts.append((f"{index + 1}", "dim"))
            if index < len(ORDER) - 1:
                parts.append(" › ")
        return styled(*parts)
