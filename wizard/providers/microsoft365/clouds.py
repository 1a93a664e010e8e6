"""Microsoft's national clouds: which login and Graph hosts a tenant lives behind.

Hosts as Microsoft documents them for Microsoft Graph's national cloud deployments
(https://learn.microsoft.com/graph/deployments: "App registration and token service
root endpoints", "Microsoft Graph and Graph Explorer service root endpoints"); the
login hosts are msal's own (``msal/authority.py``: AZURE_PUBLIC, AZURE_US_GOVERNMENT,
DEPRECATED_AZURE_CHINA — still in its WELL_KNOWN_AUTHORITY_HOSTS, and the one Graph's
page names). GCC (not High) tenants use the global hosts.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.endpoints import Endpoints
from wizard.core.i18n import N_


@dataclass(frozen=True)
class Cloud:
    login_url: str
    graph_url: str
    label: str  # msgid


CLOUDS = {
    "global": Cloud("https://login.microsoftonline.com", "https://graph.microsoft.com",
                    N_("Global (also GCC)")),
    "usgov": Cloud("https://login.microsoftonline.us", "https://graph.microsoft.us",
                   N_("US Government GCC High")),
    "usgov-dod": Cloud("https://login.microsoftonline.us", "https://dod-graph.microsoft.us",
                       N_("US Government DoD")),
    "china": Cloud("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn",
                   N_("China (21Vianet)")),
}
DEFAULT = "global"


def service_urls(cloud: str, endpoints: Endpoints) -> tuple[str, str]:
    """(login URL, Graph URL) the checks call.

    An explicit ``ROOMCAL_MS_LOGIN_URL``/``ROOMCAL_GRAPH_URL`` (a proxy, a test tenant)
    and the demo's sandbox win over the cloud's hosts, each on its own.
    """
    chosen = CLOUDS.get(cloud) or CLOUDS[DEFAULT]
    return endpoints.ms_login_url or chosen.login_url, endpoints.graph_url or chosen.graph_url
