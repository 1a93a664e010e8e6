"""A diagnostic report as a sandbox scenario: the customer's rooms, identities and failures.

``roomcal report`` (or ``check … --report``) writes what a run saw; a support
engineer runs ``roomcal demo --scenario report.json`` and the sandbox plays
that organisation: its service account, room list and rooms, and — mapped
back from each failed check — the fault that produces the same failure.

Failures are recognised by ``detail_id``, the untranslated message of the
check's sentence (reports may be written in German), by the statuses of a
check's items, and by the PowerShell command, never by translated text.
``tests/test_replay.py`` writes a report for every failing scenario and
checks that replaying it fails the same checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from wizard.core.report import REPORT_FORMAT
from wizard.sandbox.scenario import ReportFormatError

# Inputs that point at the customer's servers or files: the sandbox has its own.
NOT_REPLAYED = ("ews_url", "ca_bundle", "client_secrets", "port", "email")

Check = Mapping[str, Any]
Rule = Callable[[Check, Mapping[str, str]], dict[str, Any]]


def _failing(check: Check) -> list[str]:
    return [str(i.get("key") or i.get("name")) for i in check.get("items", ())
            if i.get("status") == "fail"]


def _is(check: Check, *msgids: str) -> bool:
    return check.get("detail_id") in msgids


# -- Exchange Server ---------------------------------------------------------------------------

def _exchange_endpoint(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    if "EwsEnabled" in str(check.get("command", "")):
        return {"exchange": {"ews_disabled": True}}
    return {}


def _exchange_transport(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The server rejected the service account's user name or password (HTTP "
                  "401)."):
        return {"exchange": {"password": "not-the-password-the-customer-typed"}}
    if _is(check, "The server did not answer with EWS (an HTML page or broken XML): EWS may "
                  "be disabled or blocked by a proxy."):
        return {"exchange": {"malformed": True}}
    if _is(check, "The server stayed busy (ErrorServerBusy) after {count} attempts."):
        return {"exchange": {"busy_requests": 1000, "busy_back_off_ms": 100}}
    if str(check.get("command", "")).startswith("Enable-Mailbox"):
        return {"exchange": {"no_mailbox": True}}
    return {}


def _exchange_room_list(check: Check, inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The organisation has no room list yet (normal on a fresh organisation)."):
        return {"exchange": {"room_lists": []}}
    if _is(check, "{address} is not a room list. Room lists found: {lists}"):
        wanted = inputs.get("room_list", "").lower()
        lists = check.get("detail_params", {}).get("lists") or str(check.get("detail", ""))
        found = re.findall(r"[^\s,:]+@[^\s,]+", str(lists))
        return {"exchange": {"room_lists": [a for a in found if a.lower() != wanted]
                             or ["other-rooms@example.com"]}}
    return _exchange_transport(check, inputs)


def _exchange_rooms(check: Check, inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The room list {address} contains no rooms."):
        return {"rooms": {"count": 0}}
    return _exchange_transport(check, inputs)


def _exchange_impersonation(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    denied = _failing(check)
    if not denied:
        return {}
    every = len(denied) == len(check.get("items", ()))
    return {"exchange": {"impersonation_denied": True if every else denied}}


def _exchange_identity(inputs: Mapping[str, str]) -> dict[str, Any]:
    """The sandbox takes the customer's service account and room list as its own."""
    section: dict[str, Any] = {}
    if inputs.get("username"):
        section["service_account"] = inputs["username"]
    if inputs.get("room_list"):
        section["room_lists"] = [inputs["room_list"]]
    return {"exchange": section}


# -- Microsoft 365 -----------------------------------------------------------------------------

