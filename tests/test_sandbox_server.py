"""The sandbox's loopback servers: one slow or broken client must not stall the others."""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Iterator

import httpx
import pytest

from wizard.sandbox import Sandbox


@pytest.fixture
def exchange() -> Iterator[Sandbox]:
    box = Sandbox("healthy").start(("exchange",))
    yield box
    box.stop()


def _trust(box: Sandbox) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=box.endpoints.ca_bundle)


def _ews(box: Sandbox) -> tuple[str, int]:
    server = box.services["exchange"].servers[0]
    return server.base_url, server.port


def test_an_idle_tcp_connection_does_not_stall_the_next_request(exchange: Sandbox) -> None:
    base_url, port = _ews(exchange)
    # Connected, never says a word: no ClientHello for the TLS handshake.
    with socket.create_connection(("127.0.0.1", port)):
        started = time.monotonic()
        response = httpx.get(f"{base_url}/EWS/Exchange.asmx", timeout=3,
                             verify=_trust(exchange))
        assert response.status_code in (200, 401, 405)  # an answer, whatever it is
        assert time.monotonic() - started < 2.0


def test_a_plain_http_client_on_the_tls_port_is_closed_and_others_go_on(
        exchange: Sandbox) -> None:
    base_url, port = _ews(exchange)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as plain:
        plain.sendall(b"GET / HTTP/1.0\r\n\r\n")
        with contextlib.suppress(ConnectionResetError):  # closed either way: no answer
            assert plain.recv(1024) == b""
    response = httpx.get(f"{base_url}/EWS/Exchange.asmx", timeout=3,
                         verify=_trust(exchange))
    assert response.status_code in (200, 401, 405)


def test_ntlm_starts_over_when_a_signed_in_connection_sends_a_new_negotiate(
        tmp_path) -> None:
    """requests-ntlm sends its NEGOTIATE on whichever pooled connection it gets; IIS answers
    a new token with a new challenge even on a signed-in connection. The sandbox answered
    200 there, and requests-ntlm failed with KeyError('www-authenticate') under load."""
    import base64

    import spnego

    from wizard.providers.exchange.ntlm import NtlmAcceptor

    acceptor = NtlmAcceptor({"svc@demo.example.com": "Passw0rd!"}, tmp_path)
    connection: dict = {}

    def handshake() -> tuple[bool, str]:
        client = spnego.client("svc@demo.example.com", "Passw0rd!", protocol="ntlm")
        negotiate = base64.b64encode(client.step() or b"").decode()
        ok, challenge = acceptor.authenticate(f"NTLM {negotiate}", connection)
        assert not ok and challenge.startswith("NTLM "), challenge
        answer = client.step(base64.b64decode(challenge.split(" ", 1)[1]))
        return acceptor.authenticate(f"NTLM {base64.b64encode(answer).decode()}", connection)

    assert handshake()[0]
    assert acceptor.authenticate("", connection)[0]  # signed in: no header needed
    assert handshake()[0]  # a new NEGOTIATE gets a challenge, not a 200
