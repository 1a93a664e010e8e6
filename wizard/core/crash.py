"""When roomcal itself fails: one scrubbed sentence on screen, the details in the log.

A traceback with local variables (Textual's default crash report) can show a
password or a token on the screen and in the scrollback of a shared tmux. The
person gets one sentence naming the kind of error and where the log is; the
log gets the traceback — without local variables, scrubbed of every
registered secret by the log's filter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.core.i18n import _

if TYPE_CHECKING:
    from pathlib import Path

EXIT_CODE = 70  # EX_SOFTWARE: roomcal itself failed; the log has the details


def record(error: BaseException, log_file: Path) -> str:
    """Log the traceback (scrubbed, no locals); the sentence to show instead of it.

    ``log_file``: where the log goes (``Settings.log_file``), named in the sentence.
    """
    # Imported here: `roomcal --help` lists this exit code and should not pay for logging
    # and the redaction patterns (wizard/commands/epilog.py).
    import logging

    from wizard.core import redact

    logging.getLogger("roomcal.crash").critical(
        "internal error", exc_info=(type(error), error, error.__traceback__))
    return redact.scrub(_("roomcal stopped because of an internal error ({kind}). The details, "
                          "without secrets, are in {path}.").format(kind=type(error).__name__,
                                                                    path=str(log_file)))
