"""Exchange Server (on-premises): EWS + ApplicationImpersonation, as the help page asks.

Each prerequisite of the help page's "Office 365 und Microsoft Exchange" list
is a check, run with exchangelib (imported inside the checks: it costs ~0.4 s).
exchangelib's own retry policy is FailFast — its FaultTolerance would retry a
401 for up to an hour, so a wrong password would look like a hang — and the
only retries are ours: ErrorServerBusy, honouring the server's
BackOffMilliseconds within the same bounds as every HTTP 429 (wizard.core.retry).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from wizard.core import ip, undo
from wizard.core.addresses import is_address, valid_address
from wizard.core.endpoints import has_userinfo, secret_may_go_to
from wizard.core.errors import UserFacingError, insecure
from wizard.core.fanout import fan_out
from wizard.core.files import valid_ca_bundle
from wizard.core.i18n import N_
from wizard.core.limiter import Budget, Cancelled
from wizard.core.model import (
    CheckContext,
    CheckResult,
    CheckSpec,
    Field,
    Msg,
    Plural,
    ProviderPlugin,
    Status,
    SubResult,
)
from wizard.core.powershell import literal
from wizard.core.sample import noted, spread
from wizard.providers.exchange.display import CHECKS as DISPLAY_CHECKS
from wizard.providers.exchange.display import SENDER as BOOKING_SENDER

Check = Callable[[CheckContext], CheckResult]
log = logging.getLogger(__name__)

# Per-room requests at once (and exchangelib connections): from four up to what Exchange's
# default throttling policy allows one account (EWSMaxConcurrency 27), fewer while the
# server answers ErrorServerBusy (wizard.core.limiter). One limiter per run: the per-room
# checks share the service account's budget.
ROOM_BUDGET = Budget(start=4, ceiling=27)
LIMITER = "exchange.limiter"
PROGRESS_EVERY = 25  # rooms between progress reports
# Where the service account goes into a command the check cannot fill (the hand-off can).
SERVICE_ACCOUNT = "<service account>"
PERMISSION_DELAY = N_("Permission changes can take up to 30 minutes to take effect: re-check "
                      "later.")


def _valid_url(value: str) -> Msg | None:
    if _is_email(value):
        return None  # autodiscover finds the EWS URL for this mailbox
    try:
        parts = urlsplit(value)
        complete = parts.scheme in ("https", "http") and bool(parts.hostname)
    except ValueError:  # e.g. a port that is no number
        complete = False
    if not complete:
        return Msg(N_("Enter the full EWS address, e.g. "
                      "https://mail.example.com/EWS/Exchange.asmx, or an email address to "
                      "discover it."))
    if has_userinfo(value):  # the sentence never repeats the value: it holds a password
        return Msg(N_("The address must not contain a user name or password (user:password@): "
                      "enter the service account and its password in their own fields."))
    if not secret_may_go_to(value):
        return Msg(N_("Enter an https:// address: over plain http the service account's "
                      "password would cross the network unencrypted (plain http only for this "
                      "machine, 127.0.0.1)."))
    return None


def _is_email(value: str) -> bool:
    return "://" not in value and is_address(value.strip())


def create_room_list(address: str) -> str:
    return f'New-DistributionGroup -Name "Rooms" -RoomList -PrimarySmtpAddress {literal(address)}'


def _valid_timeout(value: str) -> Msg | None:
    try:
        ok = 1 <= float(value) <= 600
    except ValueError:
        ok = False
    return None if ok else Msg(N_("Enter a number of seconds between 1 and 600."))


# -- TLS: an explicit CA bundle must win over REQUESTS_CA_BUNDLE and friends ---------------

_bundles: dict[str, str] = {}
_adapter_lock = threading.Lock()


def _install_adapter() -> None:
    """exchangelib's adapter class is process-global: install ours once, look up per host."""
    import requests
    import requests.adapters
    from exchangelib.protocol import BaseProtocol

    with _adapter_lock:
        if getattr(BaseProtocol.HTTP_ADAPTER_CLS, "roomcal", False):
            return

        class WholeAnswer(requests.Response):
            """exchangelib parses each answer from ``iter_content()``, whose default is one
            byte per chunk: a generator step per byte, a third of the client's CPU per
            request (5 000 rooms: 15 000 requests). An answer already read whole is handed
            over in one piece; a streamed one (not read yet) as before."""

            def iter_content(self, chunk_size: int | None = 1,
                             decode_unicode: bool = False) -> Any:
                if self._content_consumed and chunk_size == 1 and \
                        isinstance(self._content, bytes):
                    chunk_size = max(1, len(self._content))
                chunks: Any = requests.Response.iter_content  # its stubs: one overload each
                return chunks(self, chunk_size, decode_unicode)

        class BundleAdapter(requests.adapters.HTTPAdapter):
            roomcal = True

            def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
                bundle = _bundles.get(urlsplit(url).netloc)
                super().cert_verify(conn=conn, url=url, verify=bundle or verify, cert=cert)

            def build_response(self, req: Any, resp: Any) -> requests.Response:
                response = super().build_response(req, resp)
                response.__class__ = WholeAnswer
                return response

        BaseProtocol.HTTP_ADAPTER_CLS = BundleAdapter
        BaseProtocol.decrease_poolsize = _keep_pool


def _keep_pool(_protocol: Any) -> None:
    """exchangelib shrinks its connection pool by one on every ErrorServerBusy, holding
    the pool's lock while it waits for a connection to close — and that wait may try to
    grow the pool under the same (non-reentrant) lock: with every connection busy, all
    threads hung. How many requests go at once is wizard.core.limiter's to say; the
    pool stays as it is (exchangelib suppresses this "cannot shrink")."""
    from exchangelib.errors import SessionPoolMinSizeReached

    raise SessionPoolMinSizeReached("roomcal's limiter sets the concurrency")


