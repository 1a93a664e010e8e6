"""``roomcal sandbox``: run the sandbox servers alone (for other tools, or a second terminal)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING

from wizard.commands import EXIT_INTERRUPTED, EXIT_OK
from wizard.commands.common import load_scenario, remove_files_on_signals, start_sandbox
from wizard.core.i18n import _

if TYPE_CHECKING:
    from wizard.sandbox import Sandbox


def run_sandbox(args: argparse.Namespace) -> int:
    from wizard.sandbox import Sandbox

    # "Press Ctrl+C to stop" holds even when started from a script's background job, which
    # hands Ctrl+C down ignored (Python then leaves it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    scenario = load_scenario(args.scenario)
    box = Sandbox(scenario, port_base=args.port or 0)
    remove_files_on_signals(box)
    sandbox = start_sandbox(box)
    try:
        print(_("Sandbox scenario {name!r} is running.").format(name=scenario.name))
        for name, handle in sandbox.services.items():
            for server in handle.servers:
                print(f"  {name:<14} {server.name:<22} {server.base_url}")
        print(f"  {_('CA bundle'):<14} {sandbox.endpoints.ca_bundle}")
        for var, value in _environment(sandbox).items():
            print(f"  export {var}={value}")
        for line in _demo_values(sandbox):
            print(line)
        print(_("Press Ctrl+C to stop."))
        sys.stdout.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        sandbox.stop()
    return EXIT_OK


def _demo_values(sandbox: Sandbox) -> list[str]:
    """What to type into the wizard's forms, per calendar service: the sandbox's own
    account, room list and password (made up for the sandbox: never a real one)."""
    from wizard import providers

    lines = [_("What to enter in the wizard (the sandbox's own values):")]
    for info in providers.providers():
        values = {**sandbox.values(info.name), **sandbox.secrets(info.name)}
        try:
            fields = info.plugin().fields
        except ImportError:  # its client library is missing: nothing to fill in
            continue
        shown = [(_(f.label), values[f.key]) for f in fields
                 if values.get(f.key) and not f.local]
        if shown:
            lines.append(f"  {_(info.title)}")
            lines += [f"    {label}: {value}" for label, value in shown]
    return lines


def _environment(sandbox: Sandbox) -> dict[str, str]:
    """The ROOMCAL_*_URL settings that point another roomcal at this sandbox: Cronofy's and
    every provider's address (wizard.core.endpoints.declared)."""
    from wizard.core.endpoints import Endpoints, declared

    endpoints = sandbox.endpoints
    defaults = Endpoints()
    return {address.variable: getattr(endpoints, name) for name, address in declared().items()
            if getattr(endpoints, name) != getattr(defaults, name)}
