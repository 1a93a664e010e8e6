"""Base URLs of every service the wizard talks to.

Production defaults; each one overridable from the environment (how support
points the wizard at a proxy or test tenant) and replaced wholesale by the
sandbox in ``roomcal demo``. The clients never hard-code a host.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

REGIONS = ("us", "uk", "de", "au", "ca", "sg")

ENV_VARS = {
    "google_auth_url": "ROOMCAL_GOOGLE_AUTH_URL",
    "google_token_url": "ROOMCAL_GOOGLE_TOKEN_URL",
    "google_api_url": "ROOMCAL_GOOGLE_API_URL",
    "ms_login_url": "ROOMCAL_MS_LOGIN_URL",
    "graph_url": "ROOMCAL_GRAPH_URL",
    "cronofy_app_url": "ROOMCAL_CRONOFY_APP_URL",
    "cronofy_api_url": "ROOMCAL_CRONOFY_API_URL",
    "autodiscover_url": "ROOMCAL_AUTODISCOVER_URL",
}


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
    ms_login_url: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com"
    # Empty: derived from the region (cronofy_hosts); set: overrides every region.
    cronofy_app_url: str = ""
    cronofy_api_url: str = ""
    # Empty: Exchange autodiscover derives the URLs from the email's domain.
    autodiscover_url: str = ""
    # CA bundle for TLS endpoints with a private CA (the sandbox, corporate proxies).
    ca_bundle: str = ""
    sandbox: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Endpoints:
        env = os.environ if env is None else env
        overrides = {attr: env[var].rstrip("/") for attr, var in ENV_VARS.items() if env.get(var)}
        return replace(cls(), **overrides)

    def cronofy(self, region: str) -> tuple[str, str]:
        """(app, api) base URLs; an override may contain ``{region}`` (the sandbox does)."""
        app, api = cronofy_hosts(region)
        return (
            (self.cronofy_app_url or app).replace("{region}", region),
            (self.cronofy_api_url or api).replace("{region}", region),
        )
