"""A short monkey run per provider and a spread of scenarios; the long run is scripts/monkey.py.

Whatever a person does, as fast as they can't, the wizard must not crash and
must stay responsive. Seeds that once crashed are kept as regression cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import textual.screen

from monkey import one_run

# Each provider, step 1 and step 2, a failing scenario each; scripts/monkey.py runs the
# long rounds over every provider and scenario.
SHORT = [
    ("google", "healthy", "connect", 11),
    ("google", "cronofy-errors", "prepare", 12),
    ("exchange", "impersonation-denied", "prepare", 13),
    ("microsoft365", "m365-not-admin", "prepare", 16),
]
# Seeds that crashed: before the navigator owned the screen stack (InvalidStateError: a
# sign-in modal dismissed twice; the dismiss popped the screen above it), and a debounced
# re-check firing into a row that was no longer composed (m365-not-admin above, seed 16).
# A new action in scripts/monkey.py's table changes every seed's sequence: the old seed
# is kept as one more long round, not as a replay of its crash.
REGRESSIONS = [
    ("google", "healthy", "welcome", 3),
]
STEPS = 20  # per short case; scripts/monkey.py runs long ones


@pytest.mark.slow
@pytest.mark.parametrize("case", SHORT + REGRESSIONS, ids=lambda c: "-".join(map(str, c)))
async def test_monkey_never_crashes(case: tuple[str, str, str, int], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # At Textual's own pace (the suite composites less often, tests/conftest.py): screen
    # updates interleave with the input as they do in a person's terminal.
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 1 / 60)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))  # the export dialog's default folder
    provider, scenario, step, seed = case
    steps = 80 if case in REGRESSIONS else STEPS
    await one_run(provider, scenario, step, seed, steps)
