"""The checklist item repaints progress cheaply and still shows exactly the latest result."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from wizard.core.i18n import N_
from wizard.core.model import CheckResult, CheckSpec, Msg, Status, SubResult
from wizard.ui.widgets.check_item import CheckItem, _only_digits_changed

SPEC = CheckSpec("rooms", N_("Rooms in the room list"), lambda ctx: CheckResult("rooms",
                                                                                 Status.PASS))


def test_only_a_change_of_digits_keeps_the_size() -> None:
    assert _only_digits_changed("25 of 5000 rooms checked…", "50 of 5000 rooms checked…")
    assert not _only_digits_changed("975 of 5000", "1000 of 5000")  # longer: may wrap anew
    assert not _only_digits_changed("25 of 5000", "25 von 5000")
    assert not _only_digits_changed("", "")  # an empty part is hidden: showing it is layout
    assert not _only_digits_changed("25 of 5000", "２5 of 5000")  # full-width: two cells


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield CheckItem(SPEC, None, confirmed=False)


def _progress(done: int) -> CheckResult:
    return CheckResult("rooms", Status.CHECKING,
                       Msg(N_("{done} of {total} rooms checked…"), done=done, total=5000))


async def test_progress_then_result_show_the_latest_text() -> None:
    app = _Host()
    async with app.run_test(size=(80, 24)) as pilot:
        item = app.query_one(CheckItem)
        for done in (25, 50, 75, 100, 125):
            item.update_result(_progress(done))
        await pilot.pause()
        line = app.query_one(".check-detail", Static)  # the detail's own widget, below the title
        assert "125 of 5\u00a0000 rooms checked…" in str(line.render())  # counts grouped
        failed = CheckResult("rooms", Status.FAIL, Msg(N_("The room list {address} contains "
                                                          "no rooms."), address="r@x.example"),
                             items=(SubResult("Alster", Status.FAIL, "denied", "a@x.example"),))
        item.update_result(failed)
        await pilot.pause()
        assert "contains no rooms" in str(line.render())
        items = app.query_one(".check-items", Static)
        assert items.display and "Alster: denied" in str(items.render())
        assert line.region.height == 1  # laid out anew: the progress was as long


async def test_a_closed_item_makes_its_details_when_it_first_opens() -> None:
    """Most items pass and stay closed: their fix, command and rooms are made on opening
    (Enter), not composed, styled and kept hidden for every item of the checklist."""
    app = _Host()
    async with app.run_test(size=(80, 24)) as pilot:
        item = app.query_one(CheckItem)
        item.update_result(CheckResult("rooms", Status.PASS, Msg(N_("Found {count} rooms."),
                                                                 count=3)))
        await pilot.pause()
        assert not item.query(".check-details")
        item.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert item.has_class("-expanded")
        details = item.query_one(".check-details")
        assert "Found 3 rooms." in str(item.query_one(".check-detail", Static).render())
        await pilot.press("enter")  # closed again: kept (the app's CSS hides them)
        await pilot.pause()
        assert not item.has_class("-expanded") and item.query_one(".check-details") is details
