"""The one owner of the screen stack: every change is queued and applied in order.

Screens, modals, workers and the sign-in bridge never push, pop, switch or
dismiss screens themselves; they ask the Navigator, which applies one change
at a time, each to completion, in the order asked. Two changes racing — a
modal's own Cancel, the worker that closes the same modal, a step change from
a worker thread — used to tear a screen down while another change still ran
on it: Textual's Header then crashed with ``NoMatches('HeaderTitle')``, and a
modal dismissed twice set its result twice (``InvalidStateError``).

Rules the jobs keep:

* ``close(screen)`` closes exactly that screen (and whatever was opened above
  it); a screen that is already gone is not closed twice.
* A change asked for by a screen's background work names that screen as its
  ``origin``: if the person has left the screen meanwhile, the change is
  dropped instead of pulling them back.
* Screens are created when their change runs, never for a change that is
  dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
# The bottom of the stack is Textual's default screen; the step screen sits on it.
STEP_DEPTH = 2


class Navigator:
    def __init__(self, app: App[Any], on_error: Callable[[Exception], None]) -> None:
        self.app = app
        self._on_error = on_error
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._busy = False
        self._task: asyncio.Task[None] | None = None
        self._when_idle: list[Callable[[], None]] = []

    def start(self) -> None:
        """Start applying changes; call from the app's own handler (not a screen's).

        Textual refuses to dismiss a screen from that screen's message handler; the
        navigator's task runs in the app's context, so every screen may be closed.
        """
        self._task = asyncio.create_task(self._run(), name="navigator")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def idle(self) -> bool:
        """No change waiting or running (tests and scripts wait for this)."""
        return not self._busy and self._jobs.empty()

    def when_idle(self, callback: Callable[[], None]) -> None:
        """``callback`` once every change asked for is applied (at once if none is waiting)."""
        if self.idle:
            callback()
        else:
            self._when_idle.append(callback)

    async def _run(self) -> None:
        while True:
            job = await self._jobs.get()
            self._busy = True
            try:
                # Shielded: stop() (the app unmounting) must not cancel a change halfway.
                # Cancelling this task while it awaited a dismissal cancelled Textual's own
                # pending pop, which the app awaits as it shuts down: CancelledError out of
                # the app's exit (seen once in CI, a sign-in dialog closing as the app quit).
                await asyncio.shield(job())
            except Exception as error:  # a bug in a change: the app's crash handling
                self._on_error(error)
                return
            finally:
                self._busy = self._jobs.qsize() > 0
            # Let the new screen's mount and first messages run before the next change.
            await asyncio.sleep(0)
            if self.idle:
                callbacks, self._when_idle = self._when_idle, []
                for callback in callbacks:
                    callback()

    def _submit(self, job: Job) -> None:
        self._jobs.put_nowait(job)

    def _alive(self, origin: Screen[Any] | None) -> bool:
        return origin is None or origin in self.app.screen_stack

    # -- the changes ------------------------------------------------------------------------
    def replace(self, make: Callable[[], Screen[Any]], *, origin: Screen[Any] | None = None,
                before: Callable[[], None] | None = None) -> None:
        """Show a new step screen; sub-screens and modals above the old one are closed.

        ``before`` runs just before, and only if the change is not dropped.
        """
        async def job() -> None:
            if not self._alive(origin):
                return
            if before is not None:
                before()
            await self._close_above(STEP_DEPTH)
            if len(self.app.screen_stack) >= STEP_DEPTH:
                await self.app.switch_screen(make())
            else:
                await self.app.push_screen(make())

        self._submit(job)

    def open(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None, *,
             origin: Screen[Any] | None = None) -> None:
        """Open a modal or sub-screen on top; ``callback`` gets its result once."""
        async def job() -> None:
            if self._alive(origin):
                await self.app.push_screen(screen, callback)

        self._submit(job)

    def close(self, screen: Screen[Any], result: Any = None) -> None:
        """Close ``screen`` with ``result`` (its callback runs once); gone already: nothing."""
        async def job() -> None:
            stack = self.app.screen_stack
            if screen not in stack:
                return
            await self._close_above(stack.index(screen) + 1)
            await screen.dismiss(result)

        self._submit(job)

    def recompose(self, screen: Screen[Any]) -> None:
        """Rebuild a screen's widgets from the session (it keeps the state), if still shown."""
        async def job() -> None:
            if screen in self.app.screen_stack:
                await screen.recompose()
                if (after := getattr(screen, "after_recompose", None)) is not None:
                    after()

        self._submit(job)

    async def applied(self) -> None:
        """Wait until every change asked for so far is applied (and its screen mounted)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def job() -> None:
            if not done.done():
                done.set_result(None)

        self._submit(job)
        await done

    def run(self, change: Job) -> None:
        """Apply a change to the whole stack in turn (e.g. re-composing after ctrl+l)."""
        self._submit(change)

    async def _close_above(self, keep: int) -> None:
        """Close every screen above the lowest ``keep``, topmost first (callbacks get None)."""
        while len(self.app.screen_stack) > max(keep, 1):
            await self.app.screen.dismiss(None)
