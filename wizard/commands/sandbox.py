"""``roomcal sandbox``: run the sandbox servers alone (for other tools, or a second terminal)."""

from __future__ import annotations

import argparse
import sys
import threading

from wizard.commands import EXIT_INTERRUPTED, EXIT_OK, UsageError
from wizard.commands.common import scenario_file_error
from wizard.core.i18n import _


def run_sandbox(args: argparse.Namespace) -> int:
    from wizard.sandbox import Sandbox
    from wizard.sandbox.scenario import ScenarioFileError, UnknownScenarioError, load

    try:
        scenario = load(args.scenario)
    except UnknownScenarioError as exc:
        raise UsageError(_("unknown scenario {name!r}. Available: {known}").format(
            name=exc.name, known=", ".join(exc.known))) from None
    except ScenarioFileError as exc:
        raise scenario_file_error(exc) from None
    sandbox = Sandbox(scenario, port_base=args.port or 0).start()
    try:
        print(_("Sandbox scenario {name!r} is running. Press Ctrl+C to stop.").format(
            name=scenario.name))
        for name, handle in sandbox.services.items():
            for server in handle.servers:
                print(f"  {name:<14} {server.name:<22} {server.base_url}")
        print(f"  {_('CA bundle'):<14} {sandbox.endpoints.ca_bundle}")
        for var, value in _environment(sandbox).items():
            print(f"  export {var}={value}")
        sys.stdout.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        sandbox.stop()
    return EXIT_OK


def _environment(sandbox: object) -> dict[str, str]:
    from wizard.core.endpoints import ENV_VARS, Endpoints

    endpoints = sandbox.endpoints  # type: ignore[attr-defined]
    defaults = Endpoints()
    return {var: getattr(endpoints, attr) for attr, var in ENV_VARS.items()
            if getattr(endpoints, attr) != getattr(defaults, attr)}
