"""The leak sweep: the whole flow, TUI and CLI, for every provider, grepped for secrets.

Every password, token, authorization code, device code and client secret the
sandbox saw must appear nowhere — stdout, stderr, the log, the profile, the
report, the exports, the rendered screen — and room names that begin like the
password must stay intact (redaction must not mangle ordinary text). Each
scenario of ``tests/test_scenarios.py`` is swept too (its CLI and TUI runs), the
crash path in ``tests/test_crash_output.py``, ``roomcal serve`` in
``tests/test_serve.py``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from scenes import settle
from textual.widgets import Input

from leaks import collect_secrets, files_text, find_leaks
from ui_support import click, make_app, sandbox
from wizard.cli import main
from wizard.core.flow import Step
from wizard.ui.dialogs.export import ExportModal
from wizard.ui.screens.assign import AssignScreen
from wizard.ui.screens.connected import ConnectedScreen

PASSWORD = "Sommer2024!" + secrets.token_urlsafe(6)
LOOKALIKE = "Sommerhaus am See"  # begins like the password: must never be masked


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(f'''
description.en = "Leak sweep"
[[rooms.list]]
name = "{LOOKALIKE}"
email = "sommerhaus@demo.example.com"
[[rooms.list]]
name = "Raum Elbe"
email = "elbe@demo.example.com"
[exchange]
password = "{PASSWORD}"
password_known = true
''', encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
async def test_tui_flow_leaks_nothing(provider: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    scenario = _scenario(tmp_path)
    screens: dict[str, str] = {}
    with collect_secrets() as seen:
        with sandbox(str(scenario)) as box:
            app = make_app(box, provider=provider, step=Step.PREPARE)
            async with app.run_test(size=(80, 24)) as pilot:
                await settle(pilot)
                if provider == "exchange":  # typed, as the admin would
                    await click(pilot, "#field-password")
                    field = app.screen.query_one("#field-password", Input)
                    await pilot.press("end", *["backspace"] * len(field.value), *PASSWORD)
                    await click(pilot, "#recheck")
                    await settle(pilot)
                if provider == "google":
                    await click(pilot, "#confirm-cronofy_app")
                    await settle(pilot)
                screens["step 1"] = app.export_screenshot()
                for selector in ("#next", "#connect", "#reminder-continue", "#terms-connect",
                                 "#link", "#terms-link", "#sign-in"):
                    await click(pilot, selector)
                await settle(pilot)
                assert isinstance(app.screen, ConnectedScreen), app.screen
                screens["connected"] = app.export_screenshot()
                await click(pilot, "#next")
                await settle(pilot)
                assert isinstance(app.screen, AssignScreen)
                await pilot.click("#room")
                await pilot.press(*"Alster", "enter")
                screens["assign"] = app.export_screenshot()
                await click(pilot, "#export")
                await settle(pilot)
                assert isinstance(app.screen, ExportModal)
                await pilot.press("enter")
                await settle(pilot)
        assert main(["--lang", "en", "report", "--demo", "--profile", "test", "-o",
                     str(tmp_path / "report.json")]) == 0
    out, err = capsys.readouterr()
    assert PASSWORD in seen or provider != "exchange"
    texts = {"stdout": out, "stderr": err, **{f"screen {k}": v for k, v in screens.items()},
             **files_text(tmp_path / "home", tmp_path / "report.json", *_wizard_dirs())}
    assert any("roomcal-rooms" in where for where in texts), sorted(texts)  # exported
    assert find_leaks(texts, seen) == []
    for where in ("screen assign", *[w for w in texts if w.endswith((".csv", ".json"))]):
        assert LOOKALIKE in _plain(texts[where]), where


@pytest.mark.parametrize("provider", ["exchange", "microsoft365", "google"])
def test_cli_flow_leaks_nothing(provider: str, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ROOMCAL_PASSWORD", PASSWORD)
    scenario = _scenario(tmp_path)
    report = tmp_path / "check-report.json"
    confirm = ["--confirm", "cronofy_app"] if provider == "google" else []
    with collect_secrets() as seen:
        assert main(["--lang", "en", "check", provider, "--scenario", str(scenario),
                     "--json", "--report", str(report), *confirm]) == 0
        assert main(["--lang", "de", "check", provider, "--scenario", str(scenario),
                     *confirm]) == 0
        assert main(["--lang", "en", "connect", "--accept-terms", "--provider", provider,
                     "--scenario", str(scenario), "--json", "--verbose"]) == 0
    out, err = capsys.readouterr()
    assert PASSWORD in seen or provider != "exchange"
    texts = {"stdout": out, "stderr": err, **files_text(report, *_wizard_dirs())}
    assert find_leaks(texts, seen) == []
    assert LOOKALIKE in out and LOOKALIKE in texts[str(report)]


def _wizard_dirs() -> list[Path]:
    return [Path(os.environ["ROOMCAL_STATE_DIR"]), Path(os.environ["ROOMCAL_CONFIG_DIR"])]


def _plain(text: str) -> str:
    """An SVG screenshot writes spaces as non-breaking ones."""
    return text.replace("\u00a0", " ").replace("&#160;", " ")
