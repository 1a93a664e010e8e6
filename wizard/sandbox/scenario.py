"""Sandbox scenarios: which rooms exist and which faults the servers inject.

A scenario is a TOML file (``wizard/sandbox/scenarios/NAME.toml``) or a
diagnostic report written by ``roomcal report`` (JSON), which replays a
customer's setup. Top-level keys apply to every service; each service reads
its own table (``[exchange]``, ``[microsoft365]``, ``[google]``,
``[cronofy]``), and unknown keys are ignored so old reports keep loading.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.sandbox.rooms import Room, rooms_from_config


class UnknownScenarioError(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known


class ReportFormatError(ValueError):
    """A report, but of a format this roomcal does not know (a newer one)."""

    def __init__(self, found: object) -> None:
        super().__init__(f"report format {found}")
        self.found = found


class ScenarioFileError(ValueError):
    def __init__(self, path: str, reason: str, *, report_format: object = None) -> None:
        super().__init__(path)
        self.path = path
        self.reason = reason
        self.report_format = report_format  # set for a report of a format not known here


@dataclass
class Scenario:
    name: str
    description: dict[str, str] = field(default_factory=dict)  # lang -> text
    data: dict[str, Any] = field(default_factory=dict)

    def section(self, service: str) -> dict[str, Any]:
        value = self.data.get(service, {})
        return value if isinstance(value, dict) else {}

    @property
    def latency(self) -> float:
        return float(self.data.get("latency_ms", 0)) / 1000.0

    def latency_for(self, service: str) -> float:
        own = self.section(service).get("latency_ms")
        return self.latency if own is None else float(own) / 1000.0

    @property
    def rooms(self) -> list[Room]:
        return rooms_from_config(self.data.get("rooms", {}))

    def describe(self, lang: str) -> str:
        return self.description.get(lang) or self.description.get("en", "")


def _scenario_dir() -> Path:
    # Beside this module, as the wheel installs it. Not importlib.resources: it costs
    # 5 ms of imports (zipfile among them) before the demo's first paint.
    return Path(__file__).resolve().parent / "scenarios"


def available() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in _scenario_dir().iterdir()
        if entry.name.endswith(".toml")
    )


def _from_mapping(name: str, data: dict[str, Any]) -> Scenario:
    description = data.pop("description", {})
    if isinstance(description, str):
        description = {"en": description}
    return Scenario(name=str(data.pop("name", name)), description=description, data=data)


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a TOML scenario / JSON report by path."""
    path = Path(name_or_path)
    if name_or_path.endswith((".toml", ".json")) or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioFileError(name_or_path, exc.strerror or type(exc).__name__) from None
        try:
            if path.suffix == ".json" or text.lstrip().startswith("{"):
                from wizard.sandbox.replay import scenario_from_report

                data = scenario_from_report(json.loads(text))
            else:
                data = tomllib.loads(text)
        except ReportFormatError as exc:
            raise ScenarioFileError(name_or_path, str(exc), report_format=exc.found) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ScenarioFileError(name_or_path, type(exc).__name__) from None
        return _from_mapping(path.stem, data)
    entry = _scenario_dir() / f"{name_or_path}.toml"
    if not entry.is_file():
        raise UnknownScenarioError(name_or_path, available())
    return _from_mapping(name_or_path, tomllib.loads(entry.read_text(encoding="utf-8")))
