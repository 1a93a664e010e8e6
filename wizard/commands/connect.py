"""``roomcal connect``: step 2 alone — link Cronofy, list the rooms it sees."""

from __future__ import annotations

import argparse
import json
import sys
import threading

from wizard.commands import EXIT_FAILED, EXIT_OK
from wizard.commands.common import (
    CliInteraction,
    configured_endpoints,
    open_sandbox,
)
from wizard.core import formats, redact
from wizard.core.i18n import _
from wizard.core.model import Provider, render
from wizard.core.text import printable


def run_connect(args: argparse.Namespace) -> int:
    from wizard.connect.cronofy import client_credentials
    from wizard.connect.link import LinkRequest, run_link
    from wizard.core.errors import UserFacingError
    from wizard.core.session import Session

    sandbox = open_sandbox(args.scenario) if args.scenario else None
    # Before the sign-in: an http:// override is refused with its variable's name.
    endpoints = sandbox.endpoints if sandbox is not None else configured_endpoints()
    try:
        session = Session(args.profile, sandbox=sandbox)
        demo = sandbox.demo_secrets("cronofy") if sandbox is not None else None
        try:
            credentials = client_credentials(session.secrets, args.profile, demo)
            request = LinkRequest(
                provider=Provider(args.provider),
                region=args.region,
                port=0 if sandbox is not None else args.port,
                step1_rooms=session.step1_rooms() if session.provider else [],
                profile=args.profile,
                resume=dict(session.profile.pending_link),
            )
            outcome = run_link(
                request,
                endpoints=endpoints,
                secrets=session.secrets,
                credentials=credentials,
                interaction=CliInteraction(sandbox),
                cancel=threading.Event(),
                on_pending=lambda data: session.update(pending_link=data),
            )
        except UserFacingError as exc:
            session.update(pending_link={})  # refused or failed: nothing to resume
            if args.json:
                print(json.dumps({"format": formats.CLI_JSON, "ok": False,
                                  "error": render(exc.sentence),
                                  "remedy": render(exc.remedy)}, ensure_ascii=False))
            else:
                print(printable(render(exc.sentence)), file=sys.stderr)
                if exc.remedy:
                    print("→ " + printable(render(exc.remedy)), file=sys.stderr)
            return EXIT_FAILED
        session.linked(outcome.connection, outcome.resources, outcome.comparison)
    finally:
        if sandbox is not None:
            sandbox.stop()
    connection = outcome.connection
    rooms = [{"id": r.id, "name": r.name, "email": r.email} for r in outcome.resources]
    if args.json:
        payload = {"format": formats.CLI_JSON, "ok": True,
                   "connection": connection.to_json(), "rooms": rooms}
        print(redact.scrub(json.dumps(payload, ensure_ascii=False, indent=2)))
        return EXIT_OK
    print(_("The calendar service is connected"))
    print(f"  {_('Account')}: {printable(connection.account)}")
    print(f"  {_('Cronofy data centre')}: {connection.region}")
    print(f"  {_('Room calendars')}: {len(rooms)}")
    for room in rooms[:50]:
        print(f"    {printable(room['name'])} <{printable(room['email'])}>")
    if len(rooms) > 50:
        print("    " + _("… and {count} more").format(count=len(rooms) - 50))
    return EXIT_OK