def _bundle(ctx: CheckContext) -> str:
    return ctx.values.get("ca_bundle") or ctx.endpoints.ca_bundle or ""


# -- exchangelib plumbing ---------------------------------------------------------------------

def _config(ctx: CheckContext) -> Any:
    with ctx.lock:
        if "exchange.config" in ctx.shared:
            return ctx.shared["exchange.config"]
    from exchangelib import Build, Version, close_connections
    from exchangelib.protocol import BaseProtocol

    # exchangelib keeps a protocol, and its pooled connections, per endpoint and account
    # for the whole process: a re-check minutes later reused connections the server had
    # closed meanwhile (IIS drops idle ones after two minutes; a restarted demo on the
    # same port is another server). Each run starts with fresh ones.
    close_connections()
    _install_adapter()
    url = _ews_url(ctx)
    if bundle := _bundle(ctx):
        _bundles[urlsplit(url).netloc] = bundle
    BaseProtocol.TIMEOUT = float(ctx.values.get("timeout") or 30)
    config = _credentials_config(
        ctx, url,
        version=Version(build=Build(15, 1)),  # Exchange 2016/2019: no version guessing
        max_connections=ROOM_BUDGET.ceiling,
    )
    with ctx.lock:
        ctx.shared["exchange.config"] = config
    return config


def _ews_url(ctx: CheckContext) -> str:
    """The URL typed in, or the one autodiscover finds for the email typed in.

    Discovered again when a partial re-check skipped the endpoint check.
    """
    if found := ctx.shared.get("exchange.ews_url"):
        return str(found)
    value = ctx.values["ews_url"].strip()
    if _is_email(value):
        value = _autodiscover(ctx, value) or value
        with ctx.lock:
            ctx.shared["exchange.ews_url"] = value
    return value


def _credentials_config(ctx: CheckContext, endpoint: str, **extra: Any) -> Any:
    """The service account's exchangelib Configuration for an endpoint (EWS or autodiscover).

    The one place the password is attached to an address: never to plain http across a
    network, whoever named the address (the form, a setting, an autodiscover answer).
    """
    from exchangelib import BASIC, NTLM, Configuration, Credentials
    from exchangelib.protocol import FailFast

    if not secret_may_go_to(endpoint):
        failure = insecure(endpoint)
        raise UserFacingError(failure.sentence, failure.remedy, code=failure.code)
    return Configuration(
        service_endpoint=endpoint,
        credentials=Credentials(ctx.values["username"], ctx.secrets.get("password", "")),
        auth_type=BASIC if ctx.values.get("auth") == "basic" else NTLM,
        retry_policy=FailFast(), **extra)


def _autodiscover(ctx: CheckContext, email: str) -> str | None:
    """SOAP autodiscover (GetUserSettings) for the mailbox; the EWS URL or None.

    The two well-known addresses first, each with the service account's
    credentials; then exchangelib's full algorithm (HTTP redirect, SRV record).
    """
    from exchangelib.autodiscover.protocol import AutodiscoverProtocol

    _install_adapter()
    domain = email.rsplit("@", 1)[1]
    candidates = [ctx.endpoints.autodiscover_url] if ctx.endpoints.autodiscover_url else [
        f"https://autodiscover.{domain}/autodiscover/autodiscover.svc",
        f"https://{domain}/autodiscover/autodiscover.svc",
    ]
    for candidate in candidates:
        if bundle := _bundle(ctx):
            _bundles[urlsplit(candidate).netloc] = bundle
        try:
            response = AutodiscoverProtocol(config=_credentials_config(ctx, candidate)) \
                .get_user_settings(user=email)
        except Exception:  # next candidate; the fallback sentence says it all
            continue
        if getattr(response, "ews_url", None):
            return str(response.ews_url)
    if ctx.endpoints.autodiscover_url:
        return None
    try:
        from exchangelib.autodiscover import discover

        config = _credentials_config(ctx, candidates[0])
        _ad, protocol = discover(email, credentials=config.credentials,
                                 auth_type=config.auth_type, retry_policy=config.retry_policy)
    except Exception:  # any failure: the caller asks for the URL instead
        return None
    return str(protocol.service_endpoint)


