"""Microsoft 365 for every tenant: a custom login URL, national clouds, signing in once.

These run ``roomcal check microsoft365`` as a customer would — without
``--scenario`` — against a sandbox reached through ``ROOMCAL_MS_LOGIN_URL`` and
``ROOMCAL_GRAPH_URL``, with an administrator entering the device code on the
verification page (tests/tenant_support.py). The machine has no outside network:
any request to Microsoft's public cloud fails with DNS.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from tenant_support import admin_at_browser, tenant_env

from memory_keyring import MemoryKeyring
from ui_support import sandbox
from wizard.app import Setup
from wizard.cli import main
from wizard.commands.common import CliInteraction
from wizard.core.model import CheckResult, Status
from wizard.providers.microsoft365.sandbox import DEVICE_CODE_GRANT
from wizard.sandbox import Sandbox
from wizard.sandbox.rooms import DOMAIN
from wizard.sandbox.scenario import Scenario


def _check(box_ca: str, *extra: str) -> list[str]:
    return ["--lang", "en", "check", "microsoft365", "--tenant", DOMAIN, "--ca-bundle", box_ca,
            "--json", *extra]


def test_a_custom_login_url_is_used_as_given(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """No instance discovery at the public cloud first: the sign-in reaches the URL set."""
    with sandbox("healthy", services=("microsoft365",)) as box, admin_at_browser(box) as codes:
        tenant_env(box, monkeypatch)
        code = main(_check(str(box.endpoints.ca_bundle)))
    out, err = capsys.readouterr()
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert checks["sign_in"]["status"] == "pass", checks["sign_in"]
    assert code == 0, out + err
    assert len(codes) == 1  # one device code, entered on the sandbox's page


# -- national clouds -----------------------------------------------------------------------

@pytest.mark.parametrize(("cloud", "login", "graph"), [
    ("global", "https://login.microsoftonline.com", "https://graph.microsoft.com"),
    ("usgov", "https://login.microsoftonline.us", "https://graph.microsoft.us"),
    ("usgov-dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    ("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
])
def test_each_cloud_has_microsofts_documented_hosts(cloud: str, login: str, graph: str) -> None:
    from wizard.core.settings import Settings
    from wizard.providers.microsoft365.clouds import service_urls

    assert service_urls(cloud, Settings.from_env({}).endpoints) == (login, graph)


def test_explicit_overrides_win_over_the_clouds_hosts() -> None:
    from wizard.core.settings import Settings
    from wizard.providers.microsoft365.clouds import service_urls

    endpoints = Settings.from_env({"ROOMCAL_MS_LOGIN_URL": "https://login.proxy.example",
                                   "ROOMCAL_GRAPH_URL": "https://graph.proxy.example/"}).endpoints
    assert service_urls("china", endpoints) == ("https://login.proxy.example",
                                                "https://graph.proxy.example")
    only_graph = Settings.from_env({"ROOMCAL_GRAPH_URL": "https://graph.proxy.example"}).endpoints
    assert service_urls("usgov", only_graph) == ("https://login.microsoftonline.us",
                                                 "https://graph.proxy.example")


def test_the_cloud_is_a_cli_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "en", "check", "microsoft365", "--tenant", DOMAIN, "--cloud", "mars"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "global" in err and "usgov-dod" in err and "china" in err


def test_in_the_demo_the_sandboxs_hosts_win_over_the_cloud(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "check", "microsoft365", "--scenario", "healthy", "--cloud",
                 "usgov-dod", "--json"])
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert code == 0, checks
    assert checks["calendar_access"]["status"] == "pass"


@pytest.mark.parametrize(("cloud", "host"), [
    ("usgov", "login.microsoftonline.us"),
    ("china", "login.chinacloudapi.cn"),
])
def test_the_chosen_clouds_login_host_is_called(cloud: str, host: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """No override: the sign-in goes to the cloud's own login host. Without outside
    network (as here) the DNS sentence names the host that was called."""
    import socket

    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        pass
    else:
        pytest.skip(f"{host} resolves here: the request would leave this machine")
    code = main(["--lang", "en", "check", "microsoft365", "--tenant", DOMAIN, "--cloud", cloud,
                 "--json"])
    sign_in = json.loads(capsys.readouterr().out)["checks"][0]
    assert code == 1
    assert sign_in["detail"] == f"The host name {host} could not be resolved (DNS).", sign_in


# -- signing in once: msal's token cache in the keyring ------------------------------------

def test_a_second_run_needs_no_new_device_code(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str],
                                               memory_keyring: MemoryKeyring) -> None:
    with sandbox("healthy", services=("microsoft365",)) as box, admin_at_browser(box) as codes:
        tenant_env(box, monkeypatch)
        ca = str(box.endpoints.ca_bundle)
        first = main(_check(ca))
        capsys.readouterr()
        second = main(_check(ca))
        out = capsys.readouterr().out
        grants = list(box.services["microsoft365"].state.grants)
    sign_in = json.loads(out)["checks"][0]
    assert (first, second) == (0, 0), out
    assert len(codes) == 1 and len(grants) == 1  # the second run used the cached token
    assert sign_in["detail"] == f"Signed in as admin@{DOMAIN} (the stored sign-in).", sign_in
    assert any(name.endswith("microsoft365.token_cache") for _service, name in memory_keyring.store)


def test_an_expired_access_token_is_renewed_with_the_refresh_token(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    short = Scenario("short-tokens", data={"microsoft365": {"access_token_lifetime": 120}})
    with Sandbox(short).start(("microsoft365",)) as box, admin_at_browser(box) as codes:
        tenant_env(box, monkeypatch)
        ca = str(box.endpoints.ca_bundle)
        assert main(_check(ca)) == 0
        assert main(_check(ca)) == 0, capsys.readouterr().out
        grants = list(box.services["microsoft365"].state.grants)
    assert len(codes) == 1
    assert grants == [DEVICE_CODE_GRANT, "refresh_token"]


def test_a_refused_refresh_token_means_a_new_device_code(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    revoked = Scenario("revoked", data={"microsoft365": {"access_token_lifetime": 120,
                                                         "refresh_revoked": True}})
    with Sandbox(revoked).start(("microsoft365",)) as box, admin_at_browser(box) as codes:
        tenant_env(box, monkeypatch)
        ca = str(box.endpoints.ca_bundle)
        assert main(_check(ca)) == 0
        assert main(_check(ca)) == 0, capsys.readouterr().out
    assert len(codes) == 2


def test_without_a_keyring_the_sign_in_says_it_is_kept_in_memory(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # the memory_keyring fixture puts its own back
    with sandbox("healthy", services=("microsoft365",)) as box, admin_at_browser(box):
        tenant_env(box, monkeypatch)
        assert main(_check(str(box.endpoints.ca_bundle))) == 0
    sign_in = json.loads(capsys.readouterr().out)["checks"][0]
    assert sign_in["detail"].startswith(f"Signed in as admin@{DOMAIN}. No keyring is "
                                        "available on this machine"), sign_in


async def _run_step1(setup: Setup) -> dict[str, CheckResult]:
    results = {}
    async for result in setup.run_checks(CliInteraction(setup.demo)):
        if result.status.done:
            results[result.check_id] = result
    return results


def test_recheck_disconnect_and_start_over(tmp_path: Path) -> None:
    """In one session (the TUI's re-check) the cache is reused; disconnecting and
    starting over forget it, so the next sign-in asks for a device code again."""
    with sandbox("healthy", services=("microsoft365", "cronofy")) as box:
        state = box.services["microsoft365"].state
        setup = Setup("test", demo=box)
        setup.session.choose_provider("microsoft365")

        def device_codes_after_a_run() -> int:
            results = asyncio.run(_run_step1(setup))
            assert results["sign_in"].status == Status.PASS, results["sign_in"]
            return len(state.device_codes)

        assert device_codes_after_a_run() == 1
        assert device_codes_after_a_run() == 1  # re-check: the stored sign-in
        setup.disconnect()
        assert device_codes_after_a_run() == 2
        setup.start_over()
        setup.session.choose_provider("microsoft365")
        assert device_codes_after_a_run() == 3


def test_a_role_that_cannot_consent_lets_the_next_run_sign_in_afresh() -> None:
    """The remedy is "sign in as a Global Administrator": the re-check must ask."""
    with sandbox("m365-app-admin", services=("microsoft365",)) as box:
        setup = Setup("test", demo=box)
        setup.session.choose_provider("microsoft365")
        first = asyncio.run(_run_step1(setup))
        asyncio.run(_run_step1(setup))
        device_codes = len(box.services["microsoft365"].state.device_codes)
    assert first["admin_role"].code == "microsoft365.role_cannot_consent"
    assert device_codes == 2


# -- the EWS retirement notice in --json and reports -------------------------------------

def test_json_and_report_carry_the_notice(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from wizard.providers.microsoft365.checks import NOTICE

    report = tmp_path / "report.json"
    main(["--lang", "de", "check", "microsoft365", "--scenario", "healthy", "--json",
          "--report", str(report)])
    payload = json.loads(capsys.readouterr().out)
    written = json.loads(report.read_text(encoding="utf-8"))
    for carrier in (payload, written):
        assert carrier["notices_msg"] == [{"id": NOTICE}]
        assert len(carrier["notices"]) == 1
        assert "ApplicationImpersonation" in carrier["notices"][0]
        assert carrier["notices"][0] != NOTICE  # rendered in the run's language (German)
    assert list(payload)[:5] == ["format", "provider", "ok", "notices", "notices_msg"]


def test_a_provider_without_a_notice_has_an_empty_list(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    main(["--lang", "en", "check", "google", "--scenario", "healthy", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert payload["notices"] == [] and payload["notices_msg"] == []


def test_the_profiles_report_carries_the_notice() -> None:
    from wizard.providers.microsoft365.checks import NOTICE

    setup = Setup("test")
    setup.session.choose_provider("microsoft365")
    assert setup.report()["notices_msg"] == [{"id": NOTICE}]


def test_rooms_missing_at_cronofy_are_not_blamed_on_impersonation() -> None:
    """ApplicationImpersonation does not exist in Exchange Online: the hint step 2 shows
    for rooms Cronofy cannot see must speak of Graph's admin consent."""
    from wizard.providers.microsoft365.checks import PLUGIN

    assert "ApplicationImpersonation" not in PLUGIN.missing_rooms_hint
    assert "admin consent" in PLUGIN.missing_rooms_hint
