"""``roomcal report``: the redacted diagnostics of a profile, for support."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from wizard.commands import EXIT_OK, UsageError
from wizard.core.i18n import _

if TYPE_CHECKING:
    from wizard.core.settings import Settings


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from wizard.app import Setup
    from wizard.commands.common import check_destination, check_profile_name
    from wizard.core.report import dumps
    from wizard.core.store import ProfileStore

    check_profile_name(args.profile)

    # Before anything is read or built: where it goes must be writable, and asked about.
    replace = check_destination(args.output, force=args.force) if args.output else False
    folder = settings.demo_profiles_dir if args.demo else settings.profiles_dir
    setup = Setup(args.profile, settings=settings, store=ProfileStore(folder))
    for warning in setup.state.warnings:
        print(str(warning), file=sys.stderr)
    if not setup.state.profile.provider:
        raise UsageError(_("profile {name!r} has no calendar service yet: run roomcal "
                           "first").format(name=args.profile))
    if args.output:
        from wizard.commands.common import write_failed
        from wizard.core.export import ExportError

        try:
            path = setup.write_report(args.output, anonymized=args.anonymize, replace=replace)
        except ExportError as exc:
            raise write_failed(exc) from None
        print(_("Report written to {path}").format(path=str(path)), file=sys.stderr)
    else:
        print(dumps(setup.report(anonymized=args.anonymize)))
    return EXIT_OK
