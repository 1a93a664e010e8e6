"""Step 2: link the calendar service through Cronofy Enterprise Connect.

The help page's sequence, done for real: build the Enterprise Connect
authorize URL (random ``state``), show it (full and copyable) while a
loopback server waits for the redirect — or the pasted URL — then exchange
the code, keep the tokens in the keyring, read back who was linked and which
room calendars Cronofy sees, and compare them with the rooms of step 1.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from wizard.connect.cronofy import CronofyClient, Resource, Tokens
from wizard.connect.oauth_loopback import RedirectError, RedirectServer
from wizard.core.endpoints import Endpoints
from wizard.core.errors import UserFacingError
from wizard.core.flow import minutes_since, resumable
from wizard.core.i18n import N_
from wizard.core.interaction import Interaction, SignInRequest
from wizard.core.model import Connection, Msg
from wizard.core.secrets import SecretStore

SCOPES = "service_account/accounts/manage service_account/resources/manage"
SIGN_IN_TIMEOUT = 15 * 60
TOKEN_KEYS = ("cronofy.access_token", "cronofy.refresh_token", "cronofy.expires_at",
              "cronofy.service_account_id")
# Kept beside the tokens, but identifiers: a support engineer needs the ser_… id, and
# masking an expiry time would mask that number everywhere else too.
NOT_SECRET = frozenset({"cronofy.expires_at", "cronofy.service_account_id"})


@dataclass
class LinkRequest:
    provider: str  # the registry's name; Cronofy's provider_name
    region: str
    port: int
    step1_rooms: list[str]
    profile: str
    # The profile's pending_link of a link that a crash or a lost SSH session cut
    # short: its state and port are reused, so the browser's late redirect (or
    # the URL it ended on, pasted) still completes it.
    resume: dict[str, Any] = field(default_factory=dict)
    # msgid: why a room step 1 found may be missing from Cronofy's view (the provider's)
    missing_rooms_hint: str = ""



@dataclass
class RoomComparison:
    missing_in_cronofy: list[str] = field(default_factory=list)
    missing_in_step1: list[str] = field(default_factory=list)
    hints: list[Msg] = field(default_factory=list)


@dataclass
class LinkOutcome:
    connection: Connection
    resources: list[Resource]
    comparison: RoomComparison


def store_tokens(secrets_store: SecretStore, profile: str, tokens: Tokens) -> None:
    values = (tokens.access_token, tokens.refresh_token, str(tokens.expires_at),
              tokens.service_account_id)
    for key, value in zip(TOKEN_KEYS, values, strict=True):
        secrets_store.set(profile, key, value, secret=key not in NOT_SECRET)


def load_tokens(secrets_store: SecretStore, profile: str) -> Tokens | None:
    access, refresh, expires, account = (secrets_store.get(profile, k, secret=k not in NOT_SECRET)
                                         for k in TOKEN_KEYS)
    if not access and not refresh:
        return None
    try:
        expires_at = float(expires or 0)
    except ValueError:
        expires_at = 0.0
    return Tokens(access or "", refresh or "", expires_at, account or "")


def forget_tokens(secrets_store: SecretStore, profile: str) -> None:
    for key in TOKEN_KEYS:
        secrets_store.delete(profile, key)


def authorize_url(app_url: str, client_id: str, redirect_uri: str, state: str,
                  provider: str) -> str:
    return f"{app_url}/enterprise_connect/oauth/authorize?" + urlencode({
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "delegated_scope": "read_write",
        "state": state,
        "provider_name": provider,
    })


def compare(step1_rooms: list[str], resources: list[Resource],
            missing_hint: str = "") -> RoomComparison:
    """Step 1's rooms against Cronofy's; ``missing_hint``: the provider's likely cause."""
    seen = {r.email.lower() for r in resources}
    expected = {r.lower() for r in step1_rooms}
    comparison = RoomComparison(
        missing_in_cronofy=sorted(r for r in step1_rooms if r.lower() not in seen),
        missing_in_step1=sorted(r.email for r in resources if r.email.lower() not in expected)
        if expected else [],
    )
    if comparison.missing_in_cronofy and missing_hint:
        comparison.hints.append(Msg(missing_hint))
    if comparison.missing_in_step1:
        comparison.hints.append(Msg(N_("Rooms only Cronofy sees are usually not in the room "
                                       "list checked in step 1, or were created since.")))
    return comparison


