"""Language codes from the environment, without importing gettext (start-up path)."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # on the `roomcal --help` path: no typing/collections.abc imports
if TYPE_CHECKING:
    from collections.abc import Mapping

SUPPORTED = ("de", "en")
DEFAULT = "en"


def normalize(lang: str) -> str | None:
    """'de_DE.UTF-8' -> 'de'; unsupported -> None."""
    base = lang.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return base if base in SUPPORTED else None


def from_environment(env: Mapping[str, str] | None = None) -> str:
    """Language from LANGUAGE, LC_ALL, LC_MESSAGES, LANG (gettext order), else English."""
    env = os.environ if env is None else env
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        for candidate in value.split(":"):
            if candidate and candidate not in ("C", "POSIX") and (lang := normalize(candidate)):
                return lang
    return DEFAULT
