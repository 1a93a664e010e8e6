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

from wizard.core import files
from wizard.core.files import UserFileError, read_user_text
from wizard.core.model import Msg, Text
from wizard.sandbox.rooms import Room, rooms_from_config

# Rooms a scenario may generate: the largest tenants the benchmarks use, with room to spare.
MAX_ROOMS = 50_000


class ShapeError(ValueError):
    """A key of a scenario (or report) holds a value of the wrong type; ``key`` "": the
    whole file; ``kind``: a key of ``wizard.core.files.EXPECTED``."""

    def __init__(self, key: str, kind: str, **params: Any) -> None:
        super().__init__(f"{key}: {kind}")
        expected = Msg(files.EXPECTED[kind], **params)
        self.reason = Msg(files.WRONG_VALUE, key=key, expected=expected) if key else \
            Msg(files.WRONG_FILE, expected=expected)


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
    """A scenario or report file that cannot be replayed; ``reason``: why, for a sentence."""

    def __init__(self, path: str, reason: Text, *, report_format: object = None) -> None:
        super().__init__(path)
        self.path = path
        self.reason = reason
        self.report_format = report_format  # set for a report of a format not known here


@dataclass
class Scenario:
    name: str
    description: dict[str, str] = field(default_factory=dict)  # lang -> text
    data: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the file it was read from, as named; "": a built-in scenario

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
    _check_shape(data)
    description = data.pop("description", {})
    if isinstance(description, str):
        description = {"en": description}
    return Scenario(name=str(data.pop("name", name)), description=description, data=data)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_shape(data: dict[str, Any]) -> None:
    """The keys every service reads (rooms, latencies, the tables) have their types."""
    description = data.get("description", "")
    if not isinstance(description, str) and not (
            isinstance(description, dict)
            and all(isinstance(v, str) for v in description.values())):
        raise ShapeError("description", "text")
    if not isinstance(data.get("name", ""), str):
        raise ShapeError("name", "text")
    if not _number(data.get("latency_ms", 0)):
        raise ShapeError("latency_ms", "number")
    rooms = data.get("rooms", {})
    if not isinstance(rooms, dict):
        raise ShapeError("rooms", "table")
    count = rooms.get("count", 0)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_ROOMS:
        raise ShapeError("rooms.count", "count", max=MAX_ROOMS)
    listed = rooms.get("list", [])
    if not isinstance(listed, list) or not all(
            isinstance(r, dict) and isinstance(r.get("name"), str)
            and isinstance(r.get("email", ""), str) and isinstance(r.get("building", ""), str)
            and isinstance(r.get("capacity", 0), int) for r in listed):
        raise ShapeError("rooms.list", "rooms")
    for key in ("inputs", *_services()):
        if not isinstance(data.get(key, {}), dict):
            raise ShapeError(key, "table")
    for service in _services():
        section = data.get(service, {})
        for key in ("latency_ms", "clock_skew_s"):
            value = section.get(key, 0)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ShapeError(f"{service}.{key}", "number")


def _services() -> tuple[str, ...]:
    from wizard import providers

    return (*providers.names(), "cronofy")


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a TOML scenario / JSON report by path."""
    path = Path(name_or_path)
    if name_or_path.endswith((".toml", ".json")) or path.exists():
        try:
            text = read_user_text(path)
        except UserFileError as exc:
            raise ScenarioFileError(name_or_path, exc.reason) from None
        try:
            if path.suffix == ".json" or text.lstrip().startswith("{"):
                from wizard.sandbox.replay import scenario_from_report

                data = scenario_from_report(json.loads(text))
            else:
                data = tomllib.loads(text)
            if not isinstance(data, dict):
                raise ShapeError("", "table")
            scenario = _from_mapping(path.stem, data)
            scenario.source = name_or_path
            return scenario
        except ReportFormatError as exc:
            raise ScenarioFileError(name_or_path, str(exc), report_format=exc.found) from None
        except ShapeError as exc:
            raise ScenarioFileError(name_or_path, exc.reason) from None
        except RecursionError:  # nested thousands deep: no scenario or report is
            raise ScenarioFileError(name_or_path, Msg(files.NESTED_TOO_DEEPLY)) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ScenarioFileError(name_or_path, type(exc).__name__) from None
    entry = _scenario_dir() / f"{name_or_path}.toml"
    if not entry.is_file():
        raise UnknownScenarioError(name_or_path, available())
    return _from_mapping(name_or_path, tomllib.loads(entry.read_text(encoding="utf-8")))
