"""A loopback Exchange Web Services server: the SOAP subset the wizard's checks send.

Built from Microsoft's documented responses (GetRoomLists, GetRooms,
GetFolder with the ExchangeImpersonation header, SOAP faults such as
ErrorServerBusy with BackOffMilliseconds) so that the real exchangelib talks
to it over HTTP(S) with NTLM (a real NTLMv2 acceptor, see ``ntlm.py``) or Basic
auth. Scenario keys (``[exchange]``):

* ``password``: the service account's password (default below)
* ``room_lists``: list of room-list addresses (default ``["rooms@…"]``; ``[]`` = none)
* ``impersonation_denied``: ``true`` for every room, or a list of room addresses
* ``no_impersonation_role``: the service account lacks the role entirely (same as all denied)
* ``busy_requests``: the first N requests answer ErrorServerBusy (``busy_back_off_ms``)
* ``max_concurrency``: more EWS requests than this at once (latency included) answer
  ErrorServerBusy with ``busy_back_off_ms``, as Exchange's throttling policy does
  (default 27: the default policy's EWSMaxConcurrency per account)
* ``malformed``: answer with broken XML; ``ews_disabled``: answer 403 with an HTML page
* ``no_mailbox``: the service account has no mailbox (ErrorNonExistentMailbox)
* ``service_account``: the account that may sign in (default ``svc-cronofy@…``; replays)
* ``discovered_ews_url``: the EWS address autodiscover answers (default: this server's)
* ``password_known``: the admin knows ``password`` and types it into Cronofy's page
  (default: only when it is the demo's; a scenario whose admin is handed another
  password, e.g. through ``ROOMCAL_PASSWORD``, says so)
* ``auth_schemes``: the schemes a 401 offers in ``WWW-Authenticate`` (default ``["NTLM",
  "Basic"]``; ``["Negotiate"]``: what AD FS modern auth or Extended Protection behind an
  SSL-offloading load balancer publishes). The service account still signs in with
  NTLM or Basic: the admin's machine reaches the server past the load balancer.
* ``notifications_refused``: ``true`` for every room, or a list of room addresses, whose
  pull ``Subscribe`` is refused with ``notifications_error`` (default
  ``ErrorExceededSubscriptionCount``, what a throttling policy without subscriptions says)
* ``write_denied`` / ``update_denied``: ``true`` or a list of rooms whose ``CreateItem`` /
  ``UpdateItem`` answers ``ErrorAccessDenied`` (an item created before a refused update
  stays until deleted: ``state.items`` shows what a probe left behind)
* ``public_address``: what the internet's DNS answers for the EWS host, served as
  DNS-over-HTTPS JSON at ``/dns-query`` (the ``resolver_url`` the demo uses; default
  ``203.0.113.80``, a public address; ``""``: the name does not exist)
* ``private_ca``: the server's certificate comes from the organisation's own CA, not
  one the world trusts (the demo's CA bundle field then holds that CA)
* ``cert_days_left``: the server's certificate expires in this many days (default 398)
* ``plain_http``: EWS (and autodiscover) over plain http, no TLS at all (the demo's URL
  is ``http://127.0.0.1:…``: plain http is allowed to this machine only)
* ``challenge``: ``false``: a request without credentials is not answered 401 with
  ``WWW-Authenticate`` but redirected (302) to a sign-in page, as a reverse proxy with
  forms-based pre-authentication does; the demo signs in with Basic, which goes with
  every request
* ``ews_host``: the host name the demo's EWS URL names (default ``127.0.0.1``;
  ``localhost``: a single-label name, also in the certificate)

Cronofy, linking Exchange, meets the same server (``LinkWorld``): it signs in as the
service account with the password the admin knows — the demo's, one the scenario says
the admin knows, or one that has signed in here (step 1 typed the right one) —, so a
server that expects another, has EWS disabled or answers broken XML refuses the link;
it finds rooms through room lists only, and a room the account may not impersonate
fails its authorization.
"""

