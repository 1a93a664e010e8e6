"""The end of ``roomcal --help``: examples, environment variables, exit codes, the log.

Laid out here, to the terminal's width, because argparse would run it together
into one paragraph; the parser prints it as it is (RawDescriptionHelpFormatter).
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

from wizard.commands import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from wizard.core.crash import EXIT_CODE as EXIT_INTERNAL
from wizard.core.i18n import N_, _

EXAMPLES = (
    (N_("the wizard against the built-in sandbox, in German"), "roomcal demo --lang de"),
    (N_("step 1 for Exchange without the TUI (asks for the password)"),
     "roomcal check exchange --ews-url https://mail.example.com/EWS/Exchange.asmx \\\n"
     "    --username svc-rooms@example.com --room-list rooms@example.com"),
    (N_("the same for scripts: one JSON object; the exit code tells the result"),
     "roomcal check exchange … --json"),
    (N_("step 2 alone: link Cronofy (German data centre) and list the rooms"),
     "roomcal connect --region de --accept-terms"),
    (N_("redacted diagnostics for support"), "roomcal report -o roomcal-report.json"),
)

EXIT_CODES = (
    (EXIT_OK, N_("all required checks passed")),
    (EXIT_FAILED, N_("a check failed")),
    (EXIT_USAGE, N_("usage or configuration error")),
    (EXIT_INTERNAL, N_("roomcal itself failed (the log file has the details)")),
    (EXIT_INTERRUPTED, N_("interrupted")),
)


def width() -> int:
    """The width argparse formats to (its HelpFormatter's default)."""
    return max(shutil.get_terminal_size().columns - 2, 40)


def epilog(log_file: str, columns: int) -> str:
    from wizard.core.settings import Settings

    sections = [
        (_("examples:"), _examples(columns)),
        (_("environment variables:"),
         _table([(v.name, _(v.description)) for v in Settings.variables()], columns)),
        (_("exit codes:"), _table([(str(code), _(text)) for code, text in EXIT_CODES], columns)),
        (_("log file:"),
         [f"  {log_file}", *textwrap.wrap(_("without secrets; --verbose adds the HTTP "
                                            "clients' requests"), columns,
                                          initial_indent="  ", subsequent_indent="  ")]),
    ]
    return "\n\n".join("\n".join([heading, *lines]) for heading, lines in sections)


def _examples(columns: int) -> list[str]:
    lines = []
    for comment, command in EXAMPLES:
        lines += textwrap.wrap(_(comment), columns, initial_indent="  # ",
                               subsequent_indent="  # ")
        lines += [f"  {line}" for line in command.splitlines()]
    return lines


def _table(rows: Sequence[tuple[str, str]], columns: int) -> list[str]:
    """Two columns, as argparse lays out options: a long name puts its text on the next line."""
    left = min(max(len(name) for name, _text in rows) + 4, 34)
    lines = []
    for name, text in rows:
        wrapped = textwrap.wrap(text, max(columns - left, 20)) or [""]
        if len(name) + 4 <= left:
            lines.append(f"  {name:<{left - 2}}{wrapped[0]}".rstrip())
            wrapped = wrapped[1:]
        else:
            lines.append(f"  {name}")
        lines += [" " * left + line for line in wrapped]
    return lines
