"""A provider is one package, registered once: a throwaway one shows up everywhere.

The test writes a provider package of its own (form, one check, a sandbox
service, a replay rule, its scenario rows, its German catalog, and in its INFO an
address of its own with its ``ROOMCAL_FAKECAL_URL`` and a library to quieten) into a temporary
directory, names it in ``ROOMCAL_PROVIDERS`` — how a provider that is not
installed as a distribution is found — and finds it in the welcome screen's
list, in ``roomcal check``'s subcommands, in ``roomcal --help``'s variables, in
the settings, in the log's levels, in the sandbox, in the scenario table, in a
report, and in the replay of that report; it speaks German from its own catalog.
Installed as a distribution (an entry point in ``roomcal.providers``) it is found
without the variable. No file of roomcal changes for it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenes import settle

from ui_support import make_app, sandbox
from wizard import providers
from wizard.cli import main
from wizard.core import catalogs, i18n, logfile
from wizard.core.endpoints import InsecureEndpointError
from wizard.core.settings import Settings
from wizard.sandbox import Sandbox

PACKAGE = {
    "__init__.py": '''
from wizard.core.endpoints import Address
from wizard.core.i18n import N_
from wizard.providers import ProviderInfo

INFO = ProviderInfo(
    name="fakecal", title=N_("Fake Calendar"), order=9, package=__name__,
    endpoints=(Address("fakecal_url", N_("Fake Calendar address (https)"),
                       N_("The Fake Calendar URL"), default="https://fakecal.example"),),
    chatty_libraries=("fakecal_client",),
    translations="locale",
)
''',
    "checks.py": '''
from wizard.core.model import CheckResult, CheckSpec, Field, ProviderPlugin, Status, SubResult


def check_rooms(ctx):
    import ssl

    import httpx

    verify = ssl.create_default_context(cafile=ctx.endpoints.ca_bundle)
    server = ctx.values.get("server") or ctx.endpoints.fakecal_url  # its own address
    rooms = httpx.get(f"{server}/rooms", verify=verify).json()
    if not rooms:
        return CheckResult("rooms", Status.FAIL, "no rooms", "add rooms", code="fakecal.no_rooms")
    return CheckResult("rooms", Status.PASS, f"{len(rooms)} rooms",
                       items=tuple(SubResult(r["name"], Status.PASS, "", r["email"])
                                   for r in rooms))


PLUGIN = ProviderPlugin(
    name="fakecal",
    fields=(Field("server", "Server", kind="url", required=False),),
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
    return ServiceHandle(servers=[server], demo_values={"fakecal": {"server": ""}},
                         endpoints={"fakecal_url": server.base_url})
''',
    "replay.py": '''
RULES = {"fakecal.no_rooms": lambda check, inputs: {"rooms": {"count": 0}}}
''',
    "locale/de/LC_MESSAGES/fakecal.po": '''
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Fake Calendar"
msgstr "Falscher Kalender"

msgid "Rooms exist"
msgstr "Räume vorhanden"
''',
    "scenarios.py": '''
from wizard.providers import Scenario

SCENARIOS = (Scenario("healthy", 0, {"rooms": "pass"}, "6 rooms"),
             Scenario("no-rooms", 1, {"rooms": "fail"}, "no rooms"))
''',
}


@pytest.fixture
def fakecal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    package = tmp_path / "plugins" / "roomcal_fakecal"
    package.mkdir(parents=True)
    for name, text in PACKAGE.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text.lstrip(), encoding="utf-8")
    catalogs.compile_all(package / "locale")  # as the provider's build would
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.setenv("ROOMCAL_PROVIDERS", "roomcal_fakecal")
    providers.reload()
    yield
    for name in [m for m in sys.modules if m.startswith("roomcal_fakecal")]:
        del sys.modules[name]
    monkeypatch.delenv("ROOMCAL_PROVIDERS", raising=False)
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
        assert box.endpoints.fakecal_url.startswith("https://127.0.0.1:")  # its address
    finally:
        box.stop()


def test_roomcal_sandbox_exports_its_address(fakecal: None, tmp_path: Path) -> None:
    """``roomcal sandbox`` prints the variables that point another roomcal at it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path / "plugins"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    process = subprocess.Popen([sys.executable, "-m", "wizard", "sandbox"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    wanted = {"ROOMCAL_FAKECAL_URL", "ROOMCAL_GRAPH_URL", "ROOMCAL_AUTODISCOVER_URL",
              "ROOMCAL_GOOGLE_API_URL", "ROOMCAL_CRONOFY_API_URL"}
    watchdog = threading.Timer(30, process.kill)  # a line that never comes: EOF, not a hang
    watchdog.start()
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while line := process.stdout.readline():  # it prints, then serves until interrupted
            lines.append(line)
            if wanted <= _exported(lines):
                break
    finally:
        watchdog.cancel()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            process.kill()
            process.wait()
    assert wanted <= _exported(lines), lines


def _exported(lines: list[str]) -> set[str]:
    return {line.split()[1].partition("=")[0] for line in lines
            if line.strip().startswith("export ")}


def test_help_lists_its_variable(fakecal: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "en", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "ROOMCAL_FAKECAL_URL Fake Calendar address (https)" in out


def test_the_settings_read_its_address(fakecal: None) -> None:
    assert Settings().endpoints.fakecal_url == "https://fakecal.example"  # its default
    settings = Settings.from_env({"ROOMCAL_FAKECAL_URL": "https://proxy.example/ "})
    assert settings.fakecal_url == "https://proxy.example"
    assert settings.endpoints.fakecal_url == "https://proxy.example"
    with pytest.raises(InsecureEndpointError) as refused:  # checked like core's own
        Settings.from_env({"ROOMCAL_FAKECAL_URL": "http://proxy.example"})
    assert refused.value.variable == "ROOMCAL_FAKECAL_URL"
    assert "The Fake Calendar URL must use https" in str(refused.value)


def test_the_log_quietens_its_library(fakecal: None, tmp_path: Path) -> None:
    logfile.setup(tmp_path)
    assert logging.getLogger("fakecal_client").level == logging.WARNING


def test_its_scenarios_join_the_table(fakecal: None, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    from test_scenarios import table

    rows = [row for row in table() if row.provider == "fakecal"]
    assert [row.id for row in rows] == ["fakecal-healthy", "fakecal-no-rooms"]
    for row in rows:  # as test_scenarios runs them through the CLI
        code = main(["--lang", "en", "check", "fakecal", "--scenario", row.scenario, "--json"])
        (check,) = json.loads(capsys.readouterr().out)["checks"]
        assert code == row.exit and check["status"] == row.statuses["rooms"]
        assert row.phrase in check["detail"] + check["remedy"]


def test_its_own_translations_are_used(fakecal: None, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    try:
        assert main(["--lang", "de", "check", "fakecal", "--scenario", "healthy"]) == 0
        assert "Räume vorhanden" in capsys.readouterr().out  # its check's title, in German
        assert i18n._("Fake Calendar") == "Falscher Kalender"
    finally:
        i18n.set_language("en")


def test_an_installed_distribution_is_found_by_its_entry_point(
        fakecal: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROOMCAL_PROVIDERS")
    providers.reload()
    assert "fakecal" not in providers.names()
    dist_info = tmp_path / "plugins" / "roomcal_fakecal-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "entry_points.txt").write_text(
        "[console_scripts]\nfake = roomcal_fakecal:main\n\n"
        "[roomcal.providers]\nfakecal = roomcal_fakecal\n", encoding="utf-8")
    providers.reload()
    assert "fakecal" in providers.names()
    assert "roomcal_fakecal.checks" not in sys.modules  # listed without importing them


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


def test_the_built_in_providers_are_found_by_their_entry_points() -> None:
    """roomcal's own three are entry points of its distribution (pyproject.toml), read as
    importlib.metadata reads them — without importing it on --help's path."""
    from importlib import metadata

    providers.reload()
    found = {entry.value for entry in metadata.entry_points(group=providers.GROUP)}
    assert set(providers.installed()) == found
    assert {f"wizard.providers.{name}" for name in providers.names()} <= found
