"""Exchange Server (on-premises): EWS + ApplicationImpersonation, the help page's own path."""

from wizard.core.i18n import N_
from wizard.providers import ProviderInfo

INFO = ProviderInfo(name="exchange", title=N_("Exchange Server (on-premises)"), order=3,
                    package=__name__)
