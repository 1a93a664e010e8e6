"""Microsoft Graph for the Microsoft 365 checks: where it is, reading it, what failures mean."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wizard.core import clients
from wizard.core.i18n import N_
from wizard.core.model import CheckContext, CheckResult, Msg, Status
from wizard.providers.microsoft365.clouds import service_urls

if TYPE_CHECKING:
    import httpx


def login_url(ctx: CheckContext) -> str:
    return service_urls(ctx.values.get("cloud", ""), ctx.endpoints)[0]


def graph_url(ctx: CheckContext) -> str:
    return service_urls(ctx.values.get("cloud", ""), ctx.endpoints)[1]


def ca_bundle(ctx: CheckContext) -> str:
    return ctx.values.get("ca_bundle") or ctx.endpoints.ca_bundle or ""


def http(ctx: CheckContext) -> httpx.Client:
    """The run's client for Graph: its connections kept alive (wizard.core.clients)."""
    return clients.client(ctx, ca_bundle(ctx))


def get(ctx: CheckContext, path: str, *, on_page: Callable[[int], None] | None = None) -> Any:
    """GET a Graph path (following @odata.nextLink); 429s wait within one budget per call.

    A collection comes back as a list, an object as a dict, an HTTP error as the
    response. ``on_page`` hears how many values were read so far, while pages follow.
    """
    from wizard.core.retry import Backoff, send_retrying

    token = ctx.shared.get("m365.token")
    if not token:
        raise RuntimeError("not signed in")
    url = f"{graph_url(ctx)}/v1.0{path}"
    values: list[Any] = []
    backoff = Backoff(ctx.cancel)  # one budget for every page of this call
    client = http(ctx)
    headers = {"Authorization": f"Bearer {token}"}
    while url:
        response = send_retrying(partial(client.get, url, headers=headers), backoff)
        if response.status_code >= 400:
            return response
        try:
            data = response.json()
            if not isinstance(data, dict):  # Graph always answers with an object
                raise ValueError("not a Graph response")
        except ValueError:
            from wizard.core.errors import UserFacingError

            raise UserFacingError(
                Msg(N_("Microsoft Graph answered with something that is not JSON (HTTP "
                       "{status}): a proxy may be rewriting the traffic."),
                    status=response.status_code),
                Msg(N_("Let {host} through the proxy unchanged, then re-check."),
                    host=urlsplit(url).hostname or "-"), code="microsoft365.graph_not_json",
            ) from None
        if "value" not in data:
            return data
        values.extend(data["value"])
        url = data.get("@odata.nextLink", "")
        if on_page is not None and url:
            on_page(len(values))
    return values


def http_failure(check_id: str, response: Any) -> CheckResult:
    status = response.status_code
    if status == 429:
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("Microsoft Graph kept throttling the requests (HTTP 429).")),
                           Msg(N_("Wait a minute, then re-check.")),
                           code="microsoft365.graph_throttled")
    if status in (401, 403):
        return CheckResult(check_id, Status.FAIL,
                           Msg(N_("Microsoft Graph refused access (HTTP {status})."),
                               status=status),
                           Msg(N_("Sign in again with an administrator and consent to the "
                                  "requested permissions.")), code="microsoft365.graph_refused")
    return CheckResult(check_id, Status.FAIL,
                       Msg(N_("Microsoft Graph answered HTTP {status}."), status=status),
                       Msg(N_("Re-check; if it persists, write a report with “roomcal report -o "
                              "roomcal-report.json” and send the file to the support of your "
                              "meeting-room product's vendor.")), code="microsoft365.graph_error")
