"""Google Workspace from where Cronofy stands (issue #21): the API controls that revoke an
untrusted app's tokens, and the custom roles Cronofy accepts instead of a super admin.

Against the sandbox's Cloud Identity Policy API and Directory roles on the wire, driven
by the real sign-in (google-auth-oauthlib) and httpx; step 2 through the sandbox's Cronofy,
whose sign-in Google refuses while Calendar is restricted and Cronofy not trusted. The
scenario table (``google/scenarios.py``) runs each outcome through the CLI and the TUI and
replays it; these look at what it says and proves.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from scenes import settle

from leaks import collect_secrets, find_leaks
from ui_support import make_app, make_setup, sandbox
from wizard import providers
from wizard.app import Setup
from wizard.cli import main
from wizard.commands.common import CliInteraction
from wizard.core.flow import Step, open_items
from wizard.core.model import CheckResult, Status, render
from wizard.providers.google.vantage import CRONOFY_CLIENT_ID, POLICY_FILTER


async def _run_step1(setup: Setup) -> dict[str, CheckResult]:
    results = {}
    async for result in setup.run_checks(CliInteraction(setup.demo)):
        if result.status.done:
            results[result.check_id] = result
    return results


def _scenario(tmp_path: Path, google: str) -> str:
    path = tmp_path / "scenario.toml"
    path.write_text(f"[rooms]\ncount = 6\n\n[google]\n{google}\n", encoding="utf-8")
    return str(path)


def _checks(capsys: pytest.CaptureFixture[str], scenario: str, *extra: str,
            lang: str = "en") -> dict[str, dict]:
    main(["--lang", lang, "check", "google", "--scenario", scenario, "--json", *extra])
    return {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def test_a_restricted_calendar_is_counted_asked_and_the_link_is_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    checks = _checks(capsys, "google-calendar-restricted")
    controls = checks["api_controls"]
    assert controls["status"] == "manual" and controls["code"] == "google.calendar_restricted"
    # Two units restrict Calendar; the top unit's Gmail restriction is not Calendar's.
    assert "for 2 organisational units or groups" in controls["detail"], controls
    assert "Security → Access and data control → API controls → Manage Third-Party App " \
           f"Access: find Cronofy (OAuth client ID {CRONOFY_CLIENT_ID})" in controls["remedy"]
    # Unconfirmed, it holds step 1 open; Cronofy's own sign-in is refused as Google would.
    code = main(["--lang", "en", "connect", "--accept-terms", "--provider", "google", "--scenario",
                 "google-calendar-restricted", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert (code, payload["ok"]) == (1, False), payload
    assert "admin_policy_enforced" in payload["error"], payload


def test_a_confirmed_trust_passes_and_the_link_proves_it(tmp_path: Path) -> None:
    """Calendar restricted at the top unit, Cronofy trusted: the person's tick passes it,
    and Cronofy's sign-in with Calendar scopes going through proves it in step 2."""
    scenario = _scenario(tmp_path, "calendar_restricted = true")
    with sandbox(scenario, services=("google", "cronofy")) as box:
        setup = make_setup(box, provider="google")
        setup.session.set_confirmation("cronofy_app", True)
        before = asyncio.run(_run_step1(setup))
        setup.session.set_confirmation("api_controls", True)
        confirmed = asyncio.run(_run_step1(setup))
        setup.session.set_step(Step.CONNECT)
        outcome = setup.link(CliInteraction(box), threading.Event())
        proven = setup.session.results["api_controls"]
    assert before["api_controls"].status == Status.MANUAL
    # One unit: the singular, from the catalog's plural entry.
    assert "for 1 organisational unit or group:" in render(before["api_controls"].detail)
    assert confirmed["api_controls"].status == Status.PASS
    assert "you confirmed that Cronofy (902414518019) is trusted there" in \
        render(confirmed["api_controls"].detail)
    assert len(outcome.resources) == 6
    assert proven.status == Status.PASS and "Proven in step 2" in render(proven.detail)


def test_only_a_restriction_asks_for_the_confirmation() -> None:
    """An unrestricted Calendar passes without the tick; a restricted one is open until
    it is given (the CLI's exit code, --json's "ok" and the TUI's gate ask this rule)."""
    plugin = providers.get("google").plugin()
    done = {s.id: CheckResult(s.id, Status.PASS) for s in plugin.checks}
    confirmed = frozenset({"cronofy_app"})
    assert open_items(plugin, done, confirmed) == ()
    asked = {**done, "api_controls": CheckResult("api_controls", Status.MANUAL)}
    assert open_items(plugin, asked, confirmed) == ("api_controls",)
    assert open_items(plugin, asked, confirmed | {"api_controls"}) == ()
    # The Marketplace install still needs its tick while it is only asked.
    manual = {**done, "cronofy_app": CheckResult("cronofy_app", Status.MANUAL)}
    assert open_items(plugin, manual, frozenset()) == ("cronofy_app",)


def test_the_policies_are_read_page_by_page_with_the_filter(tmp_path: Path) -> None:
    units = ", ".join(f'"Unit {i}"' for i in range(120))  # more than one page of 100
    scenario = _scenario(tmp_path, f"calendar_restricted = [{units}]\ncronofy_trusted = false")
    with sandbox(scenario, services=("google",)) as box:
        setup = make_setup(box, provider="google")
        results = asyncio.run(_run_step1(setup))
    assert "for 120 organisational units or groups" in render(results["api_controls"].detail)
    assert POLICY_FILTER == r"setting.type.matches('^settings/api_controls\.google_services$')"


