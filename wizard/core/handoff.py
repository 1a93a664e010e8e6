"""What a provider's hand-off section is made of, and what it may read to make one.

A hand-off (``wizard.app.handoff``) gives the person who administers the calendar
service one fix for every open check of step 1. Its generic part is the same for
every provider; the fix itself is the provider's (``wizard/providers/<name>/handoff.py``,
``fix(facts) -> Script | Steps | None``): one script, or one numbered list of
console steps with links, built from ``HandoffFacts`` only — the form's non-secret
values and the results — so no secret can end up in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wizard.core.model import CheckResult, Msg, ProviderPlugin, Status, SubResult, Text
from wizard.core.text import printable

OPEN = (Status.FAIL, Status.WARN, Status.MANUAL)  # what the hand-off asks IT to change


@dataclass(frozen=True)
class HandoffFacts:
    plugin: ProviderPlugin
    values: Mapping[str, str]  # the form's values; secret fields are never among them
    results: Mapping[str, CheckResult]

    def open_results(self) -> list[CheckResult]:
        """The failed, warning and manual results, in the checklist's order."""
        return [r for s in self.plugin.checks
                if (r := self.results.get(s.id)) is not None and r.status in OPEN]

    def others(self, handled: Iterable[str]) -> list[CheckResult]:
        """The open results whose failure code a provider's fix has no step of its own for."""
        handled = set(handled)
        return [r for r in self.open_results() if r.code not in handled]

    def result(self, *codes: str) -> CheckResult | None:
        """The first open result with one of these failure codes."""
        return next((r for r in self.open_results() if r.code in codes), None)

    def found(self, check_id: str, name: str) -> str:
        """A parameter of a result's sentence: what a check discovered (an account, …)."""
        result = self.results.get(check_id)
        detail = result.detail if result is not None else ""
        value = detail.params.get(name) if isinstance(detail, Msg) else None
        return "" if value is None else str(value)

    def items(self, check_id: str) -> tuple[SubResult, ...]:
        result = self.results.get(check_id)
        return result.items if result is not None else ()


@dataclass(frozen=True)
class Script:
    """One script that fixes every open check, its steps commented (shown as a code block)."""

    language: str  # the code block's language, e.g. "powershell"
    title: Text
    intro: Text
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ConsoleStep:
    text: Text  # server text only in parameters: they are escaped when rendered
    link: str = ""
    code: tuple[str, ...] = ()  # lines to type, shown as a code block under the step


@dataclass(frozen=True)
class Steps:
    """One numbered list of console steps with links."""

    title: Text
    intro: Text
    steps: tuple[ConsoleStep, ...]


Fix = Script | Steps


def comment_text(text: object) -> str:
    """Server text for a script comment: one line, so a name can never start a command."""
    return " ".join(printable(str(text)).split())


def unique(lines: list[str]) -> tuple[str, ...]:
    """Commands once each (two checks may ask for the same one); blank lines kept."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            if line in seen:
                continue
            seen.add(line)
        kept.append(line)
    return tuple(kept)
