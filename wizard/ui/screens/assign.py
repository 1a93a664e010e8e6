"""Assign room calendars to conference rooms: searchable, 5 000 rows, exportable."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text as RichText
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.events import Resize
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, Static

from wizard.core import export
from wizard.core.errors import describe
from wizard.core.flow import Step
from wizard.core.i18n import N_, _, ngettext
from wizard.core.model import Msg, RoomMapping, Text, render
from wizard.core.text import fill, printable
from wizard.ui.failures import failure_text
from wizard.ui.screens.base import StepScreen
from wizard.ui.text import plain
from wizard.ui.widgets.note import Note
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


def heading(text: str, width: int) -> RichText:
    """A column label, cut like a cell: DataTable takes a label as Rich Text (a str would
    be read as markup)."""
    return RichText(cell(text, width).plain)


class AssignScreen(StepScreen):
    STEP = Step.ASSIGN
    BINDINGS = [
        Binding("ctrl+f", "focus_search", N_("Search"), id="assign.search"),
        Binding("ctrl+e", "export", N_("Export"), id="assign.export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._filter_timer: Timer | None = None
        # Kept on the screen, not in its widgets: ctrl+l re-composes them.
        self._query = ""
        self._cursor_key: str | None = None
        self._written: list[Path] = []  # this visit's exports, named in the summary
        self._widths = (26, 24, ROOM_COLUMN_MIN)  # calendar, email, room: set on mount

    def compose_body(self) -> ComposeResult:
        yield Static(plain(_("Which calendar belongs to which conference room? Select a "
                             "calendar, type the room's name, press Enter.")), classes="hint")
        yield SteadyInput(self._query, placeholder=_("Search room calendars…"), id="search",
                          compact=True)
        table: DataTable[str] = DataTable(id="resources", cursor_type="row", zebra_stripes=True)
        yield table
        # The highlighted calendar in full: a cell may end in "…" at 80 columns.
        yield Static(plain(""), id="assign-current")
        with Horizontal(id="assign-row"):
            yield Static(plain(_("Conference room") + ": "), classes="field-label")
            # What to type, not an example: "z. B. Raum Alster" read as a value beside the
            # organisation's own "Raum Elbe".
            yield SteadyInput(placeholder=_("type the room's name"), id="room", compact=True)
        yield Note(id="assign-status", classes="hint")

    def compose_actions(self) -> ComposeResult:
        yield Button(_("Export"), id="export", compact=True)
        yield Button(_("Authorize rooms"), id="authorize", compact=True)
        yield Button(_("Finish"), id="finish", variant="primary", compact=True)

    def after_compose(self) -> None:
        self._widths = self._column_widths()
        self._add_columns()
        if self.session.resources:
            self.fill_table(self._query)

    def after_mount(self) -> None:
        if not self.session.resources:
            self._status(Msg(N_("Reading the room calendars from Cronofy…")))
            self.reload_worker()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload_worker(self) -> None:
        if error := failure_text(self.setup.reload):
            self.app.call_from_thread(self._status, error)
            return
        self.app.call_from_thread(self.fill_table, self._query)

    def _status(self, text: Text) -> None:
        self.query_one("#assign-status", Note).show(text)

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
        table.add_column(heading(_("Calendar"), calendar), key="calendar", width=calendar)
        table.add_column(heading(_("Email"), email), key="email", width=email)
        table.add_column(heading(_("Conference room"), room), key="room", width=room)

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
        problems = self._problems()
        needle = query.casefold()
        rows: list[tuple[tuple[Content, Content, Content], str]] = []  # (cells, key)
        matching = 0
        for resource in self.session.resources:
            name, email = str(resource.name), str(resource.email)
            assigned = rooms.get(resource.id)
            room = assigned.room if assigned else ""
            if needle and needle not in f"{name} {email} {room}".casefold():
                continue
            matching += 1
            if len(rows) < MAX_ROWS:
                # A room that failed in step 1 is marked: Cronofy may not read it.
                mark = "✗ " if email.lower() in problems else ""
                widths = self._widths
                rows.append(((cell(mark + name, widths[0]), cell(email, widths[1]),
                              cell(room, widths[2])), resource.id))
        for cells, key in rows:
            table.add_row(*cells, key=key)
        keys = [key for _cells, key in rows]
        if self._cursor_key in keys:  # the row the person was on, after a re-compose
            table.move_cursor(row=keys.index(self._cursor_key))
        total = len(self.session.resources)
        if matching > len(rows) and not needle:
            self._status(Msg(N_("The first {shown} of {total} calendars are shown: type to "
                                "search ({assigned} assigned)."),
                             shown=len(rows), total=total, assigned=len(rooms)))
            return
        if matching > len(rows):
            self._status(Msg(N_("The first {shown} of {matching} matching calendars are shown: "
                                "type to narrow the search ({assigned} assigned)."),
                             shown=len(rows), matching=matching, assigned=len(rooms)))
            return
        self._status(Msg(N_("{shown} of {total} calendars shown, {assigned} assigned."),
                         shown=len(rows), total=total, assigned=len(rooms)))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        self._query = event.value
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self.fill_table(event.value))

    def _problems(self) -> dict[str, tuple[str, Text]]:
        """Step 1's problems by room address — of the service step 1 checked only."""
        connection = self.session.profile.connection
        if connection is None or connection.provider != self.session.provider:
            return {}
        return dict(self.session.room_problems())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        self._cursor_key = key
        assigned = self._rooms().get(key or "")
        self.query_one("#room", Input).value = assigned.room if assigned else ""
        resource = next((r for r in self.session.resources if r.id == key), None)
        problem = self._problems().get(str(resource.email).lower()) if resource else None
        if problem is not None:
            self._status(Msg(N_("✗ Step 1: {what}. Cronofy may not be able to read this "
                                "calendar; its authorization may fail."), what=problem[1]))
        self.query_one("#assign-current", Static).update(
            plain(f"{resource.name} — {resource.email}" if resource else ""))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one("#room", Input).focus()

    def on_key(self, event: events.Key) -> None:
        # Down from the search goes into the list it filtered, as Enter does.
        if event.key == "down" and self.focused is self.query_one("#search", Input):
            event.stop()
            self._into_list()

    def _into_list(self) -> None:
        if self._filter_timer is not None:  # what was typed filters now, not in 0.25 s
            self._filter_timer.stop()
            self._filter_timer = None
            self.fill_table(self._query)
        self.query_one("#resources", DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self._into_list()
            return
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
        self.setup.assign.assign(resource, room)
        table.update_cell(row_key, "room", cell(room, self._widths[2]))
        if table.cursor_row + 1 < table.row_count:
            table.move_cursor(row=table.cursor_row + 1)
        table.focus()
        self._status(Msg(N_("Saved: {calendar} → {room}"), calendar=str(resource.name),
                         room=room or "—"))

    @on(Button.Pressed, "#export")
    def _export_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_export()

    @on(Button.Pressed, "#authorize")
    def _authorize_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.authorize_worker()

    @on(Button.Pressed, "#finish")
    def _finish_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_finish()

    def action_export(self) -> None:
        """Ask where and in which format (full paths shown), then write: nothing unasked."""
        from wizard.ui.dialogs.export import ExportModal

        profile = self.session.profile
        modal = ExportModal(profile.mappings, export.default_path(profile.name))
        self.wizard.navigator.open(modal, self._exported, origin=self)

    def _exported(self, written: list[Path] | None) -> None:
        if written:
            self._written = list(written)
            self._status(Msg(N_("Exported to {path}"),
                             path=", ".join(str(p) for p in written)))

    def focus_start(self) -> None:
        self.query_one("#resources", DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def authorize_worker(self) -> None:
        problems = self._problems()
        flagged = [m.calendar for m in self.session.profile.mappings
                   if m.email.lower() in problems]
        note = (" " + _("Step 1 found problems with: {rooms}.").format(rooms=", ".join(flagged))
                if flagged else "")
        self.app.call_from_thread(self._status, _("Authorizing the assigned rooms…") + note)
        try:
            done = self.setup.assign.authorize()
        except Exception as exc:
            sentence, remedy = describe(exc)  # a UserFacingError keeps its own sentence
            self.app.call_from_thread(self._status, f"{render(sentence)} {render(remedy)}")
            return
        verdicts = self.session.step1_verdicts() if problems is not None else {}
        failed = [self._failure(m, verdicts) for m in self.session.profile.mappings
                  if m.authorization == "failed"]
        total = len(self.session.profile.mappings)
        text = fill(ngettext("{done} of {total} assigned room authorized.",
                             "{done} of {total} assigned rooms authorized.", total),
            done=done, total=total)
        if failed:
            text += " " + _("Not authorized: {rooms}.").format(rooms=", ".join(failed))
        self.app.call_from_thread(self._status, text + note)

    def _failure(self, mapping: RoomMapping, verdicts: dict[str, str]) -> str:
        """A room Cronofy could not prove: its stable code and cause, beside step 1's
        verdict on the same room."""
        if not mapping.code:
            return mapping.calendar
        cause = render(self.setup.proof_cause(mapping.code))
        text = f"{mapping.calendar} ({mapping.code}: {cause}"
        if verdicts.get(mapping.email.lower()) == "pass":
            text += " " + _("roomcal could open it, Cronofy could not.")
        return text + ")"

    def action_finish(self) -> None:
        """Not straight out: a summary first — what was connected, where it is saved."""
        from wizard.ui.dialogs.summary import SummaryModal

        self.wizard.navigator.open(SummaryModal(self._written), self._finish_answered,
                                   origin=self)

    def _finish_answered(self, quit_now: bool | None) -> None:
        if quit_now:
            self.app.exit(0)

    def action_back(self) -> None:
        self.wizard.goto(Step.CONNECTED)
