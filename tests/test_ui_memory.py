"""When the collector runs is the UI's choice: a full collection is a frame the person sees.

While step 1's checks stream onto the screen, full garbage collections wait (with
5 000 rooms each walked every result made so far, 40 ms on the event loop); when the
run ends, what it kept is frozen before the postponed collection would walk it.
The checks here are a planted provider's (``ROOMCAL_PROVIDERS``, as an out-of-tree
provider is installed): its one check says what the collector's thresholds were while
it ran, and the screen shows it.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenes import settle
from screen_text import screen_lines

from ui_support import make_app
from wizard import providers
from wizard.core.flow import Step
from wizard.ui.memory import RUN_FULL_COLLECTION_EVERY, full_collections_postponed

PACKAGE = {
    "__init__.py": '''
from wizard.core.i18n import N_
from wizard.providers import ProviderInfo

INFO = ProviderInfo(name="gcprobe", title=N_("Collector probe"), order=9, package=__name__)
''',
    "checks.py": '''
import gc

from wizard.core.model import CheckResult, CheckSpec, ProviderPlugin, Status


def collector(ctx):
    return CheckResult("collector", Status.PASS,
                       f"full collection after {gc.get_threshold()[2]} young ones")


PLUGIN = ProviderPlugin(name="gcprobe", fields=(),
                        checks=(CheckSpec("collector", "Collector", collector),))
''',
}


@pytest.fixture
def gcprobe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    package = tmp_path / "plugins" / "roomcal_gcprobe"
    package.mkdir(parents=True)
    for name, text in PACKAGE.items():
        (package / name).write_text(text.lstrip(), encoding="utf-8")
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.setenv("ROOMCAL_PROVIDERS", "roomcal_gcprobe")
    providers.reload()
    yield
    for name in [m for m in sys.modules if m.startswith("roomcal_gcprobe")]:
        del sys.modules[name]
    monkeypatch.delenv("ROOMCAL_PROVIDERS")
    providers.reload()


async def test_full_collections_wait_while_the_checklist_runs(gcprobe: None) -> None:
    before = gc.get_threshold()
    app = make_app(None, provider="gcprobe", step=Step.PREPARE)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)  # the first run, after the first paint
        gc.unfreeze()
        await pilot.press("r")  # re-check
        await settle(pilot)
        shown = "\n".join(screen_lines(app.screen))
        assert f"full collection after {RUN_FULL_COLLECTION_EVERY} young ones" in shown, shown
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() > 0  # what the run kept, out of the next full collection


def test_overlapping_runs_restore_the_thresholds_after_the_last() -> None:
    """A re-check cancels the run before it: both overlap while the first winds down."""
    before = gc.get_threshold()
    gc.unfreeze()
    with full_collections_postponed():
        with full_collections_postponed():
            assert gc.get_threshold()[2] == RUN_FULL_COLLECTION_EVERY
        assert gc.get_threshold()[2] == RUN_FULL_COLLECTION_EVERY  # the first still streams
        assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() > 0
