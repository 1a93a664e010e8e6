"""Every calendar service the wizard knows, each in one package, registered once.

A provider is a package whose ``__init__.py`` holds only its ``INFO`` — a name,
a title, its place in the list, and what it declares to the rest of roomcal: its
settings and addresses (``ROOMCAL_*`` variables, listed by ``roomcal --help``),
the libraries whose logging to quieten — so the welcome screen, ``roomcal
check``'s subcommands and ``--help`` list every provider without importing any of
their checks, client libraries or sandbox servers (exchangelib alone costs 0.4 s).
The rest of the package is found by convention:

* ``checks.py`` — ``PLUGIN``: the step-1 form, the checks, what step 2 proves;
* ``sandbox.py`` — ``start(sandbox)``: the service the demo talks to;
* ``replay.py`` — ``RULES``: failure code → the sandbox fault that reproduces it;
* ``scenarios.py`` — ``SCENARIOS``: what each sandbox scenario must produce
  (tests/test_scenarios.py runs every provider's through the CLI and the TUI).

Installed providers are found through the ``roomcal.providers`` entry points of
the installed distributions (roomcal's own three among them, in pyproject.toml),
read from their ``entry_points.txt`` without importing anything; others are named
by module in ``ROOMCAL_PROVIDERS`` (``roomcal_acme,other.pkg``: a provider that is
not installed as a distribution) or registered with ``register()``. Nothing
outside a provider's package names it: screens, the CLI, the settings, the log,
the sandbox and reports ask this registry.

``ROOMCAL_PROVIDERS`` is one of roomcal's settings (wizard.core.settings): once
``roomcal`` has read them, it hands the registry their value (``use_settings``).
The registry is asked earlier than that — the parser lists the providers before
the settings are read, ``--help`` and a test's or benchmark's sandbox never read
them — and then asks the settings for this one variable alone.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from wizard.core.endpoints import Address
    from wizard.core.model import ProviderPlugin
    from wizard.core.settings import Setting

_HERE = os.path.dirname(os.path.abspath(__file__))
# The entry-point group an installed distribution registers its providers in
# (``[project.entry-points."roomcal.providers"]``, value: the provider's package).
GROUP = "roomcal.providers"


@dataclass(frozen=True)
class ProviderInfo:
    name: str  # profile key, CLI subcommand, prefix of its failure codes
    title: str  # msgid, e.g. N_("Exchange Server (on-premises)")
    order: int  # place in the welcome screen's list
    package: str  # import path of the provider's package
    # Its own ROOMCAL_<FIELD> settings and the addresses it talks to (each overridable by
    # ROOMCAL_<FIELD>), read by wizard.core.settings, listed by roomcal --help.
    settings: tuple[Setting, ...] = ()
    endpoints: tuple[Address, ...] = ()
    # Loggers of its libraries: quiet below WARNING unless --verbose (they log request
    # lines), and those whose DEBUG is the authentication exchange itself: never below
    # WARNING (wizard.core.logfile).
    chatty_libraries: tuple[str, ...] = ()
    authentication_libraries: tuple[str, ...] = ()
    # A folder of the package with its own catalogs, <lang>/LC_MESSAGES/roomcal.mo
    # (wizard.core.catalogs.compile_all): translations of the msgids roomcal's catalog
    # does not hold. roomcal's own providers are in roomcal's catalog.
    translations: str = ""

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


class Scenario(NamedTuple):
    """What a sandbox scenario must produce, declared in the provider's ``scenarios.py``."""

    scenario: str  # the sandbox scenario's name (or a scenario file's)
    exit: int  # roomcal check's exit code
    statuses: Mapping[str, str]  # check id -> status, of the checks that matter
    phrase: str = ""  # in the detail or remedy of the first check in ``statuses``