class ServerStayedBusy(Exception):
    """ErrorServerBusy after the back-off budget of one call was spent."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"ErrorServerBusy after {attempts} attempts")
        self.attempts = attempts


def _with_busy_retry(ctx: CheckContext, call: Any) -> Any:
    from exchangelib.errors import ErrorServerBusy

    from wizard.core.retry import Backoff

    backoff = Backoff(ctx.cancel)
    while True:
        try:
            return call()
        except ErrorServerBusy as exc:
            # back_off: the server's BackOffMilliseconds in seconds; 0/None: the default.
            if not backoff.wait(exc.back_off or None):
                raise ServerStayedBusy(backoff.attempts) from exc


def _account(ctx: CheckContext, address: str, *, impersonate: bool) -> Any:
    from exchangelib import DELEGATE, IMPERSONATION, Account

    return Account(primary_smtp_address=address, config=_config(ctx), autodiscover=False,
                   access_type=IMPERSONATION if impersonate else DELEGATE)


def _read_calendar(account: Any) -> Any:
    """GetFolder on the account's calendar: one request, and truly parallel.

    Not ``account.calendar``: exchangelib caches it with cached_property's
    threaded_cached_property, whose lock belongs to the descriptor — one lock
    for every Account in the process — so eight threads reading eight room
    calendars took turns (200 rooms ran 10x over the critical path). It also
    fetched the root folder first: two requests where one does.
    """
    from exchangelib.folders import Calendar, Root

    return Calendar.get_distinguished(root=Root(account=account))


def _transport_failure(check_id: str, exc: Exception, host: str) -> CheckResult | None:
    """The failures every EWS call can meet, as one sentence and a remedy.

    ``host``: the EWS server meant, named when the exception does not say which it was.
    """
    from exchangelib.errors import (
        ErrorServerBusy,
        MalformedResponseError,
        TransportError,
        UnauthorizedError,
    )

    text = str(exc)
    if isinstance(exc, UnauthorizedError) or "401" in text:
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("The server rejected the service account's user name or "
                                  "password (HTTP 401).")),
                           Msg(N_("Check the user name (user@domain), the password and the "
                                  "authentication method (NTLM or Basic); a locked account "
                                  "fails the same way.")), code="exchange.unauthorized")
    if isinstance(exc, ServerStayedBusy | ErrorServerBusy):
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("The server stayed busy (ErrorServerBusy) after {count} "
                                  "attempts."), count=getattr(exc, "attempts", 1)),
                           Msg(N_("Exchange is throttling this account: wait a few minutes, "
                                  "then re-check.")), code="exchange.server_busy")
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in type(exc).__name__:
        return _untrusted(check_id, exc, host)
    if isinstance(exc, MalformedResponseError) or "403" in text or "SOAP" in text:
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("The server did not answer with EWS (an HTML page or broken "
                                  "XML): EWS may be disabled or blocked by a proxy.")),
                           Msg(N_("Enable EWS for the service account, and check that the URL "
                                  "ends in /EWS/Exchange.asmx.")),
                           command=f"Set-CASMailbox -Identity {SERVICE_ACCOUNT} "
                                   "-EwsEnabled $true", code="exchange.not_ews")
    if isinstance(exc, TransportError | OSError):
        from wizard.core.errors import failed

        return failed(check_id, exc, host)
    return None


def _untrusted(check_id: str, exc: Exception, host: str) -> CheckResult:
    from wizard.core.errors import host_of, untrusted

    failure = untrusted(host_of(exc) or host, Msg(N_(
        "Enter the internal CA's certificate file (PEM) as CA bundle, or pass --ca-bundle "
        "FILE.")))
    return CheckResult(check_id, Status.FAIL, failure.sentence, failure.remedy,
                       code=failure.code)


def _ews_host(ctx: CheckContext) -> str:
    """host[:port] of the EWS URL in use (typed or discovered); "" for an email."""
    url = str(ctx.shared.get("exchange.ews_url") or ctx.values.get("ews_url", "")).strip()
    try:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or ""
    except ValueError:
        return ""


def _guarded(check_id: str, body: Check) -> Check:
    def run(ctx: CheckContext) -> CheckResult:
        try:
            return body(ctx)
        except Exception as exc:
            failure = _transport_failure(check_id, exc, _ews_host(ctx))
            if failure is None:
                raise
            return failure

    return run


# -- the checks --------------------------------------------------------------------------------

def check_endpoint(ctx: CheckContext) -> CheckResult:
    import requests

    typed = ctx.values["ews_url"].strip()
    url = _ews_url(ctx)
    if _is_email(url):  # autodiscover found nothing for the email typed in
        return CheckResult(
            "endpoint", Status.FAIL,
            Msg(N_("Autodiscover found no EWS address for {email}."), email=url),
            Msg(N_("Enter the EWS URL instead, usually "
                   "https://mail.{domain}/EWS/Exchange.asmx (Outlook on Windows shows it: "
                   "ctrl + right-click the tray icon → Test E-mail AutoConfiguration)."),
                domain=url.rsplit("@", 1)[1]), code="exchange.autodiscover_failed")
    discovered = url if url != typed else ""
    if not secret_may_go_to(url):  # discovered: a server said so; the form refuses typed ones
        failure = insecure(url)
        return CheckResult("endpoint", Status.FAIL, failure.sentence, failure.remedy,
                           code=failure.code)
    verify: str | bool = _bundle(ctx) or True
    timeout = float(ctx.values.get("timeout") or 30)
    try:
        response = requests.get(url, verify=verify, timeout=timeout, allow_redirects=False)
    except requests.exceptions.SSLError as exc:
        return _untrusted("endpoint", exc, _ews_host(ctx))
    except requests.exceptions.RequestException as exc:
        from wizard.core.errors import failed

        return failed("endpoint", exc, _ews_host(ctx))
    if response.status_code == 403:
        return CheckResult("endpoint", Status.FAIL,
                           Msg(N_("The server refuses EWS (HTTP 403): EWS is disabled for this "
                                  "server or blocked by a proxy.")),
                           Msg(N_("Allow EWS on the server and for the service account.")),
                           command=f"Set-CASMailbox -Identity {literal(ctx.values['username'])} "
                                   "-EwsEnabled $true", code="exchange.ews_forbidden")
    if response.status_code == 404:
        return CheckResult("endpoint", Status.FAIL,
                           Msg(N_("Nothing found at this address (HTTP 404).")),
                           Msg(N_("The EWS address usually ends in /EWS/Exchange.asmx.")),
                           code="exchange.ews_not_found")
    if discovered:
        return CheckResult("endpoint", Status.PASS,
                           Msg(N_("Autodiscover found {url}; EWS answers there (HTTP {status})."),
                               url=discovered, status=response.status_code))
    return CheckResult("endpoint", Status.PASS,
                       Msg(N_("EWS answers at {host} (HTTP {status})."),
                           host=urlsplit(url).netloc, status=response.status_code))


def check_credentials(ctx: CheckContext) -> CheckResult:
    from exchangelib.errors import ErrorNonExistentMailbox

    username = ctx.values["username"]
    try:
        _with_busy_retry(ctx, lambda: _read_calendar(
            _account(ctx, username, impersonate=False)))
    except ErrorNonExistentMailbox:
        return CheckResult("credentials", Status.FAIL,
                           Msg(N_("The service account {account} signs in but has no mailbox."),
                               account=username),
                           Msg(N_("Give the service account a mailbox.")),
                           command=f"Enable-Mailbox -Identity {literal(username)}",
                           code="exchange.no_mailbox")
    return CheckResult("credentials", Status.PASS,
                       Msg(N_("{account} signs in and has its own mailbox."), account=username))


def check_room_list(ctx: CheckContext) -> CheckResult:
    wanted = ctx.values["room_list"].lower()
    protocol = _account(ctx, ctx.values["username"], impersonate=False).protocol
    lists = _with_busy_retry(ctx, protocol.get_roomlists)
    addresses = [r.email_address for r in lists]
    create = create_room_list(ctx.values["room_list"])
    if not addresses:
        return CheckResult("room_list", Status.FAIL,
                           Msg(N_("The organisation has no room list yet (normal on a fresh "
                                  "organisation).")),
                           Msg(N_("Create a room-list distribution group for the conference "
                                  "rooms, then add the rooms to it.")),
                           command=create, code="exchange.no_room_list")
    if wanted not in [a.lower() for a in addresses]:
        return CheckResult("room_list", Status.FAIL,
                           Msg(N_("{address} is not a room list. Room lists found: {lists}"),
                               address=ctx.values["room_list"], lists=", ".join(addresses)),
                           Msg(N_("Use one of the room lists found, or create this one.")),
                           command=create, code="exchange.unknown_room_list")
    return CheckResult("room_list", Status.PASS,
                       Msg(N_("{address} is a room list (room lists found: {count})."),
                           address=ctx.values["room_list"], count=len(addresses)))


def check_rooms(ctx: CheckContext) -> CheckResult:
    from exchangelib.errors import ErrorNameResolutionNoResults

    room_list = ctx.values["room_list"]
    protocol = _account(ctx, ctx.values["username"], impersonate=False).protocol
    try:
        rooms = _with_busy_retry(ctx, lambda: protocol.get_rooms(room_list))
    except ErrorNameResolutionNoResults:
        return CheckResult("rooms", Status.FAIL,
                           Msg(N_("Exchange cannot resolve the room list {address}."),
                               address=room_list),
                           Msg(N_("Check the address, or create the room list.")),
                           command=create_room_list(room_list),
                           code="exchange.room_list_unresolved")
    rooms = list(rooms)
    with ctx.lock:
        ctx.shared["exchange.rooms"] = rooms
    if not rooms:
        return CheckResult("rooms", Status.FAIL,
                           Msg(N_("The room list {address} contains no rooms."),
                               address=room_list),
                           Msg(N_("Add the conference rooms to the room list.")),
                           command=f"Add-DistributionGroupMember -Identity {literal(room_list)} "
                                   "-Member <room mailbox>", code="exchange.no_rooms")
    items = tuple(SubResult(r.name or r.email_address, Status.PASS, "", r.email_address)
                  for r in rooms)
    return CheckResult("rooms", Status.PASS,
                       Msg(N_("{count} rooms in {address}."), count=len(rooms),
                           address=room_list), items=items)


def impersonate_room(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room (name, address): may the service account open its calendar? Runs in the
    check's threads or in a worker process (wizard.core.fanout), hence by name and plain
    values."""
    from exchangelib.errors import ErrorImpersonateUserDenied, ErrorNonExistentMailbox

    name, email = room
    try:
        _with_busy_retry(ctx, lambda: _read_calendar(
            _account(ctx, email, impersonate=True)))
    except ErrorImpersonateUserDenied:
        return SubResult(name, Status.FAIL, Msg(N_("impersonation denied")), email,
                         code="exchange.impersonation_denied")
    except ErrorNonExistentMailbox:
        return SubResult(name, Status.FAIL, Msg(N_("no such mailbox")), email,
                         code="exchange.no_such_mailbox")
    except Exception as exc:
        failure = _transport_failure("impersonation", exc, _ews_host(ctx))
        if failure is None:
            raise
        return SubResult(name, Status.FAIL, failure.detail, email, code=failure.code)
    return SubResult(name, Status.PASS, Msg(N_("calendar readable")), email)


