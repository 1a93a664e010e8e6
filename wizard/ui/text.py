"""Turning domain text into Textual content without ever parsing it as markup.

Translations and server text (room names like ``[bold]Vorstand``) are shown
literally: everything goes through ``Content`` objects, never markup strings.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingsMap
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Static

from wizard.core import i18n
from wizard.core.i18n import _
from wizard.core.model import Text, render
from wizard.core.text import printable


def plain(text: Text | None) -> Content:
    """Literal text (translated already or from a server): no markup, no control chars."""
    return Content(printable(render(text)))


def show(widget: Static, content: Content) -> None:
    """``content`` in ``widget``, unless it shows that already: every Static.update lays
    out the whole screen again (a gate or a field's problem is set again and again as
    results arrive, mostly to the same sentence)."""
    if widget.content != content:
        widget.update(content)


def tr(msgid: str) -> Content:
    return Content(_(msgid))


def styled(*parts: tuple[str, str] | str) -> Content:
    return Content.assemble(*[(printable(p[0]), p[1]) if isinstance(p, tuple)
                              else printable(p) for p in parts])


# Each language named in itself: what a person looks for to switch to it.
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}


def _description(binding: Binding) -> str:
    if binding.id == "app.language":
        # The language ctrl+l switches to: "^l English" on a German screen, "^l Deutsch"
        # on an English one (shorter than "Deutsch/English" in an 80-column footer).
        return LANGUAGE_NAMES[i18n.next_language(i18n.current_language())]
    return _(binding.description) if binding.description else ""


def translate_bindings(node: DOMNode) -> None:
    """Bindings are declared with English msgids; show them in the current language."""
    merged = type(node)._merged_bindings or type(node)._merge_bindings()
    node._bindings = BindingsMap(
        [replace(binding, description=_description(binding)) for _key, binding in merged]
    )