class UnknownProviderError(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


_registered: dict[str, ProviderInfo] = {}
_cache: tuple[ProviderInfo, ...] | None = None
_cache_extra: tuple[str, ...] = ()  # the extra packages _cache was made with
# The packages named in ROOMCAL_PROVIDERS, as roomcal's settings read them; None: not
# handed over (yet).
_extra: tuple[str, ...] | None = None


class ProviderPackageError(LookupError):
    """A package named in ROOMCAL_PROVIDERS cannot be imported, or is no provider."""

    def __init__(self, package: str, reason: str) -> None:
        super().__init__(f"{package}: {reason}")
        self.package = package
        self.reason = reason


def _info(package: str) -> ProviderInfo:
    try:
        info = getattr(importlib.import_module(package), "INFO", None)
    except ImportError as exc:  # ModuleNotFoundError, or a library it needs is missing
        raise ProviderPackageError(package, str(exc)) from None
    if not isinstance(info, ProviderInfo):
        raise ProviderPackageError(package, f"{package}.INFO is not a ProviderInfo")
    return info


def providers() -> tuple[ProviderInfo, ...]:
    """Every provider, in the order the welcome screen lists them."""
    global _cache, _cache_extra
    if _cache is None:
        found: dict[str, ProviderInfo] = {}
        packages = installed()
        if not any(package.startswith(f"{__name__}.") for package in packages):
            packages += tuple(_built_in_packages())
        for package in packages:
            info = _info(package)
            found[info.name] = info
        _cache_extra = _extra_packages()
        for package in _cache_extra:
            info = _info(package)
            found[info.name] = info
        found.update(_registered)
        _cache = tuple(sorted(found.values(), key=lambda i: (i.order, i.name)))
        for info in _cache:
            if info.translations:
                _add_translations(info)
    return _cache


def _add_translations(info: ProviderInfo) -> None:
    from wizard.core import i18n

    package = importlib.import_module(info.package)
    folder = os.path.dirname(os.path.abspath(package.__file__ or ""))
    i18n.add_catalog(os.path.join(folder, info.translations))


def installed() -> tuple[str, ...]:
    """The provider packages installed distributions name in their ``roomcal.providers``
    entry points, first distribution of a name on sys.path winning (as importlib.metadata
    does).

    Read from each ``*.dist-info/entry_points.txt`` directly: importlib.metadata imports
    the email package and with it the socket module — tens of milliseconds that
    ``roomcal --help`` (which lists the providers) does not spend.
    """
    packages: list[str] = []
    seen: set[str] = set()
    for folder in sys.path:
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:  # a zip file, a folder that is gone
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            distribution = stem.partition("-")[0].lower().replace("-", "_").replace(".", "_")
            if distribution in seen:
                continue
            seen.add(distribution)
            packages += _group(os.path.join(folder or ".", name, "entry_points.txt"))
    return tuple(packages)


def _group(entry_points: str) -> Iterator[str]:
    """The values in the ``[roomcal.providers]`` section of an entry_points.txt."""
    try:
        with open(entry_points, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return
    section = ""
    for line in (raw.strip() for raw in lines):
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == GROUP and "=" in line and not line.startswith(("#", ";")):
            yield line.partition("=")[2].strip().partition(":")[0].strip()


def _built_in_packages() -> Iterator[str]:
    """roomcal's own providers when its distribution registers none: a source tree that was
    never installed (``python -m wizard`` in a checkout), or installed before the entry
    points were."""
    for entry in sorted(os.scandir(_HERE), key=lambda e: e.name):
        if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
            yield f"{__name__}.{entry.name}"


def _extra_packages() -> tuple[str, ...]:
    if _extra is not None:
        return _extra
    from wizard.core.settings import Settings, SettingsError

    try:
        packages: tuple[str, ...] = Settings.one_from_env("providers")
    except SettingsError:
        # Unusable: roomcal refuses it when it reads its settings (one sentence, exit 2);
        # until then — the parser, --help — the built-in providers are listed.
        return ()
    return packages


def use_settings(packages: Sequence[str]) -> None:
    """The extra provider packages from roomcal's settings (``Settings.providers``)."""
    global _extra, _cache
    _extra = tuple(packages)
    if _extra != _cache_extra:  # the parser listed them from the same variable: kept
        _cache = None


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
    """Read the providers again (after ROOMCAL_PROVIDERS changed): from the environment
    until roomcal's settings are handed over again."""
    global _cache, _extra
    _cache = None
    _extra = None
