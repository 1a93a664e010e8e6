"""Base URLs of every service the wizard talks to.

Production defaults; each one overridable by a ``ROOMCAL_*_URL`` variable (how
support points the wizard at a proxy or test tenant; read with the other
settings in wizard.core.settings) and replaced wholesale by the sandbox in
``roomcal demo``. The clients never hard-code a host.

Core holds Cronofy's addresses (step 2 is roomcal's own); a provider declares its
own as ``Address``es in its ``ProviderInfo`` (the registry hands them to the
settings and to ``Endpoints``), so core names no calendar service.

An override is checked where the settings are read: the sign-in, token and API
addresses carry client secrets, authorization codes and bearer tokens, so they
must be https — refused at start with a sentence naming the variable, not
half-way through a sign-in (where oauthlib would raise InsecureTransportError).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from wizard.core.errors import SettingsError
from wizard.core.i18n import N_
from wizard.core.msg import Msg

REGIONS = ("us", "uk", "de", "au", "ca", "sg")


@dataclass(frozen=True)
class Address:
    """An address a service is reached at, as its provider (or core, for Cronofy) declares it.

    Its variable is ``ROOMCAL_`` + the field in capitals (``graph_url``:
    ``ROOMCAL_GRAPH_URL``), listed by ``roomcal --help`` with ``description``.
    """

    field: str  # attribute of Endpoints and of Settings
    description: str  # msgid: one line in roomcal --help
    called: str  # msgid: what a sentence calls it, e.g. N_("The Microsoft Graph URL")
    default: str = ""  # the service's own address ("" : the client works it out)
    # It gets a password: https, or plain http to this machine (the sandbox) — never
    # plain http across a network, not even a LAN's (see secret_may_go_to).
    loopback_http: bool = False

    @property
    def variable(self) -> str:
        from wizard.core.settings import variable_name  # the one home of ROOMCAL_ names

        return variable_name(self.field)


# Cronofy's: empty, derived from the region (cronofy_hosts); set: overrides every region.
CRONOFY = (
    Address("cronofy_app_url", "", N_("The Cronofy app URL")),
    Address("cronofy_api_url", "", N_("The Cronofy API URL")),
)


def declared() -> dict[str, Address]:
    """Every address: Cronofy's and those the registered providers declare."""
    from wizard import providers  # the registry: a provider's INFO, no client library

    found = {address.field: address for address in CRONOFY}
    for info in providers.providers():
        found.update((address.field, address) for address in info.endpoints)
    return found


class InsecureEndpointError(SettingsError):
    """An endpoint override that would send secrets or tokens unencrypted."""

    def __init__(self, address: Address, value: str) -> None:
        parts = urlsplit(value)
        variable = address.variable
        sentence = (N_("{setting} must use https: {variable} is set to {url}.")
                    if parts.scheme.lower() != "https" or parts.hostname else
                    N_("{setting} is not a complete address: {variable} is set to {url}."))
        super().__init__(
            variable,
            Msg(sentence, setting=Msg(address.called), variable=variable, url=_shown(parts)),
            Msg(N_("Set {variable} to an https:// address, or unset it to use the service's "
                   "own address."), variable=variable),
        )


def _shown(parts: SplitResult) -> str:
    """The address without user info, query or fragment: those may hold credentials."""
    host = parts.hostname or ""
    try:
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:  # a malformed port: shown without it
        netloc = host
    return parts._replace(netloc=netloc, query="", fragment="").geturl() or "-"


def require_https(address: Address, value: str) -> None:
    """An address that carries secrets must be https with a host (InsecureEndpointError);
    one that allows it may also be plain http to this machine."""
    if address.loopback_http:
        if not secret_may_go_to(value):
            raise InsecureEndpointError(address, value)
        return
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise InsecureEndpointError(address, value)


def is_loopback(host: str) -> bool:
    """This machine's own address: 127.0.0.0/8, ::1 or ``localhost`` (the sandbox)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secret_may_go_to(url: str) -> bool:
    """May a password (Basic, or NTLM's crackable response) be sent to ``url``? Over https
    to any host; over plain http only to this machine, where nothing crosses a network."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    return bool(host) and (scheme == "https" or (scheme == "http" and is_loopback(host)))


def has_userinfo(url: str) -> bool:
    """``https://user:password@host/…``: credentials in the address itself."""
    try:
        return "@" in urlsplit(url.strip()).netloc
    except ValueError:
        return False


def without_userinfo(url: str) -> str:
    """The address with its ``user:password@`` cut off (everything else as typed)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def cronofy_hosts(region: str) -> tuple[str, str]:
    """(app URL, API URL) of a Cronofy data centre."""
    if region not in REGIONS:
        raise ValueError(region)
    suffix = "" if region == "us" else f"-{region}"
    return f"https://app{suffix}.cronofy.com", f"https://api{suffix}.cronofy.com"


@dataclass(frozen=True, init=False)
class Endpoints:
    """Cronofy's addresses, the CA bundle, and the providers' addresses by field.

    A provider's address reads as an attribute (``endpoints.graph_url``): the override
    if there is one, else the default its provider declares. ``replace(endpoints,
    graph_url=…)`` and ``Endpoints(graph_url=…)`` set one, as for Cronofy's.
    """

    # Empty: derived from the region (cronofy_hosts); set: overrides every region.
    cronofy_app_url: str = ""
    cronofy_api_url: str = ""
    # CA bundle for TLS endpoints with a private CA (the sandbox, corporate proxies).
    ca_bundle: str = ""
    # The providers' addresses that differ from their declared defaults.
    addresses: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __init__(self, *, cronofy_app_url: str = "", cronofy_api_url: str = "",
                 ca_bundle: str = "", addresses: Mapping[str, str] | None = None,
                 **more: str) -> None:
        object.__setattr__(self, "cronofy_app_url", cronofy_app_url)
        object.__setattr__(self, "cronofy_api_url", cronofy_api_url)
        object.__setattr__(self, "ca_bundle", ca_bundle)
        object.__setattr__(self, "addresses", {**(addresses or {}), **more})

    def __getattr__(self, name: str) -> str:
        # Only asked for what is not one of the fields above: a provider's address.
        addresses: Mapping[str, str] = self.__dict__.get("addresses", {})
        if name in addresses:
            return addresses[name]
        if name.startswith("_") or (address := declared().get(name)) is None:
            raise AttributeError(name)
        return address.default

    def overridden(self, overrides: Mapping[str, str]) -> Endpoints:
        """These addresses with ``overrides`` (by field: Cronofy's, the CA bundle, a
        provider's) instead; ``dataclasses.replace`` with keywords does the same."""
        core = {name: overrides[name] for name in ("cronofy_app_url", "cronofy_api_url",
                                                   "ca_bundle") if name in overrides}
        own = {name: value for name, value in overrides.items() if name not in core}
        return Endpoints(cronofy_app_url=core.get("cronofy_app_url", self.cronofy_app_url),
                         cronofy_api_url=core.get("cronofy_api_url", self.cronofy_api_url),
                         ca_bundle=core.get("ca_bundle", self.ca_bundle),
                         addresses={**self.addresses, **own})

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def cronofy(self, region: str) -> tuple[str, str]:
        """(app, api) base URLs; an override may contain ``{region}`` (the sandbox does)."""
        app, api = cronofy_hosts(region)
        return (
            (self.cronofy_app_url or app).replace("{region}", region),
            (self.cronofy_api_url or api).replace("{region}", region),
        )