def impersonation_command(account: str) -> str:
    return (
        'New-ManagementScope -Name "Room mailboxes" -RecipientRestrictionFilter '
        '{RecipientTypeDetails -eq "RoomMailbox"}\n'
        f"New-ManagementRoleAssignment -Name \"Cronofy impersonation\" "
        f"-Role ApplicationImpersonation -User {literal(account)} "
        '-CustomRecipientWriteScope "Room mailboxes"'
    )


def check_impersonation(ctx: CheckContext) -> CheckResult:
    rooms = _room_pairs(ctx)
    account = ctx.values["username"]
    results = _per_room(ctx, "impersonation", impersonate_room, rooms)  # in the rooms' order
    denied = [r for r in results if r.status == Status.FAIL]
    if not denied:
        return CheckResult("impersonation", Status.PASS,
                           Msg(N_("{account} can impersonate all {count} rooms and read their "
                                  "calendars."), account=account, count=len(results)),
                           items=tuple(results))
    command = impersonation_command(account)
    if len(denied) == len(results):
        code = "exchange.impersonation_denied"
        detail = Msg(N_("{account} may not impersonate any of the {count} rooms "
                        "(ApplicationImpersonation missing)."), account=account,
                     count=len(results))
    else:
        code = "exchange.impersonation_partial"
        detail = Msg(N_("{account} may not impersonate {denied} of {count} rooms: the "
                        "management scope leaves them out."), account=account,
                     denied=len(denied), count=len(results))
    return CheckResult(
        "impersonation", Status.FAIL, detail,
        Msg(N_("Assign the ApplicationImpersonation role to the service account, scoped to "
               "the room mailboxes. {delay}"), delay=Msg(PERMISSION_DELAY)),
        command=command, items=tuple(results), code=code)


