"""Catalogs complete, language selection, and no user-visible literal left untranslated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from wizard.core import catalogs, i18n
from wizard.core.i18n import _
from wizard.core.messages import extract, speaks_to_people
from wizard.core.model import Msg, Plural

PACKAGE = Path(i18n.__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def test_every_message_has_a_german_translation() -> None:
    german = catalogs.merged_catalog(Path(i18n.LOCALE_DIR), "de")
    missing = sorted({m for m, _path, _line in extract() if not german.get(m)})
    assert missing == [], f"untranslated in de: {missing[:20]}"


def test_english_catalog_is_complete() -> None:
    english = catalogs.merged_catalog(Path(i18n.LOCALE_DIR), "en")
    missing = sorted({m for m, _path, _line in extract() if not english.get(m)})
    assert missing == [], "run scripts/update_catalogs.py"


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_no_fuzzy_entries_and_placeholders_match(lang: str) -> None:
    for path in catalogs.po_files(Path(i18n.LOCALE_DIR), lang):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            assert not message.fuzzy, f"{path.name}: fuzzy {message.id!r}"
            if message.string:
                assert set(PLACEHOLDER.findall(str(message.id))) == set(
                    PLACEHOLDER.findall(str(message.string))
                ), f"{path.name}: placeholders differ in {message.id!r}"


# --- plurals -------------------------------------------------------------------------------

# Counted nouns written for any number at once: "room(s)", "Raum/Räume", "Punkt(e)".
BOTH_NUMBERS = re.compile(r"\w\((s|e|en|n|es)\)|\b(Raum/Räume|rooms?/rooms?)\b")


def _plural_ids() -> set[tuple[str, str]]:
    return {m for m, _path, _line in extract() if isinstance(m, tuple)}


def test_plural_messages_are_extracted_as_pairs(tmp_path: Path) -> None:
    package = tmp_path / "probe"
    package.mkdir()
    (package / "probe.py").write_text(
        'ngettext("{count} room", "{count} rooms", n)\n'
        'Plural("{count} item is open.", "{count} items are open.", n, count=n)\n'
        '_("Next")\n', encoding="utf-8")
    found = [m for m, _path, _line in extract(package)]
    assert found == [("{count} room", "{count} rooms"),
                     ("{count} item is open.", "{count} items are open."), "Next"]


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_every_plural_message_has_every_plural_form(lang: str) -> None:
    catalog = catalogs.merged_catalog(Path(i18n.LOCALE_DIR), lang)
    assert catalog.num_plurals == 2  # de and en: nplurals=2; plural=(n != 1)
    assert _plural_ids(), "no plural message is used anywhere"
    for singular, plural in _plural_ids():
        message = catalog.get(singular)
        assert message is not None, f"{lang}: no entry for {singular!r}"
        assert message.pluralizable and tuple(message.id) == (singular, plural), (
            f"{lang}: {singular!r} is not a plural entry (run scripts/update_catalogs.py)")
        forms = list(message.string)
        assert len(forms) == 2 and all(forms), f"{lang}: plural forms missing for {singular!r}"
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(plural)), (
                f"{lang}: placeholders differ in {form!r}")


def test_plural_messages_follow_the_number_and_the_language() -> None:
    rooms = [Plural("{count} prerequisite is not met", "{count} prerequisites are not met", n,
                    count=n) for n in (0, 1, 2)]
    i18n.set_language("de")
    assert [str(m) for m in rooms] == [
        "0 Voraussetzungen sind nicht erfüllt", "1 Voraussetzung ist nicht erfüllt",
        "2 Voraussetzungen sind nicht erfüllt"]
    i18n.set_language("en")
    assert [str(m) for m in rooms] == [
        "0 prerequisites are not met", "1 prerequisite is not met",
        "2 prerequisites are not met"]


def test_no_text_counts_both_numbers_at_once() -> None:
    """"2 Raum/Räume", "1 Punkt(e)": a count says its number (ngettext / Plural)."""
    awkward = []
    for lang in catalogs.LANGUAGES:
        for message in catalogs.merged_catalog(Path(i18n.LOCALE_DIR), lang):
            texts = [message.id, message.string]
            flat = [t for text in texts for t in ((text,) if isinstance(text, str) else text)]
            awkward += [f"{lang}: {t!r}" for t in flat if t and BOTH_NUMBERS.search(t)]
    assert awkward == []


def test_add_translations_corrects_entries_where_they_live(tmp_path: Path) -> None:
    import add_translations  # scripts/

    first = tmp_path / "DE1.py"
    first.write_text('DE = {"Next": "Weitr", ("{count} room", "{count} rooms"): '
                     '("{count} Raum", "{count} Raeume")}\n', encoding="utf-8")
    assert add_translations.main([str(first), "providers.po"], locale=tmp_path) == 0
    second = tmp_path / "DE2.py"
    second.write_text('DE = {"Next": "Weiter", "Back": "Zurück", ("{count} room", '
                      '"{count} rooms"): ("{count} Raum", "{count} Räume")}\n'
                      'OBSOLETE = ["Gone"]\n', encoding="utf-8")
    assert add_translations.main([str(second)], locale=tmp_path) == 0
    providers = read_po((tmp_path / "providers.po").open("rb"), locale="de")
    ui = read_po((tmp_path / "ui.po").open("rb"), locale="de")
    assert providers.get("Next").string == "Weiter"  # corrected in place, not duplicated
    assert providers.get("{count} room").string == ("{count} Raum", "{count} Räume")
    assert ui.get("Back").string == "Zurück" and ui.get("Next") is None


def test_no_message_is_translated_in_two_fragments() -> None:
    """The merge takes the first fragment's entry: a second one would silently lose."""
    homes: dict[str, list[str]] = {}
    for path in catalogs.po_files(Path(i18n.LOCALE_DIR), "de"):
        for message in read_po(path.open("rb"), locale="de"):
            if message.id:
                homes.setdefault(str(message.id if isinstance(message.id, str)
                                     else message.id[0]), []).append(path.name)
    assert {m: p for m, p in homes.items() if len(p) > 1} == {}


