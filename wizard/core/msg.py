"""Translatable messages: worded in the current language when shown, never before.

Apart from the model (wizard.core.model re-exports them) so that what only needs a
message — settings, endpoints, errors, and with them ``roomcal --help`` — does not
load the model's dataclasses (8 ms of the command's start).
"""

from __future__ import annotations

from typing import Any

from wizard.core.i18n import _, ngettext


class Msg:
    """A translatable message rendered in the *current* language when shown.

    ``Msg(N_("Found {count} rooms"), count=3)``. Parameters are inserted after
    translation and are never translated or parsed as markup: server text
    (room names, error strings) goes into parameters, never into the msgid.
    """

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params

    def template(self) -> str:
        """The translated text before its parameters are inserted."""
        return _(self.msgid)

    def __str__(self) -> str:
        text = self.template()
        if not self.params:
            return text
        from wizard.core.text import fill

        return fill(text, **self.params)

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        # isinstance first tells mypy what other is; type() keeps subclasses unequal.
        return isinstance(other, Msg) and type(other) is type(self) and (
            self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __bool__(self) -> bool:
        return bool(self.msgid)


class Plural(Msg):
    """A message that counts something, worded for its number in the *current* language.

    ``Plural("{count} room authorized.", "{count} rooms authorized.", n, count=n)``:
    singular and plural msgid (English, as literals: the extractor takes the pair from
    this call, like ``ngettext``), the number that picks the form (``Plural-Forms`` of
    the catalog, so languages with more forms work too), then the parameters. Like
    ``Msg`` it is translated when shown, so a language switch re-words it. Never write
    "room(s)" or "Raum/Räume" instead.

    Stored results, reports and ``--json`` (wizard.core.codec) keep both forms and the
    number (``"plural"``, ``"n"`` beside ``"id"``), so a result read back is worded
    for its number again.
    """

    __slots__ = ("n", "plural")

    def __init__(self, singular: str, plural: str, n: int, **params: Any) -> None:
        super().__init__(singular, **params)
        self.plural = plural
        self.n = n

    def template(self) -> str:
        return ngettext(self.msgid, self.plural, self.n)

    def __repr__(self) -> str:
        return f"Plural({self.msgid!r}, {self.plural!r}, {self.n!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plural) and (self.msgid, self.plural, self.n, self.params) == (
            other.msgid, other.plural, other.n, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)


Text = Msg | str


def render(text: Text | None) -> str:
    return "" if text is None else str(text)
