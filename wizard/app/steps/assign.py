"""Assigning rooms: which room each calendar Cronofy sees belongs to, and authorizing them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wizard.core import mapping
from wizard.core.model import RoomMapping

if TYPE_CHECKING:
    from wizard.app.setup import Setup


class AssignStep:
    def __init__(self, setup: Setup) -> None:
        self._setup = setup

    @property
    def resources(self) -> list[Any]:
        """The calendars Cronofy sees through the link."""
        return self._setup.session.resources

    @property
    def mappings(self) -> list[RoomMapping]:
        return self._setup.session.profile.mappings

    def assign(self, resource: Any, room: str) -> None:
        """``room`` for the calendar ``resource`` ("": none)."""
        self._setup.session.keep_mappings(mapping.assign(
            self.mappings, resource_id=resource.id, calendar=str(resource.name),
            email=str(resource.email), room=room))

    def authorize(self, on_result: Callable[[RoomMapping], None] = lambda m: None) -> int:
        """The relay authorizes the assigned calendars and Cronofy proves each (the
        mappings keep each room's outcome and code); how many passed."""
        return sum(proof.status == "pass" for proof in self._setup.authorize(on_result))
