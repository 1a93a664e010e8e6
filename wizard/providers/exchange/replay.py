"""Exchange failures → the sandbox faults that reproduce them (see wizard/sandbox/replay.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from wizard.providers.exchange.display import REPLAYED_CODES
from wizard.sandbox import room_calendars
from wizard.sandbox.replay import Check, failing_items

RULES = {
    "exchange.ews_forbidden": lambda check, inputs: {"exchange": {"ews_disabled": True}},
    "exchange.unauthorized": lambda check, inputs: {
        "exchange": {"password": "not-the-password-the-customer-typed"}},
    "exchange.not_ews": lambda check, inputs: {"exchange": {"malformed": True}},
    "exchange.server_busy": lambda check, inputs: {
        "exchange": {"busy_requests": 1000, "busy_back_off_ms": 100}},
    "exchange.no_mailbox": lambda check, inputs: {"exchange": {"no_mailbox": True}},
    "exchange.no_room_list": lambda check, inputs: {"exchange": {"room_lists": []}},
    "exchange.no_rooms": lambda check, inputs: {"rooms": {"count": 0}},
}


def _unknown_room_list(check: Check, inputs: Mapping[str, str]) -> dict[str, Any]:
    wanted = inputs.get("room_list", "").lower()
    lists = str(_param(check, "lists") or check.get("detail", ""))
    found = re.findall(r"[^\s,:]+@[^\s,]+", lists)
    return {"exchange": {"room_lists": [a for a in found if a.lower() != wanted]
                         or ["other-rooms@example.com"]}}


def _impersonation(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    denied = failing_items(check)
    every = len(denied) == len(check.get("items", ()))
    return {"exchange": {"impersonation_denied": True if every else denied}}


def _param(check: Check, name: str) -> Any:
    message = check.get("detail_msg") or {}
    return (message.get("params") or {}).get(name) or check.get("detail_params", {}).get(name)


def _rooms_failing(key: str) -> Any:
    """The rule for a per-room check: its failing rooms (every room: ``true``)."""
    def rule(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
        failing = failing_items(check)
        every = bool(failing) and len(failing) == len(check.get("items", ()))
        return {"exchange": {key: True if every or not failing else failing}}

    return rule


def _address(check: Check) -> str:
    """The first address the host resolved to (an anonymized report's keeps its kind)."""
    from wizard.core import ip

    first = str(_param(check, "addresses") or "").split(",")[0].strip()
    return first if ip.parse(first) is not None and ip.internal(first) else "10.20.30.40"


RULES.update(dict.fromkeys(REPLAYED_CODES, room_calendars.replay))
RULES.update({
    "exchange.unknown_room_list": _unknown_room_list,
    "exchange.impersonation_denied": _impersonation,
    "exchange.impersonation_partial": _impersonation,
    # From where Cronofy stands: the host's public address, its certificate, the schemes.
    "exchange.private_name": lambda check, inputs: {"exchange": {"public_address": _address(
        check)}},
    "exchange.single_label_name": lambda check, inputs: {"exchange": {"ews_host": "localhost"}},
    "exchange.name_not_public": lambda check, inputs: {"exchange": {"public_address": ""}},
    "exchange.private_ca": lambda check, inputs: {"exchange": {"private_ca": True}},
    "exchange.no_https": lambda check, inputs: {"exchange": {"plain_http": True}},
    "exchange.no_challenge": lambda check, inputs: {"exchange": {"challenge": False}},
    "exchange.cert_expiring": lambda check, inputs: {
        "exchange": {"cert_days_left": max(1, int(_param(check, "days") or 10)) + 0.5}},
    "exchange.no_password_auth": lambda check, inputs: {
        "exchange": {"auth_schemes": str(_param(check, "schemes") or "Negotiate").split(", ")}},
    "exchange.notifications_refused": _rooms_failing("notifications_refused"),
    "exchange.write_denied": _rooms_failing("write_denied"),
})

# Reports written before failure codes existed (report format 1) are recognised by the
# untranslated sentence they carry; new reports are matched by code only.
LEGACY_CODES = {
    "The server rejected the service account's user name or password (HTTP 401).":
        "exchange.unauthorized",
    "The server did not answer with EWS (an HTML page or broken XML): EWS may be disabled "
    "or blocked by a proxy.": "exchange.not_ews",
    "The server stayed busy (ErrorServerBusy) after {count} attempts.": "exchange.server_busy",
    "The server refuses EWS (HTTP 403): EWS is disabled for this server or blocked by a "
    "proxy.": "exchange.ews_forbidden",
    "The service account {account} signs in but has no mailbox.": "exchange.no_mailbox",
    "The organisation has no room list yet (normal on a fresh organisation).":
        "exchange.no_room_list",
    "{address} is not a room list. Room lists found: {lists}": "exchange.unknown_room_list",
    "The room list {address} contains no rooms.": "exchange.no_rooms",
    "{account} may not impersonate any of the {count} rooms (ApplicationImpersonation "
    "missing).": "exchange.impersonation_denied",
    "{account} may not impersonate {denied} of {count} rooms: the management scope leaves "
    "them out.": "exchange.impersonation_partial",
}


# Format-1 reports whose impersonation sentence is missing: the items name the rooms.
LEGACY_CHECKS = {"impersonation": "exchange.impersonation_partial"}


def identity(inputs: Mapping[str, str]) -> dict[str, Any]:
    """The sandbox takes the customer's service account and room list as its own."""
    section: dict[str, Any] = {}
    if inputs.get("username"):
        section["service_account"] = inputs["username"]
    if inputs.get("room_list"):
        section["room_lists"] = [inputs["room_list"]]
    return {"exchange": section}
