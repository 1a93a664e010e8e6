"""The wizard never claims what it did not verify (issue: truth and the keyboard).

Each test drives the demo as a person does and reads what the screen says.
"""

from __future__ import annotations

from scenes import settle
from textual.widgets import Static

from ui_support import make_app, sandbox
from wizard.core.flow import Step
from wizard.core.model import Status
from wizard.ui.screens.connect import ConnectScreen
from wizard.ui.screens.prepare import PrepareScreen


def _text(app, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


async def test_results_of_an_earlier_sandbox_are_marked_stale_and_checked_again() -> None:
    with sandbox("healthy", services=("exchange",)) as first:
        app = make_app(first, provider="exchange", step=Step.PREPARE, profile="stale")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.session.results["impersonation"].status == Status.PASS
            old_url = app.setup.values()["ews_url"]
    # The next day: a new demo, its EWS on another port. The stored results were checked
    # against the old one: they must not stand there as if current.
    with sandbox("healthy", services=("exchange",)) as second:
        again = make_app(second, profile="stale")
        async with again.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.05)
            assert isinstance(again.screen, PrepareScreen)
            note = _text(again, "#stale-note")
            assert "against other values" in note and old_url in note, note
            await settle(pilot)
            assert _text(again, "#stale-note") == ""  # checked again, now current
            endpoint = str(again.session.results["endpoint"].detail)
            new_host = second.values("exchange")["ews_url"].split("/")[2]
            assert new_host in endpoint and old_url.split("/")[2] not in endpoint


async def test_every_resume_says_where_it_resumed() -> None:
    with sandbox("healthy", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, profile="resume-note")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.click("#next")
            await settle(pilot)
            assert isinstance(app.screen, ConnectScreen)
            assert not app.screen.query("#resume-note")  # not resumed: nothing to say
        again = make_app(box, profile="resume-note", language="de")
        async with again.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(again.screen, ConnectScreen)
            note = _text(again, "#resume-note")
            assert "resume-note" in note and "Schritt 2" in note, note
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert "Step 2" in _text(again, "#resume-note")  # said again, in English
