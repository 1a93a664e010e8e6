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
A variable that is empty counts as unset. ``Settings()`` is the built-in
defaults, read from nowhere: the platform's folders and the services' own
addresses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

from wizard.core.endpoints import Endpoints, require_https
from wizard.core.errors import SettingsError
from wizard.core.i18n import N_
from wizard.core.model import Msg

__all__ = ["Settings", "SettingsError", "Variable", "log_file", "names_a_secret_for_roomcal"]


class Variable(NamedTuple):
    field: str  # the Settings field
    name: str  # ROOMCAL_…
    description: str  # msgid, one line


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
    cronofy_client_id: str = field(
        default="",
        metadata=_about("ROOMCAL_CRONOFY_CLIENT_ID", N_(
            "Cronofy client id (else the keyring)")))
    cronofy_client_secret: str = field(
        default="", repr=False,
        metadata=_about("ROOMCAL_CRONOFY_CLIENT_SECRET", N_(
            "Cronofy client secret (else the keyring)")))
    google_client_secrets: str = field(
        default="",
        metadata=_about("ROOMCAL_GOOGLE_CLIENT_SECRETS", N_(
            "Google OAuth client file (\"Desktop app\" JSON), like --client-secrets")))
    google_auth_url: str = field(
        default="",
        metadata=_about("ROOMCAL_GOOGLE_AUTH_URL", N_("Google sign-in address (https)")))
    google_token_url: str = field(
        default="",
        metadata=_about("ROOMCAL_GOOGLE_TOKEN_URL", N_("Google token address (https)")))
    google_api_url: str = field(
        default="",
        metadata=_about("ROOMCAL_GOOGLE_API_URL", N_("Google Admin SDK address (https)")))
    ms_login_url: str = field(
        default="",
        metadata=_about("ROOMCAL_MS_LOGIN_URL", N_("Microsoft sign-in address (https)")))
    graph_url: str = field(
        default="",
        metadata=_about("ROOMCAL_GRAPH_URL", N_("Microsoft Graph address (https)")))
    cronofy_app_url: str = field(
        default="",
        metadata=_about("ROOMCAL_CRONOFY_APP_URL", N_(
            "Cronofy app address for every data centre, may contain {region} (https)")))
    cronofy_api_url: str = field(
        default="",
        metadata=_about("ROOMCAL_CRONOFY_API_URL", N_(
            "Cronofy API address for every data centre, may contain {region} (https)")))
    autodiscover_url: str = field(
        default="",
        metadata=_about("ROOMCAL_AUTODISCOVER_URL", N_(
            "Exchange autodiscover address (default: found from the e-mail's domain)")))
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
    providers: tuple[str, ...] = field(
        default=(),
        metadata=_about("ROOMCAL_PROVIDERS", N_(
            "more calendar services: their provider packages' module names, separated by "
            "commas")))

    # The fields that override an address of the same name in Endpoints.
    ENDPOINTS: ClassVar[tuple[str, ...]] = (
        "google_auth_url", "google_token_url", "google_api_url", "ms_login_url", "graph_url",
        "cronofy_app_url", "cronofy_api_url", "autodiscover_url")

    def __post_init__(self) -> None:
        # Checked however the settings were made, so no http:// address slips through.
        for variable in self.variables():
            if variable.field in self.ENDPOINTS and (value := getattr(self, variable.field)):
                require_https(variable.field, value, variable.name)
        object.__setattr__(self, "keymap", MappingProxyType(dict(self.keymap)))
        object.__setattr__(self, "providers", tuple(self.providers))

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Pickled for a worker process (wizard.core.fanout): a MappingProxyType cannot be,
        # so the keymap travels as a dict and is made read-only again on arrival.
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["keymap"] = dict(self.keymap)
        return (_from_state, (state,))

    @classmethod
    def variables(cls) -> list[Variable]:
        """Every variable, in the order ``roomcal --help`` lists them."""
        return [Variable(f.name, f.metadata["variable"], f.metadata["description"])
                for f in fields(cls)]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``env`` (default: this process's environment).

        SettingsError (one sentence naming the variable) for a value roomcal cannot use.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for variable in cls.variables():
            raw = env.get(variable.name, "")
            if raw.strip():
                values[variable.field] = _READERS.get(variable.field, _as_is)(variable.name, raw)
        return cls(**values)

    @classmethod
    def one_from_env(cls, name: str, env: Mapping[str, str] | None = None) -> Any:
        """The field ``name`` alone, read and checked as ``from_env`` reads it.

        For the one reader that runs before roomcal has read its settings: the
        provider registry (ROOMCAL_PROVIDERS), which the parser and ``--help`` ask
        first. Reading one variable must not fail for another's sake, nor build the
        platform folders' defaults (platformdirs) on ``--help``'s path.
        """
        env = os.environ if env is None else env
        variable = next(v for v in cls.variables() if v.field == name)
        raw = env.get(variable.name, "")
        if not raw.strip():
            spec = cls.__dataclass_fields__[name]
            if spec.default is MISSING:
                # typeshed cannot tie the two: with no default, a field has a factory.
                return spec.default_factory()  # type: ignore[misc]
            return spec.default
        value = _READERS.get(name, _as_is)(variable.name, raw)
        if name in cls.ENDPOINTS:
            require_https(name, value, variable.name)
        return value

    @property
    def endpoints(self) -> Endpoints:
        """The services' addresses with this environment's overrides."""
        overrides = {name: getattr(self, name) for name in self.ENDPOINTS if getattr(self, name)}
        return replace(Endpoints(), **overrides)

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
        from wizard.core import logfile

        return logfile.path(self.state_dir)


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
    "providers": _modules,
    **{name: _address for name in Settings.ENDPOINTS},
}


def _from_state(state: dict[str, Any]) -> Settings:
    return Settings(**state)
