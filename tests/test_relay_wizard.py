"""The wizard's side of step 2 against a vendor's relay (a real process on loopback, beside
the sandbox's Cronofy): the data centres it serves, the enrollment token asked for in the
TUI, and a relay process that runs without aiohttp's warnings. Nothing is mocked: the
wizard talks HTTP to the relay, the relay to the sandbox's Cronofy."""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from relay_support import Relay, enroll, free_port, relay_env
from scenes import settle
from textual.pilot import Pilot
from textual.widgets import Button, Select, Static
from textual.widgets._select import SelectOverlay

from memory_keyring import MemoryKeyring
from ui_support import make_setup
from wizard.cli import main
from wizard.core.flow import Step
from wizard.sandbox import Sandbox, browser
from wizard.sandbox.scenario import Scenario
from wizard.ui.app import WizardApp
from wizard.ui.screens.connect import LinkScreen
from wizard.ui.screens.connected import ConnectedScreen

TOKEN_ENTRY = ("roomcal", "test:relay.token")  # the keyring's service and entry
ALL_REGIONS = ["us", "uk", "de", "au", "ca", "sg"]


@dataclass
class Vendor:
    box: Sandbox
    relay: Relay
    token: str


@pytest.fixture
def vendor(tmp_path: Path) -> Iterator[Vendor]:
    """A vendor's relay with applications in two data centres: the sandbox's (de) and uk,
    listed in the clients file in that order (the wizard shows REGIONS' order)."""
    box = Sandbox(Scenario("relay", data={"rooms": {"count": 2}})).start(("cronofy",))
    folder = tmp_path / "vendor"
    folder.mkdir()
    env = relay_env(box, folder, f"sqlite:///{folder / 'relay.sqlite3'}")
    clients = Path(env["ROOMCAL_RELAY_CLIENTS"])
    text = clients.read_text(encoding="utf-8")
    clients.write_text(text + "\n" + text.replace("[regions.de]", "[regions.uk]"),
                       encoding="utf-8")
    env["PYTHONWARNINGS"] = "always"  # every warning the relay raises reaches its log
    token = enroll(env, "acme")
    relay = Relay(env, folder).start()
    try:
        yield Vendor(box, relay, token)
    finally:
        relay.stop()
        box.stop()


def admin_app(monkeypatch: pytest.MonkeyPatch, relay_url: str, token: str = "",
              region: str = "de") -> WizardApp:
    """An admin's wizard (no demo) on step 2's first screen, the reminder and the first
    terms given; the relay's address in the environment, the token there or not."""
    monkeypatch.setenv("ROOMCAL_RELAY_URL", relay_url)
    if token:
        monkeypatch.setenv("ROOMCAL_RELAY_TOKEN", token)
    else:
        monkeypatch.delenv("ROOMCAL_RELAY_TOKEN", raising=False)
    setup = make_setup(None, provider="exchange", step=Step.CONNECT)
    setup.connect.choose_region(region)
    setup.connect.acknowledge_reminder()
    setup.connect.accept_terms_connect(True)
    return WizardApp(setup, language="en")


async def open_link_screen(pilot: Pilot) -> LinkScreen:
    await settle(pilot)
    await pilot.click("#link")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LinkScreen), screen
    return screen


def offered(screen: LinkScreen) -> list[str]:
    """The data centres the select offers, by their codes ("Germany (EU) – de")."""
    overlay = screen.query_one("#region", Select).query_one(SelectOverlay)
    return [str(option.prompt).rsplit(" ", 1)[-1] for option in overlay.options]


def link_started(relay: Relay) -> bool:
    return any(json.loads(line).get("event") == "link.started"
               for line in relay.log.read_text().splitlines() if line.startswith("{"))


# -- 1. the data centres the relay serves ----------------------------------------------------