def _m365_sign_in(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The sign-in was declined."):
        return {"microsoft365": {"decline": True}}
    if _is(check, "The sign-in code expired before it was used."):
        return {"microsoft365": {"expire_device_code": True}}
    if _is(check, "Microsoft Graph refused access (HTTP {status})."):
        return {"microsoft365": {"graph_unauthorized": True}}
    return {}


def _m365_admin_role(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "{account} holds no role that may grant tenant-wide admin consent."):
        return {"microsoft365": {"not_admin": True}}
    return {}


def _m365_rooms(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The tenant has no room mailboxes."):
        return {"rooms": {"count": 0}}
    if _is(check, "Microsoft Graph answered with something that is not JSON (HTTP {status}): "
                  "a proxy may be rewriting the traffic."):
        return {"microsoft365": {"malformed": True}}
    return {}


def _m365_room_list(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The tenant has no room list yet."):
        return {"microsoft365": {"room_lists": []}}
    if _is(check, "{count} rooms are in no room list: {rooms}"):
        # Which rooms are outside is not in the report; one list with no rooms at all
        # reproduces the warning and its remedy.
        return {"microsoft365": {"room_lists": [{"email": "rooms@example.com", "rooms": []}]}}
    return {}


def _m365_calendars(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    denied = _failing(check)
    return {"microsoft365": {"calendar_denied": denied}} if denied else {}


# -- Google Workspace --------------------------------------------------------------------------

def _google_sign_in(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The sign-in did not grant every permission roomcal asked for; missing: "
                  "{missing}."):
        return {"google": {"withheld_scopes": [
            "https://www.googleapis.com/auth/admin.directory.resource.calendar.readonly"]}}
    minutes = str(check.get("remedy_params", {}).get("minutes", ""))
    if check.get("status") == "warn" and minutes.isdigit():
        return {"google": {"clock_skew_s": int(minutes) * 60}}
    return {}


def _google_api(check: Check, _inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The Admin SDK API is not enabled in the Google Cloud project of this OAuth "
                  "client."):
        return {"google": {"api_disabled": True}}
    if _is(check, "Google rejected the sign-in (HTTP 401)."):
        return {"google": {"unauthorized": True}}
    if _is(check, "Google kept rate-limiting the requests (HTTP 429)."):
        return {"google": {"throttle_requests": 1000}}
    return {}


def _google_super_admin(check: Check, inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "{email} is only a delegated administrator.",
           "{email} is not an administrator."):
        return {"google": {"not_super_admin": True}}
    return _google_api(check, inputs)


def _google_rooms(check: Check, inputs: Mapping[str, str]) -> dict[str, Any]:
    if _is(check, "The organisation has no conference-room resources yet."):
        return {"rooms": {"count": 0}}
    return _google_api(check, inputs)


RULES: dict[str, dict[str, Rule]] = {
    "exchange": {
        "endpoint": _exchange_endpoint,
        "credentials": _exchange_transport,
        "room_list": _exchange_room_list,
        "rooms": _exchange_rooms,
        "impersonation": _exchange_impersonation,
    },
    "microsoft365": {
        "sign_in": _m365_sign_in,
        "admin_role": _m365_admin_role,
        "rooms": _m365_rooms,
        "room_list": _m365_room_list,
        "calendar_access": _m365_calendars,
    },
    "google": {
        "sign_in": _google_sign_in,
        "admin_api": _google_api,
        "super_admin": _google_super_admin,
        "rooms": _google_rooms,
    },
}


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


def scenario_from_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario data (as if read from TOML) that replays a report.

    Every report format so far is 1, so every report written yet replays; a newer
    format is refused by name rather than half-understood.
    """
    version = report.get("roomcal_report")
    if isinstance(version, int) and not isinstance(version, bool) and version > REPORT_FORMAT:
        raise ReportFormatError(version)
    if version != REPORT_FORMAT:
        raise ValueError("not a roomcal report")
    provider = str(report["provider"])
    inputs = {k: str(v) for k, v in report.get("inputs", {}).get(provider, {}).items()
              if k not in NOT_REPLAYED}
    data: dict[str, Any] = {
        "description": {
            # Whole sentences: the welcome banner goes on with the next one.
            "en": f"Replay of a report ({provider}, {report.get('created', '')}).",
            "de": f"Nachstellung eines Berichts ({provider}, {report.get('created', '')}).",
        },
        "inputs": {provider: inputs},
        provider: {},
    }
    rooms = [r for r in report.get("rooms", ()) if r.get("name")]
    if rooms:
        data["rooms"] = {"list": [{"name": r["name"], "email": r.get("email", "")}
                                  for r in rooms]}
    if provider == "exchange":
        _merge(data, _exchange_identity(inputs))
    rules = RULES.get(provider, {})
    for check in report.get("checks", ()):
        rule = rules.get(str(check.get("id")))
        if rule is not None and check.get("status") in ("fail", "warn"):
            _merge(data, rule(check, inputs))
    return data
