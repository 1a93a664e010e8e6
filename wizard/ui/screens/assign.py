"""Assign room calendars to conference rooms: searchable, 5 000 rows, exportable."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.events import Resize
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, Static

from wizard.core import export, mapping
from wizard.core.errors import describe
from wizard.core.flow import Step
from wizard.core.i18n import N_, _, ngettext
from wizard.core.model import RoomMapping, render
from wizard.core.text import printable
from wizard.ui.screens.base import StepScreen
from wizard.ui.text import plain
from wizard.ui.widgets.steady_input import SteadyInput

FILTER_DELAY = 0.25
ROOM_COLUMN_MIN = 16  # room names are typed here: room for a few words
# Rows in the table at once: 5 000 took 100 ms to fill, a stall per search; 300 take
# under 10 ms, and nobody scrolls past 300 rows instead of typing a few letters.
MAX_ROWS = 300


def fit_columns(text_width: int, calendar: int, email: int) -> tuple[int, int, int]:
    """Widths of the calendar, email and room columns in ``text_width`` cells (padding
    excluded): calendar and email as wide as their longest entry when that leaves the room
    column its minimum, else the wider of the two gives way (its cells end in "…")."""
    budget = max(text_width - ROOM_COLUMN_MIN, 2)
    if calendar + email > budget:
        half = budget // 2
        if calendar <= half:
            email = budget - calendar
        elif email <= budget - half:
            calendar = budget - email
        else:
            calendar, email = half, budget - half
    return calendar, email, max(text_width - calendar - email, ROOM_COLUMN_MIN)


def cell(text: str, width: int) -> Content:
    """A table cell: the text, or as much as fits and an honest "…"."""
    return plain(text).truncate(width, ellipsis=True)


class AssignScreen(StepScreen):
    STEP = Step.ASSIGN
    BINDINGS = [
        Binding("ctrl+f", "focus_search", N_("Search"), id="assign.search"),
        Binding("ctrl+e", "export", N_("Export"), id="assign.export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._filter_timer: Timer | None = None
        self._widths = (26, 24, ROOM_COLUMN_MIN)  # calendar, email, room: set on mount

    def compose_body(self) -> ComposeResult:
        yield Static(plain(_("Which calendar belongs to which conference room? Select a "
                             "calendar, type the room's name, press Enter.")), classes="hint")
        yield SteadyInput(placeholder=_("Search room calendars…"), id="search", compact=True)
        table: DataTable[str] = DataTable(id="resources", cursor_type="row", zebra_stripes=True)
        yield table
        # The highlighted calendar in full: a cell may end in "…" at 80 columns.
        yield Static(plain(""), id="assign-current")
        with Horizontal(id="assign-row"):
            yield Static(plain(_("Conference room") + ": "), classes="field-label")
            yield SteadyInput(placeholder=_("e.g. Raum Alster"), id="room", compact=True)
        yield Static(plain(""), id="assign-status", classes="hint")

    def compose_actions(self) -> ComposeResult:
        yield Button(_("Export"), id="export", compact=True)
        yield Button(_("Authorize rooms"), id="authorize", compact=True)
        yield Button(_("Finish"), id="finish", variant="primary", compact=True)

    def after_mount(self) -> None:
        self._widths = self._column_widths()
        self._add_columns()
        if self.session.resources:
            self.fill_table("")
        else:
            self.query_one("#assign-status", Static).update(
                plain(_("Reading the room calendars from Cronofy…")))
            self.reload_worker()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload_worker(self) -> None:
        from wizard.ui.linking import failure_text, reload

        if error := failure_text(reload, self.wizard):
            self.app.call_from_thread(self._status, error)
            return
        self.app.call_from_thread(self.fill_table, "")

    def _status(self, text: str) -> None:
        self.query_one("#assign-status", Static).update(plain(text))

    # -- columns that fit the terminal -----------------------------------------------------
    def _column_widths(self) -> tuple[int, int, int]:
        table = self.query_one("#resources", DataTable)
        # The screen's width, not the table's: this runs before the first layout. Body
        # padding, the cells' padding and a vertical scrollbar (many rooms) come off.
        width = (self.size.width or self.app.size.width) - 2 - 6 - int(
            table.styles.scrollbar_size_vertical)
        names = [str(r.name) for r in self.session.resources]
        emails = [str(r.email) for r in self.session.resources]
        calendar = max(map(len, [_("Calendar"), *names]))
        email = max(map(len, [_("Email"), *emails]))
        return fit_columns(width, calendar, email)

    def _add_columns(self) -> None:
        table = self.query_one("#resources", DataTable)
        calendar, email, room = self._widths
        table.add_column(cell(_("Calendar"), calendar), key="calendar", width=calendar)
        table.add_column(cell(_("Email"), email), key="email", width=email)
        table.add_column(cell(_("Conference room"), room), key="room", width=room)

    def _fit_columns(self) -> None:
        """New widths when the terminal or the calendars changed (read back after a restart)."""
        if (widths := self._column_widths()) != self._widths:
            self._widths = widths
            self.query_one("#resources", DataTable).clear(columns=True)
            self._add_columns()

    def on_resize(self, event: Resize) -> None:
        # StepScreen's handler runs too (Textual calls each class's): only the table here.
        if not self.query("#resources") or self._column_widths() == self._widths:
            return
        table = self.query_one("#resources", DataTable)
        row = table.cursor_row
        self.fill_table(self.query_one("#search", Input).value)
        table.move_cursor(row=row)

    def _rooms(self) -> dict[str, RoomMapping]:
        return {m.resource_id: m for m in self.session.profile.mappings}

    def fill_table(self, query: str) -> None:
        self._fit_columns()
        table = self.query_one("#resources", DataTable)
        table.clear()
        rooms = self._rooms()
        needle = query.casefold()
        rows = []
        matching = 0
        for resource in self.session.resources:
            name, email = str(resource.name), str(resource.email)
            assigned = rooms.get(resource.id)
            room = assigned.room if assigned else ""
            if needle and needle not in f"{name} {email} {room}".casefold():
                continue
            matching += 1
            if len(rows) < MAX_ROWS:
                widths = self._widths
                rows.append(((cell(name, widths[0]), cell(email, widths[1]),
                              cell(room, widths[2])), resource.id))
        for cells, key in rows:
            table.add_row(*cells, key=key)
        total = len(self.session.resources)
        if matching > len(rows) and not needle:
            self._status(_("The first {shown} of {total} calendars are shown: type to search "
                           "({assigned} assigned).").format(
                shown=len(rows), total=total, assigned=len(rooms)))
            return
        if matching > len(rows):
            self._status(_("The first {shown} of {matching} matching calendars are shown: type "
                           "to narrow the search ({assigned} assigned).").format(
                shown=len(rows), matching=matching, assigned=len(rooms)))
            return
        self._status(_("{shown} of {total} calendars shown, {assigned} assigned.").format(
            shown=len(rows), total=total, assigned=len(rooms)))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self.fill_table(event.value))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        assigned = self._rooms().get(key or "")
        self.query_one("#room", Input).value = assigned.room if assigned else ""
        resource = next((r for r in self.session.resources if r.id == key), None)
        self.query_one("#assign-current", Static).update(
            plain(f"{resource.name} — {resource.email}" if resource else ""))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one("#room", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "room":
            return
        table = self.query_one("#resources", DataTable)
        if table.row_count == 0:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        resource = next((r for r in self.session.resources if r.id == row_key.value), None)
        if resource is None:
            return
        room = printable(event.value.strip())
        self.session.update(mappings=mapping.assign(
            self.session.profile.mappings, resource_id=resource.id,
            calendar=str(resource.name), email=str(resource.email), room=room))
        table.update_cell(row_key, "room", cell(room, self._widths[2]))
        if table.cursor_row + 1 < table.row_count:
            table.move_cursor(row=table.cursor_row + 1)
        table.focus()
        self._status(_("Saved: {calendar} → {room}").format(
            calendar=printable(str(resource.name)), room=room or "—"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        handlers = {
            "export": self.action_export,
            "authorize": self.authorize_worker,
            "finish": self.action_finish,
        }
        if event.button.id in handlers:
            event.stop()
            handlers[event.button.id]()
            return

    def action_export(self) -> None:
        """Ask where and in which format (full paths shown), then write: nothing unasked."""
        from wizard.ui.screens.export import ExportModal

        profile = self.session.profile
        modal = ExportModal(profile.mappings, export.default_path(profile.name))
        self.wizard.navigator.open(modal, self._exported, origin=self)

    def _exported(self, written: list[Path] | None) -> None:
        if written:
            self._status(_("Exported to {path}").format(
                path=", ".join(str(p) for p in written)))

    def focus_start(self) -> None:
        self.query_one("#resources", DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def authorize_worker(self) -> None:
        from wizard.ui.linking import authorize

        self.app.call_from_thread(self._status, _("Authorizing the assigned rooms…"))
        try:
            done = authorize(self.wizard)
        except Exception as exc:
            sentence, remedy = describe(exc)  # a UserFacingError keeps its own sentence
            self.app.call_from_thread(self._status, f"{render(sentence)} {render(remedy)}")
            return
        self.app.call_from_thread(self._status, ngettext(
            "{count} room authorized.", "{count} rooms authorized.", done).format(count=done))

    def action_finish(self) -> None:
        self.app.exit(0)

    def action_back(self) -> None:
        self.wizard.goto(Step.CONNECTED)
