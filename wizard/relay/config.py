"""The relay's configuration: the clients file (one Cronofy application per data centre),
the key and the public address — each refused up front in one sentence."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from wizard.core.endpoints import REGIONS, is_loopback
from wizard.core.i18n import _

MIN_KEY_LENGTH = 32
DEFAULT_PER_MINUTE = 500  # Cronofy's limit per application (and 50 a second)
MAX_CLIENTS_FILE = 64 * 1024


class RelayConfigError(Exception):
    """The relay cannot start with this configuration: one sentence and its remedy."""


@dataclass(frozen=True)
class Application:
    """The vendor's Cronofy application in one data centre."""

    region: str
    client_id: str
    client_secret: str = field(repr=False)
    per_minute: int = DEFAULT_PER_MINUTE


def load_clients(path_text: str) -> dict[str, Application]:
    """The ``[regions.<dc>]`` tables of the clients file, which only its owner may read."""
    if not path_text:
        raise RelayConfigError(_(
            "ROOMCAL_RELAY_CLIENTS is not set: name the TOML file that holds the Cronofy "
            "application of each data centre (see docs/relay.md)."))
    path = Path(path_text)
    try:
        # O_NOFOLLOW and fstat: the mode checked is the mode of the file read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise RelayConfigError(_("The clients file {path} cannot be opened ({reason}).").format(
            path=path, reason=exc.strerror or exc)) from None
    with os.fdopen(fd, "rb") as handle:
        mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
        if mode & 0o077:
            raise RelayConfigError(_(
                "The clients file {path} may be read by other users (mode {mode:o}): "
                "run chmod 600 {path}.").format(path=path, mode=mode))
        raw = handle.read(MAX_CLIENTS_FILE + 1)
    if len(raw) > MAX_CLIENTS_FILE:
        raise RelayConfigError(_("The clients file {path} is larger than 64 KiB.").format(
            path=path))
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RelayConfigError(_("The clients file {path} is not valid TOML ({reason}).").format(
            path=path, reason=exc)) from None
    return _applications(path, data)


def _applications(path: Path, data: dict[str, object]) -> dict[str, Application]:
    regions = data.get("regions")
    if not isinstance(regions, dict) or not regions:
        raise RelayConfigError(_(
            "The clients file {path} has no [regions.<dc>] table: add one per data centre "
            "with client_id and client_secret.").format(path=path))
    applications = {}
    for region, table in regions.items():
        if region not in REGIONS:
            raise RelayConfigError(_(
                "The clients file {path} names an unknown data centre “{region}” (known: "
                "{known}).").format(path=path, region=region, known=", ".join(REGIONS)))
        if not isinstance(table, dict) or not all(
                isinstance(table.get(key), str) and table[key].strip()
                for key in ("client_id", "client_secret")):
            raise RelayConfigError(_(
                "The clients file {path} needs client_id and client_secret in "
                "[regions.{region}].").format(path=path, region=region))
        per_minute = table.get("rate_limit_per_minute", DEFAULT_PER_MINUTE)
        if not isinstance(per_minute, int) or isinstance(per_minute, bool) or \
                not 1 <= per_minute <= 100_000:
            raise RelayConfigError(_(
                "rate_limit_per_minute in [regions.{region}] of {path} must be a whole "
                "number of requests a minute.").format(path=path, region=region))
        applications[region] = Application(region, table["client_id"].strip(),
                                           table["client_secret"].strip(), per_minute)
    return applications


def check_key(key: str) -> str:
    if len(key) < MIN_KEY_LENGTH:
        raise RelayConfigError(_(
            "ROOMCAL_RELAY_KEY must be set to at least {count} characters (it encrypts the "
            "tokens the relay keeps): for example the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'.").format(
            count=MIN_KEY_LENGTH))
    return key


def public_url(value: str) -> str:
    """The relay's address as Cronofy and browsers reach it: https (http on loopback only)."""
    parts = urlsplit(value.strip())
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname is not None
                                         and is_loopback(parts.hostname))
    if not secure or not parts.hostname or parts.query or parts.fragment or \
            parts.username or parts.password:
        raise RelayConfigError(_(
            "--public-url must be the relay's https:// address without query, e.g. "
            "https://relay.example.com (http:// only on 127.0.0.1)."))
    return value.strip().rstrip("/")
