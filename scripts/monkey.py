"""A seeded "monkey": random things a person can do, as fast as a person can't.

It clicks any enabled widget in view, types into inputs, presses the footer's
keys, escape, tab, enter, space, arrows, ctrl+l (also in dialogs), and resizes
the terminal below and above 80×24 — with no waiting, a short pause, or a longer
one. The wizard must never crash and must stay responsive, whatever the timing;
a field keeps every key typed into it, also across a pause long enough for
step 1's re-check, and a dialog stays open through ctrl+l. Quitting
(ctrl+q, "Finish") ends a run early; it is not a failure.
"""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, Input, Select

# Keys a person presses; ctrl+q quits (a run may end that way, but not every run).
KEYS = ("escape", "tab", "shift+tab", "enter", "space", "up", "down", "left", "right",
        "ctrl+l", "ctrl+n", "r", "c", "ctrl+y", "ctrl+f", "ctrl+e", "pageup", "pagedown")
SIZES = ((80, 24), (60, 18), (100, 30), (79, 23), (120, 40), (80, 24))
TEXT = string.ascii_letters + string.digits + "@.-_ :/[]äöü"


@dataclass
class Run:
    seed: int
    steps: int = 0
    log: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.log.append(f"{self.steps}: {text}")


def _clickable(pilot: Pilot) -> list[Widget]:
    from wizard.ui.widgets.check_item import CheckItem
    from wizard.ui.widgets.choice_list import ChoiceList

    kinds = (Button, Checkbox, Input, Select, DataTable, ChoiceList, CheckItem)
    screen = pilot.app.screen
    found = []
    for widget in screen.query("*"):
        if not isinstance(widget, kinds) or widget.disabled or not widget.display:
            continue
        region = widget.region.intersection(screen.region)
        if region.area:
            found.append(widget)
    return found


async def _click(pilot: Pilot, rng: random.Random, run: Run) -> None:
    widgets = _clickable(pilot)
    if not widgets:
        return
    widget = rng.choice(widgets)
    region = widget.region.intersection(pilot.app.screen.region)
    x = region.x + rng.randrange(region.width)
    y = region.y + rng.randrange(region.height)
    run.note(f"click {type(widget).__name__}#{widget.id} at {x},{y}")
    await pilot.click(offset=(x, y))


async def _type(pilot: Pilot, rng: random.Random, run: Run) -> None:
    text = "".join(rng.choice(TEXT) for _ in range(rng.randrange(1, 8)))
    run.note(f"type {text!r}")
    await pilot.press(*[c if c != " " else "space" for c in text])


async def _key(pilot: Pilot, rng: random.Random, run: Run) -> None:
    keys = list(KEYS)
    keys += [b.binding.key for b in pilot.app.active_bindings.values()
             if b.binding.show and b.binding.key != "ctrl+q"]
    key = rng.choice(keys)
    run.note(f"press {key}")
    await pilot.press(key)


async def _pause_and_type(pilot: Pilot, rng: random.Random, run: Run) -> None:
    """Type, pause past step 1's re-check (it runs then), type again: every key is in the
    field — the re-check's outcome never takes the cursor away."""
    from wizard.ui.screens.prepare import RECHECK_DELAY

    # The person puts the cursor there (a field Textual focused by itself is not theirs
    # yet: step 1's first run may still point at its first failure).
    fields = [w for w in _clickable(pilot) if isinstance(w, Input)]
    if not fields:
        return
    field = rng.choice(fields)
    await pilot.click(field)
    if pilot.app.focused is not field:
        return
    first, second = ("".join(rng.choice(string.ascii_letters) for _ in range(3))
                     for _twice in range(2))
    run.note(f"type {first!r}, pause, type {second!r}")
    await pilot.press("end", *first)
    await pilot.pause(RECHECK_DELAY + 0.2)
    if pilot.app.focused is not field:
        # Only a dialog the re-check opened (a sign-in) may take the cursor.
        assert pilot.app.screen is not field.screen, f"the cursor left {field.id}"
        return
    await pilot.press(*second)
    assert field.value.endswith(first + second), f"{field.id}: {field.value!r}"


async def _language_in_dialog(pilot: Pilot, rng: random.Random, run: Run) -> None:
    """ctrl+l while a dialog is open: it stays open (a sign-in may end by itself)."""
    from wizard.ui.dialogs.signin import SignInModal

    if not pilot.app.screen.is_modal:
        await pilot.press("f1")  # the keys list, a dialog open everywhere
        await pilot.pause()
    dialog = pilot.app.screen
    if not dialog.is_modal:
        return
    run.note(f"ctrl+l in {type(dialog).__name__}")
    await pilot.press("ctrl+l")
    navigator = pilot.app.navigator  # type: ignore[attr-defined]
    for _wait in range(100):
        await pilot.pause(0.01)
        if navigator.idle:
            break
    if not isinstance(dialog, SignInModal):
        assert dialog in pilot.app.screen_stack, f"ctrl+l closed {type(dialog).__name__}"