# -- from where Cronofy stands: the internet, and more than reading a folder -------------------

EXPIRY_WARNING_DAYS = 30
MAX_NAMED_ROOMS = 10  # rooms named in a sentence; the items list every one
PROBE_SUBJECT = "roomcal write probe (safe to delete)"
NOTIFICATION_EVENTS = ("CreatedEvent", "ModifiedEvent", "DeletedEvent")
CRONOFY_ADDRESSES = "https://docs.cronofy.com/developers/faqs/data-centers/"


def internal_address(address: str) -> bool:
    """Can the internet not reach this IP address (loopback, link-local, private)?"""
    return ip.internal(address)


def _ip_literal(host: str) -> bool:
    return ip.parse(host) is not None


def _resolve(ctx: CheckContext, host: str) -> list[str]:
    """The EWS host's addresses: the resolver's (DNS-over-HTTPS, JSON) when one is set,
    else this machine's. A name the resolver does not know that is an address already
    (the demo's 127.0.0.1) is taken as written."""
    found: list[str] = []
    if resolver := ctx.endpoints.resolver_url:
        import requests

        for kind in ("A", "AAAA"):
            response = requests.get(
                resolver, params={"name": host, "type": kind},
                headers={"accept": "application/dns-json"},
                verify=ctx.endpoints.ca_bundle or True,
                timeout=float(ctx.values.get("timeout") or 30))
            response.raise_for_status()
            for answer in response.json().get("Answer") or ():
                data = str(answer.get("data", ""))
                if answer.get("type") in (1, 28) and _ip_literal(data) and data not in found:
                    found.append(data)
    elif not _ip_literal(host):
        import socket

        for *_rest, sockaddr in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP):
            if (address := str(sockaddr[0])) not in found:
                found.append(address)
    if not found and _ip_literal(host):
        found.append(host)
    return found


def check_public_name(ctx: CheckContext) -> CheckResult:
    host = urlsplit(_ews_url(ctx)).hostname or ""
    publish = Msg(N_("Publish {host} in public DNS with an address the internet reaches (a "
                     "reverse proxy or a firewall rule to Exchange on port 443), and allow "
                     "the addresses of your Cronofy data centre ({link})."),
                  host=host, link=CRONOFY_ADDRESSES)
    if not _ip_literal(host) and "." not in host.rstrip("."):
        return CheckResult("public_name", Status.WARN,
                           Msg(N_("{host} is a single-label name: only your network can "
                                  "resolve it, and Cronofy connects from the internet."),
                               host=host), publish, code="exchange.single_label_name")
    addresses = _resolve(ctx, host)
    if not addresses:
        return CheckResult("public_name", Status.WARN,
                           Msg(N_("{host} has no address in DNS: Cronofy connects from the "
                                  "internet and cannot find the server."), host=host),
                           publish, code="exchange.name_not_public")
    shown = ", ".join(addresses)
    if all(internal_address(a) for a in addresses):
        return CheckResult("public_name", Status.WARN,
                           Msg(N_("{host} resolves only to internal addresses ({addresses}): "
                                  "Cronofy connects from the internet and cannot reach them."),
                               host=host, addresses=shown),
                           publish, code="exchange.private_name")
    return CheckResult("public_name", Status.PASS,
                       Msg(N_("{host} resolves to an address the internet reaches "
                              "({addresses})."), host=host, addresses=shown))


