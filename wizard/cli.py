"""The ``roomcal`` command: the ``[project.scripts]`` entry point, and ``python -m wizard``.

The language is known before parsing (the help is translated); the parser lives in
wizard.commands.dispatch and imports no provider library and no UI toolkit, so
``roomcal --help`` starts fast. Each command imports what it needs once it is chosen.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from wizard.commands.dispatch import dispatch
from wizard.core import lang as languages


def _requested_language(argv: Sequence[str]) -> str:
    """Help texts are translated, so the language must be known before parsing."""
    lang = languages.from_environment()
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value and (code := languages.normalize(value)):
            lang = code
    return lang


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return dispatch(argv, _requested_language(argv))


def run() -> None:
    """Console-script entry: exit without waiting for abandoned check threads.

    A check stuck in a blocking call (exchangelib's HTTP timeout is minutes)
    was already reported as timed out; the process must not hang on exit
    joining its thread, least of all after Ctrl+C.
    """
    _undo_on_signals()
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # A write probe cut short (a check abandoned, the person quit mid-run) may have left
    # changes on a server: undone before the threads go (wizard.core.undo).
    if (undo := sys.modules.get("wizard.core.undo")) is not None and undo.busy():
        undo.undo_pending()
    threading = sys.modules.get("threading")
    if threading is not None and any(
        t.is_alive() and not t.daemon for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        os._exit(code)
    raise SystemExit(code)


def _undo_on_signals() -> None:
    """SIGTERM or SIGHUP (a closed SSH session) end roomcal without ``finally``: first
    undo what a probe changed on a server, then die of the signal as before. (A demo's
    sandbox adds its own files to this: wizard.commands.common.)"""
    import signal

    def handler(signum: int, _frame: object) -> None:
        if (undo := sys.modules.get("wizard.core.undo")) is not None:
            undo.undo_pending()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


if __name__ == "__main__":
    run()