def test_an_unreadable_policy_api_never_passes(capsys: pytest.CaptureFixture[str]) -> None:
    disabled = _checks(capsys, "google-policy-api-disabled")["api_controls"]
    assert disabled["status"] == "warn" and disabled["code"] == "google.policy_api_disabled"
    assert '"Cloud Identity API" → Enable' in disabled["remedy"]
    withheld = _checks(capsys, "google-policy-scope-withheld")
    assert withheld["sign_in"]["status"] == "pass"  # optional: the sign-in still completes
    assert withheld["api_controls"]["status"] == "warn"
    assert withheld["api_controls"]["code"] == "google.policy_scope_missing"


def test_a_withheld_policy_scope_is_asked_for_again_on_the_recheck(tmp_path: Path) -> None:
    """The stored sign-in lacks the scope: the re-check signs in afresh, not with it."""
    scenario = _scenario(tmp_path, 'withheld_scopes = ["https://www.googleapis.com/auth/'
                                   'cloud-identity.policies.readonly"]')
    with sandbox(scenario, services=("google",)) as box:
        state = box.services["google"].state
        setup = make_setup(box, provider="google")
        first = asyncio.run(_run_step1(setup))
        state.section["withheld_scopes"] = []  # ticked this time
        again = asyncio.run(_run_step1(setup))
        sign_ins = len(state.issued_codes)
    assert first["api_controls"].code == "google.policy_scope_missing"
    assert sign_ins == 2  # the browser again, not the stored refresh token
    assert again["api_controls"].status == Status.PASS, again["api_controls"]


def test_cronofys_custom_roles_warn_instead_of_failing(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    checks = _checks(capsys, "google-custom-admin-role")
    admin = checks["super_admin"]
    assert admin["status"] == "warn" and admin["code"] == "google.cronofy_custom_role"
    assert "Admin API › Users › Read for 1 organisational unit, Domain management for all" \
        in admin["detail"], admin
    assert "a super administrator still installs the Cronofy app" in admin["remedy"]
    # Only a super administrator may read the policies: said, with what to look at.
    controls = checks["api_controls"]
    assert controls["status"] == "warn" and controls["code"] == "google.policy_denied"
    assert "Manage Third-Party App Access" in controls["remedy"]
    # Cronofy links with such an account (its documented way), a delegated admin without
    # the roles is refused (not-super-admin, tests/test_truth.py).
    code = main(["--lang", "en", "connect", "--accept-terms", "--provider", "google", "--scenario",
                 "google-custom-admin-role", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["ok"] is True, payload


def test_a_delegated_admin_without_domain_management_still_fails(
        capsys: pytest.CaptureFixture[str]) -> None:
    """not-super-admin's help desk role reads users but lacks Domain management."""
    admin = _checks(capsys, "not-super-admin")["super_admin"]
    assert admin["status"] == "fail" and admin["code"] == "google.delegated_admin"


def test_the_replay_keeps_the_count_of_restricted_units(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    main(["--lang", "de", "check", "google", "--scenario", "google-calendar-restricted",
          "--report", str(report), "--json"])
    capsys.readouterr()
    replayed = _checks(capsys, str(report))["api_controls"]
    assert replayed["status"] == "manual"
    assert "for 2 organisational units or groups" in replayed["detail"], replayed


def test_the_handoff_carries_the_api_controls_path(tmp_path: Path) -> None:
    path = tmp_path / "handoff.md"
    with collect_secrets() as secrets:
        assert main(["--lang", "en", "check", "google", "--scenario",
                     "google-calendar-restricted", "--handoff", str(path)]) == 1
    text = path.read_text(encoding="utf-8")
    assert find_leaks({"handoff": text}, secrets) == []
    steps = text[text.index("## The fix"):]
    assert f"find Cronofy (OAuth client ID {CRONOFY_CLIENT_ID}) and set its access to " \
           '"Trusted" where Calendar is Restricted' in steps
    assert "<https://admin.google.com/ac/owl>" in steps
    assert "--confirm api_controls" in text


def test_the_sentences_are_german_too(capsys: pytest.CaptureFixture[str]) -> None:
    checks = _checks(capsys, "google-calendar-restricted", lang="de")
    controls = checks["api_controls"]
    assert "für 2 Organisationseinheiten oder Gruppen eingeschränkt" in controls["detail"]
    assert "Sicherheit → Zugriffs- und Datenkontrolle → API-Steuerung → Zugriff durch " \
           "Drittanbieter-Apps verwalten" in controls["remedy"]
    admin = _checks(capsys, "google-custom-admin-role", lang="de")["super_admin"]
    assert "für 1 Organisationseinheit, Domainverwaltung für alle" in admin["detail"], admin


async def test_the_longer_sign_in_link_keeps_the_buttons_in_view() -> None:
    """Two more scopes make Google's link eleven lines at 80 columns: the dialog's middle
    scrolls, its buttons stay above the footer (they were pushed under it)."""
    from wizard.ui.dialogs.signin import SignInModal
    from wizard.ui.widgets.footer import WizardFooter

    with sandbox("healthy", services=("google",)) as box:
        app = make_app(box, provider="google", step=Step.PREPARE)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(400):
                await pilot.pause(0.05)
                if isinstance(app.screen, SignInModal):
                    break
            assert isinstance(app.screen, SignInModal)
            await pilot.pause()
            button = app.screen.query_one("#sandbox")
            footer = app.screen.query_one(WizardFooter)
            assert app.screen.query_one("#url").region.height >= 10  # the long link
            assert button.region.bottom <= footer.region.y, (button.region, footer.region)
            assert await pilot.click("#sandbox")
            await settle(pilot)
            assert app.session.results["sign_in"].status == Status.PASS
