"""``roomcal connect``: step 2 alone — link Cronofy, list the rooms it sees."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import TYPE_CHECKING

from wizard.commands import EXIT_FAILED, EXIT_OK, UsageError
from wizard.commands.common import CliInteraction, claimed_setup, open_demo
from wizard.core import formats, redact
from wizard.core.i18n import _
from wizard.core.model import render
from wizard.core.progress import grouped
from wizard.core.text import fill, one_line

if TYPE_CHECKING:
    from wizard.core.settings import Settings


def run_connect(args: argparse.Namespace, settings: Settings) -> int:
    from wizard import providers
    from wizard.app.steps import GateClosedError
    from wizard.core.errors import UserFacingError

    demo = open_demo(args.scenario) if args.scenario else None
    try:
        setup = claimed_setup(args.profile, demo=demo, settings=settings)
        step = setup.connect  # the gates and choices the TUI's step 2 has
        try:
            # This run's acceptances are the command line's, not what a wizard ticked
            # before; refused, it keeps nothing of this run.
            outcome = step.link_at_once(
                CliInteraction(demo), threading.Event(),
                service=args.provider or step.service or providers.names()[0],
                region=args.region, accept_terms=args.accept_terms, port=args.port)
        except GateClosedError:
            raise UsageError(_("the terms of use and the privacy policy are not accepted: "
                               "read them, then add --accept-terms")) from None
        except UserFacingError as exc:
            if args.json:
                print(json.dumps({"format": formats.CLI_JSON, "ok": False,
                                  "code": exc.code, "error": render(exc.sentence),
                                  "remedy": render(exc.remedy)}, ensure_ascii=False))
            else:
                print(one_line(render(exc.sentence)), file=sys.stderr)
                if exc.remedy:
                    print("→ " + one_line(render(exc.remedy)), file=sys.stderr)
            return EXIT_FAILED
    finally:
        if demo is not None:
            demo.stop()
    connection = outcome.connection
    rooms = [{"id": r.id, "name": r.name, "email": r.email} for r in outcome.resources]
    if args.json:
        payload = {"format": formats.CLI_JSON, "ok": True,
                   "connection": connection.to_json(), "rooms": rooms}
        print(json.dumps(redact.scrub_data(payload), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(_("The calendar service is connected"))
    print(f"  {_('Account')}: {one_line(connection.account)}")
    print(f"  {_('Cronofy data centre')}: {connection.region}")
    print(f"  {_('Room calendars')}: {grouped(len(rooms))}")
    for room in rooms[:50]:
        print(f"    {one_line(room['name'])} <{one_line(room['email'])}>")
    if len(rooms) > 50:
        print("    " + fill(_("… and {count} more"), count=len(rooms) - 50))
    return EXIT_OK
