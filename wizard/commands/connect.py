"""``roomcal connect``: step 2 alone — link Cronofy through the relay, list the rooms it
sees, and (``--authorize``) have Cronofy authorize and prove each room."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import TYPE_CHECKING, Any

from wizard.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from wizard.commands.common import CliInteraction, claimed_setup, open_demo
from wizard.core import formats, redact
from wizard.core.i18n import _
from wizard.core.model import render
from wizard.core.progress import grouped
from wizard.core.text import fill, one_line

if TYPE_CHECKING:
    from wizard.app.setup import Setup
    from wizard.connect.relay import RoomProof
    from wizard.core.errors import UserFacingError
    from wizard.core.settings import Settings

# Refusals that are the command's set-up, not step 2's outcome: exit 2, as a usage error
# (a --region the relay does not serve among them).
SETUP_CODES = frozenset({"relay.missing", "relay.no_token", "relay.unknown_region"})


def run_connect(args: argparse.Namespace, settings: Settings) -> int:
    from wizard import providers
    from wizard.app.steps import GateClosedError
    from wizard.core.errors import UserFacingError

    demo = open_demo(args.scenario) if args.scenario else None
    proofs: list[RoomProof] = []
    try:
        setup = claimed_setup(args.profile, demo=demo, settings=settings)
        step = setup.connect  # the gates and choices the TUI's step 2 has
        try:
            if args.accept_terms:  # refused at the gate: no prompt first
                _ask_for_token(setup)
            # This run's acceptances are the command line's, not what a wizard ticked
            # before; refused, it keeps nothing of this run.
            outcome = step.link_at_once(
                CliInteraction(demo), threading.Event(),
                service=args.provider or step.service or providers.names()[0],
                region=args.region, accept_terms=args.accept_terms)
            if args.authorize != "none":
                proofs = setup.authorize(rooms=args.authorize)
        except GateClosedError:
            raise UsageError(_("the terms of use and the privacy policy are not accepted: "
                               "read them, then add --accept-terms")) from None
        except UserFacingError as exc:
            _failed(exc, args.json)
            return EXIT_USAGE if exc.code in SETUP_CODES else EXIT_FAILED
    finally:
        if demo is not None:
            demo.stop()
    connection = outcome.connection
    rooms = [{"id": r.id, "name": r.name, "email": r.email} for r in outcome.resources]
    proven = _proven(setup, proofs)
    every_room_passes = all(p["status"] == "pass" for p in proven)
    if args.json:
        payload: dict[str, Any] = {"format": formats.CLI_JSON, "ok": every_room_passes,
                                   "connection": connection.to_json(), "resources": rooms}
        payload["rooms"] = proven  # [] without --authorize
        payload["summary"] = {status: sum(p["status"] == status for p in proven)
                              for status in ("pass", "fail", "pending")}
        print(json.dumps(redact.scrub_data(payload), ensure_ascii=False, indent=2))
        return EXIT_OK if every_room_passes else EXIT_FAILED
    print(_("The calendar service is connected"))
    print(f"  {_('Account')}: {one_line(connection.account)}")
    print(f"  {_('Cronofy data centre')}: {connection.region}")
    print(f"  {_('Room calendars')}: {grouped(len(rooms))}")
    for room in rooms[:50]:
        print(f"    {one_line(room['name'])} <{one_line(room['email'])}>")
    if len(rooms) > 50:
        print("    " + fill(_("… and {count} more"), count=len(rooms) - 50))
    if args.authorize != "none":
        _print_proofs(proven)
    return EXIT_OK if every_room_passes else EXIT_FAILED


def _ask_for_token(setup: Setup) -> None:
    """No token in the environment or the keyring: ask on a terminal, never on argv."""
    if not setup.needs_relay_token() or not sys.stdin.isatty():
        return
    import getpass

    token = getpass.getpass(_("Enrollment token for the roomcal relay: ")).strip()
    if token:
        setup.remember_relay_token(token)


def _proven(setup: Setup, proofs: list[RoomProof]) -> list[dict[str, Any]]:
    """Each room's proof with its cause and, for a room step 1 checked, step 1's verdict."""
    from wizard.connect.proofs import cause

    verdicts = setup.state.step1_verdicts()
    proven = []
    for proof in proofs:
        room = proof.to_json()
        if proof.status == "fail":
            room["cause"] = render(cause(proof.code))
        if (verdict := verdicts.get(proof.email.lower())) is not None:
            room["step1"] = verdict
        proven.append(room)
    return proven


def _print_proofs(proven: list[dict[str, Any]]) -> None:
    passed = sum(p["status"] == "pass" for p in proven)
    print(fill(_("Rooms proven by Cronofy: {passed} of {total}"), passed=passed,
               total=len(proven)))
    for room in proven:
        if room["status"] == "pass":
            continue
        line = f"    {one_line(room['email'])}: {room['status']}"
        if room.get("code"):
            line += f" ({room['code']}) {one_line(room.get('cause', ''))}"
        if room.get("step1") == "pass":
            line += " " + _("roomcal could open it, Cronofy could not.")
        print(line)
        if room.get("relink_url"):
            print(f"      {_('Relink')}: {room['relink_url']}")


def _failed(exc: UserFacingError, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"format": formats.CLI_JSON, "ok": False,
                          "code": exc.code, "error": render(exc.sentence),
                          "remedy": render(exc.remedy)}, ensure_ascii=False))
        return
    print(one_line(render(exc.sentence)), file=sys.stderr)
    if exc.remedy:
        print("→ " + one_line(render(exc.remedy)), file=sys.stderr)
