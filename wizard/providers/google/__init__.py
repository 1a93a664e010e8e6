"""Google Workspace: the help page's "Google Kalender" list, checked live."""

from wizard.core.endpoints import Address
from wizard.core.i18n import N_
from wizard.core.settings import Setting
from wizard.providers import ProviderInfo

INFO = ProviderInfo(
    name="google", title=N_("Google Workspace"), order=1, package=__name__,
    settings=(
        Setting("google_client_secrets", N_(
            "Google OAuth client file (\"Desktop app\" JSON), like --client-secrets")),
    ),
    endpoints=(
        Address("google_auth_url", N_("Google sign-in address (https)"),
                N_("The Google sign-in URL"),
                default="https://accounts.google.com/o/oauth2/auth"),
        Address("google_token_url", N_("Google token address (https)"),
                N_("The Google token URL"), default="https://oauth2.googleapis.com/token"),
        Address("google_api_url", N_("Google Admin SDK address (https)"),
                N_("The Google API URL"), default="https://admin.googleapis.com"),
        Address("google_policy_url", N_("Google Cloud Identity (Policy API) address (https)"),
                N_("The Google Cloud Identity URL"),
                default="https://cloudidentity.googleapis.com"),
    ),
    chatty_libraries=("google", "google_auth_oauthlib", "oauthlib", "requests_oauthlib"),
)
