"""Build hook: compile the gettext catalogs so the wheel works from any cwd.

Each language keeps several ``.po`` files in ``wizard/locale/<lang>/LC_MESSAGES``
(one per area, so areas can be translated independently); they are merged into
one ``roomcal.mo``, the only file gettext reads at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        sys.path.insert(0, str(root / "wizard" / "core"))
        try:
            import catalogs  # wizard/core/catalogs.py: no package import needed
        finally:
            sys.path.pop(0)
        catalogs.compile_all(root / "wizard" / "locale")