@pytest.mark.parametrize(("profile_region", "shown"), [("de", "de"), ("us", "uk")])
async def test_the_link_screen_offers_the_served_data_centres(
        vendor: Vendor, monkeypatch: pytest.MonkeyPatch, profile_region: str,
        shown: str) -> None:
    app = admin_app(monkeypatch, vendor.relay.url, vendor.token, region=profile_region)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_link_screen(pilot)
        assert offered(screen) == ["uk", "de"]  # REGIONS' order, not the relay's
        assert screen.query_one("#region", Select).value == shown
        await settle(pilot)
        assert app.setup.connect.record.region == shown  # what "Sign in" links in
    assert "NotAppKeyWarning" not in vendor.relay.log.read_text()


async def test_an_unreachable_relay_keeps_the_full_list_and_the_sign_in_says_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = admin_app(monkeypatch, f"http://127.0.0.1:{free_port()}", "some-token")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_link_screen(pilot)
        assert offered(screen) == ALL_REGIONS
        assert not str(screen.query_one("#link-error", Static).render())  # no second error
        await pilot.click("#terms-link")
        await pilot.click("#sign-in")
        await settle(pilot)
        assert "could not be reached" in str(screen.query_one("#link-error", Static).render())


def test_connect_with_a_data_centre_the_relay_does_not_serve_is_a_usage_error(
        vendor: Vendor, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ROOMCAL_RELAY_URL", vendor.relay.url)
    monkeypatch.setenv("ROOMCAL_RELAY_TOKEN", vendor.token)
    code = main(["--lang", "en", "connect", "--accept-terms", "--provider", "exchange",
                 "--region", "us"])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert err.splitlines()[0] == ("The roomcal relay serves these Cronofy data centres: "
                                   "uk, de; “us” is not one of them.")
    assert not link_started(vendor.relay)


# -- 2. the enrollment token, asked for in the TUI -------------------------------------------

async def type_token(pilot: Pilot, token: str) -> None:
    await pilot.click("#terms-link")
    await pilot.click("#sign-in")
    await settle(pilot)
    assert pilot.app.screen.query("#relay-token"), "the token dialog is open"
    await pilot.click("#relay-token")
    await pilot.press(*token)


async def test_sign_in_asks_for_the_token_keeps_it_and_links(
        vendor: Vendor, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring,
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    app = admin_app(monkeypatch, vendor.relay.url)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_link_screen(pilot)
        await type_token(pilot, vendor.token)
        shown = app.export_screenshot()
        assert "enroll" in shown  # who gives the token: the vendor, "roomcal relay enroll"
        assert vendor.token not in shown  # a password field
        await pilot.click("#token-keep")
        for _attempt in range(400):  # the link runs: its sign-in dialog shows the address
            await pilot.pause(0.05)
            if app.screen.query("#url"):
                break
        url = str(app.screen.query_one("#url", Static).render()).replace("\n", "")
        assert memory_keyring.store[TOKEN_ENTRY] == vendor.token
        assert vendor.token not in app.export_screenshot()
        final = browser.follow(url, vendor.box.ports(), ca_bundle=vendor.box.endpoints.ca_bundle)
        assert httpx.get(final).status_code == 200
        await settle(pilot)
        deadline = 400
        while not isinstance(app.screen, ConnectedScreen) and deadline:
            deadline -= 1
            await pilot.pause(0.05)
        assert isinstance(app.screen, ConnectedScreen)
        assert vendor.token not in app.export_screenshot()
    logs = caplog.text + "".join(p.read_text(errors="replace") for p in
                                 (tmp_path / "state").rglob("*.log"))
    assert vendor.token not in logs


async def test_cancel_starts_nothing_and_focus_is_back_on_sign_in(
        vendor: Vendor, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> None:
    app = admin_app(monkeypatch, vendor.relay.url)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_link_screen(pilot)
        await type_token(pilot, "typed-but-cancelled")
        await pilot.click("#token-cancel")
        await settle(pilot)
        assert app.screen is screen
        assert app.focused is screen.query_one("#sign-in", Button)
        assert TOKEN_ENTRY not in memory_keyring.store
    assert not link_started(vendor.relay)


async def test_a_refused_token_is_forgotten_and_asked_for_again(
        vendor: Vendor, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring,
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    wrong = "not-the-vendors-token-4711"
    app = admin_app(monkeypatch, vendor.relay.url)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_link_screen(pilot)
        await type_token(pilot, wrong)
        await pilot.click("#token-keep")
        await settle(pilot)
        error = str(screen.query_one("#link-error", Static).render())
        assert "does not accept this enrollment token" in error
        assert TOKEN_ENTRY not in memory_keyring.store  # forgotten: asked for again
        assert wrong not in app.export_screenshot()
        await pilot.click("#sign-in")
        await settle(pilot)
        assert app.screen.query("#relay-token"), "asked again"
        assert wrong not in app.export_screenshot()
    logs = caplog.text + "".join(p.read_text(errors="replace") for p in
                                 (tmp_path / "state").rglob("*.log"))
    assert wrong not in logs
    assert not link_started(vendor.relay)


async def test_a_token_in_the_environment_is_not_asked_for(
        vendor: Vendor, monkeypatch: pytest.MonkeyPatch) -> None:
    app = admin_app(monkeypatch, vendor.relay.url, vendor.token)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_link_screen(pilot)
        await pilot.click("#terms-link")
        await pilot.click("#sign-in")
        for _attempt in range(400):  # straight to the link's sign-in dialog
            await pilot.pause(0.05)
            if app.screen.query("#url"):
                break
        assert app.screen.query("#url")
        assert link_started(vendor.relay)
        await pilot.press("escape")  # the sign-in's Cancel ends the link
        await settle(pilot)


# -- unattended: never asks ------------------------------------------------------------------

class Watching:
    """An interaction that notes every sign-in it is asked to show (none, here)."""

    def __init__(self) -> None:
        self.asked: list[object] = []

    def begin_sign_in(self, request: object) -> queue.Queue[str]:
        self.asked.append(request)
        return queue.Queue()

    def end_sign_in(self) -> None:
        pass

    def notify(self, text: object) -> None:
        pass


async def test_an_unattended_run_never_asks_for_the_token_and_says_it_is_missing(
        vendor: Vendor, monkeypatch: pytest.MonkeyPatch) -> None:
    """Step 1 passes against the sandbox's Exchange (no demo: the endpoints given), then
    step 2 stops with the no-token sentence: no prompt, no link."""
    from wizard.app import Setup, unattended
    from wizard.app.answers import apply, parse
    from wizard.core.model import render
    from wizard.core.settings import Settings

    box = Sandbox("healthy").start(("exchange",))
    try:
        monkeypatch.setenv("ROOMCAL_RELAY_URL", vendor.relay.url)
        monkeypatch.delenv("ROOMCAL_RELAY_TOKEN", raising=False)
        monkeypatch.setenv("ROOMCAL_TEST_PASSWORD", box.secrets("exchange")["password"])
        form = "\n".join(f'{key} = "{value}"' for key, value in box.values("exchange").items())
        confirm = "\n".join(f"{key} = true" for key in box.confirmations("exchange"))
        answers = parse(f'provider = "exchange"\nunattended = true\n\n[form]\n{form}\n\n'
                        f'[secrets]\npassword = "ROOMCAL_TEST_PASSWORD"\n\n[confirm]\n{confirm}'
                        f"\n\n[connect]\naccept_terms = true\n", "answers.toml",
                        environ=dict(os.environ))
        setup = Setup("test", endpoints=box.endpoints, settings=Settings.from_env())
        apply(setup, answers)
        watching = Watching()
        events = [event async for event in unattended.run(
            setup, answers, watching, threading.Event())]  # type: ignore[arg-type]
    finally:
        box.stop()
    stop = events[-1]
    assert isinstance(stop, unattended.Stopped), events
    assert stop.step == Step.CONNECT, render(stop.sentence)
    assert "No enrollment token for the roomcal relay is set." in render(stop.sentence)
    assert watching.asked == []
    assert not link_started(vendor.relay)
