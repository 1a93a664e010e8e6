"""Answers files in the TUI: attended, they fill the forms and the person goes on.

Nothing here sets a widget's value or calls a screen's private method.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scenes import settle
from textual.widgets import Input, Select

from leaks import files_text, find_leaks
from ui_support import make_setup, sandbox
from wizard.app.answers import apply, load
from wizard.core.flow import Step
from wizard.core.model import Status
from wizard.ui.app import WizardApp
from wizard.ui.screens.connect import ConnectScreen
from wizard.ui.screens.prepare import PrepareScreen

PASSWORD = "Answers-Pass-4711!"


def _answers_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text("\n".join(line.strip() for line in text.splitlines()), encoding="utf-8")
    return path


def _scenario(tmp_path: Path) -> Path:
    """Only the file's secret gets the service account in, and only its data centre (uk, not
    the demo's de) knows the sandbox's Cronofy application."""
    path = tmp_path / "scenario.toml"
    path.write_text(f'description.en = "Answers"\n[exchange]\npassword = "{PASSWORD}"\n'
                    '[cronofy]\nregion = "uk"\n', encoding="utf-8")
    return path


def _app(box, answers_path: Path) -> WizardApp:
    """As `roomcal demo --answers FILE` builds it."""
    answers = load(answers_path)
    setup = make_setup(box)
    apply(setup, answers)
    return WizardApp(setup, language=answers.language, answers=answers)


async def test_attended_fills_the_form_and_waits_for_the_person(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    monkeypatch.setenv("ROOMCAL_TEST_EWS_PASSWORD", PASSWORD)
    path = _answers_file(tmp_path, """
        language = "en"
        provider = "exchange"
        [form]
        username = "svc-cronofy@demo.example.com"
        auth = "basic"
        timeout = 20
        [secrets]
        password = "ROOMCAL_TEST_EWS_PASSWORD"
        [connect]
        region = "sg"
    """)
    with sandbox(str(_scenario(tmp_path))) as box:
        app = _app(box, path)
        demo_url = box.values("exchange")["ews_url"]
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, PrepareScreen)
            screen = app.screen
            assert screen.query_one("#field-username", Input).value == \
                "svc-cronofy@demo.example.com"
            assert screen.query_one("#field-ews_url", Input).value == demo_url  # the demo's
            assert screen.query_one("#field-timeout", Input).value == "20"
            assert screen.query_one("#field-auth", Select).value == "basic"
            assert screen.query_one("#field-password", Input).value == PASSWORD
            assert app.session.results["credentials"].status == Status.PASS  # the file's secret
            await pilot.pause(0.5)
            assert app.screen is screen  # nobody goes on but the person
            await pilot.click("#next")
            await settle(pilot)
            assert isinstance(app.screen, ConnectScreen)
            assert app.session.profile.region == "sg"
            await pilot.press("ctrl+q")
        assert app.return_code == 0
    profile = files_text(tmp_path / "config")
    assert profile and not find_leaks(profile, {PASSWORD})


def test_step_is_prepare_after_apply(tmp_path: Path) -> None:
    path = _answers_file(tmp_path, 'provider = "microsoft365"\n')
    with sandbox("healthy", services=("microsoft365",)) as box:
        setup = make_setup(box, provider="exchange", step=Step.CONNECT)
        apply(setup, load(path))
        assert setup.session.step == Step.PREPARE and setup.provider == "microsoft365"
