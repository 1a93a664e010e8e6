"""Turning domain text into Textual content without ever parsing it as markup.

Translations and server text (room names like ``[bold]Vorstand``) are shown
literally: everything goes through ``Content`` objects, never markup strings.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import BindingsMap
from textual.content import Content
from textual.dom import DOMNode

from wizard.core.i18n import _
from wizard.core.model import Text, render
from wizard.core.text import printable


def plain(text: Text | None) -> Content:
    """Literal text (translated already or from a server): no markup, no control chars."""
    return Content(printable(render(text)))


def tr(msgid: str) -> Content:
    return Content(_(msgid))


def styled(*parts: tuple[str, str] | str) -> Content:
    return Content.assemble(*[(printable(p[0]), p[1]) if isinstance(p, tuple)
                              else printable(p) for p in parts])


def translate_bindings(node: DOMNode) -> None:
    """Bindings are declared with English msgids; show them in the current language."""
    merged = type(node)._merged_bindings or type(node)._merge_bindings()
    node._bindings = BindingsMap(
        [replace(binding, description=_(binding.description) if binding.description else "")
         for _key, binding in merged]
    )
