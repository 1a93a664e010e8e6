"""A Microsoft 365 tenant at a custom address: the sandbox's, reached as a real one would be.

``roomcal check microsoft365`` without ``--scenario`` talks to whatever
``ROOMCAL_MS_LOGIN_URL`` and ``ROOMCAL_GRAPH_URL`` name (a proxy, a test tenant);
here they name a running sandbox. Nobody's demo browser approves the device
code: ``admin_at_browser`` is the person who reads it and enters it on the
verification page.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from wizard.sandbox import Sandbox


def tenant_env(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the real (non-demo) endpoints at the sandbox's login and Graph servers."""
    monkeypatch.setenv("ROOMCAL_MS_LOGIN_URL", box.endpoints.ms_login_url)
    monkeypatch.setenv("ROOMCAL_GRAPH_URL", box.endpoints.graph_url)


@contextmanager
def admin_at_browser(box: Sandbox) -> Iterator[list[str]]:
    """An administrator who enters every device code the sandbox hands out, as a person
    would: on the verification page (``/devicelogin?user_code=…``). Yields the codes
    entered so far."""
    state = box.services["microsoft365"].state
    entered: list[str] = []
    stop = threading.Event()

    ca = ssl.create_default_context(cafile=str(box.endpoints.ca_bundle))

    def enter_codes() -> None:
        with httpx.Client(verify=ca, timeout=5.0) as browser:
            while not stop.wait(0.05):
                with state.lock:
                    waiting = [e["user_code"] for e in state.device_codes.values()
                               if e["user_code"] not in entered]
                for user_code in waiting:
                    browser.get(f"{box.endpoints.ms_login_url}/devicelogin",
                                params={"user_code": user_code})
                    entered.append(user_code)

    thread = threading.Thread(target=enter_codes, daemon=True, name="admin-at-browser")
    thread.start()
    try:
        yield entered
    finally:
        stop.set()
        thread.join(5)
