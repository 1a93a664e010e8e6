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
from wizard.core.model import Msg

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
        node.func.id in ("_", "N_", "Msg", "ngettext")


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


def _violations(path: Path) -> list[str]:
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
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {text!r}")
    return found


@pytest.mark.xdist_group("package-tree")  # see tests/test_architecture.py
def test_no_untranslated_user_visible_literals() -> None:
    sources = [p for p in PACKAGE.rglob("*.py") if speaks_to_people(p)]
    violations = [v for p in sources for v in _violations(p)]
    assert violations == []


@pytest.mark.xdist_group("package-tree")
def test_the_scanner_finds_a_literal(tmp_path: Path) -> None:
    sample = PACKAGE / "ui" / "_scanner_probe.py"
    sample.write_text("Static('Hello world')\nButton(_('Fine'))\n", encoding="utf-8")
    try:
        assert len(_violations(sample)) == 1
    finally:
        sample.unlink()
