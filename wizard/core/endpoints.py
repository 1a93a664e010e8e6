"""Base URLs of every service the wizard talks to.

Production defaults; each one overridable by a ``ROOMCAL_*_URL`` variable (how
support points the wizard at a proxy or test tenant; read with the other
settings in wizard.core.settings) and replaced wholesale by the sandbox in
``roomcal demo``. The clients never hard-code a host.

An override is checked where the settings are read: the sign-in, token and API
addresses carry client secrets, authorization codes and bearer tokens, so they
must be https — refused at start with a sentence naming the variable, not
half-way through a sign-in (where oauthlib would raise InsecureTransportError).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from wizard.core.errors import SettingsError
from wizard.core.i18n import N_
from wizard.core.model import Msg

REGIONS = ("us", "uk", "de", "au", "ca", "sg")
# Step 2's loopback port for Cronofy's redirect: fixed, so `ssh -L 8751:…` can be set
# up before the sign-in. The demo takes any free port (its browser is in-process).
LINK_PORT = 8751

# The addresses that must be https, with what the sentence calls them. Autodiscover gets
# the service account's password: https, or plain http to this machine (the sandbox) —
# never plain http across a network, not even a LAN's (see secret_may_go_to).
LOOPBACK_HTTP_ALLOWED = {"autodiscover_url": N_("The Exchange autodiscover URL")}
HTTPS_ONLY = {
    "google_auth_url": N_("The Google sign-in URL"),
    "google_token_url": N_("The Google token URL"),
    "google_api_url": N_("The Google API URL"),
    "ms_login_url": N_("The Microsoft sign-in URL"),
    "graph_url": N_("The Microsoft Graph URL"),
    "cronofy_app_url": N_("The Cronofy app URL"),
    "cronofy_api_url": N_("The Cronofy API URL"),
}


class InsecureEndpointError(SettingsError):
    """An endpoint override that would send secrets or tokens unencrypted."""

    def __init__(self, attr: str, value: str, variable: str) -> None:
        parts = urlsplit(value)
        sentence = (N_("{setting} must use https: {variable} is set to {url}.")
                    if parts.scheme.lower() != "https" or parts.hostname else
                    N_("{setting} is not a complete address: {variable} is set to {url}."))
        super().__init__(
            variable,
            Msg(sentence, setting=Msg({**HTTPS_ONLY, **LOOPBACK_HTTP_ALLOWED}[attr]),
                variable=variable, url=_shown(parts)),
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


def require_https(attr: str, value: str, variable: str) -> None:
    """An address that carries secrets must be https with a host (InsecureEndpointError);
    autodiscover may also be plain http to this machine."""
    if attr in LOOPBACK_HTTP_ALLOWED:
        if not secret_may_go_to(value):
            raise InsecureEndpointError(attr, value, variable)
        return
    if attr not in HTTPS_ONLY:
        return
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise InsecureEndpointError(attr, value, variable)


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


@dataclass(frozen=True)
class Endpoints:
    google_auth_url: str = "https://accounts.google.com/o/oauth2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_api_url: str = "https://admin.googleapis.com"
    # Empty: the national cloud's hosts (the Microsoft 365 form's cloud); set: override it.
    ms_login_url: str = ""
    graph_url: str = ""
    # Empty: derived from the region (cronofy_hosts); set: overrides every region.
    cronofy_app_url: str = ""
    cronofy_api_url: str = ""
    # Empty: Exchange autodiscover derives the URLs from the email's domain.
    autodiscover_url: str = ""
    # CA bundle for TLS endpoints with a private CA (the sandbox, corporate proxies).
    ca_bundle: str = ""

    def cronofy(self, region: str) -> tuple[str, str]:
        """(app, api) base URLs; an override may contain ``{region}`` (the sandbox does)."""
        app, api = cronofy_hosts(region)
        return (
            (self.cronofy_app_url or app).replace("{region}", region),
            (self.cronofy_api_url or api).replace("{region}", region),
        )
