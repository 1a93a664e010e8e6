"""``roomcal check PROVIDER``: run step 1's checks headless, for scripts and support."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from typing import TYPE_CHECKING

from wizard.commands import EXIT_FAILED, EXIT_OK, UsageError
from wizard.commands.common import (
    CliInteraction,
    configured_endpoints,
    open_sandbox,
)
from wizard.core import formats, redact
from wizard.core.i18n import _
from wizard.core.model import CheckContext, CheckResult, ProviderPlugin, Status, render
from wizard.core.text import printable

if TYPE_CHECKING:
    from wizard.sandbox import Sandbox

SYMBOLS = {
    Status.PASS: "✓",
    Status.FAIL: "✗",
    Status.WARN: "!",
    Status.SKIP: "-",
    Status.MANUAL: "?",
    Status.PENDING: " ",
    Status.CHECKING: "…",
}


def field_values(
    args: argparse.Namespace, plugin: ProviderPlugin, defaults: dict[str, str]
) -> dict[str, str]:
    values = dict(defaults)
    for field in plugin.fields:
        if field.secret:
            continue
        given = getattr(args, f"field_{field.key}", None)
        if given is not None:
            values[field.key] = given
        values.setdefault(field.key, field.default)
    missing = [f for f in plugin.fields
               if f.required and not f.secret and not values.get(f.key)]
    if missing:
        raise UsageError(
            _("missing {options}").format(
                options=", ".join("--" + f.key.replace("_", "-") for f in missing)
            )
        )
    for field in plugin.fields:
        value = values.get(field.key, "")
        if value and field.validate is not None and (problem := field.validate(value)):
            raise UsageError(f"--{field.key.replace('_', '-')}: {render(problem)}")
    return values


def password_for(field_key: str, profile: str, provider: str, defaults: dict[str, str]) -> str:
    """ROOMCAL_PASSWORD, else the demo's, else keyring, else a TTY prompt, else exit 2.

    Never argv. What is set explicitly wins over the demo's value, so a sandbox that
    expects another password can be given it.
    """
    if value := os.environ.get("ROOMCAL_PASSWORD"):
        return value
    if field_key in defaults:
        return defaults[field_key]
    from wizard.core.secrets import SecretStore

    if value := SecretStore().get(profile, f"{provider}.{field_key}"):
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(_("Password: "))
        except EOFError:
            pass
    raise UsageError(_("no password: set ROOMCAL_PASSWORD, store it in the keyring, or run "
                       "in a terminal to be prompted"))


def run_check(args: argparse.Namespace) -> int:
    from wizard.checks import plugin as load_plugin
    from wizard.core.secrets import SecretStore

    provider = args.provider
    plugin = load_plugin(provider)
    sandbox: Sandbox | None = open_sandbox(args.scenario) if args.scenario else None
    # Before any sign-in: an http:// override is refused with its variable's name.
    endpoints = sandbox.endpoints if sandbox is not None else configured_endpoints()
    try:
        defaults: dict[str, str] = {}
        secret_defaults: dict[str, str] = {}
        if sandbox is not None:
            defaults = sandbox.demo_values(provider)
            secret_defaults = sandbox.demo_secrets(provider)
            replay = sandbox.scenario.data.get("inputs", {}).get(provider, {})
            defaults.update({k: str(v) for k, v in replay.items()})
        values = field_values(args, plugin, defaults)
        secrets = {
            f.key: password_for(f.key, args.profile, provider, secret_defaults)
            for f in plugin.fields
            if f.secret
        }
        for value in secrets.values():
            redact.register(value)
        ctx = CheckContext(
            values=values,
            secrets=secrets,
            endpoints=endpoints,
            interaction=CliInteraction(sandbox),
            demo=sandbox is not None,
        )
        ctx.shared["secret_store"] = SecretStore()
        ctx.shared["profile"] = args.profile
        if plugin.notice and not args.json:
            print(printable(_(plugin.notice)), file=sys.stderr)
        results = asyncio.run(_collect(plugin, ctx, quiet=args.json))
    finally:
        if sandbox is not None:
            sandbox.stop()
    ok = _ok(plugin, results)
    payload = {
        "format": formats.CLI_JSON,
        "provider": provider,
        "ok": ok,
        "checks": [results[s.id].to_json(_(s.title)) for s in plugin.checks if s.id in results],
    }
    if args.report:
        from wizard.core.report import write_report

        write_report(args.report, provider=provider, values=values, results=results,
                     plugin=plugin, scenario=args.scenario)
    if args.json:
        print(redact.scrub(json.dumps(payload, ensure_ascii=False, indent=2)))
    else:
        _print_human(plugin, results, ok)
    return EXIT_OK if ok else EXIT_FAILED


def _ok(plugin: ProviderPlugin, results: dict[str, CheckResult]) -> bool:
    from wizard.core.model import overall_ok

    return overall_ok(plugin, results)


async def _collect(plugin: ProviderPlugin, ctx: CheckContext, *, quiet: bool
                   ) -> dict[str, CheckResult]:
    from wizard.core.runner import run_checks

    titles = {s.id: _(s.title) for s in plugin.checks}
    results: dict[str, CheckResult] = {}
    progress = not quiet and sys.stderr.isatty()
    async for result in run_checks(plugin.checks, ctx):
        if result.status.done:
            results[result.check_id] = result
            if progress:
                print(f"  {SYMBOLS[result.status]} {titles[result.check_id]}", file=sys.stderr)
    return results


def _print_human(plugin: ProviderPlugin, results: dict[str, CheckResult], ok: bool) -> None:
    out = sys.stdout
    print(plugin.provider.title, file=out)
    for spec in plugin.checks:
        result = results.get(spec.id)
        if result is None:
            continue
        line = f"{SYMBOLS[result.status]} {result.status.label:<10} {_(spec.title)}"
        print(redact.scrub(printable(line)), file=out)
        if detail := render(result.detail):
            print(f"    {redact.scrub(printable(detail))}", file=out)
        failing = [i for i in result.items if i.status in (Status.FAIL, Status.WARN)]
        for item in failing[:20]:
            print(f"      {SYMBOLS[item.status]} {printable(item.name)}: "
                  f"{printable(render(item.detail))}", file=out)
        if len(failing) > 20:
            print("      " + _("… and {count} more").format(count=len(failing) - 20), file=out)
        if result.status in (Status.FAIL, Status.WARN, Status.MANUAL):
            if remedy := render(result.remedy):
                print(f"    → {redact.scrub(printable(remedy))}", file=out)
            for command_line in result.command.splitlines():
                print(f"      {redact.scrub(printable(command_line))}", file=out)
    print(_("All prerequisites are met.") if ok else _("Some prerequisites are not met."),
          file=out)
