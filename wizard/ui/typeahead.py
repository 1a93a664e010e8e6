"""Type-ahead: each key acts on what the key before it left.

Textual hands a key to the focused widget as a message and takes the next key at once.
Where a key's effect travels as a message of its own, the next key overtook it: the
terms toggle's Changed (which enables Link) was still on its way up to the screen when
Tab arrived, so "space, Tab" typed quickly — or arriving in one packet over SSH, as typed
keys often do on a jump host — ticked the terms and then skipped the button they had
just enabled, landing on Back. Keys typed while a screen opened went to the one below.

So a key from the terminal is handed on only when the work of the keys before it is done:

* A change of the screens (a screen or dialog opening or closing, ctrl+l composing every
  screen again) runs in the navigator: keys that come meanwhile are held, and handed on
  once it has applied every change asked for — queued behind what the change queued
  itself (a new screen's focus), so they go where the cursor then is.
* Otherwise the app waits, before handing a key on, until no widget of the screen has a
  message waiting (checked twice in a row: a handler may be between two messages). The
  key waits in the app's own queue meanwhile, in order, where Pilot also sees it. What
  the keys before queued for the app itself meanwhile goes first: a key bound further up
  comes back to the app to be looked up (Enter on a table row, ctrl+f), and
  ``Widget.focus()`` moves the focus through the app's queue — the key is held behind it.

A key is late, never lost: it waits behind busy widgets for a bounded time, behind a
change of the screens for as long as the change runs.
"""

from __future__ import annotations

import asyncio
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App

    from wizard.ui.navigation import Navigator

# Seconds, and rounds of the event loop, a key waits at most behind widgets still busy
# with the keys before it (a screen that never falls quiet): then it is handed on anyway.
QUIET_LIMIT = 0.25
QUIET_ROUNDS = 50
# Quiet checks in a row before a key is handed on.
QUIET_CHECKS = 2
# Times a key is held behind work the keys before it queued for the app (Enter on a row:
# the key comes back to the app, which selects the row, whose handler moves the focus).
WORK_HOLDS = 3


class Typeahead:
    def __init__(self, app: App[Any], navigator: Navigator) -> None:
        self._app = app
        self._navigator = navigator
        self._held: list[events.Key] = []
        self._release_asked = False
        # How often each held key (by id) was held behind the app's work: WORK_HOLDS at
        # most, as the app's queue is never sure to fall quiet.
        self._held_for_work: dict[int, int] = {}

    async def take(self, key: events.Key) -> bool:
        """Whether ``key`` (from the terminal) is handled now — once the widgets are quiet —
        or held (False) behind a change of the screens, asked before or meanwhile."""
        if not self._admit(key):
            return False
        queued = self._app.message_queue_size
        await self._quiet()
        if self._app.message_queue_size > queued and self._held_for_work.get(id(key), 0) < \
                WORK_HOLDS:
            # The keys before queued work for the app meanwhile — a key bound further up
            # comes back to the app to be looked up (Enter on a row), Widget.focus() moves
            # the focus that way: this key, and the ones after it, go behind that work.
            self._hold(key, for_work=True)
            return False
        if not self._admit(key):  # the key before asked for a change meanwhile
            return False
        self._held_for_work.pop(id(key), None)
        return True

    def _admit(self, key: events.Key) -> bool:
        if self._navigator.idle and not self._held:
            return True
        self._hold(key)
        return False

    def _hold(self, key: events.Key, *, for_work: bool = False) -> None:
        times = self._held_for_work.pop(id(key), 0) + for_work
        copy = events.Key(key.key, key.character)
        self._held.append(copy)
        self._held_for_work[id(copy)] = times
        if not self._release_asked:
            self._release_asked = True
            self._navigator.when_idle(self._release_later)

    def _release_later(self) -> None:
        self._app.call_later(self._release)  # behind what the change queued for the app

    def _release(self) -> None:
        """Hand the held keys on, in order, behind what was queued before the release."""
        self._release_asked = False
        held, self._held = self._held, []
        for key in held:
            self._app.post_message(key)  # taken again: held anew behind another change

    async def _quiet(self) -> None:
        """Return once no widget of the screen has a message waiting.

        A screen that never falls quiet holds a key QUIET_LIMIT at most — and QUIET_ROUNDS
        rounds in which its widgets could run too: a process the machine leaves waiting (a
        loaded jump host, a busy CI runner) must not count that time as waited."""
        start = monotonic()
        quiet = rounds = 0
        while quiet < QUIET_CHECKS:
            rounds += 1
            enough = rounds > QUIET_ROUNDS and monotonic() - start > QUIET_LIMIT
            quiet = quiet + 1 if enough or _widgets_quiet(self._app) else 0
            if quiet < QUIET_CHECKS:
                # The first rounds only let the widgets' tasks run; then a little time.
                await asyncio.sleep(0 if rounds < 5 else 0.002)


def _widgets_quiet(app: App[Any]) -> bool:
    """No message waiting in any widget of the current screen (the app's own queue holds
    the keys themselves, and is not asked), and the screen has placed its focus: a step
    screen does that after its first paint (``painted``, wizard.ui.screens.base) — keys
    typed while it opened went to the widget Textual focused first."""
    try:
        screen = app.screen
    except Exception:  # no screen yet, or the app is closing: nothing to wait for
        return True
    painted = getattr(screen, "painted", None)
    if isinstance(painted, asyncio.Event) and not painted.is_set():
        return False
    return all(node.message_queue_size == 0 for node in screen.walk_children(with_self=True))
