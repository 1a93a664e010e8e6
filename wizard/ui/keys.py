"""What each key of a screen does, for the keys list (``?`` / F1).

The screen's active bindings as Textual resolves them — the focused widget's,
the screen's and the app's, hidden ones included (arrows, enter, tab) — grouped
by where they act, each key as the footer shows it and described in the
current language. A key the focused widget consumes (``?`` typed into a field)
is not a key of the screen there, and is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.binding import ActiveBinding, Binding
from textual.screen import Screen

from wizard.core.i18n import N_, _

# Where a key acts, in the order listed: the screen (its steps), the app, and the focused
# widget with the containers around it (a field's many editing keys come last).
PLACES = (N_("On this screen"), N_("Everywhere"), N_("Where the cursor is"))


@dataclass(frozen=True)
class KeyRow:
    keys: str  # as displayed, several separated by spaces: "⏎ space"
    description: str  # translated
    enabled: bool = True


@dataclass(frozen=True)
class KeySection:
    title: str  # translated
    rows: tuple[KeyRow, ...]


def key_sections(screen: Screen[Any]) -> list[KeySection]:
    app = screen.app
    places: list[dict[tuple[int, str, str], list[ActiveBinding]]] = [{}, {}, {}]
    for active in _active(screen):
        binding = active.binding
        if not binding.description:
            continue
        place = 1 if active.node is app else 0 if active.node is screen else 2
        same = (id(active.node), binding.action, binding.description)
        places[place].setdefault(same, []).append(active)
    sections = []
    for title, groups in zip(PLACES, places, strict=True):
        rows = tuple(
            KeyRow(" ".join(app.get_key_display(a.binding) for a in actives),
                   _describe(actives[0].binding), any(a.enabled for a in actives))
            for actives in groups.values())
        if rows:
            sections.append(KeySection(_(title), rows))
    return sections


def _describe(binding: Binding) -> str:
    if binding.id == "app.language":
        # The footer names only the language it switches to ("^l English"); a list of
        # keys says what the key does.
        return _("Switch the language ({language})").format(language=binding.description)
    return _(binding.description)


def _active(screen: Screen[Any]) -> list[ActiveBinding]:
    active = list(screen.active_bindings.values())
    if screen.is_modal:
        # A modal's own chain ends at the modal, but the app's priority keys (quit, this
        # list) still work there: take them as the screen at the bottom sees them.
        app = screen.app
        keys = set(screen.active_bindings)
        active += [binding for key, binding in app.screen_stack[0].active_bindings.items()
                   if binding.node is app and binding.binding.priority and key not in keys]
    return active
