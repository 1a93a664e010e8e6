"""Colours for a projector: high contrast, or the terminal's own — ctrl+t cycles them.

Both keep everything readable without colour (NO_COLOR strips an ANSI theme's
colours entirely): cursors and focused controls are drawn reversed, not just
tinted, and states have their own marks (✓ ✗ ! ?, a ticked ▐X▌, a dim disabled
button — see wizard.tcss). tests/test_themes.py reads the screen without
colours to prove it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import App
from textual.theme import BUILTIN_THEMES, Theme

from wizard.core.i18n import N_

DEFAULT = "textual-dark"

# A cursor that is the text reversed, whatever the colours: visible on any
# background and with no colour at all.
REVERSED_CURSORS = {
    "block-cursor-text-style": "reverse bold",
    "block-cursor-blurred-text-style": "none",
    "input-cursor-text-style": "reverse",
    "button-focus-text-style": "reverse bold",
}

# Black on white: a projector in a lit room washes dark backgrounds out to grey, but
# not white. Colours dark enough to read as text on white (no yellow).
HIGH_CONTRAST = Theme(
    name="roomcal-high-contrast",
    dark=False,
    primary="#0000A0",
    secondary="#000060",
    accent="#0000A0",
    warning="#8A3E00",
    error="#B00000",
    success="#005A00",
    foreground="#000000",
    background="#FFFFFF",
    surface="#FFFFFF",
    panel="#E4E4E4",
    variables={
        **REVERSED_CURSORS,
        "text-muted": "#303030",
        "foreground-muted": "#303030",
        "border": "#000000",
        "border-blurred": "#000000",
        # Reversed, these become white on black.
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#FFFFFF",
        "input-cursor-foreground": "#000000",
        "input-cursor-background": "#FFFFFF",
        "footer-background": "#000000",
        "footer-foreground": "#FFFFFF",
        "footer-key-foreground": "#FFFFFF",
        "footer-key-background": "#000000",
        "footer-description-foreground": "#FFFFFF",
        "footer-description-background": "#000000",
        "footer-item-background": "#000000",
    },
)

# Textual's ANSI theme, which takes the terminal's own colours (a projector profile set
# up in the terminal is kept). Its cursors are fixed colours — black on white — which
# vanish on a white terminal: here they are the terminal's text, reversed.
TERMINAL = replace(
    BUILTIN_THEMES["ansi-dark"],
    name="roomcal-terminal",
    variables={
        **BUILTIN_THEMES["ansi-dark"].variables,
        **REVERSED_CURSORS,
        "block-cursor-foreground": "ansi_default",
        "block-cursor-background": "ansi_default",
        "input-cursor-foreground": "ansi_default",
        "input-cursor-background": "ansi_default",
        "border-blurred": "ansi_default",
    },
)

CYCLE = (DEFAULT, HIGH_CONTRAST.name, TERMINAL.name)
NAMES = {
    DEFAULT: N_("standard colours"),
    HIGH_CONTRAST.name: N_("high contrast"),
    TERMINAL.name: N_("the terminal's colours"),
}


def register(app: App[Any]) -> None:
    for theme in (HIGH_CONTRAST, TERMINAL):
        app.register_theme(theme)


def known(name: str) -> bool:
    return name in CYCLE


def next_theme(name: str) -> str:
    """default → high contrast → terminal colours → default."""
    return CYCLE[(CYCLE.index(name) + 1) % len(CYCLE)] if known(name) else CYCLE[1]
