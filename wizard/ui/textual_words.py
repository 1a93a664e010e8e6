"""Textual's own descriptions of its widgets' keys, marked for our catalogs.

The keys list (``?`` / F1, wizard.ui.keys) shows every key of a screen, those
of Textual's widgets included (an Input's ctrl+w, a scrolling body's pgdn).
Textual writes their descriptions in English; listed here, the extractor puts
them into our catalogs and ``_()`` shows them in the wizard's language.
Textual is pinned exactly: after an upgrade, compare with its widgets'
BINDINGS (an unlisted description is shown in English).
"""

from __future__ import annotations

from wizard.core.i18n import N_

DESCRIPTIONS = (
    # Screen
    N_("Focus Next"), N_("Focus Previous"), N_("Copy selected text"),
    # Button, Checkbox, Select
    N_("Press button"), N_("Toggle"), N_("Show menu"), N_("Dismiss menu"),
    # Input
    N_("Move cursor left"), N_("Move cursor left a word"),
    N_("Move cursor left a word and select"), N_("Move cursor left and select"),
    N_("Move cursor right a word"), N_("Move cursor right a word and select"),
    N_("Move cursor right and select"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Go to start"), N_("Go to end"), N_("Select line start"), N_("Select line end"),
    N_("Select all"), N_("Delete character left"), N_("Delete character right"),
    N_("Delete left to start of word"), N_("Delete right to start of word"),
    N_("Delete all to the left"), N_("Delete all to the right"), N_("Cut selected text"),
    N_("Paste text from the clipboard"), N_("Submit"),
    # scrolling containers, lists, tables
    N_("Scroll Up"), N_("Scroll Down"), N_("Scroll Left"), N_("Scroll Right"),
    N_("Scroll Home"), N_("Scroll End"), N_("Page Up"), N_("Page Down"), N_("Page Left"),
    N_("Page Right"), N_("Page up"), N_("Page down"), N_("Up"), N_("Down"), N_("First"),
    N_("Last"), N_("Top"), N_("Bottom"), N_("Home"), N_("End"), N_("Select"),
    N_("Cursor up"), N_("Cursor down"), N_("Cursor left"), N_("Cursor right"),
)
