"""How roomcal starts Python children (the fan-out worker, ``roomcal serve``'s wizards).

``python -m pkg`` puts the current directory first on the child's ``sys.path``. An
admin works in shared directories (``/tmp``, a team share): a ``wizard/`` package or
an ``argparse.py`` another user left there would be imported as the admin, with the
password on the worker's stdin. So children run with ``-P`` (Python 3.11+: no
current directory, no script directory on the path), and an empty ``PYTHONPATH``
entry — which means the current directory too, and comes from the everyday
``export PYTHONPATH=$PYTHONPATH:/x`` — is dropped.

Not ``-I``: it would also ignore ``PYTHONPATH`` and the user's site-packages, where
``pip install --user roomcal-wizard`` puts the wizard on a jump host without root,
and where a checkout run without installing is found. The working directory itself
is kept: a relative path the admin typed (``--ca-bundle ca.pem``, an export file)
means the same in the child.
"""

from __future__ import annotations

import os
import site
import sys
from collections.abc import Mapping

# The directory the running ``wizard`` package was imported from.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def python_command(module: str, *args: str) -> list[str]:
    """``python -P -m module args``: this interpreter, nothing from the current directory."""
    return [sys.executable, "-P", "-m", module, *args]


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child that must import this same ``wizard``: its directory
    on ``PYTHONPATH`` unless site-packages finds it anyway (put before the standard
    library, site-packages could shadow it with an old backport), and no empty entry."""
    env = dict(os.environ if environ is None else environ)
    entries = env.get("PYTHONPATH", "").split(os.pathsep)
    if PACKAGE_ROOT not in _site_directories():
        entries.insert(0, PACKAGE_ROOT)
    path = os.pathsep.join(dict.fromkeys(entry for entry in entries if entry))
    if path:
        env["PYTHONPATH"] = path
    else:
        env.pop("PYTHONPATH", None)
    return env


def _site_directories() -> set[str]:
    directories = set(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        directories.add(site.getusersitepackages())
    return {os.path.abspath(d) for d in directories}
