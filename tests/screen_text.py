"""Read a rendered screen back and find text a person cannot read whole.

A text is *cut* when the screen shows less of it than the widget holds and the
missing part is not simply scrolled out of view: "…und Dat" for a checkbox
label, "^q Beende" in the footer, "room0007@demo.example.co" in a table. Each
text-showing widget's full text (what it would render) is compared with the
cells of the screen inside its visible content region:

* every visible line must be a run of whole words of the full text, and
  consecutive lines must continue each other — after a space (the line was
  wrapped) or straight on (a long URL folded onto the next line);
* the last line must reach the text's end, unless the widget continues below
  the visible area (a scrolled body), where it must end at a word boundary.

A text-overflow ellipsis counts as a cut too, except in a table cell: there the
status line shows the full text of the highlighted row (see AssignScreen).

Reads the compositor (``screen._compositor``): Textual has no public call for
"the cells on screen"; the snapshot plugin reads it the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from textual._compositor import MapGeometry
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input
from textual.widgets._footer import FooterKey

ELLIPSIS = "…"
# Keys a person must see on every screen (ids of the app's own bindings).
ALWAYS_SHOWN = ("ctrl+l", "ctrl+q")
# The footer leaves out keys that do not fit (WizardFooter.dropped); at 80×24 only
# the colour key may yield — it is found on the first screen.
MAY_BE_DROPPED = {"app.theme"}


@dataclass(frozen=True)
class Shown:
    """One piece of text and where the screen shows it."""

    widget: Widget
    full: str
    region: Region  # the content region, in screen coordinates
    visible: Region  # the part of it the screen shows
    ellipsis_ok: bool = False

    @property
    def name(self) -> str:
        widget = self.widget
        return type(widget).__name__ + (f"#{widget.id}" if widget.id else "")


def screen_lines(screen: Screen[object]) -> list[str]:
    return [strip.text for strip in screen._compositor.render_strips()]


def _plain(renderable: object) -> str:
    if isinstance(renderable, str):
        return renderable
    plain = getattr(renderable, "plain", None)
    return plain if isinstance(plain, str) else ""


def _geometry(screen: Screen[object], widget: Widget):  # -> MapGeometry | None
    try:
        return screen.find_widget(widget)
    except Exception:  # not displayed
        return None


@dataclass(frozen=True)
class _Painted:
    """A widget the screen paints: where, in which order, and inside which widgets."""

    widget: Widget
    geometry: MapGeometry
    ancestors: frozenset[Widget]


def _painted(screen: Screen[object]) -> dict[Widget, _Painted]:
    """Every widget the screen paints, looked up once per reading (not once per text: a
    focus walk read each screen's ~170 widgets against each other at every stop)."""
    painted = {}
    for widget in screen.walk_children(Widget):
        if (geometry := _geometry(screen, widget)) is not None:
            painted[widget] = _Painted(widget, geometry, frozenset(widget.ancestors))
    return painted


def _occluded(painted: dict[Widget, _Painted], widget: Widget, visible: Region) -> bool:
    """Something painted later (a menu, a docked bar) lies over the widget."""
    this = painted[widget]
    for other in painted.values():
        if (other.widget is widget or widget in other.ancestors
                or other.widget in this.ancestors):
            continue
        if other.geometry.order <= this.geometry.order:
            continue
        if other.geometry.visible_region.overlaps(visible) and (
                other.geometry.order[0] != this.geometry.order[0]
                or other.widget.styles.dock != "none"):
            return True  # another layer, or docked over the scrolling content
    return False


def _table_cells(screen: Screen[object], table: DataTable[object]) -> Iterator[Shown]:
    geometry = _geometry(screen, table)
    content = table.content_region
    clip = geometry.visible_region.intersection(content)
    x = content.x - int(table.scroll_x)
    columns = []
    for column in table.ordered_columns:
        width = column.get_render_width(table)
        columns.append((column, x + table.cell_padding, width - 2 * table.cell_padding))
        x += width
    y = content.y
    if table.show_header:
        for column, cx, cw in columns:
            region = Region(cx, y, cw, table.header_height)
            yield Shown(table, _plain(column.label), region, region.intersection(clip))
        y += table.header_height
    y -= int(table.scroll_y)
    for row in table.ordered_rows:
        for column, cx, cw in columns:
            region = Region(cx, y, cw, row.height)
            cell = table.get_cell(row.key, column.key)
            yield Shown(table, _plain(cell), region, region.intersection(clip),
                        ellipsis_ok=True)
        y += row.height


def shown_texts(screen: Screen[object]) -> Iterator[Shown]:
    """Every piece of text on ``screen`` that a person is meant to read."""
    for widget in screen.walk_children(Widget):
        geometry = _geometry(screen, widget)
        if geometry is None or not widget.display or not widget.visible:
            continue
        if isinstance(widget, DataTable):
            yield from _table_cells(screen, widget)
            continue
        if isinstance(widget, Input):
            # A typed value scrolls inside its input by design; a placeholder must fit.
            full = "" if widget.value else str(widget.placeholder)
        else:
            try:
                full = _plain(widget.render())
            except Exception:
                continue
        if not full.strip():
            continue
        content = widget.content_region
        yield Shown(widget, full, content, geometry.visible_region.intersection(content))


def _words(text: str) -> str:
    return " ".join(text.split())


def _follows(text: str, lines: list[str], start: int) -> int | None:
    """Where the visible ``lines``, starting at ``start``, end in ``text`` (None: they don't)."""
    position = start
    for index, line in enumerate(lines):
        if index == 0:
            if not text.startswith(line, position):
                return None
        elif text.startswith(line, position):
            pass  # folded: the word goes on without a space
        elif text[position:position + 1] == " " and text.startswith(line, position + 1):
            position += 1  # wrapped at the space
        else:
            return None
        position += len(line)
    return position


def cut_text(shown: Shown, lines: list[str]) -> str | None:
    """What is wrong with how ``shown`` appears on ``lines`` (the screen), or None."""
    if not shown.visible.area:
        return None
    visible = shown.visible
    rows = [_words(line[visible.x:visible.right]) for line in lines[visible.y:visible.bottom]]
    rows = [row for row in rows if row]
    if not rows:
        return None
    text = _words(shown.full)
    if (shown.ellipsis_ok and len(rows) == 1 and rows[0].endswith(ELLIPSIS)
            and text.startswith(rows[0][:-1]) and rows[0] != text):
        return None  # honest: the status line shows this text in full
    continues_below = shown.region.bottom > visible.bottom
    starts = [i for i in range(len(text)) if (i == 0 or text[i - 1] == " ")
              and text.startswith(rows[0], i)]
    for start in starts:
        end = _follows(text, rows, start)
        if end is None:
            continue
        if end == len(text) or (continues_below and text[end] == " "):
            return None
    return f"{shown.name}: shows {' / '.join(rows)!r} of {text!r}"


def cuts(screen: Screen[object]) -> list[str]:
    lines = screen_lines(screen)
    painted = _painted(screen)
    found = []
    for shown in shown_texts(screen):
        if shown.visible.area and _occluded(painted, shown.widget, shown.visible):
            continue
        if (problem := cut_text(shown, lines)) is not None:
            found.append(problem)
    return found


def footer_problems(screen: Screen[object], allowed: Iterable[str]) -> list[str]:
    """The footer speaks the screen's language, belongs to the screen, and always
    shows the keys to switch language and to quit."""
    footers = list(screen.query(Footer))
    if not footers:
        return [f"{type(screen).__name__} has no footer of its own: the screen below "
                f"shows keys that do not apply here"]
    footer = footers[0]
    allowed = set(allowed)
    problems = []
    keys = list(footer.query(FooterKey))
    for key in keys:
        if key.description and key.description not in allowed:
            problems.append(f"footer: {key.key_display} {key.description!r} is not from "
                            f"the catalog of this language")
    if left_out := [k for k in getattr(footer, "dropped", ()) if k not in MAY_BE_DROPPED]:
        problems.append(f"footer: no room for {', '.join(left_out)}")
    footer_area = _geometry(screen, footer).visible_region
    for name in ALWAYS_SHOWN:
        shown = [k for k in keys if name in k.key.split(",")]
        geometry = _geometry(screen, shown[0]) if shown else None
        if geometry is None or footer_area.intersection(geometry.region) != geometry.region:
            problems.append(f"footer: {name} is not shown in full")
    return problems


ATTRIBUTES = ("bold", "dim", "italic", "underline", "reverse", "strike")


def colourless(screen: Screen[object], region: Region) -> tuple[tuple[str, tuple[bool, ...]], ...]:
    """The cells of ``region`` as NO_COLOR leaves them: each character and its attributes.

    Two looks that differ only in colour come out equal here.
    """
    strips = screen._compositor.render_strips()
    cells = []
    for y in range(region.y, min(region.bottom, len(strips))):
        for segment in strips[y].crop(region.x, region.right):
            style = segment.style
            attributes = tuple(bool(style and getattr(style, name)) for name in ATTRIBUTES)
            cells += [(char, attributes) for char in segment.text]
    return tuple(cells)


async def focus_cue_problems(pilot: Pilot[object]) -> list[str]:
    """Tab through every control of the screen shown and compare each whole control's
    look, colours taken away, focused and unfocused: a control whose focus only colour
    shows is named (in a projector's or the terminal's colours, NO_COLOR)."""
    app = pilot.app
    screen = app.screen
    unfocused: dict[Widget, set[tuple[object, ...]]] = {}
    focused: dict[Widget, tuple[object, ...]] = {}
    for _stop in range(len(screen.focus_chain) + 1):
        for widget in screen.focus_chain:
            region = widget.region
            if not region.area or screen.find_widget(widget).visible_region != region:
                continue  # only whole widgets: a clipped one looks different anyway
            look = colourless(screen, region)
            if widget is app.focused:
                focused[widget] = look
            else:
                unfocused.setdefault(widget, set()).add(look)
        await pilot.press("tab")
        await pilot.pause()
    if not focused:
        return [f"{type(screen).__name__}: nothing took the focus"]
    return [f"{type(screen).__name__}: {type(w).__name__}#{w.id} looks the same focused and "
            "unfocused" for w, look in focused.items() if look in unfocused.get(w, set())]


# Names of languages are not English text, in any language.
LANGUAGE_NAMES = {"Deutsch", "English", "Deutsch/English"}


@functools.cache
def translations(lang: str) -> frozenset[str]:
    """Every text the catalogs hold for ``lang``: what a footer key may say."""
    from pathlib import Path

    from wizard.core import catalogs, i18n

    catalog = catalogs.merged_catalog(Path(i18n.LOCALE_DIR), lang)
    texts = set(LANGUAGE_NAMES)
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple | list) else (
            message.string,)
        texts.update(s for s in strings if s)
    return frozenset(texts)


def reading_problems(screen: Screen[object], allowed: Iterable[str]) -> list[str]:
    """What a person could not read on ``screen``: cut words, foreign footer keys."""
    return [f"{type(screen).__name__}: {p}"
            for p in cuts(screen) + footer_problems(screen, allowed)]


async def focus_walk_problems(pilot: Pilot[object], allowed: frozenset[str]) -> list[str]:
    """Tab through every control of the screen shown (the footer follows the focus), and
    read the screen back at each stop where it changed; only the footer at the others."""
    app = pilot.app
    screen = app.screen
    problems: dict[str, None] = dict.fromkeys(reading_problems(screen, allowed))
    read = screen_lines(screen)[:-1]  # what was read whole, the footer aside
    for _stop in range(len(screen.focus_chain)):
        await pilot.press("tab")
        await pilot.pause()
        if app.screen is not screen:
            break
        body = screen_lines(screen)[:-1]
        if body == read:  # only the footer follows the focus here
            problems.update(dict.fromkeys(
                f"{type(screen).__name__}: {p}" for p in footer_problems(screen, allowed)))
            continue
        read = body
        problems.update(dict.fromkeys(reading_problems(screen, allowed)))
    return list(problems)
