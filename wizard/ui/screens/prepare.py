"""Step 1: the provider's form and its live checklist."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Click
from textual.reactive import var
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, Static

from wizard.core.flow import Gate, Step, affected_checks, local_time
from wizard.core.i18n import N_, _
from wizard.core.model import TOGGLE_ON, CheckResult, Msg, Status, render
from wizard.core.room_display import ANSWER_WAIT, TEST_BOOKING
from wizard.ui.interaction import TuiInteraction
from wizard.ui.memory import full_collections_postponed
from wizard.ui.screens.base import StepScreen
from wizard.ui.text import plain, show
from wizard.ui.widgets.check_item import CheckItem
from wizard.ui.widgets.field_row import FieldRow
from wizard.ui.widgets.note import Note
from wizard.ui.widgets.row_button import RowButton
from wizard.ui.widgets.toggle import Toggle

RECHECK_DELAY = 1.0  # seconds after the last keystroke
# At most ten checklist repaints a second: results that arrive meanwhile (and the progress
# of a streaming check) are shown together, in one layout of the screen.
PROGRESS_INTERVAL = 0.1


class PrepareScreen(StepScreen):
    STEP = Step.PREPARE
    # The controller's gate as this screen shows it; the reason, "Continue anyway" and
    # Next follow it (watch_gate). always_update: a re-compose or another language shows
    # the same gate again, on the new widgets, in the new words.
    gate: var[Gate] = var(Gate(open=False), always_update=True, init=False)
    BINDINGS = [
        Binding("r", "recheck", N_("Re-check"), id="prepare.recheck"),
        # Hidden from the footer (no room at 80 columns): the demo hint names it when needed.
        # A priority key: in a field, where the cursor mostly is, Textual's Input takes
        # ctrl+d for "delete right" first. Outside the demo it is disabled (check_action),
        # and the field gets it as before.
        Binding("ctrl+d", "demo_values", N_("Demo values"), id="prepare.demo_values",
                show=False, priority=True),
        # A ctrl key: a letter would be typed into the form's fields, where the cursor
        # often is on this screen. Not in the footer: the button above it says the same,
        # and in German the footer would lose "Beenden" and the language key to it.
        Binding("ctrl+o", "handoff", N_("Hand to IT"), id="prepare.handoff", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._pending_keys: set[str] = set()
        self._timer: Timer | None = None
        self._cancel = threading.Event()
        self._progress: dict[str, CheckResult] = {}  # arrived, not shown yet
        # Secret fields being typed: kept here, not in the keyring, until committed
        # (ctrl+l re-composes the widgets; the draft must survive that).
        self._drafts: dict[str, str] = {}
        # The field Textual focused when the screen was composed, until the person clicks
        # or types: a run may still point away from that one, never from theirs.
        self._auto_focused: Widget | None = None
        # A test booking running: since when, and to which rooms (their names).
        self._booking: tuple[float, list[str]] | None = None

    def compose_body(self) -> ComposeResult:
        session = self.session
        plugin = session.plugin()
        yield Static(plain(_("Prepare {provider}").format(
            provider=_(self.setup.info().title))),
                     classes="section-title")
        if plugin.notice:
            yield Static(plain(_(plugin.notice)), classes="notice")
        hint = Static(plain(_("Demo: the form no longer holds the demo's values; ctrl+d puts "
                              "them back.")), id="demo-hint", classes="notice")
        hint.display = self.setup.differs_from_demo()
        yield hint
        values = self.setup.values()
        for field in plugin.fields:
            if field.secret:
                value = self._drafts.get(field.key, self.setup.secret(field.key))
            else:
                value = values.get(field.key, "")
            yield FieldRow(field, value)
        yield Static(plain(_("Checklist")), classes="section-title")
        note = self._stale_note()
        stale = Static(plain(note), id="stale-note", classes="notice")
        stale.display = bool(note)
        yield stale
        confirmations = set(session.profile.confirmations)
        for spec in plugin.checks:
            yield CheckItem(spec, session.results.get(spec.id), spec.id in confirmations,
                            every_item=spec.id == TEST_BOOKING)  # each room's answer
            if spec.id == TEST_BOOKING and self.setup.prepare.offers_test_booking():
                # Under its row, which shows how it goes (the bar has no room at 80 columns).
                yield RowButton(self._booking_label(), id="test-booking", compact=True)
        yield Static(plain(""), id="gate-reason", classes="hint")
        yield Toggle(_("Continue anyway (I will fix the remaining items later)"),
                     value=session.profile.continue_anyway, id="continue-anyway",
                     compact=True)
        # What the last hand-off wrote (ctrl+l carries it over: wizard.ui.carry).
        yield Note(id="prepare-status", classes="hint", collapse=True)

    def compose_actions(self) -> ComposeResult:
        yield Button(_("Hand to IT…"), id="handoff", compact=True)
        yield Button(_("Re-check"), id="recheck", compact=True)
        yield Button(_("Next"), id="next", variant="primary", compact=True)

    def after_mount(self) -> None:
        # Results are coalesced: the progress of long checks (one event per room, 5 000
        # rooms) repainted per event would stall the event loop, and each result shown on
        # its own cost a layout of the whole screen (most of step 1's CPU on a jump host).
        self.set_interval(PROGRESS_INTERVAL, self._flush_progress)
        self.update_gate()
        self._auto_focused = self.focused  # Textual's pick, made while composing

    def after_paint(self) -> None:
        if self.wizard.driven:
            return  # an unattended run checks through the controller; this screen shows it
        plugin = self.session.plugin()
        missing = [s.id for s in plugin.checks if s.id not in self.session.results]
        stale = self.setup.stale_inputs()
        if missing or (stale is None and self.session.results):
            self.start_checks(None)  # nothing recorded to compare with: all of them
        elif stale:
            self.start_checks(affected_checks(plugin, {key for key, _then in stale}))

    def _refresh_stale_note(self) -> None:
        for note in self.query("#stale-note").results(Static):
            text = self._stale_note()
            show(note, plain(text))
            note.display = bool(text)

    def _stale_note(self) -> str:
        """Results checked against other values than the form's are marked: when, against what."""
        if not self.session.results:
            return ""
        stale = self.setup.stale_inputs()
        if stale is None:
            return _("These results come from an earlier run whose values were not recorded: "
                     "checking again.")
        if not stale:
            return ""
        labels = {f.key: _(f.label) for f in self.session.plugin().fields}
        when, _then = self.session.last_checked() or ("", {})
        return _("These results were checked on {when} against other values ({values}): "
                 "checking again.").format(
            when=local_time(when),
            values="; ".join(f"{labels.get(key, key)}: {value}" for key, value in stale))

    def after_recompose(self) -> None:
        self.update_gate()  # checks keep running; their results land in the new widgets
        self.focus_start()

    def focus_start(self) -> None:
        for row in self.query(FieldRow):
            if row.field.required and not row.field.choices:
                field_input = row.query_one(Input)
                if not field_input.value:
                    field_input.focus()
                    return
        super().focus_start()

    # -- input --------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        self._field_changed(event.input.id, event.value)

    def on_click(self, event: Click) -> None:
        self._auto_focused = None  # wherever the cursor is now, the person put it there

    def on_input_blurred(self, event: Input.Blurred) -> None:
        self._commit_secret(event.input.id, event.value, recheck=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._commit_secret(event.input.id, event.value, recheck=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._field_changed(event.select.id, event.value)

    def _field_changed(self, widget_id: str | None, value: str) -> None:
        if not widget_id or not widget_id.startswith("field-"):
            return
        key = widget_id.removeprefix("field-")
        row = self.query_one(f"#row-{key}", FieldRow)
        # Inputs also report their initial value when mounted: only real edits count,
        # or every visit to this screen would re-check a second later.
        if row.field.secret:
            # A secret is committed once — when the person leaves the field or a check
            # starts — not per keystroke: every partial value went to the keyring and
            # was registered for redaction ("Sommer" then masked "Sommerhaus").
            if self.setup.secret(key) != value:
                self._auto_focused = None
                self._drafts[key] = value
            else:
                self._drafts.pop(key, None)
            row.show_problem(value)
            return
        if self.setup.values().get(key) != value:
            self._auto_focused = None
            self.setup.prepare.set_value(key, value)
            self._refresh_demo_hint()
        else:
            return
        if not row.show_problem(value):
            return
        self._pending_keys.add(key)
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(RECHECK_DELAY, self._recheck_changed)

    def _commit_secret(self, widget_id: str | None, value: str, *, recheck: bool) -> None:
        key = (widget_id or "").removeprefix("field-")
        if key not in self._drafts or self._drafts[key] != value:
            return
        del self._drafts[key]
        self.setup.commit_secret(key, value)
        self._refresh_demo_hint()
        rows = self.query(f"#row-{key}").results(FieldRow)
        row = next(iter(rows), None)
        if recheck and row is not None and row.show_problem(value):
            self._pending_keys.add(key)
            if self._timer is not None:
                self._timer.stop()
            self._timer = self.set_timer(RECHECK_DELAY, self._recheck_changed)

    def _commit_secrets(self) -> None:
        """Commit what is typed in secret fields (a check is about to use them)."""
        for key, value in list(self._drafts.items()):
            self._commit_secret(f"field-{key}", value, recheck=False)

    def _recheck_changed(self) -> None:
        keys, self._pending_keys = self._pending_keys, set()
        if affected := affected_checks(self.session.plugin(), keys):
            # The person is in the form: the checklist shows the outcome, the cursor stays.
            self.start_checks(affected, point=False)

    # -- checks -------------------------------------------------------------------------
    def action_recheck(self) -> None:
        if self._form_valid():
            self.start_checks(None)

    def _form_valid(self) -> bool:
        ok = True
        for row in self.query(FieldRow):
            if row.field.secret:
                value = self._drafts.get(row.field.key, self.setup.secret(row.field.key))
            else:
                value = self.setup.values().get(row.field.key, "")
            ok = row.show_problem(value) and ok
        return ok

    def start_checks(self, only: set[str] | None, *, point: bool = True) -> None:
        """Run the checks (``only``: these); ``point``: then focus the first problem — for
        runs a person asked for, never for those that follow typing or a tick."""
        if only is None:
            self._drop_pending_recheck()
        self._commit_secrets()
        if not self._form_valid():
            self.update_gate()
            return
        self._cancel.set()
        self._cancel = threading.Event()
        self.show_checks_started(only)
        self.run_checks_worker(only, point)

    def show_checks_started(self, only: set[str] | frozenset[str] | None) -> None:
        """A run (this screen's or one it follows) checks these (None: all): pending."""
        for item in self.query(CheckItem):
            if only is None or item.spec.id in only:
                self._progress.pop(item.spec.id, None)  # an earlier run's, not shown yet
                item.update_result(CheckResult(item.spec.id, Status.PENDING))

    @work(exclusive=True, group="checks", exit_on_error=False)
    async def run_checks_worker(self, only: set[str] | None, point: bool) -> None:
        cancel = self._cancel
        interaction = TuiInteraction(self.wizard, cancel_callback=cancel.set, origin=self)
        # A full collection during the run is a frozen frame; at its end, what the run
        # kept (the provider's libraries, the results) is frozen.
        with full_collections_postponed():
            async for result in self.setup.run_checks(interaction, only=only, cancel=cancel):
                if cancel.is_set() and not result.status.done:
                    continue
                self._progress[result.check_id] = result  # shown at the next repaint
            self._flush_progress()
            self.update_gate()
            self._refresh_stale_note()
        if point:
            self._point_at_first_problem()
        else:
            self._announce_problem(only)

    def _point_at_first_problem(self, *, force: bool = False) -> bool:
        """After a run, bring the first failed item (and its fix) into view and focus it.

        Not while the person is in a field (unless ``force``): the cursor stays in their
        input, whenever the run ends (the first one can end just after a click into it).
        """
        focused = self.app.focused
        if isinstance(focused, Input) and focused is not self._auto_focused and not force:
            return False
        # What holds step 1 open (flow's rule): an opt-in probe left off is no problem.
        open_ids = set(self.session.open_items())
        for item in self.query(CheckItem):
            if item.spec.id in open_ids and item.result.status in (
                    Status.FAIL, Status.MANUAL, Status.SKIP):
                item.focus(scroll_visible=False)
                # Its fix opens below it, and "Continue anyway" comes after the list: the
                # item's top goes to the top of the view (after the layout its new details
                # need; focus() would scroll it just barely in view instead).
                self.call_after_refresh(item.scroll_visible, top=True, animate=False)
                return True
        return False

    def _announce_problem(self, only: set[str] | None) -> None:
        """A run that followed typing: its first failure said in a toast, the focus left be
        (the item may be out of view below the form)."""
        for item in self.query(CheckItem):
            if (only is None or item.spec.id in only) and item.result.status == Status.FAIL:
                self.notify(f"{_(item.spec.title)}: {render(item.result.detail)}",
                            severity="warning", timeout=6, markup=False)
                return

    def show_result(self, result: CheckResult) -> bool:
        """A result of a run (this screen's or one it follows): shown, with the gate; the
        progress of a long check is coalesced (False: kept for the next repaint)."""
        if not result.status.done and result.items:
            self._progress[result.check_id] = result
            return False
        self._progress.pop(result.check_id, None)
        self._show(result)
        self.update_gate()  # also at a run's start: its checks are pending, not unmet
        return True

    def show_confirmed(self, check_id: str) -> None:
        """A check confirmed through the controller (an unattended run): its toggle ticked."""
        for item in self.query(f"#check-{check_id}").results(CheckItem):
            item.show_confirmed(check_id in self.session.profile.confirmations)

    def show_form_problems(self) -> bool:
        """Each field's problem under it; whether the form is valid."""
        return self._form_valid()

    def _show(self, result: CheckResult) -> None:
        try:
            item = self.query_one(f"#check-{result.check_id}", CheckItem)
        except Exception:  # the screen was left or recomposed meanwhile
            return
        item.update_result(result)

    def _flush_progress(self) -> None:
        pending, self._progress = self._progress, {}
        for result in pending.values():
            self._show(result)
        if any(result.status.done for result in pending.values()):
            self.update_gate()

    def on_check_item_confirmation_changed(self, event: CheckItem.ConfirmationChanged) -> None:
        self.setup.prepare.confirm(event.check_id, event.confirmed)
        self.start_checks({event.check_id}, point=False)  # the tick keeps the focus

    # -- gate ---------------------------------------------------------------------------
    def update_gate(self) -> None:
        """Show the controller's gate as it is now."""
        self.gate = self.setup.prepare.gate()

    def watch_gate(self, gate: Gate) -> None:
        try:
            reason = self.query_one("#gate-reason", Static)
            override = self.query_one("#continue-anyway", Checkbox)
            next_button = self.query_one("#next", Button)
        except Exception:
            return
        show(reason, plain(str(gate.reason) if gate.reason else ""))
        override.display = gate.needs_override or bool(gate.failures)
        next_button.disabled = not gate.open
        self.refresh_bindings()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if (event.checkbox.id or "").startswith("field-"):  # a toggle of the form
            self._field_changed(event.checkbox.id, TOGGLE_ON if event.value else "")
        elif event.checkbox.id == "continue-anyway":
            self.setup.prepare.continue_anyway(event.value)
            self.update_gate()

    @on(Button.Pressed, "#recheck")
    def _recheck_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_recheck()

    @on(Button.Pressed, "#handoff")
    def _handoff_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_handoff()

    # -- hand-off to IT -----------------------------------------------------------------
    def action_handoff(self) -> None:
        """Ask for the full path (and a report beside it), then write: nothing unasked."""
        from wizard.app.handoff import default_path
        from wizard.ui.dialogs.handoff import HandoffModal

        self._commit_secrets()
        modal = HandoffModal(default_path(self.setup.profile))
        self.wizard.navigator.open(modal, self._handed_off, origin=self)

    def _handed_off(self, written: list[Path] | None) -> None:
        if not written:
            return
        status = self.query_one("#prepare-status", Note)
        status.show(Msg(N_("Written: {paths}"), paths=", ".join(str(p) for p in written)))
        # After the layout that makes room for it: scrolling now would stop one line short.
        self.call_after_refresh(status.scroll_visible, animate=False)

    # -- the test booking (opt-in: it sends a meeting) --------------------------------
    @on(Button.Pressed, "#test-booking")
    def _test_booking_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self._booking is not None:  # while it runs, the button cancels it
            self._cancel.set()
            return
        from wizard.ui.dialogs.test_booking import BookingTestModal

        self._commit_secrets()
        prepare = self.setup.prepare
        modal = BookingTestModal(prepare.booking_sender(), prepare.booking_rooms())
        self.wizard.navigator.open(modal, self._test_booking_confirmed, origin=self)

    def _test_booking_confirmed(self, room: str | None) -> None:
        if room is None:  # cancelled: nothing is sent
            return
        self._drop_pending_recheck()
        self._commit_secrets()
        if not self._form_valid():
            self.update_gate()
            return
        self._cancel.set()
        self._cancel = threading.Event()
        names = [name for name, _email in self.setup.prepare.booking_targets(room)]
        self._booking = (time.monotonic(), names)
        self._booking_progress()
        self._show_booking_button()
        for item in self.query(f"#check-{TEST_BOOKING}").results(CheckItem):
            # The row shows how it goes; the cursor stays on the button that cancels it.
            self.call_after_refresh(item.scroll_visible, animate=False)
        self.run_booking_worker(room)

    @work(exclusive=True, group="checks", exit_on_error=False)
    async def run_booking_worker(self, room: str) -> None:
        cancel = self._cancel
        interaction = TuiInteraction(self.wizard, cancel_callback=cancel.set, origin=self)
        ticks = self.set_interval(1.0, self._booking_progress)
        try:
            with full_collections_postponed():
                async for result in self.setup.prepare.test_booking(interaction, room, cancel):
                    if result.check_id == TEST_BOOKING and not result.status.done:
                        continue  # the row says what it waits for (_booking_progress)
                    if cancel.is_set() and not result.status.done:
                        continue
                    if not result.status.done and result.items:
                        self._progress[result.check_id] = result
                        continue
                    self._progress.pop(result.check_id, None)
                    self._show(result)
                    self.update_gate()
                    await asyncio.sleep(0)
        finally:
            ticks.stop()
            self._booking = None
            self._show_booking_button()
        self.update_gate()
        for item in self.query(f"#check-{TEST_BOOKING}").results(CheckItem):
            # Each room's answer below it: the row to the top (once its lines are laid out).
            self.call_after_refresh(item.scroll_visible, top=True, animate=False)

    def _booking_progress(self) -> None:
        if self._booking is None:
            return
        started, names = self._booking
        self._show(CheckResult(TEST_BOOKING, Status.CHECKING, Msg(N_(
            "One meeting to {rooms}: waiting for the answers, {seconds} of at most {limit} s; "
            "then it is cancelled."), rooms=", ".join(names) if names else Msg(N_(
                "a sample of the rooms")), seconds=int(time.monotonic() - started),
            limit=int(ANSWER_WAIT))))

    def _booking_label(self) -> str:
        return _("Cancel test booking") if self._booking is not None else _("Test booking…")

    def _show_booking_button(self) -> None:
        for button in self.query("#test-booking").results(Button):
            button.label = self._booking_label()

    def _drop_pending_recheck(self) -> None:
        """A re-check waiting for typing to pause is covered by the run about to start (or
        belongs to a form about to be rebuilt)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._pending_keys.clear()

    def action_demo_values(self) -> None:
        """The demo's values back in the form (a wrong password typed, say), checked again."""
        self._drop_pending_recheck()
        self._drafts.clear()
        self.setup.forget_form()
        self.wizard.navigator.recompose(self)
        self.call_after_refresh(self.start_checks, None)

    def _refresh_demo_hint(self) -> None:
        for hint in self.query("#demo-hint"):
            hint.display = self.setup.differs_from_demo()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "demo_values":
            return self.wizard.demo  # the demo's own values exist only in the demo
        # ctrl+n always answers here: when step 1 blocks, it says why (instead of a dimmed
        # key that does nothing).
        if action == "next":
            return True
        return super().check_action(action, parameters)

    def action_next(self) -> None:
        self._commit_secrets()
        step = self.setup.prepare.done()
        if step is not None:
            self._cancel.set()
            self.wizard.goto(step)
            return
        self.update_gate()
        gate = self.gate
        self.notify(str(gate.reason or ""), severity="warning", markup=False)
        # Show what blocks: the first open item, and the way past it.
        if not self._point_at_first_problem(force=True) and gate.needs_override:
            self.query_one("#continue-anyway", Checkbox).focus()

    def action_back(self) -> None:
        self._commit_secrets()
        self._cancel.set()
        super().action_back()
