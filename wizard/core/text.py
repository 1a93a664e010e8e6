"""Make server text safe to show: no control characters, no terminal escapes.

Room names come from servers and may contain ESC sequences or BEL; printed
raw they would recolour or retitle the admin's terminal. Markup is a
separate concern, handled where text is rendered (Textual ``Content``/``Text``).
"""

from __future__ import annotations

import unicodedata

_REPLACEMENTS = {"\x1b": "␛", "\x07": "␇", "\t": " ", "\r": " "}
KEEP = "\n\u200d"  # line breaks are harmless; zero-width joiner builds emoji


def printable(text: str) -> str:
    out = []
    for char in text:
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        elif unicodedata.category(char) in ("Cc", "Cf") and char not in KEEP:
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


LINE_BREAKS = "\r\n\x85\u2028\u2029\x0b\x0c"  # what a terminal, or Python's splitlines, breaks at


def one_line(text: str) -> str:
    """Server text for the terminal or a line-by-line script: ``printable``, and every line
    break shown as ⏎, so a room name can neither retitle the terminal nor forge a line of
    roomcal's output ("✓ pass" under a check that failed). CRLF is one break."""
    text = text.replace("\r\n", "\n")
    return printable("".join("⏎" if char in LINE_BREAKS else char for char in text))
