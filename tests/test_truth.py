"""The wizard never claims what it did not verify (issue: truth and the keyboard).

Each test drives the demo as a person does and reads what the screen says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenes import settle
from textual.widgets import Static

from ui_support import click, link_screen, make_app, sandbox, shown_text, walk_to_connected
from wizard.core.flow import Step
from wizard.core.model import CheckResult, Status
from wizard.ui.screens.connect import ConnectScreen
from wizard.ui.screens.prepare import PrepareScreen


async def test_results_of_an_earlier_sandbox_are_marked_stale_and_checked_again() -> None:
    with sandbox("healthy", services=("exchange",)) as first:
        app = make_app(first, provider="exchange", step=Step.PREPARE, profile="stale")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.session.results["impersonation"].status == Status.PASS
            old_url = app.setup.values()["ews_url"]
    # The next day: a new demo, its EWS on another port. The stored results were checked
    # against the old one: they must not stand there as if current. (A slow server: the
    # note must be read while the re-check runs, however busy the machine.)
    with sandbox("slow", services=("exchange",)) as second:
        again = make_app(second, profile="stale")
        async with again.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.05)
            assert isinstance(again.screen, PrepareScreen)
            note = shown_text(again, "#stale-note")
            assert "against other values" in note and old_url in note, note
            await settle(pilot)
            assert shown_text(again, "#stale-note") == ""  # checked again, now current
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
            note = shown_text(again, "#resume-note")
            assert "resume-note" in note and "Schritt 2" in note, note
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert "Step 2" in shown_text(again, "#resume-note")  # said again, in English


async def _continue_anyway(pilot) -> None:
    """Keyboard only, from step 1 with failures: Tab to "Continue anyway", tick it, go on."""
    while pilot.app.focused is None or pilot.app.focused.id != "continue-anyway":
        await pilot.press("tab")
    await pilot.press("space", "ctrl+n")
    await settle(pilot)


async def test_connected_claims_only_what_step_2_proved() -> None:
    from wizard.ui.screens.assign import AssignScreen
    from wizard.ui.screens.connected import ConnectedScreen

    with sandbox("impersonation-denied") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            # Keyboard only: the first failure has the focus after the run; Tab leads on
            # to "Continue anyway" below the checklist.
            await _continue_anyway(pilot)
            await walk_to_connected(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            shown = " ".join(str(w.render()) for w in app.screen.query(Static))
            assert "Identitätswechsel funktioniert" not in shown
            assert "impersonation works" not in shown
            problems = shown_text(app, "#step1-problems")
            assert "Raum Elbe" in problems and "Board Room" in problems, problems
            assert not app.screen.query("#same-rooms")
            await click(pilot, "#next")
            await settle(pilot)
            assert isinstance(app.screen, AssignScreen)
            table = app.screen.query_one("#resources")
            names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            assert "✗ Raum Elbe" in names and "Raum Alster" in names, names
            await pilot.click("#resources")
            for _ in range(names.index("✗ Raum Elbe")):
                await pilot.press("down")
            await pilot.pause()
            assert "Schritt 1" in shown_text(app, "#assign-status")


async def test_rooms_cronofy_does_not_see_are_named_and_nothing_claims_more() -> None:
    from wizard.ui.screens.connected import ConnectedScreen

    with sandbox("cronofy-rooms-missing") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await click(pilot, "#next")
            await settle(pilot)
            await walk_to_connected(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            missing = shown_text(app, "#missing-in-cronofy")
            assert "not visible to Cronofy" in missing, missing
            proof = shown_text(app, "#proof")
            assert "impersonation works" not in proof and "lists" in proof, proof


async def test_step_2_follows_step_1s_service_and_says_when_it_does_not() -> None:
    from wizard.ui.screens.connected import ConnectedScreen

    async def choose_google(pilot) -> None:
        hint = shown_text(pilot.app, "#sign-in-text")
        assert "Microsoft 365" in hint, hint  # follows step 1's service first
        assert shown_text(pilot.app, "#other-service") == ""
        await pilot.click("#service")  # open the list
        await pilot.pause()
        await pilot.press("up", "enter")  # Google Workspace is just above Microsoft 365
        await pilot.pause()
        hint = shown_text(pilot.app, "#sign-in-text")
        assert "Google administrator" in hint, hint
        assert "not done" in shown_text(pilot.app, "#other-service")

    with sandbox("healthy") as box:
        app = make_app(box, provider="microsoft365", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            before = dict(app.session.results)
            await click(pilot, "#next")
            await settle(pilot)
            await walk_to_connected(pilot, before_sign_in=choose_google)
            assert isinstance(app.screen, ConnectedScreen)
            assert "not for this service" in shown_text(app, "#not-step1")
            assert not app.screen.query("#same-rooms") and not app.screen.query("#proof")
            assert app.session.results == before  # nothing of step 1 counted as proven


async def test_the_reminder_marks_skipped_checks_as_skipped_not_failed() -> None:
    from wizard.ui.dialogs.reminder import ReminderModal

    with sandbox("wrong-password", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await _continue_anyway(pilot)
            await click(pilot, "#connect")
            await settle(pilot)
            assert isinstance(app.screen, ReminderModal)
            lines = "\n".join(str(w.render()) for w in app.screen.query(Static)).splitlines()
            assert any(line.startswith("✗ Service account signs in") for line in lines), lines
            assert any(line.startswith("- Room list exists") for line in lines), lines
            assert not any(line.startswith("✗ Room list exists") for line in lines)


def test_cronofy_422_does_not_ask_for_values_nobody_can_see(
        capsys) -> None:
    from wizard.cli import main

    assert main(["--lang", "de", "connect", "--accept-terms", "--scenario", "cronofy-errors"]) == 1
    err = capsys.readouterr().err
    assert "Korrigieren Sie die genannten Werte" not in err
    assert "roomcal" in err and "422" in err, err


def test_sentences_of_checks_do_not_name_tui_keys() -> None:
    """A remedy is read in the TUI, on the CLI, in --json and in a hand-off to IT:
    "re-check (r)" named a key that exists only in the TUI. The TUI shows its keys in the
    footer instead. ("room(s)" is not a key; nor is any text of the UI's own modules.)"""
    import re

    from wizard.core.messages import extract

    naming_keys = re.compile(r"\s\([a-z]\)|\((ctrl\+\w+|enter)\)")
    keyed = sorted({f"{path}: {msgid}" for msgid, path, _line in extract()
                    if not path.startswith("wizard/ui/")
                    and any(naming_keys.search(text)
                            for text in ([msgid] if isinstance(msgid, str) else msgid))})
    assert keyed == [], keyed


# -- Issue 18: one coherent world per scenario, and a connected screen that only reports --

REFUSED = [
    # (provider, scenario, a phrase of the refusal the wizard shows)
    ("exchange", "wrong-password", "password"),
    ("microsoft365", "m365-not-admin", "admin consent"),
    ("microsoft365", "m365-app-admin", "admin consent"),
    ("google", "not-super-admin", "super administrator"),
]


@pytest.mark.parametrize(("provider", "scenario", "phrase"), REFUSED,
                         ids=[r[1] for r in REFUSED])
def test_cronofy_refuses_the_link_step_1s_world_refuses(
        provider: str, scenario: str, phrase: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Step 1 rejected the password (or found no admin who may consent, or no super
    admin): the real Cronofy could not link that service either, nor may the sandbox's."""
    from wizard.cli import main

    code = main(["--lang", "en", "connect", "--accept-terms", "--provider", provider,
                 "--scenario", scenario, "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    payload = json.loads(out)
    assert (code, payload["ok"]) == (1, False), payload
    assert phrase in payload["error"], payload
    assert payload["remedy"], payload


SEEN = [
    # (provider, scenario TOML, the account Cronofy signed in as, rooms it lists)
    ("exchange", "[rooms]\ncount = 6\n", "svc-cronofy@demo.example.com", 6),
    ("microsoft365", "[rooms]\ncount = 6\n", "admin@demo.example.com", 6),
    ("google", "[rooms]\ncount = 6\n", "admin@demo.example.com", 6),
    # No room list: Cronofy finds Exchange rooms through room lists only.
    ("exchange", "[rooms]\ncount = 6\n[exchange]\nroom_lists = []\n",
     "svc-cronofy@demo.example.com", 0),
    # Without the Marketplace app Cronofy may sign in, but lists no Google resources.
    ("google", "[rooms]\ncount = 6\n[google]\nmarketplace_app = false\n",
     "admin@demo.example.com", 0),
]


@pytest.mark.parametrize(("provider", "toml", "account", "rooms"), SEEN,
                         ids=[f"{s[0]}-{s[3]}" for s in SEEN])
def test_cronofy_sees_the_world_of_the_service_it_linked(
        provider: str, toml: str, account: str, rooms: int, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from wizard.cli import main

    scenario = tmp_path / "world.toml"
    scenario.write_text(toml, encoding="utf-8")
    code = main(["--lang", "en", "connect", "--accept-terms", "--provider", provider, "--scenario",
                 str(scenario), "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["ok"], payload
    assert payload["connection"]["account"] == account, payload
    assert len(payload["resources"]) == rooms, payload


def test_the_gate_counts_what_is_unmet_not_what_could_not_run() -> None:
    """One wrong password: one prerequisite is not met, three checks could not run
    ("4 prerequisites are not met" read as four things to fix); while checks are still
    to come, nothing is counted as unmet."""
    from wizard import providers
    from wizard.core.flow import prepare_gate
    from wizard.core.i18n import set_language

    set_language("en")
    plugin = providers.get("exchange").plugin()
    ids = [spec.id for spec in plugin.checks]
    results = {i: CheckResult(i, Status.SKIP) for i in ids}
    results["endpoint"] = CheckResult("endpoint", Status.PASS)
    results["credentials"] = CheckResult("credentials", Status.FAIL)

    def reason(found: dict[str, CheckResult]) -> str:
        return str(prepare_gate(plugin, found, continue_anyway=False,
                                confirmations=frozenset()).reason)

    assert reason(results).startswith("1 prerequisite is not met"), reason(results)
    waiting = sum(1 for spec in plugin.checks
                  if spec.required and spec.id not in ("endpoint", "credentials"))
    assert f"{waiting} checks could not run" in reason(results), reason(results)
    for waiting in ({}, {"endpoint": CheckResult("endpoint", Status.PASS),
                         "credentials": CheckResult("credentials", Status.PENDING)}):
        assert "not met" not in reason(waiting), reason(waiting)


async def test_step_1_says_only_what_it_found_and_cronofy_refuses_the_same_password(
        tmp_path: Path) -> None:
    scenario = tmp_path / "slow-wrong-password.toml"
    scenario.write_text('[rooms]\ncount = 6\n[exchange]\npassword = "another"\n'
                        "latency_ms = 150\n", encoding="utf-8")
    with sandbox(str(scenario), services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.3)  # the first checks are under way
            assert app.session.results.get("impersonation") is None or \
                not app.session.results["impersonation"].status.done
            assert "not met" not in shown_text(app, "#gate-reason"), shown_text(app, "#gate-reason")
            await settle(pilot)
            gate = shown_text(app, "#gate-reason")
            results = app.session.results
            skipped = sum(1 for spec in app.session.plugin().checks
                          if spec.required and results[spec.id].status == Status.SKIP)
            assert skipped >= 3  # room list, rooms, impersonation and what needs them
            assert gate.startswith("1 prerequisite is not met"), gate
            assert f"{skipped} checks" in gate, gate
            # The first failure has the focus; the passing check above it, opened, names
            # what its text is: the help page's step, not a to-do.
            assert app.focused is not None and app.focused.id == "check-credentials"
            await pilot.press("up", "enter")
            await pilot.pause()
            remedy = app.screen.query_one("#check-endpoint .check-remedy", Static)
            assert str(remedy.render()).startswith("What the help page asks"), \
                str(remedy.render())
            await _continue_anyway(pilot)
            assert isinstance(app.screen, ConnectScreen)
            steps = str(app.screen.query_one("#steps", Static).render())
            assert "✓2" not in steps and "!2" in steps, steps  # step 1 is not done
            await link_screen(pilot)  # and on as far as Cronofy lets it
            await click(pilot, "#terms-link")
            await click(pilot, "#sign-in")
            await settle(pilot)
            error, remedy_text = shown_text(app, "#link-error"), shown_text(app, "#link-remedy")
            assert "password" in error, error
            assert "Service account signs in" in remedy_text, remedy_text


async def test_connected_states_what_step_2_proved_beside_what_step_1_left_open() -> None:
    from wizard.ui.screens.connected import ConnectedScreen

    with sandbox("no-room-list", services=("exchange", "cronofy")) as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await _continue_anyway(pilot)
            await walk_to_connected(pilot)
            assert isinstance(app.screen, ConnectedScreen)
            # Step 1 found no rooms and Cronofy lists none: that is not "the same rooms".
            assert not app.screen.query("#same-rooms")
            proof = shown_text(app, "#proof")
            assert "lists no room calendars" in proof, proof
            still_open = shown_text(app, "#step1-open")
            assert "✗ Room list exists" in still_open, still_open
            assert "- Rooms in the room list" in still_open, still_open
            steps = str(app.screen.query_one("#steps", Static).render())
            assert "✓2" not in steps, steps


async def test_an_earlier_link_of_another_service_is_named() -> None:
    from wizard.core.model import Connection

    app = make_app(None, provider="google", step=Step.CONNECT)
    app.setup.session.linked(Connection("microsoft365", "admin@demo.example.com", "de",
                                        rooms=6), [], None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConnectScreen)
        linked = shown_text(app, "#already-linked")
        assert "Microsoft 365" in linked and "Google Workspace" in linked, linked
        assert "not confirmed" in linked, linked
