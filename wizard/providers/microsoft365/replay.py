"""Microsoft 365 failures → the sandbox faults that reproduce them (wizard/sandbox/replay.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.providers.microsoft365.display import REPLAYED_CODES
from wizard.sandbox import room_calendars
from wizard.sandbox.replay import Check, failing_items


def _calendars(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    return {"microsoft365": {"calendar_denied": failing_items(check)}}


def _delegated_roles(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    """The roles the customer's admin held (role names are never translated)."""
    detail = check.get("detail_msg")
    params = detail.get("params", {}) if isinstance(detail, Mapping) else {}
    named = str(params.get("roles", "")) if isinstance(params, Mapping) else ""
    roles = [r.strip() for r in named.split(",") if r.strip()]
    return {"microsoft365": {"roles": roles or ["Application Administrator"]}}


def _hidden(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    """The hidden rooms by name and address: the report's rooms (what Places listed) do not
    hold them, so the sandbox adds them."""
    return {"microsoft365": {"hidden": [
        {"name": str(i.get("name", "")), "email": str(i.get("key") or i.get("name"))}
        for i in check.get("items", ()) if i.get("status") == "warn"]}}


def _held(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    """Cronofy's application with the permissions the report did not name as missing."""
    from wizard.providers.microsoft365.vantage import CRONOFY_PERMISSIONS

    detail = check.get("detail_msg")
    params = detail.get("params", {}) if isinstance(detail, Mapping) else {}
    named = str(params.get("missing", "")) if isinstance(params, Mapping) else ""
    missing = {m.strip() for m in named.split(",")} or {"Calendars.ReadWrite"}
    return {"microsoft365": {"cronofy_consented": True, "cronofy_permissions": [
        p for p in CRONOFY_PERMISSIONS if p not in missing]}}


RULES = {
    "microsoft365.sign_in_declined": lambda check, inputs: {"microsoft365": {"decline": True}},
    "microsoft365.sign_in_expired": lambda check, inputs: {
        "microsoft365": {"expire_device_code": True}},
    "microsoft365.graph_refused": lambda check, inputs: {
        "microsoft365": {"graph_unauthorized": True}},
    "microsoft365.no_consent_role": lambda check, inputs: {"microsoft365": {"not_admin": True}},
    "microsoft365.role_cannot_consent": _delegated_roles,
    "microsoft365.no_rooms": lambda check, inputs: {"rooms": {"count": 0}},
    "microsoft365.graph_not_json": lambda check, inputs: {"microsoft365": {"malformed": True}},
    "microsoft365.no_room_list": lambda check, inputs: {"microsoft365": {"room_lists": []}},
    # Which rooms are outside is not in the report; one list with no rooms at all
    # reproduces the warning and its remedy.
    "microsoft365.rooms_outside_lists": lambda check, inputs: {
        "microsoft365": {"room_lists": [{"email": "rooms@example.com", "rooms": []}]}},
    "microsoft365.calendars_unreadable": _calendars,
    "microsoft365.rooms_hidden": _hidden,
    "microsoft365.rooms_on_premises": lambda check, inputs: {
        "microsoft365": {"on_premises": failing_items(check)}},
    "microsoft365.mailbox_settings_unreadable": lambda check, inputs: {
        "microsoft365": {"mailbox_settings_denied": True}},
    "microsoft365.cronofy_permissions_missing": _held,
    "microsoft365.cronofy_on_ews": lambda check, inputs: {
        "microsoft365": {"cronofy_consented": True, "cronofy_ews": True,
                         "cronofy_permissions": []}},
}

RULES.update(dict.fromkeys(REPLAYED_CODES, room_calendars.replay))

LEGACY_CHECKS = {"calendar_access": "microsoft365.calendars_unreadable"}

LEGACY_CODES = {
    "The sign-in was declined.": "microsoft365.sign_in_declined",
    "The sign-in code expired before it was used.": "microsoft365.sign_in_expired",
    "Microsoft Graph refused access (HTTP {status}).": "microsoft365.graph_refused",
    "{account} holds no role that may grant tenant-wide admin consent.":
        "microsoft365.no_consent_role",
    "The tenant has no room mailboxes.": "microsoft365.no_rooms",
    "Microsoft Graph answered with something that is not JSON (HTTP {status}): a proxy may "
    "be rewriting the traffic.": "microsoft365.graph_not_json",
    "The tenant has no room list yet.": "microsoft365.no_room_list",
    "{count} rooms are in no room list: {rooms}": "microsoft365.rooms_outside_lists",
    "{count} room calendars cannot be read.": "microsoft365.calendars_unreadable",
}
