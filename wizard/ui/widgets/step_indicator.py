"""Where am I: the five steps, the current one named, the ones behind it ticked when done."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from wizard.core.flow import ORDER, Step
from wizard.ui.text import styled


class StepIndicator(Static):
    def __init__(self, step: Step, unfinished: frozenset[Step] = frozenset()) -> None:
        """``unfinished``: steps behind this one that were left with open items (step 1
        passed with "continue anyway"): marked "!", never ticked."""
        super().__init__(id="steps")
        self.step = step
        self.unfinished = unfinished

    def on_mount(self) -> None:
        self.update(self.render_steps())

    def render_steps(self) -> Content:
        parts: list[tuple[str, str] | str] = []
        current = ORDER.index(self.step)
        for index, step in enumerate(ORDER):
            if index < current and step in self.unfinished:
                parts.append((f"!{index + 1}", "bold"))
            elif index < current:
                parts.append((f"✓{index + 1}", "dim"))
            elif index == current:
                parts.append((f"[{index + 1}] {step.heading}", "bold reverse"))
            else:
                parts.append((f"{index + 1}", "dim"))
            if index < len(ORDER) - 1:
                parts.append(" › ")
        return styled(*parts)
