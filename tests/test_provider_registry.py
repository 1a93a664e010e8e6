"""A provider is one package, registered once: a throwaway one shows up everywhere.

The test writes a provider package of its own (form, one check, a sandbox
service, a replay rule) into a temporary directory, names it in
``ROOMCAL_PROVIDERS`` — how an out-of-tree provider is installed — and finds it
in the welcome screen's list, in ``roomcal check``'s subcommands, in the
sandbox, in a report, and in the replay of that report. No file of roomcal
changes for it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenes import settle

from ui_support import make_app, sandbox
from wizard import providers
from wizard.cli import main
from wizard.sandbox import Sandbox

PACKAGE = {
    "__init__.py": '''
from wizard.core.i18n import N_
from wizard.providers import ProviderInfo

INFO = ProviderInfo(name="fakecal", title=N_("Fake Calendar"), order=9, package=__name__)
''',
    "checks.py": '''
from wizard.core.model import CheckResult, CheckSpec, Field, ProviderPlugin, Status, SubResult


def check_rooms(ctx):
    import ssl

    import httpx

    verify = ssl.create_default_context(cafile=ctx.endpoints.ca_bundle)
    rooms = httpx.get(f"{ctx.values['server']}/rooms", verify=verify).json()
    if not rooms:
        return CheckResult("rooms", Status.FAIL, "no rooms", "add rooms", code="fakecal.no_rooms")
    return CheckResult("rooms", Status.PASS, f"{len(rooms)} rooms",
                       items=tuple(SubResult(r["name"], Status.PASS, "", r["email"])
                                   for r in rooms))


PLUGIN = ProviderPlugin(
    name="fakecal",
    fields=(Field("server", "Server", kind="url"),),
    checks=(CheckSpec("rooms", "Rooms exist", check_rooms),),
)
''',
    "sandbox.py": '''
from wizard.sandbox.server import Response, Router


def start(sandbox):
    from wizard.sandbox import ServiceHandle

    router = Router()
    router.add("GET", "/rooms", lambda request: Response.json(
        [{"name": r.name, "email": r.email} for r in sandbox.scenario.rooms]))
    server = sandbox.serve(router, "fakecal", tls=True)
    return ServiceHandle(servers=[server], demo_values={"fakecal": {"server": server.base_url}})
''',
    "replay.py": '''
RULES = {"fakecal.no_rooms": lambda check, inputs: {"rooms": {"count": 0}}}
''',
}


@pytest.fixture
def fakecal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    package = tmp_path / "plugins" / "roomcal_fakecal"
    package.mkdir(parents=True)
    for name, text in PACKAGE.items():
        (package / name).write_text(text.lstrip(), encoding="utf-8")
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.setenv("ROOMCAL_PROVIDERS", "roomcal_fakecal")
    providers.reload()
    yield
    for name in [m for m in sys.modules if m.startswith("roomcal_fakecal")]:
        del sys.modules[name]
    monkeypatch.delenv("ROOMCAL_PROVIDERS")
    providers.reload()


def test_the_registry_lists_it_without_importing_its_checks(fakecal: None) -> None:
    assert "fakecal" in providers.names()
    assert "roomcal_fakecal.checks" not in sys.modules
    assert providers.get("fakecal").plugin().name == "fakecal"


async def test_the_welcome_screen_offers_it(fakecal: None) -> None:
    with sandbox("healthy", services=("cronofy",)) as box:
        app = make_app(box)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            offered = str(app.screen.query_one("#provider").render())
            assert "Fake Calendar" in offered


def test_the_sandbox_plays_it(fakecal: None) -> None:
    box = Sandbox("healthy").start()
    try:
        assert "fakecal" in box.services
        assert box.values("fakecal")["server"].startswith("https://127.0.0.1:")
    finally:
        box.stop()


def test_check_report_and_replay(fakecal: None, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "check", "fakecal", "--scenario", "healthy", "--json"]) == 0
    healthy = json.loads(capsys.readouterr().out)
    assert healthy["provider"] == "fakecal" and healthy["checks"][0]["status"] == "pass"
    report = tmp_path / "report.json"
    assert main(["--lang", "de", "check", "fakecal", "--scenario", "no-rooms", "--report",
                 str(report)]) == 1
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["provider"] == "fakecal"
    assert written["checks"][0]["code"] == "fakecal.no_rooms"
    capsys.readouterr()
    assert main(["--lang", "en", "check", "fakecal", "--scenario", str(report), "--json"]) == 1
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["checks"][0]["code"] == "fakecal.no_rooms"  # the same failure, by code


def test_check_lists_it_as_a_subcommand(fakecal: None, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "en", "check", "--help"])
    assert "fakecal" in capsys.readouterr().out


def test_the_screens_name_no_provider() -> None:
    """What a provider's sign-in is called comes from its package (the request's title),
    not from a table of provider names in the screens."""
    import ast

    names = {info.name for info in providers.providers()}
    ui = Path(__file__).resolve().parents[1] / "wizard" / "ui"
    named = [f"{path.name}: {node.value}" for path in sorted(ui.rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and node.value in names]
    assert not named, named
