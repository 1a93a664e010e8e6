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
