"""The key hints at the bottom: never a key cut in half, language and quit always there."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from wizard.core.i18n import N_, _

# Keys a person must find on every screen and in every dialog (binding ids).
ALWAYS_SHOWN = ("app.language", "app.quit")
# Descriptions Textual's own widgets declare in English; shown through our catalog.
TEXTUAL_DESCRIPTIONS = frozenset({
    N_("Dismiss menu"),  # Select's open list: escape
})


Key = tuple[Binding, bool, str]  # a binding, whether it is enabled, its description


class WizardFooter(Footer):
    """Textual's footer lays every key out in one row and lets the row run off the
    edge: at 80 columns in German that was "^q Beende", and ctrl+l gone.

    Here the ALWAYS_SHOWN keys are pinned at the right; the others follow the
    binding chain — the focused widget's first, then the screen's, then the app's
    (so the colour key yields first) — for as long as they fit. A key that does
    not fit is left out whole, never cut; ``dropped`` names what was left out.
    """

    DEFAULT_CSS = """
    WizardFooter {
        padding-left: 1;
    }
    WizardFooter #pinned-keys {
        dock: right;
        width: auto;
        height: 1;
    }
    """

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self.dropped: tuple[str, ...] = ()
        self._drawn: tuple[object, ...] | None = None  # the keys composed last

    def _keys(self) -> list[Key]:
        """(binding, enabled, description) of every key to show, one per action."""
        keys = []
        actions = set()
        for _namespace, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            description = binding.description
            if description in TEXTUAL_DESCRIPTIONS:
                description = _(description)
            keys.append((binding, enabled, description))
        return keys

    def _footer_key(self, binding: Binding, enabled: bool, description: str) -> FooterKey:
        return FooterKey(binding.key, self.app.get_key_display(binding), description,
                         binding.action, disabled=not enabled).data_bind(
            compact=Footer.compact)

    def _width(self, binding: Binding, description: str) -> int:
        # Compact style: "key description" and one column of margin.
        return cell_len(self.app.get_key_display(binding)) + 1 + cell_len(description) + 1

    def _plan(self) -> tuple[list[Key], list[Key], tuple[str, ...]]:
        """(shown, pinned, dropped): what fits, in the order it is shown."""
        keys = self._keys()
        pinned = sorted((k for k in keys if k[0].id in ALWAYS_SHOWN),
                        key=lambda k: ALWAYS_SHOWN.index(str(k[0].id)))
        width = self.content_size.width or self.app.size.width - 1
        room = width - sum(
            self._width(binding, description) for binding, _on, description in pinned)
        # A dialog declares the app's keys it forwards first (they are inherited): they
        # go after its own, as on a screen, where the app's come last in the chain.
        others = sorted((k for k in keys if k not in pinned),
                        key=lambda k: str(k[0].id).startswith("app."))
        shown: list[Key] = []
        dropped: list[str] = []
        for binding, enabled, description in others:
            width = self._width(binding, description)
            if dropped or width > room:
                dropped.append(binding.id or binding.action)
                continue
            room -= width
            shown.append((binding, enabled, description))
        return shown, pinned, tuple(dropped)

    def _signature(self, shown: list[Key], pinned: list[Key]) -> tuple[object, ...]:
        """What the keys look like: a recompose that would draw the same is skipped."""
        def drawn(keys: list[Key]) -> tuple[object, ...]:
            return tuple((self.app.get_key_display(binding), binding.action, enabled,
                          description) for binding, enabled, description in keys)

        return drawn(shown), drawn(pinned)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown, pinned, self.dropped = self._plan()
        self._drawn = self._signature(shown, pinned)
        for key in shown:
            yield self._footer_key(*key)
        with HorizontalGroup(id="pinned-keys"):
            for key in pinned:
                yield self._footer_key(*key)

    async def recompose(self) -> None:
        """Only when the keys shown change, and not once the app has stopped.

        Textual asks for a recompose on every resize and every change of the bindings —
        each focus move, each check that finishes — and a recompose mounts every key
        anew: most of a step-1 run's drawing went into footers that looked the same.

        Footer asks after the next refresh; a browser tab closed before its first
        resize stops the app in between. Widgets mounted then never start, so the next
        recompose cannot remove them and mounts a second set of keys beside them:
        DuplicateIds, a crash on the way out."""
        if not self.app.is_running or not self.is_attached:
            return  # stopped, or its screen is gone: nothing to draw
        if self._bindings_ready and self._drawn is not None:
            shown, pinned, _dropped = self._plan()
            if self._signature(shown, pinned) == self._drawn:
                return
        await super().recompose()

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self.recompose)
