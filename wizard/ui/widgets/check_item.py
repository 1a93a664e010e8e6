"""One prerequisite in the checklist: status, what was found, and the exact fix."""

from __future__ import annotations

from typing import cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Static

from wizard.core.i18n import N_, _
from wizard.core.model import CheckResult, CheckSpec, Status, render
from wizard.core.text import fill, one_line
from wizard.ui.focus import focus_now
from wizard.ui.text import plain, styled, translate_bindings
from wizard.ui.widgets.command_lines import CommandLines
from wizard.ui.widgets.toggle import Toggle

SYMBOLS = {
    Status.PENDING: "○",
    Status.CHECKING: "…",
    Status.PASS: "✓",
    Status.FAIL: "✗",
    Status.WARN: "!",
    Status.SKIP: "-",
    Status.MANUAL: "?",
}
STYLES = {
    Status.PASS: "bold green",
    Status.FAIL: "bold red",
    Status.WARN: "bold yellow",
    Status.MANUAL: "bold cyan",
}
MAX_ITEMS_SHOWN = 8


class CheckItem(Vertical, can_focus=True):
    BINDINGS = [
        Binding("enter", "toggle_details", N_("Details"), id="check.details"),
        Binding("c", "copy_command", N_("Copy fix"), id="check.copy"),
        # The arrows move between the checklist's rows (the cursor), not just the page:
        # Enter and c then act on the row in view.
        Binding("down", "move(1)", show=False, id="check.next"),
        Binding("up", "move(-1)", show=False, id="check.previous"),
    ]

    class ConfirmationChanged(Message):
        def __init__(self, check_id: str, confirmed: bool) -> None:
            super().__init__()
            self.check_id = check_id
            self.confirmed = confirmed

    def __init__(self, spec: CheckSpec, result: CheckResult | None, confirmed: bool, *,
                 every_item: bool = False) -> None:
        """``every_item``: list the items that passed too (a test booking's rooms)."""
        result = result or CheckResult(spec.id, Status.PENDING)
        # Styled once as it mounts: classes changed after mounting restyle every child.
        super().__init__(id=f"check-{spec.id}", classes=" ".join(
            name for name, on in _classes(result, every_item).items() if on))
        self.every_item = every_item
        translate_bindings(self)
        self.spec = spec
        self.result = result
        self.confirmed = confirmed
        self._parts_made: dict[str, Static] = {}  # each part's Static, once made
        self._command: CommandLines | None = None  # once the details are made

    def compose(self) -> ComposeResult:
        parts = self._parts()
        yield self._part("check-line", parts)
        # Its own widget, indented: a long (German) detail wraps under itself.
        yield self._part("check-detail", parts)
        if self.spec.confirmation is not None:
            yield Toggle(
                _(self.spec.confirmation.toggle_label),
                value=self.confirmed,
                id=f"confirm-{self.spec.id}",
                compact=True,
            )
            if self.spec.confirmation.hint:
                yield Static(plain(_(self.spec.confirmation.hint)), classes="hint")
        if self.has_class("-expanded"):
            yield self._details(parts)

    def _details(self, parts: dict[str, Content]) -> Vertical:
        """What an opened item shows below: the fix, its command, the rooms concerned.

        Made when the item first opens, not before: most items pass and stay closed, and a
        step-1 screen of closed items composed, styled and kept five hidden widgets each
        (60 of its 167 widgets; an eighth of the screen's CPU on a jump host)."""
        self._command = CommandLines(self.result.command, classes="check-command")
        return Vertical(
            self._part("check-remedy", parts),
            self._command,
            self._part("check-copy-hint", parts),
            self._part("check-items", parts),
            classes="check-details",
        )

    def _open_details(self, parts: dict[str, Content] | None = None) -> None:
        if self.has_class("-expanded") and self.is_mounted and self._command is None:
            self.mount(self._details(parts or self._parts()))

    def _parts(self) -> dict[str, Content]:
        """What each part's Static shows for the current result, by its class."""
        return {
            "check-line": self._line(),
            "check-detail": self._detail(),
            "check-remedy": self._remedy(),
            "check-copy-hint": self._copy_hint(),
            "check-items": self._items(),
        }

    def _part(self, name: str, parts: dict[str, Content]) -> Static:
        content = parts[name]
        part = self._parts_made[name] = Static(content, classes=name)
        part.display = bool(content.plain)
        return part

    def _line(self) -> Content:
        status = self.result.status
        return styled(
            (f"{SYMBOLS[status]} ", STYLES.get(status, "")),
            (_(self.spec.title), "bold"),
            (f"  [{status.label}]", STYLES.get(status, "dim")),
        )

    # Sentences with server text in them (room names): one line each, so a name cannot
    # add a line of its own to the checklist.
    def _detail(self) -> Content:
        return plain(one_line(render(self.result.detail)))

    def _remedy(self) -> Content:
        remedy = one_line(render(self.result.remedy))
        if self.result.status in (Status.PASS, Status.PENDING, Status.CHECKING) or not remedy:
            # Under a heading: the help page's sentence is often an instruction, which
            # under a passing check read as a to-do.
            if not self.spec.help:
                return plain("")
            return styled((_("What the help page asks:") + " ", "bold"), _(self.spec.help))
        return styled(("→ ", "bold"), remedy)

    def _copy_hint(self) -> Content:
        return plain(_("(c copies the fix)") if self.result.command else "")

    def _items(self) -> Content:
        problems = [i for i in self.result.items
                    if self.every_item or i.status in (Status.FAIL, Status.WARN)]
        if not problems:
            return plain("")
        # A room's name is the server's: one line each, or a name could forge a room's line.
        lines = [f"{SYMBOLS[i.status]} {one_line(i.name)}: {one_line(render(i.detail))}"
                 for i in problems[:MAX_ITEMS_SHOWN]]
        if len(problems) > MAX_ITEMS_SHOWN:
            lines.append(fill(_("… and {count} more"), count=len(problems) - MAX_ITEMS_SHOWN))
        return plain("\n".join(lines))

    def update_result(self, result: CheckResult) -> None:
        """Show ``result``: only what changed is restyled or laid out again — on a jump host
        each restyle or layout of the whole screen is a visible pause."""
        self.result = result
        # Failures open up to show their fix; classes work before the children exist.
        # One restyle of the item and its children, not one per class (a tenth of step 1's
        # CPU went to restyling the checklist while its results arrived).
        self.update_classes(_classes(result, self.every_item))
        parts = self._parts()
        self._open_details(parts)
        for name, content in parts.items():
            part = self._parts_made.get(name)
            if part is None:
                continue  # not made yet (closed details: made with the result then)
            shown = cast(Content, part.content)  # only _part and this loop set it
            if _same(shown, content):
                continue
            # A new layout of the whole screen costs several ms; with 8 check threads
            # holding the GIL in turn it stalled the event loop for ~50 ms per progress
            # repaint (5 000 rooms). A count that only changed its digits keeps its size.
            layout = not _only_digits_changed(shown.plain, content.plain)
            part.update(content, layout=layout)
            part.display = bool(content.plain)
        if self._command is not None:
            self._command.show(result.command)
        if self.has_focus:
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_command":
            # Offered (and shown in the footer) only when there is a fix to copy.
            return bool(self.result.command or render(self.result.remedy))
        return True

    def action_toggle_details(self) -> None:
        self.toggle_class("-expanded")
        self._open_details()

    def action_copy_command(self) -> None:
        text = self.result.command or render(self.result.remedy)
        if text:
            self.app.copy_to_clipboard(text)
            self.notify(_("Copied to the clipboard (if your terminal allows it)."))
        else:
            self.notify(_("\"{check}\" has no fix to copy.").format(check=_(self.spec.title)))

    def action_move(self, step: int) -> None:
        items = list(self.screen.query(CheckItem))
        index = items.index(self) + step
        if 0 <= index < len(items):
            focus_now(items[index])  # the next key (Enter: open it) goes to it
        elif step > 0:
            self.screen.focus_next()  # past the last row: on to what follows the list
        else:
            self.screen.focus_previous()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.confirmed = event.value
        self.post_message(self.ConfirmationChanged(self.spec.id, event.value))

    def show_confirmed(self, confirmed: bool) -> None:
        """Confirmed elsewhere (through the step's controller): the toggle says so, and
        says nothing back."""
        self.confirmed = confirmed
        for toggle in self.query(f"#confirm-{self.spec.id}").results(Checkbox):
            with toggle.prevent(Checkbox.Changed):
                toggle.value = confirmed


def _classes(result: CheckResult, every_item: bool) -> dict[str, bool]:
    """The item's classes for ``result``: failures open up to show their fix."""
    failing = result.status in (Status.FAIL, Status.WARN, Status.MANUAL)
    return {
        "-expanded": failing or (every_item and bool(result.items)),
        **{f"status-{status}": result.status.value == status
           for status in ("pass", "fail", "warn")},
    }


def _same(shown: Content, content: Content) -> bool:
    return shown.plain == content.plain and list(shown.spans) == list(content.spans)


def _only_digits_changed(before: str, after: str) -> bool:
    """Same text but for some digits ("25 of 5000" → "50 of 5000"): it wraps the same."""
    digits = "0123456789"
    return bool(before) and len(before) == len(after) and all(
        old == new or (old in digits and new in digits)
        for old, new in zip(before, after, strict=True))
