"""The administrator's sign-in: a device code (works over SSH), once.

msal with the token cache in the secret store (token_cache.py): the cached account's
token — or one renewed with its refresh token — before a new device code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from wizard.core import redact
from wizard.core.i18n import N_
from wizard.core.interaction import SignInRequest
from wizard.core.model import CheckContext, CheckResult, Msg, Status
from wizard.core.text import one_line
from wizard.providers.microsoft365 import graph
from wizard.providers.microsoft365.token_cache import StoredTokenCache

# Microsoft Graph Command Line Tools: a public client Microsoft provides for device-code
# sign-ins; override with --client-id for an app registration of your own.
DEFAULT_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
# MailboxSettings.Read: whether a mailbox outside Places is a room's (hidden_rooms), and
# whether a room's mailbox is in Exchange Online at all (hybrid_rooms). Directory.Read.All
# also reads Cronofy's service principal and its app role assignments (cronofy_app).
SCOPES = ["User.Read", "Place.Read.All", "Calendars.Read", "Directory.Read.All",
          "MailboxSettings.Read"]


def _http_client(ctx: CheckContext) -> Any:
    """A requests session that passes the CA bundle on every request.

    requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a Session's
    ``verify`` (requests#3829); a per-request ``verify`` wins, so an explicit
    --ca-bundle is honoured whatever the jump host's environment says.
    """
    import requests

    bundle = graph.ca_bundle(ctx)

    class BundleSession(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            if bundle:
                kwargs["verify"] = bundle
            kwargs.setdefault("timeout", 30)
            return super().request(*args, **kwargs)

    return BundleSession()


def _app(ctx: CheckContext, cache: StoredTokenCache) -> Any:
    import msal
    from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

    # Only Microsoft's own hosts are validated (msal knows them without asking anyone);
    # any other login URL — a proxy, a test tenant, the sandbox — is used as given,
    # or msal would ask the public cloud's instance discovery about it first.
    login_url = graph.login_url(ctx)
    known = urlsplit(login_url).hostname in WELL_KNOWN_AUTHORITY_HOSTS
    return msal.PublicClientApplication(
        ctx.values.get("client_id") or DEFAULT_CLIENT_ID,
        authority=f"{login_url}/{ctx.values['tenant']}",
        validate_authority=known,
        instance_discovery=known,
        http_client=_http_client(ctx),
        token_cache=cache.msal,
    )


def _stored_token(app: Any) -> str | None:
    """The cached account's access token (renewed with its refresh token if it expired)."""
    for account in app.get_accounts():
        result = app.acquire_token_silent(SCOPES, account=account)
        if result and "access_token" in result:
            return str(result["access_token"])
    return None


def _device_code(ctx: CheckContext, app: Any) -> str | CheckResult:
    """The access token of a new device-code sign-in, or why there is none."""
    flow = app.initiate_device_flow(scopes=SCOPES)
    if "user_code" not in flow:
        return CheckResult("sign_in", Status.FAIL,
                           Msg(N_("Microsoft did not start a device-code sign-in ({error})."),
                               error=str(flow.get("error", "?"))),
                           Msg(N_("Check the tenant and the client id.")),
                           code="microsoft365.device_flow_refused")
    # The login server's words, shown to a person (terminal, TUI, clipboard): its escape
    # sequences and line breaks are shown, never obeyed.
    ctx.interaction.begin_sign_in(SignInRequest(
        service="microsoft365", url=one_line(str(flow["verification_uri"])),
        user_code=one_line(str(flow["user_code"])),
        title=Msg(N_("Microsoft 365 (administrator account)")),
        message=Msg(N_("Sign in with a Microsoft 365 administrator account.")),
        accepts_paste=False, expires_at=flow.get("expires_at")))
    try:
        result = app.acquire_token_by_device_flow(
            flow, exit_condition=lambda _flow: ctx.cancel.is_set())
    finally:
        ctx.interaction.end_sign_in()
    if "access_token" in result:
        return str(result["access_token"])
    error = str(result.get("error", ""))
    remedy = Msg(N_("Re-check to get a new code and sign in within 15 minutes."))
    code = "microsoft365.sign_in_incomplete"
    if error == "authorization_declined":
        code = "microsoft365.sign_in_declined"
        sentence = Msg(N_("The sign-in was declined."))
        remedy = Msg(N_("Re-check and approve the sign-in with an administrator "
                        "account on Microsoft's page."))
    elif error == "expired_token":
        code = "microsoft365.sign_in_expired"
        sentence = Msg(N_("The sign-in code expired before it was used."))
    else:
        sentence = Msg(N_("The sign-in did not complete ({error})."), error=error or "-")
    return CheckResult("sign_in", Status.FAIL, sentence, remedy, code=code)


def _me(ctx: CheckContext, token: str) -> Any:
    redact.register(token)
    with ctx.lock:
        ctx.shared["m365.token"] = token
    return graph.get(ctx, "/me")


def check_sign_in(ctx: CheckContext) -> CheckResult:
    cache = StoredTokenCache(ctx)
    app = _app(ctx, cache)
    stored = _stored_token(app)
    me = _me(ctx, stored) if stored is not None else None  # None exactly when stored is
    if me is not None and not isinstance(me, dict) and me.status_code == 401:
        # Revoked since (a password change, an admin's sign-out): sign in afresh.
        cache.forget()
        cache = StoredTokenCache(ctx)
        app = _app(ctx, cache)
        stored = me = None
    if me is None:
        outcome = _device_code(ctx, app)
        if isinstance(outcome, CheckResult):
            return outcome
        me = _me(ctx, outcome)
    cache.save()
    if not isinstance(me, dict):
        if me.status_code == 401:
            cache.forget()  # Graph does not take this sign-in: the next check asks again
        return graph.http_failure("sign_in", me)
    account = str(me.get("userPrincipalName", "")) or "?"
    with ctx.lock:
        ctx.shared["m365.account"] = account
    return CheckResult("sign_in", Status.PASS, _signed_in(account, stored is not None,
                                                          cache.warning))


def _signed_in(account: str, stored: bool, kept_in_memory: Msg | None) -> Msg:
    if kept_in_memory is None:
        return Msg(N_("Signed in as {account} (the stored sign-in).") if stored else
                   N_("Signed in as {account}."), account=account)
    # Said where it is read: the next run (or session) will need a new device code.
    return Msg(N_("Signed in as {account} (the stored sign-in). {note}") if stored else
               N_("Signed in as {account}. {note}"), account=account, note=kept_in_memory)
