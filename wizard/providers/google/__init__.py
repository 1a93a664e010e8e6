"""Google Workspace: the help page's "Google Kalender" list, checked live."""

from wizard.core.i18n import N_
from wizard.providers import ProviderInfo

INFO = ProviderInfo(name="google", title=N_("Google Workspace"), order=1, package=__name__)
