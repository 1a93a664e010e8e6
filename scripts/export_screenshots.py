"""Regenerate screenshots/*.svg from the demo: every screen, in German (and English).

    python scripts/export_screenshots.py [--lang de|en|all] [SCENE …]

Not drawn by hand: each scene drives the real wizard against the sandbox.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from scenes import PORT_BASE, SCENES, Scene, fixed_port_sandbox, steady  # noqa: E402


async def shoot(scene: Scene, lang: str, target: Path) -> None:
    from wizard.ui.app import WizardApp

    saved = {name: os.environ.get(name) for name in scene.env}
    os.environ.update(scene.env)
    try:
        # Its own ports: screenshots may be made while the snapshot tests run.
        with fixed_port_sandbox(scene.scenario, PORT_BASE + 100) as box:
            app = WizardApp(scene.setup(f"shot-{scene.name}", box), language=lang)
            async with app.run_test(size=scene.size) as pilot:
                await scene.drive(pilot)
                await steady(pilot)
                svg = app.export_screenshot(title=f"roomcal — {scene.name}")
        target.write_text(svg, encoding="utf-8")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="de", choices=("de", "en", "all"))
    parser.add_argument("scenes", nargs="*")
    args = parser.parse_args()
    os.environ["ROOMCAL_CONFIG_DIR"] = tempfile.mkdtemp(prefix="roomcal-shots-")
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    languages = ("de", "en") if args.lang == "all" else (args.lang,)
    for scene in SCENES:
        if args.scenes and scene.name not in args.scenes:
            continue
        for lang in languages:
            target = out / f"{scene.name}.{lang}.svg"
            asyncio.run(shoot(scene, lang, target))
            print(target.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
