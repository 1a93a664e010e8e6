"""Google Workspace failures → the sandbox faults that reproduce them (wizard/sandbox/replay.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.providers.google.display import BOOKING_CODES
from wizard.sandbox import room_calendars
from wizard.sandbox.replay import Check

ROOMS_SCOPE = "https://www.googleapis.com/auth/admin.directory.resource.calendar.readonly"
POLICY_SCOPE = "https://www.googleapis.com/auth/cloud-identity.policies.readonly"


def _clock_skew(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    remedy = check.get("remedy_msg") or {}
    minutes = (remedy.get("params") or {}).get("minutes") or \
        check.get("remedy_params", {}).get("minutes")
    return {"google": {"clock_skew_s": int(minutes) * 60}} if str(minutes).isdigit() else {}


def _calendar_restricted(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    """As many restricted units as the report counted, Cronofy not trusted in them."""
    detail = check.get("detail_msg")
    params = detail.get("params", {}) if isinstance(detail, Mapping) else {}
    count = params.get("count") if isinstance(params, Mapping) else None
    units = int(count) if isinstance(count, int) and 0 < count <= 100 else 1
    return {"google": {"calendar_restricted": [f"Unit {i + 1}" for i in range(units)],
                       "cronofy_trusted": False}}


RULES = {
    "google.scopes_withheld": lambda check, inputs: {"google": {"withheld_scopes": [ROOMS_SCOPE]}},
    "google.clock_skew": _clock_skew,
    "google.admin_api_disabled": lambda check, inputs: {"google": {"api_disabled": True}},
    "google.unauthorized": lambda check, inputs: {"google": {"unauthorized": True}},
    "google.throttled": lambda check, inputs: {"google": {"throttle_requests": 1000}},
    "google.delegated_admin": lambda check, inputs: {"google": {"not_super_admin": True}},
    "google.not_admin": lambda check, inputs: {"google": {"not_super_admin": True}},
    "google.no_rooms": lambda check, inputs: {"rooms": {"count": 0}},
    "google.marketplace_unconfirmed": lambda check, inputs: {"google": {"marketplace_app": False}},
    # The units' names are not in the report (only their count): the sandbox's own stand in.
    "google.calendar_restricted": _calendar_restricted,
    "google.policy_api_disabled": lambda check, inputs: {"google": {"policy_api_disabled": True}},
    "google.policy_scope_missing": lambda check, inputs: {
        "google": {"withheld_scopes": [POLICY_SCOPE]}},
    "google.policy_denied": lambda check, inputs: {"google": {"admin_role": "cronofy-custom"}},
    "google.cronofy_custom_role": lambda check, inputs: {
        "google": {"admin_role": "cronofy-custom"}},
}

# The rooms whose calendars held no meetings (Google's rooms keep what was booked: only
# "not evaluated" comes from the world's rooms).
RULES["google.room_display.not_evaluated"] = room_calendars.replay
RULES.update(dict.fromkeys(BOOKING_CODES, room_calendars.replay))  # the test booking's rooms

LEGACY_CODES = {
    "The sign-in did not grant every permission roomcal asked for; missing: {missing}.":
        "google.scopes_withheld",
    "The Admin SDK API is not enabled in the Google Cloud project of this OAuth client.":
        "google.admin_api_disabled",
    "Google rejected the sign-in (HTTP 401).": "google.unauthorized",
    "Google kept rate-limiting the requests (HTTP 429).": "google.throttled",
    "{email} is only a delegated administrator.": "google.delegated_admin",
    "{email} is not an administrator.": "google.not_admin",
    "The organisation has no conference-room resources yet.": "google.no_rooms",
}
