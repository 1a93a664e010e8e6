"""``roomcal check PROVIDER``: run step 1's checks headless, for scripts and support."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import TYPE_CHECKING

from wizard.commands import EXIT_FAILED, EXIT_OK, UsageError
from wizard.commands.common import (
    CliInteraction,
    check_destination,
    load_answers,
    open_demo,
    write_failed,
)
from wizard.core import formats, i18n, redact
from wizard.core.codec import encode_notices, encode_result
from wizard.core.i18n import _
from wizard.core.model import STATUS_SYMBOLS, CheckResult, ProviderPlugin, Status, render
from wizard.core.text import fill, one_line, printable

if TYPE_CHECKING:
    from wizard.app import Setup
    from wizard.core.settings import Settings


def field_values(
    args: argparse.Namespace, plugin: ProviderPlugin, defaults: dict[str, str]
) -> dict[str, str]:
    """The command line's options over ``defaults`` (the answers file's over the wizard's
    own: ``Setup.values``, typed > the demo's > the field's default), checked."""
    values = dict(defaults)
    for field in plugin.fields:
        if field.secret:
            continue
        given = getattr(args, f"field_{field.key}", None)
        if given is not None:
            values[field.key] = given
    problems = [(f, problem) for f in plugin.fields if not f.secret
                if (problem := f.problem(values.get(f.key, ""))) is not None]
    if missing := [f for f, _problem in problems if not values.get(f.key)]:
        raise UsageError(
            _("missing {options}").format(
                options=", ".join("--" + f.key.replace("_", "-") for f in missing)
            )
        )
    if problems:
        field, problem = problems[0]
        raise UsageError(f"--{field.key.replace('_', '-')}: {render(problem)}")
    return values


def password_for(held: str, settings: Settings) -> str:
    """ROOMCAL_PASSWORD, else what the wizard holds (``Setup.secret``: the profile's in
    the keyring, or the demo's), else a TTY prompt, else exit 2.

    Never argv. What is set explicitly wins over the demo's value, so a sandbox that
    expects another password can be given it.
    """
    if value := settings.password:  # ROOMCAL_PASSWORD
        return value
    if held:
        return held
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(_("Password: "))
        except EOFError:
            pass
    raise UsageError(_("no password: set ROOMCAL_PASSWORD, store it in the keyring, or run "
                       "in a terminal to be prompted"))


def test_booking(args: argparse.Namespace) -> frozenset[str]:
    """``--test-booking [ROOM]`` as the confirmation the test booking check asks for."""
    from wizard.core.room_display import TEST_BOOKING

    room = getattr(args, "test_booking", None)
    if room is None:
        return frozenset()
    return frozenset({f"{TEST_BOOKING}:{room}" if room else TEST_BOOKING})


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    from wizard.app import Setup
    from wizard.core.flow import open_items
    from wizard.core.store import ProfileStore

    provider = args.provider
    if args.anonymize and not args.report:
        raise UsageError(_("--anonymize is for the report: add --report FILE"))
    # Before any check runs: a destination that cannot be written loses nothing yet.
    replace_report = check_destination(args.report, force=args.force) if args.report \
        else False
    replace_handoff = check_destination(args.handoff, force=args.force) if args.handoff \
        else False
    answers = load_answers(args.answers, provider=provider) if args.answers else None
    if answers is not None and answers.language and not args.lang:
        i18n.set_language(answers.language)
    demo = open_demo(args.scenario) if args.scenario else None
    try:
        # Beside the profile, not in it: a scripted check changes nothing the TUI resumes.
        setup = Setup(args.profile, demo=demo, settings=settings,
                      store=ProfileStore(settings.profiles_dir, scratch=True))
        setup.welcome.choose(provider)
        plugin = setup.plugin()
        # The command line, then the answers file, then the demo's values, then defaults;
        # a secret from the variable the file names, else as without a file.
        filed, filed_secrets = (answers.form, answers.secrets) if answers else ({}, {})
        values = field_values(args, plugin, {**setup.values(), **filed})
        secrets = setup.check_secrets()  # each secret field's Setup.secret, and the demo's
        for field in plugin.fields:
            if field.secret:
                secrets[field.key] = filed_secrets.get(field.key) or password_for(
                    secrets.get(field.key, ""), settings)
        for value in secrets.values():
            redact.register(value)
        # Against the sandbox, also what its world has done (the Marketplace app installed).
        confirmations = frozenset(args.confirm or ()) | (
            answers.confirm if answers is not None else frozenset()) | (
            demo.confirmations(provider) if demo is not None else frozenset()) | \
            test_booking(args)
        if plugin.notice and not args.json:
            print(printable(_(plugin.notice)), file=sys.stderr)
        results = asyncio.run(_collect(setup, CliInteraction(demo), values, secrets,
                                       confirmations, quiet=args.json))
    finally:
        if demo is not None:
            demo.stop()
    ok = not open_items(plugin, results, confirmations)
    payload = {
        "format": formats.CLI_JSON,
        "provider": provider,
        "ok": ok,
        **encode_notices((plugin.notice,)),
        "checks": [encode_result(results[s.id], _(s.title)) for s in plugin.checks
                   if s.id in results],
    }
    if args.report:
        from wizard.core.export import ExportError
        from wizard.core.report import write_report

        try:
            write_report(args.report, provider=provider, values=values, results=results,
                         plugin=plugin, scenario=args.scenario, anonymized=args.anonymize,
                         replace=replace_report)
        except ExportError as exc:
            raise write_failed(exc) from None
    if args.handoff:
        _write_handoff(setup, args, values, results, replace=replace_handoff)
    if args.json:
        print(json.dumps(redact.scrub_data(payload), ensure_ascii=False, indent=2))
    else:
        _print_human(plugin, results, ok)
    return EXIT_OK if ok else EXIT_FAILED


def _write_handoff(setup: Setup, args: argparse.Namespace, values: dict[str, str],
                   results: dict[str, CheckResult], *, replace: bool) -> None:
    from wizard.app import handoff
    from wizard.core.export import ExportError

    text = handoff.markdown(setup, values=values, results=results, scenario=args.scenario)
    try:
        handoff.write([(args.handoff, text)], replace=replace)
    except ExportError as exc:
        raise write_failed(exc) from None
    print(_("Hand-off written to {path}").format(path=args.handoff), file=sys.stderr)


async def _collect(setup: Setup, interaction: CliInteraction, values: dict[str, str],
                   secrets: dict[str, str], confirmations: frozenset[str], *, quiet: bool
                   ) -> dict[str, CheckResult]:
    from wizard.commands.progress import ProgressLine

    titles = {s.id: _(s.title) for s in setup.plugin().checks}
    results: dict[str, CheckResult] = {}
    ticks = not quiet and sys.stderr.isatty()
    progress = ProgressLine(sys.stderr, titles, json_output=quiet)
    async for result in setup.run_checks(interaction, record=False, values=values,
                                         secrets=secrets, confirmations=confirmations):
        if result.status.done:
            results[result.check_id] = result
            progress.clear()
            if ticks:
                print(f"  {STATUS_SYMBOLS[result.status]} {titles[result.check_id]}",
                      file=sys.stderr)
        else:
            progress.update(result)
    progress.clear()
    return results


def _print_human(plugin: ProviderPlugin, results: dict[str, CheckResult], ok: bool) -> None:
    from wizard import providers

    out = sys.stdout
    print(_(providers.get(plugin.name).title), file=out)
    for spec in plugin.checks:
        result = results.get(spec.id)
        if result is None:
            continue
        line = f"{STATUS_SYMBOLS[result.status]} {result.status.label:<10} {_(spec.title)}"
        print(redact.scrub(printable(line)), file=out)
        # Sentences carry server text (room names): one line each, whatever it holds.
        if detail := render(result.detail):
            print(f"    {redact.scrub(one_line(detail))}", file=out)
        failing = [i for i in result.items if i.status in (Status.FAIL, Status.WARN)]
        for item in failing[:20]:
            print(f"      {STATUS_SYMBOLS[item.status]} {one_line(item.name)}: "
                  f"{one_line(render(item.detail))}", file=out)
        if len(failing) > 20:
            print("      " + fill(_("… and {count} more"), count=len(failing) - 20), file=out)
        if result.status in (Status.FAIL, Status.WARN, Status.MANUAL):
            if remedy := render(result.remedy):
                print(f"    → {redact.scrub(one_line(remedy))}", file=out)
            for command_line in result.command.splitlines():
                print(f"      {redact.scrub(printable(command_line))}", file=out)
    print(_("All prerequisites are met.") if ok else _("Some prerequisites are not met."),
          file=out)
