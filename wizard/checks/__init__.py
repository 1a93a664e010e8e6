"""Provider checks: one module per provider, each exporting ``PLUGIN``.

A plugin declares its step-1 form fields and its checks (``CheckSpec``); the
TUI renders both generically and the CLI maps its arguments onto the same
fields, so the two can never disagree about what is checked.
"""

from __future__ import annotations

import importlib

from wizard.core.model import Provider, ProviderPlugin

MODULES = {
    Provider.EXCHANGE: "wizard.checks.exchange",
    Provider.MICROSOFT365: "wizard.checks.microsoft365",
    Provider.GOOGLE: "wizard.checks.google",
}


def plugin(provider: Provider | str) -> ProviderPlugin:
    """The provider's plugin, imported lazily (exchangelib is heavy)."""
    module = importlib.import_module(MODULES[Provider(provider)])
    return module.PLUGIN
