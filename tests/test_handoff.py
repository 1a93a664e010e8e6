"""Step 1 handed to IT: a Markdown hand-off from the CLI (``--handoff FILE``) and the TUI.

The person who fixes step 1 reads it outside the wizard: what was found, every
open check with its sentence, remedy and rooms, and one fix for all of them
(a PowerShell script for Exchange, console steps with links for Microsoft 365
and Google), filled with what was discovered — never a secret.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from scenes import settle
from screen_text import screen_lines
from test_provider_registry import fakecal  # noqa: F401  (a fixture)
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from leaks import collect_secrets, find_leaks
from ui_support import make_app, sandbox
from wizard.cli import main
from wizard.core.flow import Step
from wizard.ui.dialogs.confirm import ConfirmModal
from wizard.ui.dialogs.handoff import HandoffModal

# -- the CLI: roomcal check … --handoff FILE ----------------------------------------------------

def _handoff(tmp_path: Path, provider: str, scenario: str, *extra: str, lang: str = "en",
             code: int = 1) -> str:
    """Run the check with --handoff; the text written, swept for every secret the sandbox saw."""
    path = tmp_path / "handoff.md"
    with collect_secrets() as secrets:
        assert main(["--lang", lang, "check", provider, "--scenario", scenario, "--handoff",
                     str(path), *extra]) == code
    assert secrets
    text = path.read_text(encoding="utf-8")
    assert find_leaks({"handoff": text}, secrets) == []
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it names rooms and accounts
    return text


def _fix_block(text: str, language: str) -> str:
    """The code block of the fix section (the script)."""
    match = re.search(rf"^(`{{3,}}){language}\n(.*?)^\1$", text, re.M | re.S)
    assert match, text
    return match.group(2)


def test_exchange_impersonation_denied(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "exchange", "impersonation-denied")
    assert text.startswith("# Step 1 for IT: prepare Exchange Server (on-premises) for Cronofy")
    assert "- ✗ **ApplicationImpersonation for every room**: svc-cronofy@demo.example.com may " \
           "not impersonate 2 of 6 rooms" in text
    assert "- ✓ **Room list exists**: rooms@demo.example.com is a room list" in text
    assert "**Remedy:** Assign the ApplicationImpersonation role" in text
    assert "- ✗ Raum Elbe (elbe@demo.example.com): impersonation denied" in text
    script = _fix_block(text, "powershell")
    assert 'New-ManagementScope -Name "Room mailboxes" -RecipientRestrictionFilter ' \
           '{RecipientTypeDetails -eq "RoomMailbox"}' in script
    assert "New-ManagementRoleAssignment -Name \"Cronofy impersonation\" -Role " \
           "ApplicationImpersonation -User 'svc-cronofy@demo.example.com' " \
           '-CustomRecipientWriteScope "Room mailboxes"' in script
    comments = [line for line in script.splitlines() if line.startswith("#")]
    assert any("Raum Elbe" in c and "elbe@demo.example.com" in c for c in comments), script
    assert any("Board Room" in c for c in comments), script
    assert "30 minutes" in script
    # Nothing else was wrong: no room list, EWS or mailbox commands.
    assert "New-DistributionGroup" not in script and "Set-CASMailbox" not in script
    assert "roomcal check exchange --scenario impersonation-denied" in text


def test_exchange_no_room_list_creates_the_typed_one(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "exchange", "no-room-list", "--room-list",
                    "konferenz@demo.example.com")
    script = _fix_block(text, "powershell")
    assert 'New-DistributionGroup -Name "Rooms" -RoomList -PrimarySmtpAddress ' \
           "'konferenz@demo.example.com'" in script
    # Then the rooms go into it: every room mailbox, one line.
    assert "Add-DistributionGroupMember -Identity 'konferenz@demo.example.com'" in script
    assert script.index("New-DistributionGroup") < script.index("Add-DistributionGroupMember")
    assert "Not checked yet, because they depend on the above: Rooms in the room list, " \
           "ApplicationImpersonation for every room, " in text  # and the checks after it
    assert "--room-list konferenz@demo.example.com" in text  # the re-check, exactly


def test_exchange_commands_are_not_repeated(tmp_path: Path) -> None:
    scenario = tmp_path / "ews-and-more.toml"
    scenario.write_text("[exchange]\nmalformed = true\n", encoding="utf-8")
    text = _handoff(tmp_path, "exchange", str(scenario))
    script = _fix_block(text, "powershell")
    ews = [line for line in script.splitlines() if line.startswith("Set-CASMailbox")]
    assert ews == ["Set-CASMailbox -Identity 'svc-cronofy@demo.example.com' -EwsEnabled $true"]


def test_room_names_are_never_markup_nor_commands(tmp_path: Path) -> None:
    """Server text: escaped in prose, one comment line in the script (never a command)."""
    scenario = tmp_path / "evil-names.toml"
    scenario.write_text(
        '[[rooms.list]]\nname = "[bold]Vorstand_*x*"\nemail = "vorstand@demo.example.com"\n'
        '[[rooms.list]]\nname = "Evil\\nRemove-Mailbox -Identity ceo ```"\n'
        'email = "evil@demo.example.com"\n'
        "[exchange]\nimpersonation_denied = true\n", encoding="utf-8")
    text = _handoff(tmp_path, "exchange", str(scenario))
    assert r"- ✗ \[bold\]Vorstand\_\*x\* (vorstand@demo.example.com)" in text
    script = _fix_block(text, "powershell")
    assert not [line for line in script.splitlines() if line.startswith("Remove-Mailbox")]
    assert any(line.startswith("#") and "Evil Remove-Mailbox -Identity ceo" in line
               for line in script.splitlines())


def test_exchange_all_passes_nothing_to_do(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "exchange", "healthy", code=0)
    assert "Nothing needs doing: every check passed." in text
    assert "```powershell" not in text and "## What needs doing" not in text


def test_microsoft365_not_admin(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "microsoft365", "m365-not-admin")
    steps = text[text.index("## The fix"):]
    assert "https://entra.microsoft.com/" in steps
    assert "Global Administrator" in steps and "Privileged Role Administrator" in steps
    assert "admin@demo.example.com" in steps  # the account that signed in
    assert "demo.example.com" in steps


def test_microsoft365_rooms_outside_lists(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "microsoft365", "m365-rooms-outside-lists")
    steps = text[text.index("## The fix"):]
    for email in ("spree", "isar", "boardroom", "rhein"):
        assert f"Add-DistributionGroupMember -Identity 'rooms@demo.example.com' -Member " \
               f"'{email}@demo.example.com'" in steps
    assert "Connect-ExchangeOnline" in steps
    assert "/adminconsent?client_id=" in steps  # the calendar that cannot be read
    assert "Get-ApplicationAccessPolicy" in steps and "Board Room" in steps
    assert re.search(r"^1\. .*\n(.*\n)*^2\. ", steps, re.M)  # one numbered list


def test_google_not_super_admin(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "google", "not-super-admin")
    steps = text[text.index("## The fix"):]
    assert "https://admin.google.com/ac/roles" in steps
    assert "Super Admin" in steps and "admin@demo.example.com" in steps
    assert "https://workspace.google.com/marketplace/search/Cronofy" in steps  # not confirmed
    assert "--confirm cronofy_app" in text
    assert "below" not in text  # the TUI's toggle is below the sentence; IT has no toggle


def test_google_api_disabled(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "google", "google-api-disabled")
    steps = text[text.index("## The fix"):]
    assert "https://console.cloud.google.com/apis/library/admin.googleapis.com" in steps


def test_german(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "exchange", "impersonation-denied", lang="de")
    assert text.startswith("# Schritt 1 für die IT: Exchange Server (lokal) für Cronofy "
                           "vorbereiten")
    assert "## Was roomcal gefunden hat" in text and "## Wenn es erledigt ist" in text
    assert "Berechtigungsänderungen können bis zu 30 Minuten dauern" in text


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "handoff.md"
    path.write_text("mine", encoding="utf-8")
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--handoff",
                 str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "--force" in err, err
    assert path.read_text(encoding="utf-8") == "mine"
    assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--handoff",
                 str(path), "--force"]) == 0
    assert path.read_text(encoding="utf-8").startswith("# Step 1 for IT")


@pytest.mark.usefixtures("fakecal")
def test_a_provider_without_its_own_fix_gets_the_rest(tmp_path: Path) -> None:
    text = _handoff(tmp_path, "fakecal", "no-rooms")
    assert "- ✗ **Rooms exist**: no rooms" in text and "**Remedy:** add rooms" in text
    assert "## The fix" not in text
    assert "roomcal check fakecal --scenario no-rooms" in text


# -- the TUI: a key and a button on the step-1 screen, a dialog ---------------------------------

async def _open_dialog(pilot: Pilot, how: str) -> HandoffModal:
    await settle(pilot)
    if how == "key":
        await pilot.press("ctrl+o")
    else:
        await pilot.click("#handoff")
    await settle(pilot)
    assert isinstance(pilot.app.screen, HandoffModal)
    return pilot.app.screen


async def _type_path(pilot: Pilot, path: Path) -> None:
    await pilot.press("end", "ctrl+u", *str(path))  # the path field has the focus


async def test_tui_key_opens_the_dialog_even_from_a_field(tmp_path: Path) -> None:
    """ctrl+o, not a letter: the cursor is often in a field of the form on this screen."""
    target = tmp_path / "for-it.md"
    with collect_secrets() as secrets, sandbox("impersonation-denied") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            room_list = app.screen.query_one("#field-room_list", Input)
            room_list.focus()
            typed = room_list.value
            dialog = await _open_dialog(pilot, "key")
            path = dialog.query_one("#handoff-path", Input)
            assert path.has_focus and path.value.endswith("roomcal-handoff-test.md")
            await _type_path(pilot, target)
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, HandoffModal)
            assert room_list.value == typed  # nothing typed into the form
            status = app.screen.query_one("#prepare-status", Static)
            assert status.display and str(target) in str(status.render())
            # Said where a person looks: on the screen, not below the fold.
            shown = "".join(line.strip() for line in screen_lines(app.screen))  # wrapped
            assert target.name in shown, screen_lines(app.screen)
            screen = app.export_screenshot()
    text = target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "New-ManagementRoleAssignment" in text and "Raum Elbe" in text
    assert find_leaks({"handoff": text, "screen": screen}, secrets) == []


async def test_tui_button_writes_it_with_an_anonymized_report(tmp_path: Path) -> None:
    target = tmp_path / "for-it.md"
    with collect_secrets() as secrets, sandbox("impersonation-denied") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot, "button")
            assert not dialog.query_one("#handoff-anonymize").display  # only with a report
            await pilot.click("#handoff-report")
            await pilot.click("#handoff-anonymize")
            await pilot.click("#handoff-path")
            await _type_path(pilot, target)
            targets = str(dialog.query_one("#handoff-targets", Static).render())
            assert str(tmp_path / "for-it-report.json") in targets
            await pilot.click("#handoff-write")
            await settle(pilot)
            status = str(app.screen.query_one("#prepare-status", Static).render())
    report = tmp_path / "for-it-report.json"
    assert str(report) in status
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    written = report.read_text(encoding="utf-8")
    assert '"anonymized": true' in written and "demo.example.com" not in written
    assert "demo.example.com" in target.read_text(encoding="utf-8")  # IT's own names
    assert find_leaks({"report": written}, secrets) == []


async def test_tui_asks_before_replacing_a_file(tmp_path: Path) -> None:
    target = tmp_path / "for-it.md"
    target.write_text("mine", encoding="utf-8")
    with sandbox("healthy") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot, "key")
            await _type_path(pilot, target)
            assert "(exists)" in str(dialog.query_one("#handoff-targets", Static).render())
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal)
            await pilot.click("#confirm-no")
            await settle(pilot)
            assert app.screen is dialog  # still open: another name, or cancel
            assert target.read_text(encoding="utf-8") == "mine"
            await pilot.press("enter")
            await settle(pilot)
            await pilot.click("#confirm-yes")
            await settle(pilot)
            assert not isinstance(app.screen, HandoffModal | ConfirmModal)
    assert "Nothing needs doing" in target.read_text(encoding="utf-8")


async def test_tui_in_german(tmp_path: Path) -> None:
    target = tmp_path / "fuer-die-it.md"
    with sandbox("no-room-list") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE, language="de")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert str(app.screen.query_one("#handoff", Button).label) == \
                "An die IT übergeben…"
            await _open_dialog(pilot, "button")
            await _type_path(pilot, target)
            await pilot.press("enter")
            await settle(pilot)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Schritt 1 für die IT")
    assert "New-DistributionGroup -Name \"Rooms\" -RoomList" in text


def test_checks_that_have_not_run_are_not_called_passed() -> None:
    """Written before the checks ran (or while they run): nothing is claimed to pass."""
    from wizard.app import Setup
    from wizard.app.handoff import markdown
    from wizard.core.model import CheckResult, Status

    setup = Setup("early")
    setup.session.choose_provider("exchange")
    ok = {"endpoint": CheckResult("endpoint", Status.PASS, "EWS answers")}
    text = markdown(setup, values=setup.values(), results=ok)
    assert "every check passed" not in text
    assert "Not every check has run yet" in text and "Service account signs in" in text


@pytest.mark.parametrize("where", ["missing-folder/handoff.md", "."])
def test_a_target_that_cannot_be_written_is_refused_before_the_checks(
        where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing folder, or a folder (even with --force): one sentence, and no check runs."""
    target = tmp_path / where
    with collect_secrets() as secrets:
        assert main(["--lang", "en", "check", "exchange", "--scenario", "healthy", "--handoff",
                     str(target), "--force"]) == 2
    assert not secrets  # the sandbox never started
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(target) in err, err


async def test_tui_says_where_it_wrote_on_the_screen(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Straight from the failing check (where the run leaves the focus): ctrl+o, Enter."""
    monkeypatch.setenv("HOME", str(tmp_path))
    with sandbox("impersonation-denied") as box:
        app = make_app(box, provider="exchange", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+o")
            await settle(pilot)
            assert isinstance(app.screen, HandoffModal)
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, HandoffModal)
            shown = "".join(line.strip() for line in screen_lines(app.screen))  # wrapped
            assert "roomcal-handoff-test.md" in shown, screen_lines(app.screen)
