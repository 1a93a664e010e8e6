"""``roomcal serve``: the wizard in a browser (textual-serve), behind a one-time address.

Every WebSocket textual-serve accepts starts a wizard process with this user's
profile and keyring, so: bind 127.0.0.1 — and [::1] on the same port, since
``localhost`` may mean either and another user could otherwise hold the other —
(another address only with ``--host`` and ``--allow-remote``), print an address
with a one-time token, and let in only the page it opens (wizard.serve_guard says
how). Reach it from elsewhere with ``ssh -L PORT:127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.commands import EXIT_OK, UsageError
from wizard.core.child import python_command
from wizard.core.i18n import _

if TYPE_CHECKING:
    from wizard.core.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from wizard.serve_guard import LOOPBACK_NAMES, TOKEN_PARAM, Admission, Door, GuardedServer
    except ImportError:
        raise UsageError(_("textual-serve is not installed in the Python roomcal runs "
                           "in; install it there with: {command}")
                         .format(command=install_command())) from None
    from wizard.commands.common import check_profile_name, load_scenario

    check_profile_name(args.profile)
    address = bind_address(args.host, allow_remote=args.allow_remote)
    if args.scenario is not None:
        load_scenario(args.scenario)  # an unknown name fails now, not in every browser tab
    command = wizard_command(args.profile, args.lang, args.scenario)
    listening = listen(address, args.port)
    port = listening[0].getsockname()[1]
    names = (LOOPBACK_NAMES | {str(address)}) if address.is_loopback else None
    if address.is_loopback and companion(address) is None:  # 127.0.0.2: localhost is not us
        names = frozenset({str(address)})
    door = Door(port=port, host_names=names)

    def used(token: str) -> None:
        announce_next(address, port, f"?{TOKEN_PARAM}={token}")

    admission = Admission(on_used=used)
    announce(address, port, f"?{TOKEN_PARAM}={admission.token}")
    GuardedServer(command, door, admission, listening,
                  profile_in_use=profile_holder(args.profile, settings,
                                                 demo=args.scenario is not None)
                  ).serve()
    return EXIT_OK


def profile_holder(profile: str, settings: Settings, *, demo: bool
                   ) -> Callable[[], str | None]:
    """The sentence a tab gets while another roomcal holds the profile its wizard would
    use (one wizard per profile: two would overwrite each other's saves)."""
    from wizard.core.model import render
    from wizard.core.store import ProfileStore

    store = ProfileStore(settings.demo_profiles_dir if demo else settings.profiles_dir)

    def in_use() -> str | None:
        holder = store.holder(profile)
        return render(holder.sentence) if holder is not None else None

    return in_use


def announce(address: Address, port: int, query: str) -> None:
    """The only place the token is ever shown: once, on stderr, inside the address."""
    err = sys.stderr
    if not address.is_loopback:
        print(_("Warning: the wizard is reachable from the network on {address} port {port}, "
                "over plain HTTP, with only the token protecting it.")
              .format(address=address, port=port), file=err)
    print(_("Open this address in a browser (it holds a one-time access token: share it "
            "with nobody):"), file=err)
    host = url_host(address)
    print(f"  http://{host}:{port}/{query}", file=err)
    print(_("If the browser runs on another machine, forward the port first:"), file=err)
    print(f"  ssh -L {port}:{host}:{port} <jump-host>", file=err)
    print(_("Stop with Ctrl+C."), file=err)
    err.flush()


def announce_next(address: Address, port: int, query: str) -> None:
    """After the printed address was used: say so (it may not have been the admin), and
    give the next one-time address."""
    err = sys.stderr
    print(_("{time}: a browser opened the wizard with the address above; it works only "
            "once. If that was not you, stop roomcal serve now (Ctrl+C).")
          .format(time=time.strftime("%H:%M:%S")), file=err)
    print(_("For another browser or tab, open:"), file=err)
    print(f"  http://{url_host(address)}:{port}/{query}", file=err)
    err.flush()


def install_command() -> str:
    """What installs textual-serve into the Python roomcal runs in, for how roomcal was
    installed (the package ``roomcal-wizard`` is not on PyPI): a checkout's ``serve``
    extra, ``pipx inject``, or pip with the pinned requirement."""
    requirement = "textual-serve"
    direct_url = None
    with suppress(metadata.PackageNotFoundError):
        distribution = metadata.distribution("roomcal-wizard")
        for line in distribution.requires or []:
            name, _sep, marker = line.partition(";")
            if "extra" in marker and "serve" in marker:
                requirement = name.strip()
        with suppress(ValueError, TypeError):
            direct_url = json.loads(distribution.read_text("direct_url.json") or "null")
    python = shlex.quote(sys.executable)
    checkout = _local_checkout(direct_url)
    if checkout is not None and isinstance(direct_url, dict):
        editable = "-e " if direct_url.get("dir_info", {}).get("editable") else ""
        return f"{python} -m pip install {editable}{shlex.quote(checkout + '[serve]')}"
    if _in_pipx():
        return f"pipx inject roomcal-wizard {shlex.quote(requirement)}"
    return f"{python} -m pip install {shlex.quote(requirement)}"


def _local_checkout(direct_url: object) -> str | None:
    """The directory roomcal was installed from (PEP 610), if it still has its
    pyproject.toml: its ``serve`` extra is what to install."""
    if not isinstance(direct_url, dict) or "dir_info" not in direct_url:
        return None
    url = str(direct_url.get("url", ""))
    if not url.startswith("file://"):
        return None
    from urllib.parse import unquote, urlparse

    path = unquote(urlparse(url).path)
    return path if os.path.isfile(os.path.join(path, "pyproject.toml")) else None


def _in_pipx() -> bool:
    """pipx keeps each application in ``…/pipx/venvs/NAME``."""
    parts = Path(sys.prefix).parts
    return len(parts) >= 3 and parts[-3] == "pipx" and parts[-2] == "venvs"


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
    # -P: nothing imported from the directory serve was started in (wizard.core.child).
    command = python_command("wizard", "--profile", profile)
    if lang:
        command += ["--lang", lang]
    if scenario is not None:
        # The wizard process may not share our idea of the current directory forever.
        path = Path(scenario)
        command += ["demo", "--scenario", str(path.resolve()) if path.exists() else scenario]
    return shlex.join(command)


# With --port 0: how often to look for a port free on both loopback addresses.
PORT_ATTEMPTS = 20


def companion(address: Address) -> Address | None:
    """The other address ``localhost`` may resolve to, which we must hold on the same
    port: otherwise another user listening there receives the admin's browser."""
    if address in (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("0.0.0.0")):
        return ipaddress.ip_address("::1")
    if address == ipaddress.ip_address("::1"):
        return ipaddress.ip_address("127.0.0.1")
    return None  # "::" holds IPv4 too (dual stack, see _bind); other addresses are not localhost


def listen(address: Address, port: int) -> list[socket.socket]:
    """Bind before serving (a port in use is one sentence, not aiohttp's traceback): the
    address, and its ``companion`` on the same port where the host has one."""
    for _attempt in range(PORT_ATTEMPTS if port == 0 else 1):
        first = _bind(address, port)
        chosen = first.getsockname()[1]
        other = companion(address)
        if other is None:
            return [first]
        try:
            return [first, _bind(other, chosen)]
        except _NoSuchAddress:  # no IPv6 on this host: nobody can listen on ::1 either
            return [first]
        except UsageError:
            first.close()
            if port == 0:
                continue  # somebody holds the other address on that port: another port
            raise
    raise UsageError(_("cannot find a port free on both 127.0.0.1 and ::1: choose one "
                       "with --port N"))


class _NoSuchAddress(Exception):
    """The host has no such address (no IPv6): nobody can listen there."""


def _bind(address: Address, port: int) -> socket.socket:
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise _NoSuchAddress from exc
    try:
        # A restart right after a stop must not wait for TIME_WAIT; a listening
        # socket still refuses a second bind.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and address.is_unspecified:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((str(address), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) and address.version == 6:
            raise _NoSuchAddress from exc
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
