"""What roomcal accepts as an e-mail address: one strict rule for every way one comes in.

The form's fields, ``roomcal check``'s options and answers files all validate
through the field (``Field.validate``); addresses from servers (Microsoft Graph's
room mailboxes) are checked with ``is_address`` before they go into a command.

Strict: RFC 5321's dot-atom local part (letters, digits and
``!#$%&'*+-/=?^_`{|}~``, dots between them), and a host name of at least two
LDH labels (letters, digits, hyphens inside) — ASCII only, as Exchange Server
takes SMTP addresses; an internationalised domain is written in its ``xn--`` form.
No quoted local parts, no address literals, no spaces, no comments.
"""

from __future__ import annotations

import re

from wizard.core.i18n import N_
from wizard.core.model import Msg

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]"
                      rf"(?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?")
NOT_AN_ADDRESS = N_("Enter an email address, e.g. rooms@example.com.")


def is_address(value: str) -> bool:
    if len(value) > 254 or not _ADDRESS.fullmatch(value):
        return False
    return len(value.rpartition("@")[0]) <= 64


def valid_address(value: str) -> Msg | None:
    """A form field's validator: None, or the sentence that refuses the value."""
    return None if is_address(value) else Msg(NOT_AN_ADDRESS)
