"""argparse's own words — "usage:", "options", its error messages — in the wizard's language.

argparse translates with ``gettext.gettext``/``ngettext`` in the process-wide
default domain, bound as its module globals ``_`` and ``ngettext`` when it is
imported. Putting our catalog into that domain would change the gettext of
every library in the process; instead, ``install()`` points argparse's two
names at the wizard's current translation (wizard.core.i18n). argparse looks
them up each time it formats a message, so ``--lang de``, ``LANG=de_DE`` and
the language chosen before the parser is built all apply to it.

The msgids are argparse's own, listed here so that the extractor puts them into
our catalogs (German: locale/de/LC_MESSAGES/argparse.po). They are those a
person can see with Python 3.11 to 3.14; errors that only a programmer building
a parser can cause are left in English.
"""

from __future__ import annotations

import argparse

from wizard.core import i18n
from wizard.core.i18n import N_

MESSAGES = (
    N_("usage: "),
    N_("%(heading)s:"),
    N_("positional arguments"),
    N_("options"),
    N_("subcommands"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_(" (default: %(default)s)"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("%(prog)s: warning: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    # ngettext's two forms, each its own msgid (see plural below).
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("argument \"-\" with mode %r"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("option '%(option)s' is deprecated"),
    N_("argument '%(argument_name)s' is deprecated"),
    N_("command '%(parser_name)s' is deprecated"),
)


def plural(singular: str, plural_form: str, n: int) -> str:
    """argparse's ngettext. Our catalogs hold each form as its own msgid; the languages we
    ship count alike (one / more than one), so the form is chosen here, then translated."""
    return i18n._(singular if n == 1 else plural_form)


def install() -> None:
    """From now on argparse speaks the wizard's current language (idempotent)."""
    # typeshed leaves out argparse's module-level gettext names, which argparse calls.
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = plural  # type: ignore[attr-defined]
