"""Unattended runs: an answers file with ``unattended = true``, played by the steps' controllers.

``apply`` (wizard.app.answers) has filled the forms through each controller's
``run_answers()``; this goes on from there as a person would, through the same controller
calls the screens make: step 1's checks (``setup.run_checks``), the confirmations the file
gives (``prepare.confirm``), ``prepare.done()``; step 2's reminder and terms
(``connect.acknowledge_reminder``, ``accept_terms_…``), ``connect.link`` and
``connect.done()``. Every gate holds: what a controller refuses, the run does not get past.

A UI follows the run: ``run`` yields what happened (a step reached, a check's result, a gate
changed …) and the UI shows it before asking for the next; nothing here reads a screen.

What blocks a person stops the run, with one sentence and what blocks (``Stopped``): the
first failed check, a value the form refuses, terms the file does not accept, a link that
failed. Nothing more happens then — the person takes over or quits.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.core.errors import describe
from wizard.core.flow import Step
from wizard.core.i18n import N_
from wizard.core.interaction import Interaction, SignInRequest
from wizard.core.model import STATUS_LABELS, CheckResult, Msg, Status, Text

if TYPE_CHECKING:
    from wizard.app.answers import Answers
    from wizard.app.setup import Setup

FIELD_REFUSED = N_("Unattended run stopped: \"{field}\" needs a valid value.")
CHECK_OPEN = N_("Unattended run stopped at \"{check}\" ({status}): fix it and re-check, or go "
                "on by hand.")
TERMS_REFUSED = N_("Unattended run stopped at the terms: the answers file does not accept "
                   "them (accept_terms under [connect]).")
LINK_FAILED = N_("Unattended run stopped: the link failed ({error})")
SANDBOX_FAILED = N_("The sandbox could not complete the sign-in ({kind}).")


# -- what a UI is told, in order ---------------------------------------------------------------
@dataclass(frozen=True)
class Reached:
    """A step's controller let the run on to ``step``: show it."""

    step: Step


@dataclass(frozen=True)
class ChecksStarted:
    """Step 1's checks (``only``: these) are running: their results are pending."""

    only: frozenset[str] | None


@dataclass(frozen=True)
class Checked:
    """A check's result (or its progress), as the run streams it."""

    result: CheckResult


@dataclass(frozen=True)
class Confirmed:
    """The file confirmed a check by hand (Google's Marketplace install)."""

    check_id: str


@dataclass(frozen=True)
class GateChanged:
    """A controller's gate changed (the reminder read, terms accepted)."""


@dataclass(frozen=True)
class Linking:
    """Step 2's link runs (the Enterprise Connect page, signing in); ``cancel`` ends it."""

    cancel: threading.Event


@dataclass(frozen=True)
class Stopped:
    """The run stopped: ``sentence`` says why; at most one of the rest says what blocks."""

    step: Step
    sentence: Msg
    check: str = ""  # step 1's check that is open
    field: str = ""  # step 1's field the form refuses
    terms: bool = False  # step 2's terms toggle
    error: tuple[Text, Text] | None = None  # the failed link's sentence and remedy


@dataclass(frozen=True)
class Finished:
    """The connected step is reached: the run is complete."""


Event = Reached | ChecksStarted | Checked | Confirmed | GateChanged | Linking | Stopped | Finished


class _DemoSignIn:
    """In the demo, each sign-in is completed by the sandbox, as its button there does; the
    person's way (the modal, the browser, a pasted address) stays open beside it."""

    def __init__(self, setup: Setup, inner: Interaction) -> None:
        self._setup = setup
        self._inner = inner

    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        pasted = self._inner.begin_sign_in(request)
        threading.Thread(target=self._approve, args=(request,), daemon=True,
                         name="unattended-sign-in").start()
        return pasted

    def _approve(self, request: SignInRequest) -> None:
        demo = self._setup.demo
        assert demo is not None
        try:
            demo.approve(request)
        except Exception as exc:
            self._inner.notify(Msg(SANDBOX_FAILED, kind=type(exc).__name__))

    def end_sign_in(self) -> None:
        self._inner.end_sign_in()

    def notify(self, text: Text) -> None:
        self._inner.notify(text)


async def run(setup: Setup, answers: Answers, interaction: Interaction,
              cancel: threading.Event) -> AsyncIterator[Event]:
    """Play the rest of the setup after ``answers.apply``; yields what a UI shows, in order.

    Runs on the UI's event loop (the link, which blocks, on a thread beside it).
    """
    if setup.demo is not None:
        interaction = _DemoSignIn(setup, interaction)
    step = setup.welcome.done()
    if step is None:  # not after apply(): the file names a provider
        return
    yield Reached(step)
    async for event in _prepare(setup, answers, interaction, cancel):
        yield event
        if isinstance(event, Stopped):
            return
    if cancel.is_set() or (step := setup.prepare.done()) is None:
        return
    yield Reached(step)
    async for event in _connect(setup, answers, interaction, cancel):
        yield event
        if isinstance(event, Stopped):
            return
    if (step := setup.connect.done()) is not None:
        yield Reached(step)
        yield Finished()


async def _prepare(setup: Setup, answers: Answers, interaction: Interaction,
                   cancel: threading.Event) -> AsyncIterator[Event]:
    """Step 1: the form's values, the checks, the file's confirmations, until the gate opens."""
    plugin = setup.plugin()
    values = setup.values()
    for field in plugin.fields:
        value = setup.secret(field.key) if field.secret else values.get(field.key, "")
        if field.problem(value) is not None:
            yield Stopped(Step.PREPARE, Msg(FIELD_REFUSED, field=Msg(field.label)),
                          field=field.key)
            return
    only: frozenset[str] | None = None
    while not cancel.is_set():
        yield ChecksStarted(only)
        async for result in setup.run_checks(interaction, only=set(only) if only else None,
                                             cancel=cancel):
            yield Checked(result)
        if cancel.is_set() or setup.prepare.done() is not None:
            return
        spec = plugin.spec(setup.state.open_items()[0])
        found = setup.state.results.get(spec.id)
        status = found.status if found is not None else Status.PENDING
        if (spec.confirmation is not None and spec.id in answers.confirm
                and status not in (Status.FAIL, Status.SKIP)
                and spec.id not in setup.state.profile.confirmations):
            # Confirmed as the checklist's toggle confirms it, and checked again.
            setup.prepare.confirm(spec.id, True)
            yield Confirmed(spec.id)
            only = frozenset({spec.id})
            continue
        yield Stopped(Step.PREPARE, Msg(CHECK_OPEN, check=Msg(spec.title),
                                        status=Msg(STATUS_LABELS[status])), check=spec.id)
        return


async def _connect(setup: Setup, answers: Answers, interaction: Interaction,
                   cancel: threading.Event) -> AsyncIterator[Event]:
    """Step 2: the reminder, the terms (the file's), the link."""
    step = setup.connect
    step.acknowledge_reminder()
    yield GateChanged()
    if not answers.accept_terms:
        yield Stopped(Step.CONNECT, Msg(TERMS_REFUSED), terms=True)
        return
    step.accept_terms_connect(True)
    yield GateChanged()
    step.accept_terms_link(True)
    yield Linking(cancel)
    try:
        await asyncio.to_thread(step.link, interaction, cancel)
    except Exception as exc:  # one sentence, never a traceback
        sentence, remedy = describe(exc)
        yield Stopped(Step.CONNECT, Msg(LINK_FAILED, error=sentence), error=(sentence, remedy))
