"""The application layer: what the TUI and the CLI both ask, built once.

``Setup`` is one run of the wizard for one profile. It decides where values come
from (typed, stored, the demo's, a field's default), which endpoints and
credentials are used, builds the checks' context, runs step 1 and records its
results, links, reloads, authorizes and disconnects step 2, and writes reports.
Screens render and ask it; the CLI formats and asks it; nothing is set up twice.

The demo reaches it only through ``wizard.core.demo.DemoEnvironment``, injected
by whoever starts the program (``wizard.commands``, tests).
"""

from wizard.app.setup import Setup

__all__ = ["Setup"]
