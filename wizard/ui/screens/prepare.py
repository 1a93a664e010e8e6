"""Step 1: the provider's form and its live checklist."""

from __future__ import annotations

import asyncio
import threading

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, Select, Static

from wizard.core.flow import Step
from wizard.core.i18n import N_, _
from wizard.core.model import CheckResult, Status
from wizard.core.runner import run_checks
from wizard.ui.interaction import TuiInteraction
from wizard.ui.memory import freeze_garbage_collector
from wizard.ui.screens.base import StepScreen
from wizard.ui.text import plain
from wizard.ui.widgets.check_item import CheckItem
from wizard.ui.widgets.field_row import FieldRow
from wizard.ui.widgets.toggle import Toggle

RECHECK_DELAY = 1.0  # seconds after the last keystroke
PROGRESS_INTERVAL = 0.1  # at most ten checklist repaints a second per streaming check


class PrepareScreen(StepScreen):
    STEP = Step.PREPARE
    BINDINGS = [
        Binding("r", "recheck", N_("Re-check"), id="prepare.recheck"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._pending_keys: set[str] = set()
        self._timer: Timer | None = None
        self._cancel = threading.Event()
        self._progress: dict[str, CheckResult] = {}
        # Secret fields being typed: kept here, not in the keyring, until committed
        # (ctrl+l re-composes the widgets; the draft must survive that).
        self._drafts: dict[str, str] = {}

    def compose_body(self) -> ComposeResult:
        session = self.session
        plugin = session.plugin()
        yield Static(plain(_("Prepare {provider}").format(provider=plugin.provider.title)),
                     classes="section-title")
        if plugin.notice:
            yield Static(plain(_(plugin.notice)), classes="notice")
        values = session.values()
        for field in plugin.fields:
            if field.secret:
                value = self._drafts.get(field.key, session.secret(field.key))
            else:
                value = values.get(field.key, "")
            yield FieldRow(field, value)
        yield Static(plain(_("Checklist")), classes="section-title")
        confirmations = set(session.profile.confirmations)
        for spec in plugin.checks:
            yield CheckItem(spec, session.results.get(spec.id), spec.id in confirmations)
        yield Static(plain(""), id="gate-reason", classes="hint")
        yield Toggle(_("Continue anyway (I will fix the remaining items later)"),
                     value=session.profile.continue_anyway, id="continue-anyway",
                     compact=True)

    def compose_actions(self) -> ComposeResult:
        yield Button(_("Re-check"), id="recheck", compact=True)
        yield Button(_("Next"), id="next", variant="primary", compact=True)

    def after_mount(self) -> None:
        # Progress of long checks (one event per room, 5 000 rooms) is coalesced:
        # repainting per event would stall the event loop.
        self.set_interval(PROGRESS_INTERVAL, self._flush_progress)
        self.update_gate()

    def after_paint(self) -> None:
        plugin = self.session.plugin()
        missing = [s.id for s in plugin.checks if s.id not in self.session.results]
        if missing:
            self.start_checks(None)

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
            if self.session.secret(key) != value:
                self._drafts[key] = value
            else:
                self._drafts.pop(key, None)
            row.show_problem(value)
            return
        if self.session.values().get(key) != value:
            self.session.set_value(key, value)
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
        self.session.set_secret(key, value)
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
        plugin = self.session.plugin()
        affected = {s.id for s in plugin.checks if set(s.inputs) & keys}
        # Everything downstream of a changed check must run again too.
        changed = True
        while changed:
            changed = False
            for spec in plugin.checks:
                if spec.id not in affected and set(spec.needs) & affected:
                    affected.add(spec.id)
                    changed = True
        if affected:
            self.start_checks(affected)

    # -- checks -------------------------------------------------------------------------
    def action_recheck(self) -> None:
        if self._form_valid():
            self.start_checks(None)

    def _form_valid(self) -> bool:
        ok = True
        for row in self.query(FieldRow):
            if row.field.secret:
                value = self._drafts.get(row.field.key, self.session.secret(row.field.key))
            else:
                value = self.session.values().get(row.field.key, "")
            ok = row.show_problem(value) and ok
        return ok

    def start_checks(self, only: set[str] | None) -> None:
        self._commit_secrets()
        if not self._form_valid():
            self.update_gate()
            return
        self._cancel.set()
        self._cancel = threading.Event()
        for item in self.query(CheckItem):
            if only is None or item.spec.id in only:
                item.update_result(CheckResult(item.spec.id, Status.PENDING))
        self.run_checks_worker(only)

    @work(exclusive=True, group="checks", exit_on_error=False)
    async def run_checks_worker(self, only: set[str] | None) -> None:
        session = self.session
        plugin = session.plugin()
        cancel = self._cancel
        interaction = TuiInteraction(self.wizard, cancel_callback=cancel.set, origin=self)
        ctx = session.context(interaction)
        ctx.cancel = cancel
        async for result in run_checks(plugin.checks, ctx, only=only,
                                       previous=session.results):
            if cancel.is_set() and not result.status.done:
                continue
            # One save after the run, not one per check: with 5 000 rooms each save
            # serialised ~1 MB while results were streaming in.
            session.record(result, persist=not result.items)
            if not result.status.done and result.items:
                self._progress[result.check_id] = result
                continue
            self._progress.pop(result.check_id, None)
            self._show(result)
            if result.status.done:
                self.update_gate()
            # Results can arrive in a burst; without this the whole burst runs as one
            # step of the event loop and the screen freezes for its length.
            await asyncio.sleep(0)
        session.persist_results()
        self.update_gate()
        freeze_garbage_collector()  # the provider's libraries are loaded by now
        self._point_at_first_problem()

    def _point_at_first_problem(self) -> None:
        """After a run, bring the first failed item (and its fix) into view.

        Not while the user is typing: the cursor stays in their input.
        """
        if isinstance(self.app.focused, Input):
            return
        for item in self.query(CheckItem):
            if item.result.status in (Status.FAIL, Status.MANUAL):
                item.focus()
                return

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

    def on_check_item_confirmation_changed(self, event: CheckItem.ConfirmationChanged) -> None:
        self.session.set_confirmation(event.check_id, event.confirmed)
        self.start_checks({event.check_id})

    # -- gate ---------------------------------------------------------------------------
    def update_gate(self) -> None:
        gate = self.session.gate()
        try:
            reason = self.query_one("#gate-reason", Static)
            override = self.query_one("#continue-anyway", Checkbox)
            next_button = self.query_one("#next", Button)
        except Exception:
            return
        reason.update(plain(str(gate.reason) if gate.reason else ""))
        override.display = gate.needs_override or bool(gate.failures)
        next_button.disabled = not gate.open
        self.refresh_bindings()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "continue-anyway":
            self.session.update(continue_anyway=event.value)
            self.update_gate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "recheck":
            event.stop()
            self.action_recheck()
            return

    def action_next(self) -> None:
        self._commit_secrets()
        if self.session.gate().open:
            self._cancel.set()
            self.wizard.goto(Step.CONNECT)
        else:
            self.update_gate()
            self.notify(str(self.session.gate().reason or ""), severity="warning",
                        markup=False)

    def action_back(self) -> None:
        self._commit_secrets()
        self._cancel.set()
        super().action_back()
