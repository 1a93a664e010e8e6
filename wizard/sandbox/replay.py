"""A diagnostic report as a sandbox scenario: the customer's rooms, identities and failures.

``roomcal report`` (or ``check … --report``) writes what a run saw; a support
engineer runs ``roomcal demo --scenario report.json`` and the sandbox plays
that organisation: its rooms and — mapped back from each failed check — the
fault that produces the same failure.

Failures are recognised by their stable code (``exchange.impersonation_denied``),
never by text: reports are written in the customer's language. Each provider's
``replay.py`` maps its codes to scenario data (``RULES``) and may adopt the
customer's identities (``identity(inputs)``). Reports written before codes
existed (format 1) name their failures by the untranslated sentence; the
providers' ``LEGACY_CODES`` turn those into codes once, here (``LEGACY_CHECKS``:
by check id, for checks whose items say which rooms failed).
``tests/test_replay.py`` writes a report for every scenario and checks that
replaying it fails the same checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wizard.core.formats import REPORT
from wizard.sandbox.scenario import ReportFormatError, ShapeError

READABLE_FORMATS = (1, REPORT)

Check = Mapping[str, Any]
Rule = Callable[[Check, Mapping[str, str]], dict[str, Any]]


def failing_items(check: Check) -> list[str]:
    """The keys (room addresses) of a check's failed items."""
    return [str(i.get("key") or i.get("name")) for i in check.get("items", ())
            if i.get("status") == "fail"]


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


def _code(check: Check, legacy: Mapping[str, str], legacy_checks: Mapping[str, str]) -> str:
    """A check's failure code; for a report before codes, from its sentence or its id."""
    if code := check.get("code"):
        return str(code)
    return legacy.get(str(check.get("detail_id", ""))) or \
        legacy_checks.get(str(check.get("id")), "")


def _check_shape(report: Mapping[str, Any], known: tuple[str, ...]) -> None:
    """What replaying reads has the types a report written by roomcal has."""
    provider = report.get("provider")
    if provider not in known:
        raise ShapeError("provider", "one_of", names=", ".join(known))
    inputs = report.get("inputs", {})
    if not isinstance(inputs, dict) or not all(isinstance(v, dict) for v in inputs.values()):
        raise ShapeError("inputs", "tables")
    for key in ("rooms", "checks"):
        entries = report.get(key, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ShapeError(key, "objects")
    for check in report.get("checks", []):
        items = check.get("items", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ShapeError("checks.items", "objects")


def scenario_from_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario data (as if read from TOML) that replays a report.

    A newer format is refused by name rather than half-understood.
    """
    from wizard import providers

    if not isinstance(report, Mapping):
        raise ShapeError("", "object")
    version = report.get("roomcal_report")
    if isinstance(version, int) and not isinstance(version, bool) and version > REPORT:
        raise ReportFormatError(version)
    if version not in READABLE_FORMATS:
        raise ValueError("not a roomcal report")
    _check_shape(report, providers.names())
    provider = str(report["provider"])
    info = providers.get(provider)
    replay = info.part("replay")
    # Only what the sandbox can take as its own: not the customer's addresses and files.
    replayed = {f.key for f in info.plugin().fields if f.replayed}
    inputs = {k: str(v) for k, v in report.get("inputs", {}).get(provider, {}).items()
              if k in replayed}
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
    if replay is None:
        return data
    if (identity := getattr(replay, "identity", None)) is not None:
        _merge(data, identity(inputs))
    rules: Mapping[str, Rule] = getattr(replay, "RULES", {})
    legacy: Mapping[str, str] = getattr(replay, "LEGACY_CODES", {})
    legacy_checks: Mapping[str, str] = getattr(replay, "LEGACY_CHECKS", {})
    for check in report.get("checks", ()):
        rule = rules.get(_code(check, legacy, legacy_checks))
        # "manual": a confirmation the customer had not given (Google's Marketplace app).
        if rule is not None and check.get("status") in ("fail", "warn", "manual"):
            _merge(data, rule(check, inputs))
    return data
