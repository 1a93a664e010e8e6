"""Every calendar service the wizard knows, each in one package, registered once.

A provider is a package (``wizard/providers/<name>/``) whose ``__init__.py``
holds only its ``INFO`` — a name, a title and its place in the list — so the
welcome screen and ``roomcal check``'s subcommands list every provider without
importing any of their checks, client libraries or sandbox servers (exchangelib
alone costs 0.4 s). The rest of the package is found by convention:

* ``checks.py`` — ``PLUGIN``: the step-1 form, the checks, what step 2 proves;
* ``sandbox.py`` — ``start(sandbox)``: the service the demo talks to;
* ``replay.py`` — ``RULES``: failure code → the sandbox fault that reproduces it.

Built-in providers are the packages in this directory; others are named by
module in ``ROOMCAL_PROVIDERS`` (``roomcal_acme,other.pkg``) or registered with
``register()``. Nothing outside a provider's package names it: screens, the
CLI, the sandbox and reports ask this registry.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.core.model import ProviderPlugin

_HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class ProviderInfo:
    name: str  # profile key, CLI subcommand, prefix of its failure codes
    title: str  # msgid, e.g. N_("Exchange Server (on-premises)")
    order: int  # place in the welcome screen's list
    package: str  # import path of the provider's package

    def plugin(self) -> ProviderPlugin:
        """The step-1 form and checks (imports the provider's checks module)."""
        plugin: ProviderPlugin = importlib.import_module(f"{self.package}.checks").PLUGIN
        return plugin

    def part(self, module: str) -> ModuleType | None:
        """``sandbox`` or ``replay`` of this provider, or None if it has none."""
        name = f"{self.package}.{module}"
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            return None


class UnknownProviderError(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


_registered: dict[str, ProviderInfo] = {}
_cache: tuple[ProviderInfo, ...] | None = None


def _info(package: str) -> ProviderInfo:
    info = importlib.import_module(package).INFO
    if not isinstance(info, ProviderInfo):
        raise TypeError(f"{package}.INFO is not a ProviderInfo")
    return info


def providers() -> tuple[ProviderInfo, ...]:
    """Every provider, in the order the welcome screen lists them."""
    global _cache
    if _cache is None:
        found: dict[str, ProviderInfo] = {}
        for entry in sorted(os.scandir(_HERE), key=lambda e: e.name):
            if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                info = _info(f"{__name__}.{entry.name}")
                found[info.name] = info
        extra = os.environ.get("ROOMCAL_PROVIDERS", "")
        for package in filter(None, (p.strip() for p in extra.split(","))):
            info = _info(package)
            found[info.name] = info
        found.update(_registered)
        _cache = tuple(sorted(found.values(), key=lambda i: (i.order, i.name)))
    return _cache


def names() -> tuple[str, ...]:
    return tuple(info.name for info in providers())


def get(name: str) -> ProviderInfo:
    for info in providers():
        if info.name == name:
            return info
    raise UnknownProviderError(name)


def register(info: ProviderInfo) -> None:
    """Add a provider from outside this package (an embedding program, a test)."""
    global _cache
    _registered[info.name] = info
    _cache = None


def unregister(name: str) -> None:
    global _cache
    _registered.pop(name, None)
    _cache = None


def reload() -> None:
    """Read the providers again (after ROOMCAL_PROVIDERS changed)."""
    global _cache
    _cache = None
