"""Microsoft 365: the Graph and admin-consent prerequisites of Cronofy's connection."""

from wizard.core.endpoints import Address
from wizard.core.i18n import N_
from wizard.providers import ProviderInfo

INFO = ProviderInfo(
    name="microsoft365", title=N_("Microsoft 365"), order=2, package=__name__,
    # Empty: the national cloud's hosts (the form's cloud, clouds.py); set: override it.
    endpoints=(
        Address("ms_login_url", N_("Microsoft sign-in address (https)"),
                N_("The Microsoft sign-in URL")),
        Address("graph_url", N_("Microsoft Graph address (https)"),
                N_("The Microsoft Graph URL")),
    ),
    chatty_libraries=("msal",),
)
