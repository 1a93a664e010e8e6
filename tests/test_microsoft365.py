"""Microsoft 365 for every tenant: a custom login URL, national clouds, signing in once.

These run ``roomcal check microsoft365`` as a customer would — without
``--scenario`` — against a sandbox reached through ``ROOMCAL_MS_LOGIN_URL`` and
``ROOMCAL_GRAPH_URL``, with an administrator entering the device code on the
verification page (tests/tenant_support.py). The machine has no outside network:
any request to Microsoft's public cloud fails with DNS.
"""

from __future__ import annotations

import json

import pytest
from tenant_support import admin_at_browser, tenant_env

from ui_support import sandbox
from wizard.cli import main
from wizard.sandbox.rooms import DOMAIN


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
    from wizard.core.endpoints import Endpoints
    from wizard.providers.microsoft365.clouds import service_urls

    assert service_urls(cloud, Endpoints.from_env({})) == (login, graph)


def test_explicit_overrides_win_over_the_clouds_hosts() -> None:
    from wizard.core.endpoints import Endpoints
    from wizard.providers.microsoft365.clouds import service_urls

    endpoints = Endpoints.from_env({"ROOMCAL_MS_LOGIN_URL": "https://login.proxy.example",
                                    "ROOMCAL_GRAPH_URL": "https://graph.proxy.example/"})
    assert service_urls("china", endpoints) == ("https://login.proxy.example",
                                                "https://graph.proxy.example")
    only_graph = Endpoints.from_env({"ROOMCAL_GRAPH_URL": "https://graph.proxy.example"})
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
