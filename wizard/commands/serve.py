"""``roomcal serve``: the wizard in a browser via textual-serve, on 127.0.0.1 only.

textual-serve has no authentication, so it never binds another interface;
reach it from elsewhere with ``ssh -L PORT:127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from wizard.commands import EXIT_OK, UsageError
from wizard.core.i18n import _


def run_serve(args: argparse.Namespace) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UsageError(_("textual-serve is not installed: pip install "
                           "'roomcal-wizard[serve]'")) from None
    command = [sys.executable, "-m", "wizard", "--profile", args.profile]
    if args.lang:
        command += ["--lang", args.lang]
    print(_("Serving on http://127.0.0.1:{port} (forward it with ssh -L {port}:127.0.0.1:{port})")
          .format(port=args.port), file=sys.stderr)
    Server(shlex.join(command), host="127.0.0.1", port=args.port).serve()
    return EXIT_OK
