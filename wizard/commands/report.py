"""``roomcal report``: the redacted diagnostics of a profile, for support."""

from __future__ import annotations

import argparse
import sys

from wizard.commands import EXIT_OK, UsageError
from wizard.core.i18n import _


def run_report(args: argparse.Namespace) -> int:
    from wizard.core.model import CheckResult
    from wizard.core.report import build_report, dumps, write_report
    from wizard.core.store import ProfileStore

    store = ProfileStore()
    if not store.valid_name(args.profile):
        raise UsageError(_("invalid profile name {name!r}: use letters, digits, '.', '_' "
                           "and '-'").format(name=args.profile))
    loaded = store.load(args.profile)
    if loaded.warning is not None:
        print(str(loaded.warning), file=sys.stderr)
    profile = loaded.profile
    if not profile.provider:
        raise UsageError(_("profile {name!r} has no calendar service yet: run roomcal "
                           "first").format(name=args.profile))
    plugin = None
    try:
        from wizard.checks import plugin as load_plugin

        plugin = load_plugin(profile.provider)
    except (ImportError, KeyError, ValueError):
        pass
    results = {r["id"]: CheckResult.from_json(r)
               for r in profile.results.get(profile.provider, [])}
    kwargs = {
        "provider": profile.provider,
        "values": profile.inputs.get(profile.provider, {}),
        "results": results,
        "plugin": plugin,
        "connection": profile.connection.to_json() if profile.connection else None,
    }
    if args.output:
        path = write_report(args.output, **kwargs)
        print(_("Report written to {path}").format(path=str(path)), file=sys.stderr)
    else:
        print(dumps(build_report(**kwargs)))
    return EXIT_OK