from __future__ import annotations

import base64
import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from wizard.providers.exchange.display_sandbox import DisplayOps
from wizard.providers.exchange.ntlm import NtlmAcceptor
from wizard.sandbox import room_calendars
from wizard.sandbox.enterprise_connect import Refusal
from wizard.sandbox.rooms import DOMAIN, Room
from wizard.sandbox.server import Request, Response, Router

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
EWS_PATH = "/EWS/Exchange.asmx"
AUTODISCOVER_PATH = "/autodiscover/autodiscover.svc"
DNS_PATH = "/dns-query"
SIGN_IN_PAGE = "/CookieAuth.dll?GetLogon?curl=Z2FEWSZ2FExchange.asmx"  # forms pre-auth
ANS = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
SERVICE_ACCOUNT = f"svc-cronofy@{DOMAIN}"
ROOM_LIST = f"rooms@{DOMAIN}"
DEMO_PASSWORD = "Sandbox-Passw0rd!"  # the sandbox's, not a real secret

HEADER = (
    '<s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="1" '
    'MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" '
    f'xmlns:h="{T}" xmlns="{T}"/></s:Header>'
)


def _envelope(body: str, header: bool = True) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}" '
        f'xmlns:m="{M}" xmlns:t="{T}">{HEADER if header else ""}<s:Body>{body}</s:Body>'
        "</s:Envelope>"
    )


def _fault(code: str, message: str, back_off_ms: int | None = None) -> str:
    extra = ""
    if back_off_ms is not None:
        extra = (f'<t:MessageXml xmlns:t="{T}"><t:Value Name="BackOffMilliseconds">'
                 f"{back_off_ms}</t:Value></t:MessageXml>")
    return _envelope(
        "<s:Fault><faultcode xmlns:a=\"http://schemas.microsoft.com/exchange/services/2006/"
        f"types\">a:{code}</faultcode><faultstring xml:lang=\"en-US\">{escape(message)}"
        "</faultstring><detail><e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/"
        f"services/2006/errors\">{code}</e:ResponseCode><e:Message xmlns:e=\"http://schemas."
        f"microsoft.com/exchange/services/2006/errors\">{escape(message)}</e:Message>{extra}"
        "</detail></s:Fault>",
        header=False,
    )


