"""``roomcal relay serve|enroll|revoke``: the vendor-side service of step 2 (wizard.relay)."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING

from wizard.commands import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError
from wizard.core.i18n import _
from wizard.core.settings import Settings

if TYPE_CHECKING:
    from wizard.relay.store import Store

ORG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def run_relay(args: argparse.Namespace, settings: Settings) -> int:
    from wizard.relay.config import RelayConfigError

    try:
        if args.relay_command == "serve":
            return _serve(args, settings)
        org = args.org.strip().lower()
        if not ORG.match(org):
            raise UsageError(_("An organisation's name is 1 to 63 lower-case letters, digits, "
                               "dots, dashes or underscores, e.g. acme-gmbh."))
        if args.relay_command == "enroll":
            return _enroll(org, settings)
        return _revoke(org, settings)
    except RelayConfigError as exc:
        raise UsageError(str(exc)) from None


def _store(settings: Settings) -> Store:
    from wizard.relay.store import Store, open_database

    return Store(open_database(settings.relay_database_url))


def _enroll(org: str, settings: Settings) -> int:
    from wizard.relay.crypto import digest, new_secret

    token = "rcr_" + new_secret()
    store = _store(settings)
    try:
        store.enroll(org, digest(token))
    finally:
        store.close()
    print(_("Enrollment token for {org} (shown only this once; an earlier token of {org} no "
            "longer works). Give it to the organisation's admin as ROOMCAL_RELAY_TOKEN:").format(
        org=org), file=sys.stderr)
    print(token)
    return EXIT_OK


def _revoke(org: str, settings: Settings) -> int:
    store = _store(settings)
    try:
        revoked = store.revoke(org)
    finally:
        store.close()
    if not revoked:
        print(_("{org} has no enrollment token: nothing to revoke.").format(org=org),
              file=sys.stderr)
        return EXIT_FAILED
    print(_("{org}'s enrollment token no longer works; its links stay.").format(org=org),
          file=sys.stderr)
    return EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    import importlib.util

    if importlib.util.find_spec("aiohttp") is None:
        raise UsageError(_("roomcal relay serve needs its extra: "
                           "pip install 'roomcal-wizard[relay]'."))

    from wizard.core import redact
    from wizard.relay import logs
    from wizard.relay.config import check_key, load_clients, public_url
    from wizard.relay.cronofy import Cronofy
    from wizard.relay.crypto import Sealer
    from wizard.relay.server import Options, Relay, serve
    from wizard.relay.store import Store, open_database

    url = public_url(args.public_url)
    key = check_key(settings.relay_key)
    applications = load_clients(settings.relay_clients)
    redact.register(key)
    for app in applications.values():
        redact.register(app.client_secret)
    endpoints = settings.endpoints
    hosts = {region: endpoints.cronofy(region) for region in applications}
    store = Store(open_database(settings.relay_database_url))
    logs.setup()

    async def main() -> None:
        cronofy = Cronofy(applications, hosts)
        options = Options(url, callback_timeout=args.callback_timeout)
        await serve(Relay(store, Sealer(key), cronofy, options), args.host, args.port)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except OSError as exc:  # the port is taken, the address is not ours
        raise UsageError(_("The relay cannot listen on {host}:{port} ({reason}).").format(
            host=args.host, port=args.port, reason=exc.strerror or exc)) from None
    finally:
        store.close()
    return EXIT_OK
