"""Command line entry point, kept tiny: ``roomcal --help`` must start fast.

Only the standard library's ``os``/``sys`` and a language sniffer are imported
here. ``--help`` is answered from a cache (wizard.help_cache); everything else
goes to wizard.commands.dispatch, which imports what the command needs.
"""

from __future__ import annotations

import os
import sys

from wizard.core import lang as languages

TYPE_CHECKING = False  # not `from typing import …`: typing costs ~7 ms of start-up
if TYPE_CHECKING:
    from collections.abc import Sequence

HELP_FLAGS = ("-h", "--help")


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
    lang = _requested_language(argv)
    if len(argv) == 1 and argv[0] in HELP_FLAGS:
        from wizard.help_cache import print_help

        def render() -> tuple[str, Sequence[str]]:
            from wizard.commands.dispatch import help_text
            from wizard.core.settings import LOG_FILE_DEPENDS_ON

            return help_text(argv, lang), LOG_FILE_DEPENDS_ON  # the help shows the log's path

        return print_help(lang, render)
    from wizard.commands.dispatch import dispatch

    return dispatch(argv, lang)


def run() -> None:
    """Console-script entry: exit without waiting for abandoned check threads.

    A check stuck in a blocking call (exchangelib's HTTP timeout is minutes)
    was already reported as timed out; the process must not hang on exit
    joining its thread, least of all after Ctrl+C.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    threading = sys.modules.get("threading")  # not imported at all on the --help path
    if threading is not None and any(
        t.is_alive() and not t.daemon for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    run()
