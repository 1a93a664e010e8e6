"""A URL as a QR code (wizard.core.qr), light modules on a dark ground whatever the theme:
the sign-in link of step 2, to open on a phone."""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText
from textual.widgets import Static

from wizard.core import qr


class QrCode(Static):
    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
        color: white;
        background: black;
    }
    """

    def __init__(self, url: str, **kwargs: Any) -> None:
        # A quiet zone of one module: a sign-in link's code then fits a dialog at 80
        # columns (the dialog's own dark ground is not light enough to count).
        self.rows = qr.lines(url, border=1)
        super().__init__(RichText("\n".join(self.rows), no_wrap=True, overflow="crop"),
                         **kwargs)
        self.display = bool(self.rows)