# "Klicken Sie auf Weiter" over SSH: a terminal is driven by keys; "right-click" in an
# instruction for another program (Outlook's tray icon) is that program's wording.
CLICK = re.compile(r"(?<![-\w])(click|klicken|klick)(?!\w)", re.IGNORECASE)


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_no_text_asks_to_click(lang: str) -> None:
    catalog = catalogs.merged_catalog(Path(i18n.LOCALE_DIR), lang)
    texts = [t for m in catalog for t in ((m.string,) if isinstance(m.string, str)
                                          else m.string)]
    assert [t for t in texts if t and CLICK.search(t)] == []


def test_language_from_environment() -> None:
    assert i18n.from_environment({"LANG": "de_DE.UTF-8"}) == "de"
    assert i18n.from_environment({"LANGUAGE": "fr:de", "LANG": "en_US"}) == "de"
    assert i18n.from_environment({"LC_ALL": "C", "LANG": "de_AT"}) == "de"
    assert i18n.from_environment({"LANG": "fr_FR"}) == "en"
    assert i18n.from_environment({}) == "en"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(i18n.UnknownLanguageError):
        i18n.set_language("fr")


def test_runtime_switch_retranslates_messages() -> None:
    message = Msg("Found {count} rooms", count=3)  # no msgid needed for this check
    i18n.set_language("de")
    assert _("Next") == "Weiter"
    i18n.set_language("en")
    assert _("Next") == "Next"
    assert str(message) == "Found 3 rooms"


def test_connected_banner_is_the_help_page_sentence() -> None:
    i18n.set_language("de")
    assert _("The calendar service is connected") == "Der Kalenderdienst ist verbunden"


# --- no user-visible literal without _() --------------------------------------------------

# Calls whose string arguments are shown to people.
VISIBLE_CALLS = {
    "Static", "Label", "Button", "Checkbox", "RadioButton", "Switch", "notify", "plain",
    "styled", "Binding", "Input", "Select", "show_note", "show_error", "_status", "print",
    "UserFacingError", "UsageError", "CheckResult", "SubResult", "Confirmation", "Field",
    "add_argument", "add_parser", "ArgumentParser", "ArgumentTypeError", "add_column",
}
VISIBLE_KEYWORDS = {"help", "description", "placeholder", "label", "detail", "remedy",
                    "title", "message", "toggle_label", "hint", "notice"}
# Literal text that is not language: names, codes, URLs, symbols, identifiers.
ALLOWED = re.compile(
    r"^(\s*|[\W\d_]+|roomcal.*|Deutsch|English|https?://\S*|[a-z0-9_.\-]+|"
    r"[A-Z_]+|ssh -L.*|\{[a-z_]*\}.*|.*%\(default\)s.*|NAME\|FILE|NAME\|REPORT|de\|en|"
    r"\S+@\S+|export\b.*|PROVIDER|COMMAND|NAME|FILE|.*\.(json|csv|tcss)|Select\.NULL)$"
)


def _is_translation_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in ("_", "N_", "Msg", "Plural", "ngettext")


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal_texts(node: ast.AST) -> list[str]:
    """String constants in ``node`` that are not inside a translation call."""
    if _is_translation_call(node):
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value for v in node.values
                        if isinstance(v, ast.Constant) and isinstance(v.value, str))]
    if isinstance(node, ast.BinOp):
        return _literal_texts(node.left) + _literal_texts(node.right)
    if isinstance(node, ast.Tuple):
        # styled((text, style), …): the second element is a Rich style, not language.
        elts = node.elts[:1] if len(node.elts) == 2 else node.elts
        return [t for elt in elts for t in _literal_texts(elt)]
    return []


def _violations(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _call_name(node) not in VISIBLE_CALLS:
            continue
        arguments = list(node.args) + [k.value for k in node.keywords
                                       if k.arg in VISIBLE_KEYWORDS]
        if _call_name(node) in ("Binding", "add_argument", "add_column", "Field",
                                "CheckResult", "SubResult"):
            # Positional args of these are keys/ids; only keywords carry text.
            arguments = arguments[3:] if _call_name(node) == "Binding" else \
                [k.value for k in node.keywords if k.arg in VISIBLE_KEYWORDS]
        for argument in arguments:
            for text in _literal_texts(argument):
                words = re.findall(r"[A-Za-zÄÖÜäöüß]{3,}", text)
                if words and not ALLOWED.match(text.strip()):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {text!r}")
    return found


@pytest.mark.xdist_group("package-tree")  # see tests/test_architecture.py
def test_no_untranslated_user_visible_literals() -> None:
    sources = [p for p in PACKAGE.rglob("*.py") if speaks_to_people(p)]
    violations = [v for p in sources for v in _violations(p)]
    assert violations == []


def test_the_scanner_finds_a_literal(tmp_path: Path) -> None:
    # Beside the package, not in it: a probe in the tree would be another test's finding.
    sample = tmp_path / "wizard" / "ui" / "_scanner_probe.py"
    sample.parent.mkdir(parents=True)
    sample.write_text("Static('Hello world')\nButton(_('Fine'))\n", encoding="utf-8")
    assert _violations(sample, root=tmp_path) == [
        "wizard/ui/_scanner_probe.py:1: 'Hello world'"]
