"""The demo's stand-in for a browser: follows a sign-in URL through the sandbox.

On a jump host there is no browser; in the demo there is no account either.
``follow`` requests the authorize URL from the sandbox (which signs the demo
admin in and consents), follows its redirects, and stops at the first URL
that leaves the sandbox — the wizard's own loopback redirect. ``complete``
then requests that URL too (the loopback path); a guide can instead paste it
(the paste path). Either way the wizard's real redirect handling runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import httpx

from wizard.core import tls

if TYPE_CHECKING:
    from wizard.core.interaction import SignInRequest


def follow(url: str, sandbox_ports: set[int], *, ca_bundle: str = "", max_hops: int = 10) -> str:
    """Return the first redirect target outside the sandbox (the final redirect URL)."""
    with httpx.Client(verify=tls.context(ca_bundle), follow_redirects=False,
                      timeout=10.0) as client:
        for _hop in range(max_hops):
            parts = urlsplit(url)
            if parts.port not in sandbox_ports:
                return url
            response = client.get(url)
            location = response.headers.get("location")
            if response.status_code not in (301, 302, 303, 307, 308) or not location:
                raise RuntimeError(f"sandbox sign-in stopped with HTTP {response.status_code}")
            url = urljoin(url, location)
    raise RuntimeError("too many redirects")


def complete(url: str, sandbox_ports: set[int], *, ca_bundle: str = "") -> str:
    """Follow the sign-in and deliver the final redirect to the wizard's loopback server."""
    final = follow(url, sandbox_ports, ca_bundle=ca_bundle)
    with httpx.Client(verify=tls.context(), timeout=10.0) as client:  # verify: made once
        client.get(final)
    return final


def approve(request: SignInRequest, sandbox_ports: set[int], *, ca_bundle: str = "") -> str:
    """Do what a person in a browser would do with a SignInRequest, against the sandbox.

    Redirect flows are followed to the wizard's loopback server; device-code
    flows (``user_code`` set) are approved by opening the verification page
    with the code.
    """
    url, user_code = request.url, request.user_code
    if user_code:
        separator = "&" if "?" in url else "?"
        with httpx.Client(verify=tls.context(ca_bundle), timeout=10.0) as client:
            response = client.get(f"{url}{separator}user_code={user_code}")
            response.raise_for_status()
        return url
    return complete(url, sandbox_ports, ca_bundle=ca_bundle)
