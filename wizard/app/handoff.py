"""Step 1 handed to IT: what was found, what is open, one fix for it all — as Markdown.

The person running the wizard is often not the one who may change the calendar
service ("if you are not the IT administrator, ask IT"). The hand-off is what
they send instead of a screenshot: who asks and why, every check with its
status and sentence, every open check with its remedy and the rooms it is about,
the provider's fix (``wizard/providers/<name>/handoff.py``: one script, or one
list of console steps with links; a provider without one still gets the rest)
and how the result is checked again. It is rendered in the current language.

Built from the form's non-secret values and the results only, scrubbed of every
registered secret, written atomically and 0600 (it names rooms and accounts),
never over an existing file unless asked. Server text (room names) is escaped
wherever Markdown would read it as formatting; in code blocks it only ever
stands in comments of one line.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import __version__, providers
from wizard.core import export, redact
from wizard.core.handoff import Fix, HandoffFacts, Script, Steps
from wizard.core.i18n import _
from wizard.core.model import STATUS_SYMBOLS, CheckResult, Msg, ProviderPlugin, Status, Text
from wizard.core.text import fill

if TYPE_CHECKING:
    from wizard.app.setup import Setup

MODE = 0o600  # it names rooms, accounts and hosts
MAX_ITEMS = 100  # rooms listed per check; the rest are counted
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|])")


def default_path(profile: str) -> Path:
    """``~/roomcal-handoff-PROFILE.md``, beside the exports (see export.default_path)."""
    return export.default_path(profile).with_name(f"roomcal-handoff-{profile}.md")


def targets(text: str, *, report: bool = False) -> list[Path]:
    """The hand-off typed as ``text`` (absolute, ``~`` expanded) and, with ``report``, the
    report beside it (``NAME-report.json``); ValueError for an empty path."""
    if not text.strip():
        raise ValueError("no path")
    path = Path(os.path.abspath(Path(text.strip()).expanduser()))
    if not report:
        return [path]
    stem = path.stem if path.suffix.lower() == ".md" else path.name
    return [path, path.with_name(f"{stem}-report.json")]


# -- Markdown that never reads server text as formatting ------------------------------------

def md(value: object) -> str:
    """Server text for prose: one line, control characters shown, Markdown escaped."""
    from wizard.core.text import printable

    return _MARKDOWN.sub(r"\\\1", " ".join(printable(str(value)).split()))


def md_text(text: Text) -> str:
    """A sentence: ours as written (it may format on purpose), its parameters escaped."""
    if isinstance(text, Msg):
        if not text.params:
            return str(text)
        escaped = copy.copy(text)  # the same kind of message (and its plural), other values
        escaped.params = {k: md_text(v) if isinstance(v, Msg) else md(v)
                          for k, v in text.params.items()}
        return str(escaped)
    return md(text)  # a plain string in a result is server text or an old profile's


def _symbol(status: Status) -> str:
    symbol = STATUS_SYMBOLS[status]
    return f"\\{symbol}" if symbol in "-+*" else symbol  # "- -" would open a nested list


def fenced(lines: Iterable[str], language: str = "", indent: str = "") -> list[str]:
    """A code block whose fence no line can close (a name with backticks, say)."""
    lines = list(lines)
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{indent}{fence}{language}", *(f"{indent}{line}" if line else ""
                                            for line in lines), f"{indent}{fence}"]


# -- what goes in ---------------------------------------------------------------------------

def command_line(setup: Setup, values: Mapping[str, str], *,
                 scenario: str | None = None) -> str:
    """``roomcal check PROVIDER …`` as it re-checks this: every non-secret value that is
    not already the default (the demo's own values, with ``--scenario``)."""
    plugin = setup.plugin()
    words = ["roomcal", "check", plugin.name]
    if setup.profile != "default":
        words += ["--profile", setup.profile]
    if scenario:
        words += ["--scenario", scenario]
    defaults = setup.demo.values(plugin.name) if scenario and setup.demo is not None else {}
    for field in plugin.fields:
        value = values.get(field.key, "")
        if field.secret or not value or value == defaults.get(field.key, field.default):
            continue
        words += ["--" + field.key.replace("_", "-"), value]
    for spec in plugin.checks:
        if spec.confirmation is not None:
            words += ["--confirm", spec.id]  # run when it is done: then it is
    return shlex.join(words)


def provider_fix(facts: HandoffFacts) -> Fix | None:
    """The provider's own fix (its ``handoff.py``), if it has one."""
    module = providers.get(facts.plugin.name).part("handoff")
    make = getattr(module, "fix", None)
    return make(facts) if make is not None else None


# -- rendering ------------------------------------------------------------------------------

def markdown(setup: Setup, *, values: Mapping[str, str], results: Mapping[str, CheckResult],
             scenario: str | None = None, now: dt.datetime | None = None) -> str:
    """The hand-off of one run of step 1, in the current language, scrubbed of secrets."""
    plugin = setup.plugin()
    secret_keys = {f.key for f in plugin.fields if f.secret}
    facts = HandoffFacts(plugin, {k: v for k, v in values.items() if k not in secret_keys},
                         results)
    service = _(setup.info().title)
    when = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    open_results = facts.open_results()
    lines = [*_heading(1, _("Step 1 for IT: prepare {service} for Cronofy").format(
                 service=service)),
             _field(_("For"), _("the administrator of {service}").format(service=service)),
             # No "From: root on vm": the login and host of a shared jump host name no one
             # IT could answer. Whoever hands this on is the sender; say what wrote it.
             _field(_("Written with"), _("roomcal {version}").format(version=__version__)),
             _field(_("Written"), when),
             _field(_("Why"), _(
                 "The organisation's room calendars are to be connected to the meeting-room "
                 "product through Cronofy Enterprise Connect. Step 1, preparing the calendar "
                 "service, needs an administrator of {service}.").format(service=service)),
             ""]
    lines += _found(plugin, results, len(open_results))
    if not open_results:
        unfinished = [_(s.title) for s in plugin.checks
                      if (r := results.get(s.id)) is None or not r.status.done]
        lines += [md(_("Not every check has run yet: {checks}. Nothing has failed so far; "
                       "check again before handing this on.").format(
                           checks=", ".join(unfinished))) if unfinished else
                  _("Nothing needs doing: every check passed."), ""]
        return redact.scrub("\n".join(lines))
    fix = provider_fix(facts)
    lines += _open(plugin, results, open_results, show_commands=fix is None)
    if fix is not None:
        lines += _fix(fix)
    lines += [*_heading(2, _("When it is done")),
              md(_("Tell whoever sent you this: the wizard's re-check picks the change up. "
                   "Or check it yourself:")), "",
              *fenced([command_line(setup, values, scenario=scenario)], "sh"), ""]
    return redact.scrub("\n".join(lines))


def _heading(level: int, text: str) -> list[str]:
    return ["#" * level + " " + md(text), ""]


def _field(label: str, value: str) -> str:
    return f"- **{md(label)}:** {md(value)}"


def _found(plugin: ProviderPlugin, results: Mapping[str, CheckResult], open_count: int
           ) -> list[str]:
    lines = _heading(2, _("What roomcal found"))
    if open_count:
        lines += [fill(_("Checks that need a change: {count} of {total}."),
            count=open_count, total=len(plugin.checks)), ""]
    for spec in plugin.checks:
        result = results.get(spec.id)
        status = result.status if result is not None else Status.PENDING
        detail = md_text(result.detail) if result is not None and result.detail else \
            md(_("not checked"))
        lines.append(f"- {_symbol(status)} **{md(_(spec.title))}**: {detail}")
    return [*lines, ""]


def _open(plugin: ProviderPlugin, results: Mapping[str, CheckResult],
          open_results: list[CheckResult], *, show_commands: bool) -> list[str]:
    titles = {s.id: _(s.title) for s in plugin.checks}
    lines = _heading(2, _("What needs doing"))
    for number, result in enumerate(open_results, 1):
        lines += [f"### {number}. {_symbol(result.status)} {md(titles[result.check_id])}", ""]
        if result.detail:
            lines += [md_text(result.detail), ""]
        if result.remedy:
            lines += ["**" + md(_("Remedy:")) + "** " + md_text(result.remedy), ""]
        if show_commands and result.command:
            lines += [*fenced(result.command.splitlines()), ""]
        lines += _items(result)
    # Skipped for a check above, not run yet; not an opt-in probe that is off.
    skipped = [titles[s.id] for s in plugin.checks
               if (r := results.get(s.id)) is None
               or (r.status == Status.SKIP and r.code == "check.skipped")]
    if skipped:
        lines += [md(_("Not checked yet, because they depend on the above: {checks}. The "
                       "re-check looks at them once the above is fixed.").format(
                           checks=", ".join(skipped))), ""]
    return lines


def _items(result: CheckResult) -> list[str]:
    affected = [i for i in result.items if i.status in (Status.FAIL, Status.WARN)]
    if not affected:
        return []
    lines = [_("Rooms concerned:"), ""]
    for item in affected[:MAX_ITEMS]:
        where = f" ({md(item.key)})" if item.key and item.key != item.name else ""
        detail = f": {md_text(item.detail)}" if item.detail else ""
        lines.append(f"- {_symbol(item.status)} {md(item.name)}{where}{detail}")
    if len(affected) > MAX_ITEMS:
        lines.append("- " + md(fill(_("… and {count} more"),
            count=len(affected) - MAX_ITEMS)))
    return [*lines, ""]


def _fix(fix: Fix) -> list[str]:
    lines = [f"## {md_text(fix.title)}", "", md_text(fix.intro), ""]
    if isinstance(fix, Script):
        return [*lines, *fenced(fix.lines, fix.language), ""]
    assert isinstance(fix, Steps)
    for number, step in enumerate(fix.steps, 1):
        lines.append(f"{number}. {md_text(step.text)}")
        if step.link:
            lines.append(f"   <{step.link}>")
        if step.code:
            lines += ["", *fenced(step.code, "powershell", indent="   ")]
        lines.append("")
    return lines


# -- writing --------------------------------------------------------------------------------

def write(files: Iterable[tuple[Path, str]], *, replace: bool = False) -> list[Path]:
    """Write the hand-off (and a report beside it): 0600, all or nothing, never over a
    file unless ``replace``; ``export.ExportError`` names what failed."""
    return export.write_files([(Path(p), text) for p, text in files], replace=replace, mode=MODE)
