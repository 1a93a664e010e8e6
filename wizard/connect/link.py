"""Step 2: link the calendar service through Cronofy Enterprise Connect, by the relay.

The meeting-room vendor's roomcal relay (wizard.connect.relay, docs/relay.md) starts the
link and gives the sign-in address, which goes to Cronofy with the relay's redirect: the
admin opens it on any device (the text, or its QR code). The wizard polls the relay until
the link is done, refused or expired and says which; then reads which room calendars
Cronofy sees and compares them with the rooms of step 1. No Cronofy client, token or
callback is on this machine.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

from wizard.connect.relay import Link, RelayClient, RelayError
from wizard.core.errors import UserFacingError
from wizard.core.i18n import N_
from wizard.core.interaction import Interaction, SignInRequest
from wizard.core.model import Connection, Msg

SIGN_IN_TIMEOUT = 15 * 60
POLL = 1.0  # seconds between two looks at the link


@dataclass
class LinkRequest:
    provider: str  # the registry's name; Cronofy's provider_name
    region: str
    step1_rooms: list[str]
    profile: str
    # msgid: why a room step 1 found may be missing from Cronofy's view (the provider's)
    missing_rooms_hint: str = ""


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    email: str


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


def choose_region(wanted: str, served: list[str]) -> str:
    """The data centre to link in: the one asked for if the relay serves it, else the
    relay's only one; several and none of them asked for: a sentence naming them."""
    if wanted in served:
        return wanted
    if len(served) == 1:
        return served[0]
    if not served:
        raise RelayError(Msg(N_("The roomcal relay serves no Cronofy data centre yet.")),
                         Msg(N_("Ask your meeting-room vendor to configure the relay.")),
                         code="relay.no_region")
    raise not_served(wanted, served)


def not_served(wanted: str, served: list[str]) -> RelayError:
    """A data centre the relay has no application in: one sentence naming those it has."""
    return RelayError(
        Msg(N_("The roomcal relay serves these Cronofy data centres: {regions}; “{region}” "
               "is not one of them."), regions=", ".join(served), region=wanted or "-"),
        Msg(N_("Choose one of them, then link again.")), code="relay.unknown_region")


REFUSED = "cronofy.refused"
EXPIRED = "cronofy.link_expired"
# The relay's reasons for a refused link (docs/relay.md) -> sentence, remedy.
REFUSALS = {
    "consent_refused": (N_("The sign-in was cancelled or consent was refused."),
                        N_("Link again and accept the requested permissions.")),
    "unknown_application": (
        N_("This Cronofy data centre does not know the vendor's application."),
        N_("Choose the data centre where your meeting-room vendor's application is "
           "registered, then link again.")),
    "invalid_request": (N_("Cronofy rejected the sign-in request as invalid."),
                        N_("Link again; if it keeps failing, tell your meeting-room vendor.")),
    "authorize_failed": (N_("Cronofy could not sign in to the calendar service."),
                         N_("Check the service account and its permissions (step 1), then "
                            "link again.")),
    "code_exchange_failed": (N_("Cronofy did not accept the sign-in's code."),
                             N_("Link again: codes are single-use and expire after a few "
                                "minutes.")),
    "cronofy_unreachable": (N_("The roomcal relay could not reach Cronofy."),
                            N_("Try again in a few minutes.")),
}


def refusal(link: Link) -> UserFacingError:
    """The link ended without being linked: which way, in one sentence."""
    if link.status == "expired":
        return UserFacingError(
            Msg(N_("The sign-in link expired before the sign-in was finished.")),
            Msg(N_("Link again and finish the sign-in within {minutes} minutes."),
                minutes=SIGN_IN_TIMEOUT // 60), code=EXPIRED)
    sentence, remedy = REFUSALS.get(link.code, (
        N_("Cronofy did not link the calendar service ({code})."),
        N_("Link again; if it keeps failing, tell your meeting-room vendor.")))
    refusal_ = Msg(sentence, code=link.code or link.status)
    if link.detail:  # server text: a parameter, never part of ours
        refusal_ = Msg(N_("{refusal} Cronofy says: {reason}"), refusal=refusal_,
                       reason=link.detail)
    return UserFacingError(refusal_, Msg(remedy), code=REFUSED)


def run_link(request: LinkRequest, *, relay: RelayClient, interaction: Interaction,
             cancel: threading.Event, poll: float = POLL) -> LinkOutcome:
    """Blocking (run it in a worker thread)."""
    region = choose_region(request.region, relay.regions())
    link = relay.start_link(region, request.provider)
    interaction.begin_sign_in(SignInRequest(
        service="cronofy", url=link.authorize_url, title=Msg(N_("Cronofy Enterprise Connect")),
        message=Msg(N_("Open this link on any device — this computer, a laptop or a phone — "
                       "choose the calendar service, accept the terms and sign in. roomcal "
                       "waits until Cronofy has linked it.")),
        accepts_paste=False, qr=True, expires_at=time.time() + SIGN_IN_TIMEOUT))
    try:
        current = link
        while current.status == "pending":
            if cancel.wait(poll):
                raise UserFacingError(Msg(N_("The sign-in was cancelled.")))
            current = relay.link(link.id)
    finally:
        interaction.end_sign_in()
    if current.status != "linked":
        raise refusal(current)
    resources = read_resources(relay, current.id)
    connection = Connection(
        provider=request.provider, account=current.account, region=region,
        service_account_id=current.service_account_id,
        rooms=len(resources), linked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        link_id=current.id)
    return LinkOutcome(connection, resources,
                       compare(request.step1_rooms, resources, request.missing_rooms_hint))


def read_resources(relay: RelayClient, link_id: str) -> list[Resource]:
    return [Resource(id=email, name=name, email=email)
            for name, email in relay.resources(link_id)]


def load_connection(connection: Connection, *, relay: RelayClient, step1_rooms: list[str],
                    missing_rooms_hint: str = "") -> LinkOutcome:
    """After a restart: read the rooms back through the relay."""
    if not connection.link_id:
        raise UserFacingError(Msg(N_("This link was made before roomcal used the relay.")),
                              Msg(N_("Link again (step 2).")))
    resources = read_resources(relay, connection.link_id)
    return LinkOutcome(connection, resources,
                       compare(step1_rooms, resources, missing_rooms_hint))


def disconnect(connection: Connection, *, relay: RelayClient) -> None:
    """End the link: the relay revokes its tokens at Cronofy."""
    if connection.link_id:
        relay.revoke(connection.link_id)
