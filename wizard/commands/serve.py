"""``roomcal serve``: the wizard in a browser (textual-serve), behind a per-start token.

Every WebSocket textual-serve accepts starts a wizard process with this user's
profile and keyring, so: bind 127.0.0.1 (another address only with ``--host`` and
``--allow-remote``), print the address with a new random token once, and let in
only requests that carry it from the page's own origin (wizard.serve_guard).
Reach it from elsewhere with ``ssh -L PORT:127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import secrets
import shlex
import socket
import sys
from pathlib import Path

from wizard.commands import EXIT_OK, UsageError
from wizard.core import redact
from wizard.core.i18n import _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def run_serve(args: argparse.Namespace) -> int:
    try:
        from wizard.serve_guard import LOOPBACK_NAMES, TOKEN_PARAM, Door, GuardedServer
    except ImportError:
        raise UsageError(_("textual-serve is not installed: pip install "
                           "'roomcal-wizard[serve]'")) from None
    from wizard.commands.common import load_scenario
    from wizard.core.store import ProfileStore

    if not ProfileStore.valid_name(args.profile):
        raise UsageError(_("invalid profile name {name!r}: use letters, digits, '.', '_' "
                           "and '-'").format(name=args.profile))
    address = bind_address(args.host, allow_remote=args.allow_remote)
    if args.scenario is not None:
        load_scenario(args.scenario)  # an unknown name fails now, not in every browser tab
    command = wizard_command(args.profile, args.lang, args.scenario)
    listening = listen(address, args.port)
    port = listening.getsockname()[1]
    token = secrets.token_urlsafe(32)
    redact.register(token)
    names = (LOOPBACK_NAMES | {str(address)}) if address.is_loopback else None
    door = Door(token=token, port=port, host_names=names)
    announce(address, port, f"?{TOKEN_PARAM}={token}")
    GuardedServer(command, door, listening).serve()
    return EXIT_OK


def announce(address: Address, port: int, query: str) -> None:
    """The only place the token is ever shown: once, on stderr, inside the address."""
    err = sys.stderr
    if not address.is_loopback:
        print(_("Warning: the wizard is reachable from the network on {address} port {port}, "
                "over plain HTTP, with only the token protecting it.")
              .format(address=address, port=port), file=err)
    print(_("Open this address in a browser (it holds this start's access token: share it "
            "with nobody):"), file=err)
    host = url_host(address)
    print(f"  http://{host}:{port}/{query}", file=err)
    print(_("If the browser runs on another machine, forward the port first:"), file=err)
    print(f"  ssh -L {port}:{host}:{port} <jump-host>", file=err)
    print(_("Stop with Ctrl+C."), file=err)
    err.flush()


def bind_address(host: str, *, allow_remote: bool) -> Address:
    """The address to listen on: loopback unless the user asked for more, twice."""
    try:
        address = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
    except ValueError:
        raise UsageError(_("--host takes an IP address such as 127.0.0.1, not {host!r}")
                         .format(host=host)) from None
    if not address.is_loopback and not allow_remote:
        raise UsageError(_("--host {address} would make the wizard reachable from the network "
                           "with only the token protecting it: forward the port with ssh -L "
                           "instead, or add --allow-remote").format(address=address))
    return address


def wizard_command(profile: str, lang: str | None, scenario: str | None) -> str:
    """The command textual-serve runs per browser tab. No secret on it: argv is public."""
    command = [sys.executable, "-m", "wizard", "--profile", profile]
    if lang:
        command += ["--lang", lang]
    if scenario is not None:
        # The wizard process may not share our idea of the current directory forever.
        path = Path(scenario)
        command += ["demo", "--scenario", str(path.resolve()) if path.exists() else scenario]
    return shlex.join(command)


def listen(address: Address, port: int) -> socket.socket:
    """Bind before serving: a port in use is one sentence, not aiohttp's traceback."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # A restart right after a stop must not wait for TIME_WAIT; a listening
        # socket still refuses a second bind.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((str(address), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(_("port {port} on {address} is already in use: choose another "
                               "with --port N, or --port 0 for a free one")
                             .format(port=port, address=address)) from None
        raise UsageError(_("cannot listen on {address} port {port} ({reason})")
                         .format(address=address, port=port,
                                 reason=exc.strerror or type(exc).__name__)) from None
    return sock


def url_host(address: Address) -> str:
    """How a browser names the address (a wildcard bind answers on loopback too)."""
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "[::1]"
    return f"[{address}]" if address.version == 6 else str(address)