def _error_message(service: str, code: str, text: str) -> str:
    return (f'<m:{service}ResponseMessage ResponseClass="Error"><m:MessageText>{escape(text)}'
            f"</m:MessageText><m:ResponseCode>{code}</m:ResponseCode>"
            f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:{service}ResponseMessage>")


@dataclass
class ExchangeState:
    rooms: list[Room]
    password: str
    room_lists: list[str]
    denied: set[str] | bool
    busy_requests: int = 0
    busy_back_off_ms: int = 200
    max_concurrency: int = 27
    concurrency_refused: int = 0  # requests refused for max_concurrency
    malformed: bool = False
    ews_disabled: bool = False
    no_mailbox: bool = False
    service_account: str = SERVICE_ACCOUNT
    discovered_ews_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: int = 0
    impersonated: list[str] = field(default_factory=list)
    signed_in: bool = False  # the service account signed in with its password once
    password_known: bool = False  # the admin has the password (and types it into Cronofy)
    auth_schemes: list[str] = field(default_factory=lambda: ["NTLM", "Basic"])
    notifications_refused: set[str] | bool = False
    notifications_error: str = "ErrorExceededSubscriptionCount"
    write_denied: set[str] | bool = False
    update_denied: set[str] | bool = False
    public_address: str = "203.0.113.80"
    private_ca: bool = False
    cert_days_left: float = 398
    plain_http: bool = False
    challenge: bool = True
    subscriptions: dict[str, str] = field(default_factory=dict)  # id -> mailbox
    subscribed: list[str] = field(default_factory=list)  # every mailbox that subscribed once
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> what is there now
    created: list[dict[str, Any]] = field(default_factory=list)  # every item ever created
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (mailbox, DeleteType)

    @classmethod
    def from_scenario(cls, rooms: list[Room], section: dict[str, Any]) -> ExchangeState:
        denied = section.get("impersonation_denied", False)
        if section.get("no_impersonation_role"):
            denied = True
        return cls(
            rooms=rooms,
            password=str(section.get("password", DEMO_PASSWORD)),
            password_known=bool(section.get("password_known", False)),
            service_account=str(section.get("service_account", SERVICE_ACCOUNT)).lower(),
            room_lists=[str(x) for x in section.get("room_lists", [ROOM_LIST])],
            denied=set(denied) if isinstance(denied, list) else bool(denied),
            busy_requests=int(section.get("busy_requests", 0)),
            busy_back_off_ms=int(section.get("busy_back_off_ms", 200)),
            max_concurrency=int(section.get("max_concurrency", 27)),
            malformed=bool(section.get("malformed", False)),
            ews_disabled=bool(section.get("ews_disabled", False)),
            no_mailbox=bool(section.get("no_mailbox", False)),
            discovered_ews_url=str(section.get("discovered_ews_url", "")),
            auth_schemes=[str(x) for x in section.get("auth_schemes", ["NTLM", "Basic"])],
            notifications_refused=_rooms_or_all(section.get("notifications_refused", False)),
            notifications_error=str(section.get("notifications_error",
                                                "ErrorExceededSubscriptionCount")),
            write_denied=_rooms_or_all(section.get("write_denied", False)),
            update_denied=_rooms_or_all(section.get("update_denied", False)),
            public_address=str(section.get("public_address", "203.0.113.80")),
            private_ca=bool(section.get("private_ca", False)),
            cert_days_left=float(section.get("cert_days_left", 398)),
            plain_http=bool(section.get("plain_http", False)),
            challenge=bool(section.get("challenge", True)),
        )

    def is_denied(self, room: str) -> bool:
        return _applies(self.denied, room)


def _internal(address: str) -> bool:
    from wizard.providers.exchange.checks import internal_address

    return internal_address(address)


def _rooms_or_all(value: Any) -> set[str] | bool:
    return {str(x).lower() for x in value} if isinstance(value, list) else bool(value)


def _applies(rooms: set[str] | bool, room: str) -> bool:
    return rooms is True or (isinstance(rooms, set) and room.lower() in rooms)


@dataclass(frozen=True)
class LinkWorld:
    """What Cronofy meets when it links this Exchange (wizard.sandbox.enterprise_connect)."""

    state: ExchangeState

    def sign_in(self) -> Refusal | None:
        state = self.state
        if state.ews_disabled:
            return Refusal("access_denied", "Exchange Web Services answered HTTP 403: EWS is "
                                            "disabled for the service account.")
        if state.malformed:
            return Refusal("server_error", "The Exchange server did not answer with EWS.")
        if state.password != DEMO_PASSWORD and not (state.password_known or state.signed_in):
            return Refusal("access_denied", "The Exchange server rejected the service "
                                            "account's password (HTTP 401).")
        # Cronofy comes from the internet: it must find, trust and sign in to the server.
        if not state.public_address or _internal(state.public_address):
            return Refusal("server_error", "The Exchange server's name resolves to an internal "
                                           "address: unreachable from the internet.")
        if state.plain_http:
            return Refusal("server_error", "The Exchange server does not offer https.")
        if state.private_ca:
            return Refusal("server_error", "The Exchange server's certificate is not trusted "
                                           "(private certificate authority).")
        if not {"ntlm", "basic"} & {s.lower() for s in state.auth_schemes}:
            return Refusal("access_denied", "The Exchange server offers neither NTLM nor Basic "
                                            "authentication.")
        return None

    def account(self) -> str:
        return self.state.service_account

    def resources(self, rooms: list[Room]) -> list[Room]:
        return list(rooms) if self.state.room_lists else []  # GetRooms needs a room list

    def readable(self, email: str) -> bool:
        state = self.state
        return not (state.is_denied(email.lower())
                    or _applies(state.notifications_refused, email))


class EwsHandler(DisplayOps):
    def __init__(self, state: ExchangeState, ntlm: NtlmAcceptor) -> None:
        self.state = state
        self.ntlm = ntlm
        self.by_email = {r.email.lower(): r for r in state.rooms}

    def __call__(self, request: Request) -> Response:
        state = self.state
        if state.ews_disabled:
            return Response(403, "<html><body><h1>403 - Forbidden: Access is denied.</h1>"
                                 "</body></html>", content_type="text/html")
        authorized, challenge = self._authorized(request)
        if not authorized and not state.challenge and not request.header("authorization"):
            return Response(302, "", {"Location": SIGN_IN_PAGE}, "text/html")
        if not authorized:
            return Response(401, "", {"WWW-Authenticate": challenge}, "text/plain")
        with state.lock:
            state.signed_in = True
            state.seen += 1
            busy = state.seen <= state.busy_requests
            if not busy and getattr(request.server, "in_flight", 0) > state.max_concurrency:
                busy = True
                state.concurrency_refused += 1
        if busy:
            return Response(500, _fault("ErrorServerBusy", "The server cannot service this "
                                        "request right now. Try again later.",
                                        state.busy_back_off_ms), content_type="text/xml")
        if state.malformed:
            return Response(200, "<s:Envelope><s:Body><unclosed>", content_type="text/xml")
        try:
            root = ET.fromstring(request.body)
        except ET.ParseError:
            return Response(400, "bad request", content_type="text/plain")
        body = root.find(f"{{{SOAP}}}Body")
        operation = body[0] if body is not None and len(body) else None
        if operation is None:
            return Response(400, "no operation", content_type="text/plain")
        name = operation.tag.rsplit("}", 1)[-1]
        impersonated = root.findtext(f".//{{{T}}}ExchangeImpersonation//{{{T}}}PrimarySmtpAddress")
        handler = getattr(self, f"op_{name}", None)
        if handler is None:
            return Response(500, _fault("ErrorInvalidRequest", f"{name} is not supported by "
                                        "the sandbox"), content_type="text/xml")
        return Response(200, handler(operation, impersonated), content_type="text/xml")

    def _authorized(self, request: Request) -> tuple[bool, str]:
        """(signed in, the WWW-Authenticate challenge to answer a 401 with)."""
        header = request.header("authorization")
        offer = ", ".join('Basic realm="sandbox"' if scheme.lower() == "basic" else scheme
                          for scheme in self.state.auth_schemes)
        if header.lower().startswith("negotiate "):  # NTLM inside Negotiate, as IIS takes it
            ok, challenge = self.ntlm.authenticate("NTLM " + header[10:], request.connection)
            return ok, "Negotiate" + challenge[4:] if challenge.startswith("NTLM ") else offer
        if request.connection.get("ntlm_user") or header.lower().startswith("ntlm "):
            return self.ntlm.authenticate(header, request.connection)
        if not header.lower().startswith("basic "):
            return False, offer
        try:
            user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False, offer
        account = self.state.service_account
        ok = user.lower() in (account, account.split("@")[0]) and \
            password == self.state.password
        return ok, offer

    def autodiscover(self, request: Request) -> Response:
        """SOAP autodiscover (GetUserSettings): the EWS URL for a mailbox of the domain."""
        authorized, challenge = self._authorized(request)
        if not authorized:
            return Response(401, "", {"WWW-Authenticate": challenge}, "text/plain")
        try:
            root = ET.fromstring(request.body)
        except ET.ParseError:
            return Response(400, "bad request", content_type="text/plain")
        user = (root.findtext(f".//{{{ANS}}}Mailbox") or "").strip().lower()
        base = request.server.base_url if request.server else ""
        domains = {DOMAIN, self.state.service_account.rsplit("@", 1)[-1]}
        if user.rsplit("@", 1)[-1] in domains:
            code, message = "NoError", "No error."
            ews_url = self.state.discovered_ews_url or base + EWS_PATH
            settings = (
                '<UserSettings><UserSetting i:type="StringSetting"><Name>ExternalEwsUrl</Name>'
                f"<Value>{escape(ews_url)}</Value></UserSetting>"
                '<UserSetting i:type="StringSetting"><Name>InternalEwsUrl</Name>'
                f"<Value>{escape(ews_url)}</Value></UserSetting></UserSettings>")
        else:
            code, message, settings = "InvalidUser", f"Invalid user: '{escape(user)}'", ""
        body = (
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>'
            '<a:Action s:mustUnderstand="1">http://schemas.microsoft.com/exchange/2010/'
            "Autodiscover/Autodiscover/GetUserSettingsResponse</a:Action></s:Header><s:Body>"
            f'<GetUserSettingsResponseMessage xmlns="{ANS}">'
            '<Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
            "<ErrorCode>NoError</ErrorCode><ErrorMessage/><UserResponses><UserResponse>"
            f"<ErrorCode>{code}</ErrorCode><ErrorMessage>{message}</ErrorMessage>"
            f'<RedirectTarget i:nil="true"/><UserSettingErrors/>{settings}'
            "</UserResponse></UserResponses></Response></GetUserSettingsResponseMessage>"
            "</s:Body></s:Envelope>")
        return Response(200, body, content_type="text/xml; charset=utf-8")

    # -- operations --------------------------------------------------------------------
    def op_GetRoomLists(self, _op: ET.Element, _imp: str | None) -> str:
        lists = "".join(
            f"<t:Address><t:Name>{escape(a.split('@')[0].title())}</t:Name>"
            f"<t:EmailAddress>{escape(a)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>"
            "<t:MailboxType>PublicDL</t:MailboxType></t:Address>"
            for a in self.state.room_lists
        )
        return _envelope('<m:GetRoomListsResponse ResponseClass="Success">'
                         f"<m:ResponseCode>NoError</m:ResponseCode><m:RoomLists>{lists}"
                         "</m:RoomLists></m:GetRoomListsResponse>")

    def op_GetRooms(self, op: ET.Element, _imp: str | None) -> str:
        wanted = (op.findtext(f".//{{{T}}}EmailAddress") or "").lower()
        if wanted not in [a.lower() for a in self.state.room_lists]:
            return _envelope(
                '<m:GetRoomsResponse ResponseClass="Error"><m:MessageText>No results were '
                "found.</m:MessageText><m:ResponseCode>ErrorNameResolutionNoResults"
                "</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
                "</m:GetRoomsResponse>")
        rooms = "".join(
            f"<t:Room><t:Id><t:Name>{escape(r.name)}</t:Name><t:EmailAddress>{escape(r.email)}"
            "</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox"
            "</t:MailboxType></t:Id></t:Room>"
            for r in self.state.rooms
        )
        return _envelope('<m:GetRoomsResponse ResponseClass="Success"><m:ResponseCode>NoError'
                         f"</m:ResponseCode><m:Rooms>{rooms}</m:Rooms></m:GetRoomsResponse>")

    def op_GetFolder(self, op: ET.Element, impersonated: str | None) -> str:
        mailbox = (impersonated or op.findtext(f".//{{{T}}}EmailAddress") or
                   self.state.service_account).lower()
        if impersonated:
            with self.state.lock:
                self.state.impersonated.append(mailbox)
            if mailbox not in self.by_email:
                message = _error_message("GetFolder", "ErrorNonExistentMailbox",
                                         "The SMTP address has no mailbox associated with it.")
            elif self.state.is_denied(mailbox):
                message = _error_message(
                    "GetFolder", "ErrorImpersonateUserDenied",
                    "The account does not have permission to impersonate the requested user.")
            else:
                message = self._calendar_folder(mailbox)
        elif self.state.no_mailbox:
            message = _error_message("GetFolder", "ErrorNonExistentMailbox",
                                     "The SMTP address has no mailbox associated with it.")
        else:
            message = self._calendar_folder(mailbox)
        return _envelope("<m:GetFolderResponse><m:ResponseMessages>"
                         f"{message}</m:ResponseMessages></m:GetFolderResponse>")

    def _refusal(self, service: str, mailbox: str) -> str | None:
        """The error an impersonated operation on ``mailbox`` meets first, or None."""
        if mailbox not in self.by_email:
            return _error_message(service, "ErrorNonExistentMailbox",
                                  "The SMTP address has no mailbox associated with it.")
        if self.state.is_denied(mailbox):
            return _error_message(
                service, "ErrorImpersonateUserDenied",
                "The account does not have permission to impersonate the requested user.")
        return None

    @staticmethod
    def _impersonated(impersonated: str | None) -> str:
        return (impersonated or "").lower()

    def op_Subscribe(self, op: ET.Element, impersonated: str | None) -> str:
        mailbox = self._impersonated(impersonated)
        state = self.state
        message = self._refusal("Subscribe", mailbox)
        if message is None and op.find(f"{{{M}}}PullSubscriptionRequest") is None:
            message = _error_message("Subscribe", "ErrorInvalidSubscriptionRequest",
                                     "The sandbox answers pull subscriptions only.")
        if message is None and _applies(state.notifications_refused, mailbox):
            message = _error_message("Subscribe", state.notifications_error,
                                     "You have exceeded the maximum number of subscriptions.")
        if message is None:
            with state.lock:
                number = len(state.subscribed) + 1
                subscription = base64.b64encode(f"subscription:{number}".encode()).decode()
                state.subscriptions[subscription] = mailbox
                state.subscribed.append(mailbox)
            watermark = base64.b64encode(f"watermark:{number}".encode()).decode()
            message = ('<m:SubscribeResponseMessage ResponseClass="Success"><m:ResponseCode>'
                       f"NoError</m:ResponseCode><m:SubscriptionId>{subscription}"
                       f"</m:SubscriptionId><m:Watermark>{watermark}</m:Watermark>"
                       "</m:SubscribeResponseMessage>")
        return _envelope("<m:SubscribeResponse><m:ResponseMessages>"
                         f"{message}</m:ResponseMessages></m:SubscribeResponse>")

    def op_Unsubscribe(self, op: ET.Element, _imp: str | None) -> str:
        subscription = op.findtext(f"{{{M}}}SubscriptionId") or ""
        with self.state.lock:
            known = self.state.subscriptions.pop(subscription, None)
        if known is None:
            message = _error_message("Unsubscribe", "ErrorSubscriptionNotFound",
                                     "The specified subscription was not found.")
        else:
            message = ('<m:UnsubscribeResponseMessage ResponseClass="Success">'
                       "<m:ResponseCode>NoError</m:ResponseCode></m:UnsubscribeResponseMessage>")
        return _envelope("<m:UnsubscribeResponse><m:ResponseMessages>"
                         f"{message}</m:ResponseMessages></m:UnsubscribeResponse>")

    def op_CreateItem(self, op: ET.Element, impersonated: str | None) -> str:
        if op.get("SendMeetingInvitations", "SendToNone") != "SendToNone":
            # A meeting sent to rooms (the test booking): the rooms' booking assistant.
            return super().op_CreateItem(op, impersonated)
        mailbox = self._impersonated(impersonated)
        state = self.state
        message = self._refusal("CreateItem", mailbox)
        if message is None and _applies(state.write_denied, mailbox):
            message = _error_message("CreateItem", "ErrorAccessDenied", "Access is denied. "
                                     "Check credentials and try again.")
        if message is None:
            item = op.find(f".//{{{T}}}CalendarItem")
            with state.lock:
                number = len(state.created) + 1
                item_id = base64.b64encode(f"item:{mailbox}:{number}".encode()).decode()
                state.items[item_id] = created = {
                    "mailbox": mailbox,
                    "subject": item.findtext(f"{{{T}}}Subject") if item is not None else "",
                    "sensitivity": item.findtext(f"{{{T}}}Sensitivity")
                    if item is not None else "",
                    "start": item.findtext(f"{{{T}}}Start") if item is not None else "",
                    "attendees": item is not None and (
                        item.find(f"{{{T}}}RequiredAttendees") is not None
                        or item.find(f"{{{T}}}OptionalAttendees") is not None),
                    "invitations": op.get("SendMeetingInvitations", ""),
                }
                state.created.append(dict(created))
            message = ('<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>'
                       f"NoError</m:ResponseCode><m:Items>{self._item(item_id, 1)}</m:Items>"
                       "</m:CreateItemResponseMessage>")
        return _envelope("<m:CreateItemResponse><m:ResponseMessages>"
                         f"{message}</m:ResponseMessages></m:CreateItemResponse>")

    def op_UpdateItem(self, op: ET.Element, impersonated: str | None) -> str:
        mailbox = self._impersonated(impersonated)
        state = self.state
        item_id = ""
        found = op.find(f".//{{{T}}}ItemId")
        if found is not None:
            item_id = found.get("Id", "")
        message = self._refusal("UpdateItem", mailbox)
        if message is None and _applies(state.update_denied, mailbox):
            message = _error_message("UpdateItem", "ErrorAccessDenied", "Access is denied. "
                                     "Check credentials and try again.")
        if message is None:
            with state.lock:
                item = state.items.get(item_id)
                if item is not None and item["mailbox"] == mailbox:
                    subject = op.findtext(f".//{{{T}}}SetItemField//{{{T}}}Subject")
                    item["subject"] = subject if subject is not None else item["subject"]
            if item is None:
                message = _error_message("UpdateItem", "ErrorItemNotFound",
                                         "The specified object was not found in the store.")
            else:
                message = ('<m:UpdateItemResponseMessage ResponseClass="Success">'
                           "<m:ResponseCode>NoError</m:ResponseCode><m:Items>"
                           f"{self._item(item_id, 2)}</m:Items><m:ConflictResults><t:Count>0"
                           "</t:Count></m:ConflictResults></m:UpdateItemResponseMessage>")
        return _envelope("<m:UpdateItemResponse><m:ResponseMessages>"
                         f"{message}</m:ResponseMessages></m:UpdateItemResponse>")

    def op_DeleteItem(self, op: ET.Element, impersonated: str | None) -> str:
        mailbox = self._impersonated(impersonated)
        state = self.state
        found = op.find(f".//{{{T}}}ItemId")
        item_id = found.get("Id", "") if found is not None else ""
        with state.lock:
            probe_item = item_id in state.items
        if not probe_item:  # a meeting the test booking sent: cancelled in the rooms too
            return super().op_DeleteItem(op, impersonated)
        message = self._refusal("DeleteItem", mailbox)
        if message is None:
            with state.lock:
                item = state.items.get(item_id)
                if item is not None and item["mailbox"] == mailbox:
                    del state.items[item_id]
                    state.deleted.append((mailbox, op.get("DeleteType", "")))
                else:
                    item = None
            message = ('<m:DeleteItemResponseMessage ResponseClass="Success"><m:ResponseCode>'
                       "NoError</m:ResponseCode></m:DeleteItemResponseMessage>"
                       if item is not None else _error_message(
                           "DeleteItem", "ErrorItemNotFound",
                           "The specified object was not found in the store."))
        return _envelope("<m:DeleteItemResponse><m:ResponseMessages>"
                         f"{message}</m:ResponseMessages></m:DeleteItemResponse>")

    @staticmethod
    def _item(item_id: str, version: int) -> str:
        change_key = base64.b64encode(f"change:{version}".encode()).decode()
        return (f'<t:CalendarItem><t:ItemId Id="{item_id}" ChangeKey="{change_key}"/>'
                "</t:CalendarItem>")

    def dns(self, request: Request) -> Response:
        """DNS-over-HTTPS, JSON flavour (Google's and Cloudflare's): what the internet's DNS
        answers for a name — here the scenario's public address of the EWS host."""
        name = request.arg("name")
        address = self.state.public_address
        if not name or not address:
            answer: dict[str, Any] = {"Status": 3, "Question": [{"name": name, "type": 1}]}
        else:
            kind = 28 if ":" in address else 1
            answer = {"Status": 0, "Question": [{"name": name, "type": kind}],
                      "Answer": [{"name": name, "type": kind, "TTL": 300, "data": address}]}
        return Response(200, json.dumps(answer), content_type="application/dns-json")

    @staticmethod
    def _calendar_folder(mailbox: str) -> str:
        folder_id = base64.b64encode(f"calendar:{mailbox}".encode()).decode()
        return ('<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError'
                f'</m:ResponseCode><m:Folders><t:CalendarFolder><t:FolderId Id="{folder_id}" '
                'ChangeKey="AgAAABYAAAA="/><t:FolderClass>IPF.Appointment</t:FolderClass>'
                "<t:DisplayName>Calendar</t:DisplayName><t:TotalCount>0</t:TotalCount>"
                "<t:ChildFolderCount>0</t:ChildFolderCount></t:CalendarFolder></m:Folders>"
                "</m:GetFolderResponseMessage>")


def start(sandbox: Any) -> Any:
    from wizard.sandbox import ServiceHandle
    from wizard.sandbox.tls import issue, make_tls

    section = sandbox.scenario.section("exchange")
    state = ExchangeState.from_scenario(sandbox.scenario.rooms, section)
    router = Router()
    ntlm = NtlmAcceptor({state.service_account: state.password},
                        sandbox.tls.ca_pem.parent if sandbox.tls else None)
    handler = EwsHandler(state, ntlm)
    handler.calendars = room_calendars.start(sandbox)
    router.add("*", EWS_PATH, handler)
    router.add("POST", AUTODISCOVER_PATH, handler.autodiscover)
    dns = Router()  # the internet's DNS: a server of its own, with the world's certificate
    dns.add("GET", DNS_PATH, handler.dns)
    values = {
        "ews_url": "",
        "username": state.service_account,
        "room_list": ROOM_LIST,  # a replay brings the customer's in its inputs
        "auth": "ntlm",
    }
    tls: Any = True
    if state.plain_http:
        tls = False
    elif sandbox.tls is not None and state.private_ca:  # the organisation's own CA
        tls = make_tls(sandbox.tls.ca_pem.parent, name="Example Corp Issuing CA",
                       prefix="exchange-", days=state.cert_days_left)
        values["ca_bundle"] = str(tls.ca_pem)  # what its admin types into the form
    elif sandbox.tls is not None and state.cert_days_left != 398:
        tls = issue(sandbox.tls, days=state.cert_days_left, prefix="exchange-")
    server = sandbox.serve(router, "exchange", tls=tls)
    resolver = sandbox.serve(dns, "exchange-dns", tls=True)
    values["ews_url"] = f"{server.base_url}{EWS_PATH}"
    if host := str(section.get("ews_host", "")):  # the name the form gives (its certificate's)
        values["ews_url"] = f"{server.base_url.split(':')[0]}://{host}:{server.port}{EWS_PATH}"
    if not state.challenge:  # behind forms pre-authentication only Basic gets through
        values["auth"] = "basic"
    return ServiceHandle(
        servers=[server, resolver],
        endpoints={"autodiscover_url": f"{server.base_url}{AUTODISCOVER_PATH}",
                   # The internet's DNS as the demo's world has it (public_address).
                   "resolver_url": f"{resolver.base_url}{DNS_PATH}"},
        demo_values={"exchange": values},
        # The demo form holds the usual demo password; a scenario may expect another.
        demo_secrets={"exchange": {"password": DEMO_PASSWORD}},
        state=state,
        enterprise_connect=LinkWorld(state),
    )
