"""The room mailboxes of a sandbox organisation, shared by every service.

Step 1 (EWS, Graph, Google) and step 2 (Cronofy) see the same rooms, so the
wizard's comparison of both sides is meaningful in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DOMAIN = "demo.example.com"

DEFAULT_ROOMS = (
    ("Raum Alster", "alster", "Hamburg HQ", 8),
    ("Raum Elbe", "elbe", "Hamburg HQ", 12),
    ("Konferenzraum Spree", "spree", "Berlin", 20),
    ("Besprechungsraum Isar", "isar", "München", 6),
    ("Board Room", "boardroom", "Hamburg HQ", 16),
    ("Fokusraum Rhein", "rhein", "Köln", 4),
)


@dataclass(frozen=True)
class Room:
    name: str
    email: str
    building: str
    capacity: int

    @property
    def local(self) -> str:
        return self.email.split("@", 1)[0]


def rooms_from_config(config: dict[str, Any]) -> list[Room]:
    """``[rooms]``: ``count = N`` generates N rooms; ``list = [{name,email,...}]`` is explicit."""
    explicit = config.get("list")
    if explicit:
        return [
            Room(
                str(r["name"]),
                str(r.get("email") or f"room{i}@{DOMAIN}"),
                str(r.get("building", "")),
                int(r.get("capacity", 0)),
            )
            for i, r in enumerate(explicit, 1)
        ]
    count = int(config.get("count", len(DEFAULT_ROOMS)))
    rooms = [
        Room(name, f"{local}@{DOMAIN}", building, capacity)
        for name, local, building, capacity in DEFAULT_ROOMS[:count]
    ]
    buildings = ("Hamburg HQ", "Berlin", "München", "Köln", "Wien", "Zürich")
    for i in range(len(rooms), count):
        rooms.append(
            Room(
                f"Raum {i + 1:04d}",
                f"room{i + 1:04d}@{DOMAIN}",
                buildings[i % len(buildings)],
                4 + (i % 5) * 2,
            )
        )
    return rooms
