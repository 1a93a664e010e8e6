"""Each Exchange run starts with fresh connections (exchangelib keeps them per process)."""

from __future__ import annotations

import asyncio

from scenes import fixed_port_sandbox

from wizard.app import Setup
from wizard.core.interaction import NoInteraction
from wizard.core.model import Status

PORT_BASE = 47510  # not the snapshots' (47310) nor the screenshots' (47410)


async def _impersonation(setup: Setup) -> Status:
    statuses = {}
    async for result in setup.run_checks(NoInteraction(), record=False):
        statuses[result.check_id] = result.status
    return statuses["impersonation"]


def test_a_new_server_on_the_same_address_is_asked_afresh() -> None:
    """The same EWS address, another server behind it (a restarted demo; a server that
    dropped its idle connections): the second run must talk to it, not to the first."""
    with fixed_port_sandbox("healthy", PORT_BASE) as first:
        setup = Setup("a", demo=first)
        setup.session.choose_provider("exchange")
        assert asyncio.run(_impersonation(setup)) == Status.PASS
    with fixed_port_sandbox("impersonation-denied", PORT_BASE) as second:
        setup = Setup("b", demo=second)
        setup.session.choose_provider("exchange")
        assert asyncio.run(_impersonation(setup)) == Status.FAIL
