"""One HTTP client per check run and trust store: connections kept alive between requests.

The Google and Graph checks made a client per request (each room's too), so every
request opened a TCP connection and did a TLS handshake first: two round trips to the
service before each of 5 000 rooms' requests, and the handshake's CPU on both ends. A
client shared by the run's threads keeps a pool of open connections instead (httpx's
clients are safe to share between threads). Each request carries its own headers — the
token can change within a run. The runner closes the clients when the run ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wizard.core import tls

if TYPE_CHECKING:
    import httpx

    from wizard.core.model import CheckContext

_KEY = "http.clients"  # in ctx.shared: {ca_bundle: httpx.Client}
TIMEOUT = 30.0


def client(ctx: CheckContext, ca_bundle: str = "") -> httpx.Client:
    """The run's client verifying against ``ca_bundle`` (else the default trust store)."""
    import httpx

    with ctx.lock:
        clients: dict[str, Any] = ctx.shared.setdefault(_KEY, {})
        found = clients.get(ca_bundle)
        if found is None:
            found = clients[ca_bundle] = httpx.Client(verify=tls.context(ca_bundle),
                                                      timeout=TIMEOUT)
    return found


def close(ctx: CheckContext) -> None:
    """Close the run's clients (and their connections). A thread still in a request —
    a timed-out check, abandoned — gets an error it no longer reports."""
    with ctx.lock:
        clients: dict[str, Any] = ctx.shared.pop(_KEY, {})
    for found in clients.values():
        found.close()
