"""Which sandbox faults reproduce the failed checks of a report.

Each provider's sandbox documents its scenario keys; this table maps a
failed check (and its failing items) back to those keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def faults_for(provider: str, checks: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    rules = RULES.get(provider, {})
    faults: dict[str, Any] = {}
    for check_id, result in checks.items():
        if result.get("status") not in ("fail", "warn"):
            continue
        rule = rules.get(check_id)
        if rule is not None:
            faults.update(rule(result))
    return faults


RULES: dict[str, dict[str, Any]] = {}
