"""Microsoft 365: the Graph and admin-consent prerequisites of Cronofy's connection."""

from wizard.core.i18n import N_
from wizard.providers import ProviderInfo

INFO = ProviderInfo(name="microsoft365", title=N_("Microsoft 365"), order=2, package=__name__)
