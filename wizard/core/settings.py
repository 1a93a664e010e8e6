"""Every ``ROOMCAL_*`` environment variable, read once into one typed, frozen object.

``roomcal`` reads the environment here, once, at start (wizard.commands.dispatch)
and passes the settings — or the part a module needs — down: to the commands as
a parameter, to the application layer (``wizard.app.Setup``: endpoints, the
Cronofy client, the TUI's keymap, the checks' context), to the provider registry
(``providers.use_settings``). No other module looks at a ``ROOMCAL_*`` variable
(tests/test_settings.py checks), so the list that ``roomcal --help`` prints is
complete, and a value roomcal cannot use is refused once, up front, in one
sentence naming the variable (exit 2) — not half-way through a sign-in.

The registry is asked before that (the parser lists the providers; ``--help``
and a test's sandbox never read the settings at all): it then reads its one
variable through ``Settings.one_from_env``, here, the same way.

Each field carries its variable's name and a one-line description (a msgid).
A provider declares its own settings (``Setting``) and addresses
(``wizard.core.endpoints.Address``) in its ``ProviderInfo``; they are collected here
through the registry (no client library is imported for it), read into
``provided`` and read back as attributes (``settings.google_client_secrets``), and
listed by ``roomcal --help`` like core's. Their variable is ``ROOMCAL_`` + the field
in capitals.
A variable that is empty counts as unset. ``Settings()`` is the built-in
defaults, read from nowhere: the platform's folders and the services' own
addresses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

from wizard.core.endpoints import CRONOFY, Address, Endpoints, require_https
from wizard.core.errors import SettingsError
from wizard.core.i18n import N_
from wizard.core.msg import Msg

# The log's file name, here rather than in wizard.core.logfile: `roomcal --help` shows
# the path and should not load logging and the redaction patterns for it.
LOG_NAME = "roomcal.log"

__all__ = ["Setting", "Settings", "SettingsError", "Variable", "log_file",
           "names_a_secret_for_roomcal"]


class Variable(NamedTuple):
    field: str  # the Settings field
    name: str  # ROOMCAL_…
    description: str  # msgid, one line


def variable_name(setting: str) -> str:
    """A provider's setting's environment variable: ``ROOMCAL_`` + its field in capitals."""
    return f"ROOMCAL_{setting.upper()}"


class Setting(NamedTuple):
    """A provider's own setting (not an address: those are ``Address``es), read as typed."""

    field: str  # read back as settings.<field>; its variable is ROOMCAL_<FIELD>
    description: str  # msgid, one line in roomcal --help


def _provided() -> tuple[list[Setting], list[Address]]:
    """What the registered providers declare: their settings and their addresses."""
    from wizard import providers  # the registry: a provider's INFO, no client library

    settings: list[Setting] = []
    addresses: list[Address] = []
    for info in providers.providers():
        settings.extend(info.settings)
        addresses.extend(info.endpoints)
    return settings, addresses


def _platform_dir(kind: str) -> Callable[[], Path]:
    def default() -> Path:
        import platformdirs  # only when the variable is unset: ~5 ms

        return Path(getattr(platformdirs, f"user_{kind}_dir")("roomcal", appauthor=False))

    return default


def _about(name: str, description: str) -> dict[str, str]:
    """A field's variable and what it is for (a msgid, one line in ``roomcal --help``)."""
    return {"variable": name, "description": description}


