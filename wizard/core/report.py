"""Redacted diagnostic reports, and how a report becomes a sandbox scenario.

Support reproduces a customer's setup from the report: ``roomcal demo
--scenario report.json`` starts the sandbox with the same rooms and the same
failing prerequisites. So the report keeps what is needed to replay (room
names and addresses, which checks failed for which rooms, the non-secret
inputs) and nothing secret: passwords and tokens are never written, and every
free-text field is scrubbed before it is saved (``redact.scrub_data``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.core import formats, redact
from wizard.core.model import CheckResult, ProviderPlugin

REPORT_FORMAT = formats.REPORT  # "roomcal_report": marker and version in one key
_SECRET_WORDS = ("password", "secret", "token", "code_verifier", "assertion")


def _safe_inputs(values: Mapping[str, str]) -> dict[str, str]:
    return {k: str(v) for k, v in values.items()
            if not any(word in k.lower() for word in _SECRET_WORDS)}


def build_report(
    *,
    provider: str,
    values: Mapping[str, str],
    results: Mapping[str, CheckResult],
    plugin: ProviderPlugin | None = None,
    scenario: str | None = None,
    connection: Mapping[str, Any] | None = None,
    anonymized: bool = False,
) -> dict[str, Any]:
    """The report; ``anonymized``: with pseudonyms for the customer's identifiers
    (``wizard.core.anonymize``), still replayable."""
    from wizard.core.codec import encode_notices, encode_result
    from wizard.core.i18n import _

    titles = {s.id: _(s.title) for s in plugin.checks} if plugin else {}
    rooms: list[dict[str, str]] = []
    rooms_result = results.get(plugin.rooms_check if plugin else "rooms")
    if rooms_result is not None:
        rooms = [{"name": i.name, "email": i.key} for i in rooms_result.items]
    report = {
        "roomcal_report": REPORT_FORMAT,
        "roomcal_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "platform": {
            "python": platform.python_version(),
            "system": platform.system(),
            "release": platform.release(),
            "term": os.environ.get("TERM", ""),
            "no_color": bool(os.environ.get("NO_COLOR")),
        },
        "scenario": scenario or "",
        "provider": provider,
        "inputs": {provider: _safe_inputs(values)},
        **encode_notices((plugin.notice,) if plugin else ()),
        "checks": [encode_result(results[i], titles.get(i, i)) for i in results],
        "rooms": rooms,
        "connection": dict(connection or {}),
    }
    if anonymized:
        from wizard.core.anonymize import anonymize

        return anonymize(report)
    return report


def dumps(report: Mapping[str, Any]) -> str:
    """Scrubbed field by field: the account, hosts and rooms are never masked by value."""
    return json.dumps(redact.scrub_data(report), ensure_ascii=False, indent=2)


def write_report(path: str | Path, *, replace: bool = False, **kwargs: Any) -> Path:
    """Build, scrub and atomically write a report (0600: it names the customer's rooms)."""
    return write_text(path, build_report(**kwargs), replace=replace)


def write_text(path: str | Path, report: Mapping[str, Any], *, replace: bool = False) -> Path:
    """Scrub and atomically write a built report (0600), never over a file unless
    ``replace``; ``export.ExportError`` names what could not be written."""
    from wizard.core.export import write_files

    target = Path(os.path.abspath(Path(path).expanduser()))
    write_files([(target, dumps(report))], replace=replace, mode=0o600)
    return target
