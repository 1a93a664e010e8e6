"""gettext in one place: the current language, ``_()`` and ``N_()``.

msgids are English. Strings defined at import time (check titles, field
labels) are marked with ``N_()`` and translated with ``_()`` when shown, so a
runtime language switch (ctrl+l) re-renders them in the new language.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable

from wizard.core.lang import DEFAULT, SUPPORTED, from_environment, normalize

DOMAIN = "roomcal"
__all__ = ["DEFAULT", "N_", "SUPPORTED", "_", "from_environment", "normalize", "set_language"]
# os.path, not pathlib: this module is on the `roomcal --help` start-up path.
LOCALE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locale")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT
_listeners: list[Callable[[str], None]] = []
# Catalogs beside roomcal's: a provider's own (``ProviderInfo.translations``), added by
# the registry; asked for what roomcal's catalog does not hold.
_catalogs: list[str] = []


class UnknownLanguageError(ValueError):
    def __init__(self, lang: str) -> None:
        super().__init__(lang)
        self.lang = lang


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translate later with ``_()``."""
    return message


def current_language() -> str:
    return _language


def set_language(lang: str) -> str:
    """Switch the process-wide language and tell listeners (the UI re-renders)."""
    global _translation, _language
    code = normalize(lang) if lang else None
    if code is None or len(lang.split("_")[0].split(".")[0]) != 2:
        raise UnknownLanguageError(lang)
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[code], fallback=True
    )
    for localedir in _catalogs:
        _translation.add_fallback(_catalog(localedir, code))
    _language = code
    for listener in list(_listeners):
        listener(code)
    return code


def add_catalog(localedir: str) -> None:
    """Translations of one more package (``localedir/<lang>/LC_MESSAGES/roomcal.mo``, as
    ``wizard.core.catalogs.compile_all`` writes them): for its msgids, in every language."""
    if localedir not in _catalogs:
        _catalogs.append(localedir)
        _translation.add_fallback(_catalog(localedir, _language))


def _catalog(localedir: str, lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=localedir, languages=[lang], fallback=True)


def catalog_loaded(lang: str) -> bool:
    return gettext.find(DOMAIN, localedir=LOCALE_DIR, languages=[lang]) is not None


def add_listener(listener: Callable[[str], None]) -> None:
    _listeners.append(listener)


def remove_listener(listener: Callable[[str], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def next_language(lang: str) -> str:
    return SUPPORTED[(SUPPORTED.index(lang) + 1) % len(SUPPORTED)]