def _connection(client: CronofyClient, request_provider: str, region: str,
                resources: list[Resource]) -> Connection:
    from wizard import providers

    info = client.userinfo()
    provider = str(info.get("cronofy.service_account.provider_name") or request_provider)
    account = str(info.get("email") or info.get("cronofy.service_account.domain") or
                  info.get("sub", ""))
    return Connection(
        provider=provider if provider in providers.names() else request_provider,
        account=account,
        region=region,
        service_account_id=str(info.get("sub", "")),
        rooms=len(resources),
        linked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def run_link(
    request: LinkRequest,
    *,
    endpoints: Endpoints,
    secrets: SecretStore,
    credentials: tuple[str, str],
    interaction: Interaction,
    cancel: threading.Event,
    on_pending: Callable[[dict[str, Any]], None] = lambda data: None,
) -> LinkOutcome:
    """Blocking (run it in a worker thread)."""
    client_id, client_secret = credentials
    app_url, api_url = endpoints.cronofy(request.region)
    pending = request.resume if resumable(request.resume, request.region) else {}
    server = _redirect_server(pending, request.port)
    if server.port != pending.get("port"):
        pending = {}  # the old port is taken: a fresh link
    state = str(pending.get("state") or secrets_token())
    server.state = state  # before the URL is shown: the browser's page depends on it
    message = Msg(N_("Choose the calendar service in the Enterprise Connect dashboard, "
                     "accept the terms and sign in."))
    if pending:
        message = Msg(N_("Resuming the link started {minutes} min ago, which was cut short. If the "
                         "browser already shows an address starting with http://127.0.0.1, "
                         "paste it here; otherwise finish the sign-in in the browser."),
                      minutes=minutes_since(pending))
    with server:
        on_pending({"state": state, "port": server.port, "region": request.region,
                    "redirect_uri": server.redirect_uri,
                    "started": float(pending.get("started") or time.time())})
        url = authorize_url(app_url, client_id, server.redirect_uri, state, request.provider)
        pasted = interaction.begin_sign_in(SignInRequest(
            service="cronofy", url=url, port=server.port, message=message,
            title=Msg(N_("Cronofy Enterprise Connect"))))
        try:
            redirect = server.wait(pasted=pasted, cancel=cancel, timeout=SIGN_IN_TIMEOUT,
                                   interaction=interaction)
        except RedirectError as exc:
            if exc.error == "unauthorized_client":
                raise UserFacingError(
                    Msg(N_("This Cronofy data centre ({region}) does not know the "
                           "application."), region=request.region),
                    Msg(N_("Choose the data centre where your Cronofy application is "
                           "registered, then link again."))) from None
            raise refused(exc) from None
        finally:
            interaction.end_sign_in()
        redirect_uri = server.redirect_uri
    client = CronofyClient(api_url, client_id, client_secret, ca_bundle=endpoints.ca_bundle,
                           on_tokens=lambda t: store_tokens(secrets, request.profile, t),
                           cancel=cancel)
    try:
        client.exchange_code(redirect.code, redirect_uri)
        resources = client.resources()
        connection = _connection(client, request.provider, request.region, resources)
    finally:
        client.close()
    return LinkOutcome(connection, resources,
                       compare(request.step1_rooms, resources, request.missing_rooms_hint))


REFUSED = "cronofy.refused"


def refused(exc: RedirectError) -> UserFacingError:
    """Cronofy came back without a link: its sentence, and the service's reason it passed
    on (server text: a parameter, never part of ours)."""
    if not exc.description:
        return UserFacingError(exc.sentence, exc.remedy, code=REFUSED)
    return UserFacingError(Msg(N_("{refusal} Cronofy says: {reason}"), refusal=exc.sentence,
                               reason=exc.description), exc.remedy, code=REFUSED)


def secrets_token() -> str:
    return secrets.token_urlsafe(24)


def _redirect_server(pending: dict[str, Any], port: int) -> RedirectServer:
    """On the pending link's port if it is free again, else on the requested one."""
    if pending:
        try:
            return RedirectServer(port=int(pending["port"]))
        except (UserFacingError, ValueError, KeyError):
            pass
    return RedirectServer(port=port)


def _client(connection: Connection, endpoints: Endpoints, secrets_store: SecretStore,
            credentials: tuple[str, str], profile: str) -> CronofyClient:
    tokens = load_tokens(secrets_store, profile)
    if tokens is None:
        raise UserFacingError(Msg(N_("The Cronofy tokens of this link are not available (no "
                                     "keyring, or they were removed).")),
                              Msg(N_("Link again (step 2).")))
    _app, api_url = endpoints.cronofy(connection.region)
    return CronofyClient(api_url, *credentials, ca_bundle=endpoints.ca_bundle, tokens=tokens,
                         on_tokens=lambda t: store_tokens(secrets_store, profile, t))


def load_connection(connection: Connection, *, endpoints: Endpoints, secrets: SecretStore,
                    credentials: tuple[str, str], profile: str,
                    step1_rooms: list[str], missing_rooms_hint: str = "") -> LinkOutcome:
    """After a restart: read the rooms back with the stored tokens (refreshing if needed)."""
    client = _client(connection, endpoints, secrets, credentials, profile)
    try:
        resources = client.resources()
    finally:
        client.close()
    return LinkOutcome(connection, resources,
                       compare(step1_rooms, resources, missing_rooms_hint))


def disconnect(connection: Connection, *, endpoints: Endpoints, secrets: SecretStore,
               credentials: tuple[str, str], profile: str) -> None:
    """Revoke the tokens at Cronofy and remove them from the keyring."""
    tokens = load_tokens(secrets, profile)
    if tokens is not None:
        client = _client(connection, endpoints, secrets, credentials, profile)
        try:
            client.revoke()
        finally:
            client.close()
    forget_tokens(secrets, profile)
