"""Step 1 handed to IT: a Markdown hand-off from the CLI (``--handoff FILE``) and the TUI.

The person who fixes step 1 reads it outside the wizard: what was found, every
open check with its sentence, remedy and rooms, and one fix for all of them
(a PowerShell script for Exchange, console steps with links for Microsoft 365
and Google), filled with what was discovered — never a secret.
"""

from __future__ import annotations

import re

from wizard.core.messages import extract


def test_no_sentence_outside_the_ui_names_a_tui_key() -> None:
    """Remedies reach IT (hand-off), scripts (--json) and the terminal (check): no TUI keys."""
    naming_keys = re.compile(r"\s\([a-z]\)|\bctrl\+\w")  # "re-check (r)", not "room(s)"
    found = sorted({f"{path}: {msgid}" for msgid, path, _line in extract()
                    if not path.startswith("wizard/ui/") and naming_keys.search(msgid)})
    assert found == []