def check_public_trust(ctx: CheckContext) -> CheckResult:
    """The EWS host's certificate against the trust store Cronofy has: the public one
    (certifi's Mozilla bundle; the demo's world: the sandbox's CA) — never --ca-bundle."""
    import socket
    import ssl

    parts = urlsplit(_ews_url(ctx))
    host = parts.hostname or ""
    if parts.scheme != "https":
        return CheckResult("public_trust", Status.WARN,
                           Msg(N_("{host} answers EWS over plain http: Cronofy connects over "
                                  "https only."), host=host),
                           Msg(N_("Publish EWS over https with a certificate from a public "
                                  "certificate authority.")), code="exchange.no_https")
    if ctx.endpoints.ca_bundle:
        public = ctx.endpoints.ca_bundle
    else:
        import certifi

        public = certifi.where()
    context = ssl.create_default_context(cafile=public)
    timeout = float(ctx.values.get("timeout") or 30)
    try:
        with socket.create_connection((host, parts.port or 443), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            certificate = tls.getpeercert()
    except ssl.SSLCertVerificationError as exc:
        return CheckResult(
            "public_trust", Status.WARN,
            Msg(N_("The certificate of {host} is not trusted publicly ({reason}): only a "
                   "private CA vouches for it, and Cronofy will not trust it."),
                host=host, reason=exc.verify_message or "certificate verify failed"),
            Msg(N_("Give the address Cronofy uses a certificate from a public certificate "
                   "authority (on Exchange, or on the reverse proxy in front of it).")),
            code="exchange.private_ca")
    if not certificate:  # verified, so there is one; mypy cannot know
        raise ssl.SSLError("no peer certificate")
    expires = ssl.cert_time_to_seconds(str(certificate["notAfter"]))
    days = int((expires - time.time()) // 86400)
    date = time.strftime("%Y-%m-%d", time.gmtime(expires))
    if days < EXPIRY_WARNING_DAYS:
        return CheckResult(
            "public_trust", Status.WARN,
            Plural("The certificate of {host} expires on {date}, in {days} day: then "
                   "Cronofy can no longer connect.",
                   "The certificate of {host} expires on {date}, in {days} days: then "
                   "Cronofy can no longer connect.", max(days, 0), host=host, date=date,
                   days=max(days, 0)),
            Msg(N_("Renew the certificate now and bind it to IIS for EWS (or the reverse "
                   "proxy in front of it).")), code="exchange.cert_expiring")
    return CheckResult("public_trust", Status.PASS,
                       Msg(N_("The certificate of {host} is publicly trusted and valid until "
                              "{date}."), host=host, date=date))


def offered_schemes(header: str) -> list[str]:
    """The scheme names of a WWW-Authenticate value (several headers joined by commas)."""
    schemes: list[str] = []
    for part in header.split(","):
        token = part.strip().split(" ", 1)[0]
        if token and "=" not in token and '"' not in token and token not in schemes:
            schemes.append(token)
    return schemes


def check_auth_methods(ctx: CheckContext) -> CheckResult:
    import requests

    url = _ews_url(ctx)
    response = requests.post(url, data=b"", headers={"content-type": "text/xml"},
                             verify=_bundle(ctx) or True, allow_redirects=False,
                             timeout=float(ctx.values.get("timeout") or 30))
    schemes = offered_schemes(response.headers.get("www-authenticate", ""))
    shown = ", ".join(schemes)
    if response.status_code != 401 or not schemes:
        return CheckResult("auth_methods", Status.WARN,
                           Msg(N_("EWS did not ask for credentials (HTTP {status}): roomcal "
                                  "cannot tell which sign-ins it offers Cronofy."),
                               status=response.status_code),
                           Msg(N_("Check that the URL is the EWS address itself, not a page "
                                  "in front of it.")), code="exchange.no_challenge")
    if {"ntlm", "basic"} & {s.lower() for s in schemes}:
        return CheckResult("auth_methods", Status.PASS,
                           Msg(N_("EWS offers {schemes}: Cronofy can sign in with the service "
                                  "account's password."), schemes=shown))
    if "bearer" in {s.lower() for s in schemes}:
        reason = Msg(N_("only modern authentication (OAuth, e.g. through AD FS) is allowed"))
    else:
        reason = Msg(N_("only Kerberos (Negotiate) is offered, as when Extended Protection "
                        "sits behind a load balancer that offloads SSL"))
    return CheckResult(
        "auth_methods", Status.FAIL,
        Msg(N_("EWS offers only {schemes}: {reason}. Cronofy signs in with the service "
               "account's password (NTLM or Basic) and will be refused."),
            schemes=shown, reason=reason),
        Msg(N_("Allow NTLM (Windows authentication) on the EWS virtual directory Cronofy "
               "reaches; behind an SSL-offloading load balancer, pass TLS through to Exchange "
               "so that Extended Protection can work.")),
        command="Get-WebServicesVirtualDirectory | Set-WebServicesVirtualDirectory "
                "-WindowsAuthentication $true",
        code="exchange.no_password_auth")


def _room_pairs(ctx: CheckContext) -> list[tuple[str, str]]:
    return [(r.name or r.email_address, r.email_address)
            for r in ctx.shared.get("exchange.rooms", [])]


def _per_room(ctx: CheckContext, check_id: str, probe: Callable[[CheckContext, tuple[str, str]],
              SubResult], rooms: list[tuple[str, str]]) -> list[SubResult]:
    """Run ``probe`` for every room (fanned out like impersonation), progress streamed;
    the results in the rooms' order."""
    results: list[SubResult] = []
    last_report = time.monotonic()

    def on_result(result: SubResult) -> None:
        nonlocal last_report
        results.append(result)
        if len(results) % PROGRESS_EVERY == 0 or time.monotonic() - last_report > 0.5:
            last_report = time.monotonic()
            ctx.report_progress(CheckResult(
                check_id, Status.CHECKING,
                Msg(N_("{done} of {total} rooms checked…"), done=len(results),
                    total=len(rooms)),
                items=tuple(results)))

    fan_out(ctx, probe, rooms, concurrency=ROOM_BUDGET, on_result=on_result,
            shared={"exchange.ews_url": _ews_url(ctx)}, limiter_key=LIMITER)
    order = {email: i for i, (_name, email) in enumerate(rooms)}
    results.sort(key=lambda r: order.get(r.key, 0))
    return results


def _named(results: list[SubResult]) -> str:
    names = [r.name for r in results[:MAX_NAMED_ROOMS]]
    more = len(results) - len(names)
    return ", ".join(names) + (f" (+{more})" if more else "")


def _room_failure(check_id: str, exc: Exception, ctx: CheckContext, name: str,
                  email: str) -> SubResult:
    from exchangelib.errors import ErrorImpersonateUserDenied, ErrorNonExistentMailbox

    if isinstance(exc, ErrorImpersonateUserDenied):
        return SubResult(name, Status.FAIL, Msg(N_("impersonation denied")), email,
                         code="exchange.impersonation_denied")
    if isinstance(exc, ErrorNonExistentMailbox):
        return SubResult(name, Status.FAIL, Msg(N_("no such mailbox")), email,
                         code="exchange.no_such_mailbox")
    failure = _transport_failure(check_id, exc, _ews_host(ctx))
    if failure is None:
        raise exc
    return SubResult(name, Status.FAIL, failure.detail, email, code=failure.code)


def subscribe_room(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room: may the service account subscribe to its calendar's changes (an EWS pull
    subscription under impersonation, cancelled at once)? By name and plain values, like
    ``impersonate_room`` (wizard.core.fanout)."""
    from exchangelib.errors import ResponseMessageError
    from exchangelib.folders import Calendar, Root
    from exchangelib.services import SubscribeToPull, Unsubscribe

    name, email = room
    try:
        account = _account(ctx, email, impersonate=True)
        calendar = Calendar(root=Root(account=account))
        subscription, _watermark = _with_busy_retry(ctx, lambda: SubscribeToPull(
            account=account).get(folders=[calendar], event_types=NOTIFICATION_EVENTS,
                                 watermark=None, timeout=1))
        _with_busy_retry(ctx, lambda: Unsubscribe(account=account).get(
            subscription_id=subscription))
    except ResponseMessageError as exc:
        from exchangelib.errors import ErrorImpersonateUserDenied, ErrorNonExistentMailbox

        if isinstance(exc, ErrorImpersonateUserDenied | ErrorNonExistentMailbox):
            return _room_failure("notifications", exc, ctx, name, email)
        return SubResult(name, Status.FAIL,
                         Msg(N_("subscription refused ({reason})"), reason=type(exc).__name__),
                         email, code="exchange.notifications_refused")
    except Exception as exc:
        return _room_failure("notifications", exc, ctx, name, email)
    return SubResult(name, Status.PASS, Msg(N_("subscribed and unsubscribed")), email)


def throttling_policy(account: str) -> str:
    return ("New-ThrottlingPolicy -Name 'Cronofy' -EwsMaxSubscriptions Unlimited "
            "-EwsMaxConcurrency Unlimited\n"
            f"Set-ThrottlingPolicyAssociation -Identity {literal(account)} "
            "-ThrottlingPolicy 'Cronofy'")


def check_notifications(ctx: CheckContext) -> CheckResult:
    every = _room_pairs(ctx)
    # Two requests a room: a large tenant's are read from an even sample (said below).
    rooms = spread(every, ctx.settings.room_sample)
    result = _notifications(ctx, _per_room(ctx, "notifications", subscribe_room, rooms))
    return replace(result, detail=noted(result.detail, len(rooms), len(every)))


def _notifications(ctx: CheckContext, results: list[SubResult]) -> CheckResult:
    refused = [r for r in results if r.status == Status.FAIL]
    if not refused:
        return CheckResult("notifications", Status.PASS,
                           Plural("Exchange accepts change notifications (Subscribe) for "
                                  "{count} room.",
                                  "Exchange accepts change notifications (Subscribe) for all "
                                  "{count} rooms.", len(results), count=len(results)),
                           items=tuple(results))
    account = ctx.values["username"]
    return CheckResult(
        "notifications", Status.FAIL,
        Plural("Exchange refuses change notifications (Subscribe) for {refused} of {count} "
               "room: {rooms}. Cronofy subscribes to every room calendar to see bookings.",
               "Exchange refuses change notifications (Subscribe) for {refused} of {count} "
               "rooms: {rooms}. Cronofy subscribes to every room calendar to see bookings.",
               len(results), refused=len(refused), count=len(results), rooms=_named(refused)),
        Msg(N_("Give the service account a throttling policy that allows EWS subscriptions. "
               "{delay}"), delay=Msg(PERMISSION_DELAY)),
        command=throttling_policy(account), items=tuple(results),
        code="exchange.notifications_refused")


def _probe_start() -> Any:
    """Far in the future, on a night nobody books: 1 January, ten years on, 03:00 UTC."""
    from exchangelib import UTC, EWSDateTime

    return EWSDateTime(time.gmtime().tm_year + 10, 1, 1, 3, 0, tzinfo=UTC)


def write_room(ctx: CheckContext, room: tuple[str, str]) -> SubResult:
    """One room: create a private item with no attendees far in the future, change it,
    delete it for good (HardDelete) — also when a step fails or the run is interrupted."""
    import datetime as dt

    from exchangelib import CalendarItem
    from exchangelib.errors import ResponseMessageError
    from exchangelib.folders import Calendar, Root
    from exchangelib.items import SEND_TO_NONE

    name, email = room
    item: Any = None
    token = 0  # the pending undo of the item created (wizard.core.undo)
    step = Msg(N_("creating a test event"))

    def remove() -> None:
        item.delete(send_meeting_cancellations=SEND_TO_NONE)

    def change(call: Callable[[], Any]) -> None:
        # Not after a cancel; the process's end waits for a change in flight, then undoes.
        if ctx.cancel.is_set():
            raise Cancelled
        with undo.step():
            _with_busy_retry(ctx, call)

    try:
        account = _account(ctx, email, impersonate=True)
        start = _probe_start()
        item = CalendarItem(account=account, folder=Calendar(root=Root(account=account)),
                            subject=PROBE_SUBJECT, start=start,
                            end=start + dt.timedelta(minutes=15), sensitivity="Private",
                            legacy_free_busy_status="Free", reminder_is_set=False)
        if ctx.cancel.is_set():
            raise Cancelled
        with undo.step():  # registered before the step ends: undo_pending waits for it
            _with_busy_retry(ctx, lambda: item.save(send_meeting_invitations=SEND_TO_NONE))
            token = undo.register("the write probe's test event", remove)
        step = Msg(N_("changing the test event"))
        item.subject = PROBE_SUBJECT + " ✓"
        change(lambda: item.save(update_fields=["subject"],
                                 send_meeting_invitations=SEND_TO_NONE))
        step = Msg(N_("deleting the test event"))
        change(remove)
        undo.done(token)
    except (Cancelled, undo.Closing):
        raise  # the run is over: nobody reads this room's result (the finally deletes)
    except ResponseMessageError as exc:
        from exchangelib.errors import ErrorImpersonateUserDenied, ErrorNonExistentMailbox

        if isinstance(exc, ErrorImpersonateUserDenied | ErrorNonExistentMailbox):
            return _room_failure("write_access", exc, ctx, name, email)
        return SubResult(name, Status.FAIL,
                         Msg(N_("refused while {step} ({reason})"), step=step,
                             reason=type(exc).__name__),
                         email, code="exchange.write_denied")
    except Exception as exc:
        return _room_failure("write_access", exc, ctx, name, email)
    finally:
        if token:  # created, not deleted (a step failed, a cancel): never leave it behind
            undo.undo(token)
    return SubResult(name, Status.PASS, Msg(N_("created, changed and deleted a test event")),
                     email)


def check_write_access(ctx: CheckContext) -> CheckResult:
    if ctx.values.get("write_probe") != "yes":
        return CheckResult("write_access", Status.SKIP,
                           Msg(N_("Not probed: the write probe is off.")),
                           Msg(N_("Turn on the write probe (roomcal check exchange "
                                  "--write-probe) to create, change and delete a private "
                                  "test event far in the future in every room: what Cronofy "
                                  "does when someone books a room at its panel.")))
    rooms = _room_pairs(ctx)
    results = _per_room(ctx, "write_access", write_room, rooms)
    denied = [r for r in results if r.status == Status.FAIL]
    if not denied:
        return CheckResult("write_access", Status.PASS,
                           Plural("The service account created, changed and deleted a test "
                                  "event in {count} room.",
                                  "The service account created, changed and deleted a test "
                                  "event in all {count} rooms.", len(results),
                                  count=len(results)),
                           items=tuple(results))
    account = ctx.values["username"]
    return CheckResult(
        "write_access", Status.FAIL,
        Plural("The service account may not book {denied} of {count} room: {rooms}. Cronofy "
               "needs to create, change and delete events to book a room at its panel.",
               "The service account may not book {denied} of {count} rooms: {rooms}. Cronofy "
               "needs to create, change and delete events to book a room at its panel.",
               len(results), denied=len(denied), count=len(results), rooms=_named(denied)),
        Msg(N_("Let the service account write the room calendars through impersonation: "
               "ApplicationImpersonation scoped to the room mailboxes, and no room mailbox "
               "that refuses changes. {delay}"), delay=Msg(PERMISSION_DELAY)),
        command=impersonation_command(account),
        items=tuple(results), code="exchange.write_denied")


PLUGIN = ProviderPlugin(
    name="exchange",
    test_booking_sender=BOOKING_SENDER,
    fields=(
        Field("ews_url", N_("EWS URL or email"), kind="url",
              placeholder="https://mail.example.com/EWS/Exchange.asmx", validate=_valid_url),
        Field("username", N_("Service account"), kind="email",
              placeholder="svc-cronofy@example.com", validate=valid_address),
        Field("password", N_("Password"), kind="password"),
        Field("auth", N_("Authentication"), kind="choice",
              choices=(("ntlm", N_("NTLM")), ("basic", N_("Basic"))), default="ntlm"),
        Field("room_list", N_("Room list"), kind="email", placeholder="rooms@example.com",
              validate=valid_address),
        Field("ca_bundle", N_("CA bundle (PEM)"), kind="path", required=False,
              validate=valid_ca_bundle),
        Field("timeout", N_("Timeout (seconds)"), required=False, default="30",
              validate=_valid_timeout),
        Field("write_probe", N_("Write probe: create, change and delete a test event in every "
                                "room"), kind="toggle", required=False),
    ),
    checks=(
        CheckSpec("endpoint", N_("EWS endpoint reachable"), _guarded("endpoint", check_endpoint),
                  inputs=("ews_url", "ca_bundle", "timeout", "username", "password", "auth"),
                  help=N_("Office 365 and Microsoft Exchange need access to the Exchange Web "
                          "Services API.")),
        CheckSpec("credentials", N_("Service account signs in"),
                  _guarded("credentials", check_credentials), needs=("endpoint",),
                  inputs=("username", "password", "auth"),
                  help=N_("Create a new service account.")),
        CheckSpec("room_list", N_("Room list exists"), _guarded("room_list", check_room_list),
                  needs=("credentials",), inputs=("room_list",),
                  help=N_("Create a distribution group for the conference rooms.")),
        CheckSpec("rooms", N_("Rooms in the room list"), _guarded("rooms", check_rooms),
                  needs=("room_list",), inputs=("room_list",),
                  help=N_("Add your conference rooms to the room list.")),
        CheckSpec("impersonation", N_("ApplicationImpersonation for every room"),
                  _guarded("impersonation", check_impersonation), needs=("rooms",),
                  timeout=600,
                  help=N_("Create a management role with ApplicationImpersonation and assign "
                          "it to the service account.")),
        CheckSpec("public_name", N_("EWS host name public"),
                  _guarded("public_name", check_public_name), needs=("endpoint",),
                  inputs=("ews_url",),
                  help=N_("Cronofy connects to Exchange from the internet.")),
        CheckSpec("public_trust", N_("Certificate publicly trusted"),
                  _guarded("public_trust", check_public_trust), needs=("endpoint",),
                  inputs=("ews_url",),
                  help=N_("Cronofy trusts certificates of public certificate authorities "
                          "only.")),
        CheckSpec("auth_methods", N_("EWS offers NTLM or Basic"),
                  _guarded("auth_methods", check_auth_methods), needs=("endpoint",),
                  inputs=("ews_url",),
                  help=N_("Cronofy signs in with the service account's user name and "
                          "password.")),
        CheckSpec("notifications", N_("Change notifications for every room"),
                  _guarded("notifications", check_notifications), needs=("impersonation",),
                  timeout=600,
                  help=N_("Cronofy subscribes to changes of every room calendar.")),
        CheckSpec("write_access", N_("Bookings in every room (write probe)"),
                  _guarded("write_access", check_write_access), needs=("impersonation",),
                  inputs=("write_probe",), timeout=600, required=False,
                  help=N_("Cronofy creates, changes and deletes events to book a room at its "
                          "panel.")),
        *DISPLAY_CHECKS,
    ),
    sign_in=N_("You will sign in with the service account that holds the "
               "ApplicationImpersonation role."),
    step2_proof=N_("Cronofy signed in with the service account and lists {count} room "
                   "calendars."),
    missing_rooms_hint=N_("Rooms Cronofy cannot see usually lack ApplicationImpersonation "
                          "(management scope) or are not in the room list; permission changes "
                          "can take up to 30 minutes."),
)