@dataclass(frozen=True)
class Settings:
    config_dir: Path = field(
        default_factory=_platform_dir("config"),
        metadata=_about("ROOMCAL_CONFIG_DIR", N_(
            "folder for the profiles (default: the platform's folder for settings)")))
    state_dir: Path = field(
        default_factory=_platform_dir("state"),
        metadata=_about("ROOMCAL_STATE_DIR", N_(
            "folder for the log file (default: the platform's folder for state)")))
    keymap: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}),
        metadata=_about("ROOMCAL_KEYMAP", N_(
            "other keys for the wizard's actions, by binding id, e.g. "
            "nav.next=ctrl+right,app.keys=f2")))
    password: str = field(
        default="", repr=False,
        metadata=_about("ROOMCAL_PASSWORD", N_(
            "the service account's password for roomcal check (else the keyring, else a "
            "prompt)")))
    relay_url: str = field(
        default="",
        metadata=_about("ROOMCAL_RELAY_URL", N_(
            "the address of your meeting-room vendor's roomcal relay, which links Cronofy "
            "in step 2 (https)")))
    relay_token: str = field(
        default="", repr=False,
        metadata=_about("ROOMCAL_RELAY_TOKEN", N_(
            "your organisation's enrollment token for the relay (else the keyring, else a "
            "prompt)")))
    cronofy_app_url: str = field(
        default="",
        metadata=_about("ROOMCAL_CRONOFY_APP_URL", N_(
            "Cronofy app address for every data centre, may contain {region} (https)")))
    cronofy_api_url: str = field(
        default="",
        metadata=_about("ROOMCAL_CRONOFY_API_URL", N_(
            "Cronofy API address for every data centre, may contain {region} (https)")))
    relay_clients: str = field(
        default="",
        metadata=_about("ROOMCAL_RELAY_CLIENTS", N_(
            "roomcal relay: the TOML file (mode 0600) with the Cronofy application of each "
            "data centre")))
    relay_key: str = field(
        default="", repr=False,
        metadata=_about("ROOMCAL_RELAY_KEY", N_(
            "roomcal relay: the key (32 characters or more) that encrypts the tokens it "
            "keeps")))
    relay_database: str = field(
        default="",
        metadata=_about("ROOMCAL_RELAY_DATABASE", N_(
            "roomcal relay: sqlite:///PATH or postgresql://… (default: a SQLite file in the "
            "state folder)")))
    room_sample: int = field(
        default=500,
        metadata=_about("ROOMCAL_ROOM_SAMPLE", N_(
            "rooms whose calendars the panel and notification checks read on a larger "
            "tenant (an even spread; 0: every room; default 500)")))
    providers: tuple[str, ...] = field(
        default=(),
        metadata=_about("ROOMCAL_PROVIDERS", N_(
            "more calendar services: their provider packages' module names, separated by "
            "commas")))

    # The providers' settings and addresses, by field, as read (unset ones are absent).
    # Not in the repr: a provider's setting may be a secret of its own.
    provided: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}),
                                        repr=False)

    # The fields that override an address of the same name in Endpoints.
    ENDPOINTS: ClassVar[tuple[str, ...]] = tuple(address.field for address in CRONOFY)

    def __post_init__(self) -> None:
        # Checked however the settings were made, so no http:// address slips through.
        for address in CRONOFY:
            if value := getattr(self, address.field):
                require_https(address, value)
        _settings, addresses = _provided() if self.provided else ((), ())
        for address in addresses:
            if value := self.provided.get(address.field, ""):
                require_https(address, value)
        object.__setattr__(self, "keymap", MappingProxyType(dict(self.keymap)))
        object.__setattr__(self, "providers", tuple(self.providers))
        object.__setattr__(self, "provided", MappingProxyType(dict(self.provided)))

    def __getattr__(self, name: str) -> str:
        # Only asked for what is not a field: a provider's setting, "" while unset.
        provided: Mapping[str, str] = self.__dict__.get("provided", {})
        if name in provided:
            return provided[name]
        settings, addresses = ((), ()) if name.startswith("_") else _provided()
        if any(declared.field == name for declared in (*settings, *addresses)):
            return ""
        raise AttributeError(name)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Pickled for a worker process (wizard.core.fanout): a MappingProxyType cannot be,
        # so the keymap travels as a dict and is made read-only again on arrival.
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["keymap"] = dict(self.keymap)
        state["provided"] = dict(self.provided)
        return (_from_state, (state,))

    @classmethod
    def variables(cls) -> list[Variable]:
        """Every variable, in the order ``roomcal --help`` lists them: core's, then each
        provider's (its settings, its addresses)."""
        settings, addresses = _provided()
        return [*cls._core_variables(),
                *(Variable(s.field, variable_name(s.field), s.description) for s in settings),
                *(Variable(a.field, a.variable, a.description) for a in addresses)]

    @classmethod
    def _core_variables(cls) -> list[Variable]:
        return [Variable(f.name, f.metadata["variable"], f.metadata["description"])
                for f in fields(cls) if "variable" in f.metadata]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``env`` (default: this process's environment).

        SettingsError (one sentence naming the variable) for a value roomcal cannot use.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for variable in cls._core_variables():
            raw = env.get(variable.name, "")
            if raw.strip():
                values[variable.field] = _READERS.get(variable.field, _as_is)(variable.name, raw)
        settings, addresses = _provided()
        provided: dict[str, str] = {}
        for setting in settings:
            if (raw := env.get(variable_name(setting.field), "")).strip():
                provided[setting.field] = raw  # file names and ids: as given
        for address in addresses:
            if (raw := env.get(address.variable, "")).strip():
                provided[address.field] = _address(address.variable, raw)
        return cls(**values, provided=provided)

    @classmethod
    def one_from_env(cls, name: str, env: Mapping[str, str] | None = None) -> Any:
        """The field ``name`` alone, read and checked as ``from_env`` reads it.

        For the one reader that runs before roomcal has read its settings: the
        provider registry (ROOMCAL_PROVIDERS), which the parser and ``--help`` ask
        first. Reading one variable must not fail for another's sake, nor build the
        platform folders' defaults (platformdirs) on ``--help``'s path — nor ask the
        registry for its providers' settings when core's own is asked.
        """
        env = os.environ if env is None else env
        core = next((v for v in cls._core_variables() if v.field == name), None)
        if core is None:  # a provider's: read as from_env reads it
            provided: str = getattr(cls.from_env({v.name: env.get(v.name, "")
                                                  for v in cls.variables() if v.field == name}),
                                    name)
            return provided
        raw = env.get(core.name, "")
        if not raw.strip():
            spec = cls.__dataclass_fields__[name]
            if spec.default is MISSING:
                # typeshed cannot tie the two: with no default, a field has a factory.
                return spec.default_factory()  # type: ignore[misc]
            return spec.default
        value = _READERS.get(name, _as_is)(core.name, raw)
        if (address := next((a for a in CRONOFY if a.field == name), None)) is not None:
            require_https(address, value)
        return value

    @property
    def endpoints(self) -> Endpoints:
        """The services' addresses with this environment's overrides."""
        _settings, addresses = _provided()
        return Endpoints(cronofy_app_url=self.cronofy_app_url,
                         cronofy_api_url=self.cronofy_api_url,
                         addresses={a.field: self.provided[a.field] for a in addresses
                                    if self.provided.get(a.field)})

    @property
    def profiles_dir(self) -> Path:
        return self.config_dir / "profiles"

    @property
    def demo_profiles_dir(self) -> Path:
        """The demo's profiles: a folder of their own, so a demo never resumes (or writes)
        a real profile, and a real run never resumes the demo's sandbox link."""
        return self.config_dir / "demo-profiles"

    @property
    def relay_database_url(self) -> str:
        """Where the relay keeps its links: the setting, else a SQLite file beside the log."""
        return self.relay_database or f"sqlite:///{self.state_dir / 'relay.sqlite3'}"

    @property
    def log_file(self) -> Path:
        return self.state_dir / LOG_NAME


def log_file(env: Mapping[str, str] | None = None) -> Path:
    """The log's path, even while another setting is unusable (``roomcal --help`` shows it)."""
    env = os.environ if env is None else env
    return Settings.from_env({"ROOMCAL_STATE_DIR": env.get("ROOMCAL_STATE_DIR", "")}).log_file


def names_a_secret_for_roomcal(variable: str) -> bool:
    """May an answers file take a secret from this variable? Only from one a person set to
    hand roomcal a secret: ROOMCAL_PASSWORD, or a ROOMCAL_ name of their own that is not
    one of roomcal's settings (a client secret, a folder) — never any other of the
    environment's (AWS_SECRET_ACCESS_KEY), as the file may come from anyone."""
    settings = {v.name for v in Settings.variables()} - {"ROOMCAL_PASSWORD"}
    return variable.startswith("ROOMCAL_") and variable not in settings


def _as_is(_name: str, raw: str) -> str:
    """Passwords, ids and file names: exactly as given (a space may belong to them)."""
    return raw


def _count(name: str, raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise SettingsError(name, Msg(N_("{variable} is a number of rooms (0 or more), not "
                                         "“{value}”."), variable=name, value=raw.strip()))
    return value


def _folder(_name: str, raw: str) -> Path:
    return Path(raw)


def _address(_name: str, raw: str) -> str:
    return raw.strip().rstrip("/")


def _keymap(name: str, raw: str) -> Mapping[str, str]:
    keymap = {}
    for item in raw.split(","):
        if not item.strip():
            continue  # "a=b," is harmless
        binding_id, equals, keys = (part.strip() for part in item.partition("="))
        if not (binding_id and equals and keys):
            raise SettingsError(
                name,
                Msg(N_("{variable} lists binding-id=keys pairs separated by commas; "
                       "“{item}” is not one."), variable=name, item=item.strip()),
                Msg(N_("For example: {example}"),
                    example=f'{name}="nav.next=ctrl+right,app.keys=f2"'))
        keymap[binding_id] = keys
    return keymap


def _relay_url(name: str, raw: str) -> str:
    """The relay's address: https, or plain http to this machine (a test, the demo)."""
    from urllib.parse import urlsplit

    from wizard.core.endpoints import secret_may_go_to

    value = raw.strip().rstrip("/")
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or not secret_may_go_to(value) or parts.query or parts.fragment or \
            parts.username or parts.password:
        raise SettingsError(
            name,
            Msg(N_("{variable} must be the relay's https:// address (http:// only to this "
                   "machine), not “{value}”: the enrollment token must not cross a network "
                   "unencrypted."), variable=name, value=raw.strip()),
            Msg(N_("For example: {example}"), example=f"{name}=https://relay.example.com"))
    return value


# A module name as `import` takes it: dotted identifiers.
_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _modules(name: str, raw: str) -> tuple[str, ...]:
    modules = []
    for item in raw.split(","):
        if not item.strip():
            continue  # "a," is harmless, as in the keymap
        if not _MODULE.match(item.strip()):
            raise SettingsError(
                name,
                Msg(N_("{variable} lists Python module names separated by commas; “{item}” "
                       "is not one."), variable=name, item=item.strip()),
                Msg(N_("For example: {example}"),
                    example=f'{name}="roomcal_acme,other.package"'))
        modules.append(item.strip())
    return tuple(modules)


_READERS: dict[str, Callable[[str, str], Any]] = {
    "config_dir": _folder,
    "state_dir": _folder,
    "keymap": _keymap,
    "room_sample": _count,
    "providers": _modules,
    "relay_url": _relay_url,
    **{name: _address for name in Settings.ENDPOINTS},
}


def _from_state(state: dict[str, Any]) -> Settings:
    return Settings(**state)