async def _resize(pilot: Pilot, rng: random.Random, run: Run) -> None:
    width, height = rng.choice(SIZES)
    run.note(f"resize {width}x{height}")
    await pilot.resize_terminal(width, height)


async def _wait(pilot: Pilot, rng: random.Random, run: Run) -> None:
    delay = rng.choice((0.0, 0.01, 0.05, 0.2))
    run.note(f"wait {delay}")
    await pilot.pause(delay)


Action = Callable[[Pilot, random.Random, Run], Awaitable[None]]
# Weighted like a person in a hurry: mostly clicks and keys.
ACTIONS: tuple[tuple[Action, int], ...] = (
    (_click, 8), (_key, 6), (_type, 2), (_wait, 3), (_resize, 1), (_pause_and_type, 2),
    (_language_in_dialog, 1))


async def monkey(pilot: Pilot, seed: int, steps: int) -> Run:
    """Do ``steps`` random things; raise on a crash or an unresponsive app."""
    rng = random.Random(seed)
    run = Run(seed)
    actions = [a for a, _w in ACTIONS]
    weights = [w for _a, w in ACTIONS]
    for run.steps in range(steps):
        if not pilot.app.is_running:
            break
        action = rng.choices(actions, weights)[0]
        try:
            await action(pilot, rng, run)
        except Exception as exc:  # OutOfBounds after a resize: the person missed
            if type(exc).__name__ != "OutOfBounds":
                raise
        # Responsive: the event loop takes a message within a second, whatever runs.
        await asyncio.wait_for(pilot.pause(), 5)
    return run


# -- the long run: python scripts/monkey.py [--runs N] [--steps N] [--seed S] ---------------

CASES = tuple((provider, scenario, step)
              for provider, scenarios in (
                  ("exchange", ("healthy", "impersonation-denied", "wrong-password", "slow")),
                  ("microsoft365", ("healthy", "m365-not-admin", "throttled")),
                  ("google", ("healthy", "not-super-admin", "cronofy-errors")))
              for scenario in scenarios
              for step in ("welcome", "prepare", "connect"))


async def one_run(provider: str, scenario: str, step: str, seed: int, steps: int) -> Run:
    """One monkey run against a fresh sandbox and profile; raises what the app raised.

    Run it in a scratch directory: exports land in the current one, whatever is typed.
    """
    from wizard.app import Setup
    from wizard.core.flow import Step
    from wizard.core.settings import Settings
    from wizard.sandbox import Sandbox
    from wizard.ui.app import WizardApp

    box = Sandbox(scenario).start()
    try:
        setup = Setup(f"monkey-{seed}", demo=box, settings=Settings.from_env())
        setup.session.choose_provider(provider)
        setup.session.set_step(Step(step))
        app = WizardApp(setup, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            return await monkey(pilot, seed, steps)
    finally:
        box.stop()


def main() -> int:
    import argparse
    import os
    import tempfile
    import time

    parser = argparse.ArgumentParser(description="Random person-like input against the demo.")
    parser.add_argument("--runs", type=int, default=len(CASES))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ.setdefault("ROOMCAL_CONFIG_DIR", os.path.join(home, "config"))
        os.environ.setdefault("ROOMCAL_STATE_DIR", os.path.join(home, "state"))
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        os.environ["HOME"] = home  # the export dialog's default folder
        os.chdir(home)
        failures = 0
        started = time.perf_counter()
        for index in range(args.runs):
            provider, scenario, step = CASES[index % len(CASES)]
            seed = args.seed + index
            began = time.perf_counter()
            try:
                run = asyncio.run(one_run(provider, scenario, step, seed, args.steps))
                outcome = f"ok after {run.steps + 1} steps"
            except Exception as exc:  # a crash: report the seed, it becomes a regression case
                failures += 1
                outcome = f"CRASH {type(exc).__name__}: {exc}"
            print(f"{provider:<13} {scenario:<22} {step:<8} seed {seed}: {outcome} "
                  f"({time.perf_counter() - began:.1f} s)", flush=True)
        print(f"{args.runs} runs × {args.steps} steps, {failures} crashes, "
              f"{time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
