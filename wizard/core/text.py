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


# Numbers that name something rather than count it: "port 8751", not "port 8 751".
IDENTIFIERS = frozenset({"port", "line", "status", "code", "year", "version", "pid"})


def param_text(name: str, value: object) -> str:
    """A parameter as a sentence shows it: a count in the one number format of the wizard
    (``grouped``: "5 000", in every language and place), anything else printable."""
    if isinstance(value, int) and not isinstance(value, bool) and name not in IDENTIFIERS:
        from wizard.core.progress import grouped

        return grouped(value)
    return printable(str(value))


def fill(template: str, **params: object) -> str:
    """``template.format(**params)`` with each parameter as ``param_text`` shows it."""
    return template.format(**{k: param_text(k, v) for k, v in params.items()})
