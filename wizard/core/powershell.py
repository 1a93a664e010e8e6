"""Values in the PowerShell roomcal hands out: always one single-quoted literal.

The remedies (``CheckResult.command``) and the hand-off's script are run by an
Exchange administrator. Whatever a person typed or a server sent — a service
account, a room list, a room address from Microsoft Graph — goes in through
``literal`` and nowhere else, so ``rooms@x.com;iex(irm('…'))`` stays a string.

PowerShell's tokenizer (``ScanStringLiteral``) opens and closes a single-quoted
string with any of ``'`` U+2018 U+2019 U+201A U+201B, and reads two of them in a
row as the second one; nothing in such a string is expanded. So every one of
them is doubled. A literal may span lines, but our scripts are read line by line
(deduplicated, printed, commented) and shown on terminals: control characters and
line breaks are written as ``wizard.core.text.one_line`` shows them — such a value
is no valid name anyway, and now it is visibly so.
"""

from __future__ import annotations

from wizard.core.text import one_line

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def literal(value: str) -> str:
    """``value`` as a PowerShell verbatim string: ``a'b`` → ``'a''b'``."""
    text = "".join(c + c if c in SINGLE_QUOTES else c for c in one_line(value))
    return f"'{text}'"
