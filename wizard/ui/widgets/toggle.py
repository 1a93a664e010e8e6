"""A checkbox for a whole sentence: its label wraps, and its state is a mark, not a colour."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.widgets import Checkbox

BUTTON_WIDTH = 4  # "▐X▌" and a space: wrapped lines start under the label, not the box
LABEL_PADDING = 2  # Textual pads the label with a space on each side


class Toggle(Checkbox):
    """Textual's Checkbox is one line: a terms label in German ran off an 80-column
    screen ("…die Nutzungsbedingungen und Dat"). And it shows ▐X▌ ticked or not,
    told apart by colour alone — lost under NO_COLOR, on a washed-out projector,
    in the terminal-colours theme. Here the label wraps under itself, and the box
    shows X when ticked and stays empty when not.
    """

    DEFAULT_CSS = """
    Toggle {
        width: 1fr;
        height: auto;
        text-wrap: wrap;
        text-overflow: fold;
    }
    """

    # Textual declares BUTTON_INNER a writable str attribute but only ever reads it; a
    # read-only property is the deliberate override (nothing assigns it).
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "

    def _label_lines(self, width: int) -> list[Content]:
        room = max(width - BUTTON_WIDTH - LABEL_PADDING + 1, 8)  # the box's space is a pad
        return self.label.wrap(room) if self.label else []

    def render(self) -> Content:
        button = self._button
        label_style = self.get_visual_style("toggle--label")
        lines = self._label_lines(self.content_size.width)
        if not lines:
            return button
        indent = " " * (BUTTON_WIDTH - 1)
        rows = [Content.assemble(button, lines[0].pad(1, 1).stylize_before(label_style))]
        rows += [Content.assemble(indent, line.pad(1, 1).stylize_before(label_style))
                 for line in lines[1:]]
        return Content("\n").join(rows)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self._label_lines(width)), 1)
