"""Which rooms the deep per-room checks read on a large tenant.

The permission checks (can the service account open every room?) read every room:
one room missing from a scope is exactly what they exist to find. The checks that
read more of each room — its recent meetings for the panel audit, a push
subscription — cost several requests a room, from a throttling budget shared with
production traffic; on 5 000 rooms that is 15 000 requests more. Above
``ROOMCAL_ROOM_SAMPLE`` rooms (default 500; 0: every room) they read an evenly
spread sample and say so, so a result never claims more than was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from wizard.core.i18n import N_
from wizard.core.model import Msg, Plural, Text

T = TypeVar("T")

DEFAULT = 500


def spread(rooms: Sequence[T], limit: int) -> list[T]:
    """``limit`` rooms spread evenly from the first to the end of the list (the same
    every run, so a re-check reads the same rooms); all of them up to ``limit`` or when
    ``limit`` is 0."""
    if limit <= 0 or len(rooms) <= limit:
        return list(rooms)
    step = len(rooms) / limit
    return [rooms[int(i * step)] for i in range(limit)]


def note(read: int, total: int) -> Msg | None:
    """The sentence a sampled result adds; None when every room was read."""
    if read >= total:
        return None
    return Plural("Read from an evenly spread sample: {read} of {count} room "
                  "(ROOMCAL_ROOM_SAMPLE=0 reads every room).",
                  "Read from an evenly spread sample: {read} of {count} rooms "
                  "(ROOMCAL_ROOM_SAMPLE=0 reads every room).", total, read=read, count=total)


def noted(detail: Text, read: int, total: int) -> Text:
    """``detail``, followed by the sample's sentence when not every room was read."""
    if (sampled := note(read, total)) is None:
        return detail
    return Msg(N_("{sentence} {sample}"), sentence=detail, sample=sampled)
