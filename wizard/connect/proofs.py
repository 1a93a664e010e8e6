"""What Cronofy proved of each room (step 2): the relay's stable failure codes, each with
its cause in one sentence (docs/relay.md lists the codes). The UI asks for them through
``wizard.app.Setup`` (it speaks to no part of connect itself)."""

from __future__ import annotations

from wizard.core.i18n import N_
from wizard.core.model import Msg

# What a room that passes has shown from Cronofy's side, in the order the relay proves it.
PROVED = N_("Cronofy proved each room: listed in its resources, authorized (callback "
            "received, code exchanged), its profile connected, its calendar listed and its "
            "events readable.")

CAUSES: dict[str, str] = {
    "not_listed": N_("Cronofy does not list this room."),
    "authorization_rejected": N_("Cronofy rejected the room's authorization request."),
    "authorization_refused": N_("Cronofy was refused access to the room's calendar (an "
                                "access policy of the application, or the room's "
                                "permissions)."),
    "no_callback": N_("Cronofy never reported the room's authorization."),
    "code_exchange_failed": N_("Cronofy did not accept the room's authorization code."),
    "profiles_unreadable": N_("Cronofy's profile of the room could not be read."),
    "profile_disconnected": N_("Cronofy's profile of the room is disconnected: relink it."),
    "calendars_unreadable": N_("Cronofy's calendars of the room could not be read."),
    "no_calendar": N_("Cronofy lists no calendar for the room."),
    "events_unreadable": N_("Cronofy could not read the room's events."),
    "cronofy_unreachable": N_("The relay could not reach Cronofy for this room."),
    "not_linked": N_("The link ended before the room was proven."),
    "undecryptable": N_("The relay can no longer read its stored tokens (its key changed)."),
    "relay_error": N_("The relay failed while proving the room."),
}


def cause(code: str) -> Msg:
    """The cause of a room's failure code (an unknown code: named)."""
    return Msg(CAUSES.get(code, N_("Cronofy could not prove the room ({code}).")), code=code)
