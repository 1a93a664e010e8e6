"""Where a provider ends: core names no provider and no provider's library.

A provider declares its settings, addresses, log libraries and scenarios in its own
package (wizard/providers/<name>/); the settings, the endpoints and the log collect them
through the registry. So nothing in ``wizard/core`` — no identifier, no setting name, no
import, no string the code acts on — names one: adding a provider changes no core file.
Prose (docstrings, comments) may mention them as examples.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from wizard.core import i18n

CORE = Path(i18n.__file__).resolve().parent
# Words naming a provider (as they appear in identifiers and setting names).
PROVIDER_WORDS = {"exchange", "microsoft", "microsoft365", "m365", "ms", "google", "graph",
                  "ews", "autodiscover"}
# The providers' client and authentication libraries.
LIBRARIES = {"exchangelib", "msal", "google", "google_auth_oauthlib", "oauthlib",
             "requests_oauthlib", "spnego", "requests_ntlm", "ntlm_auth",
             "requests_kerberos", "gssapi", "krb5"}


def _words(name: str) -> set[str]:
    return {word for word in re.split(r"[^a-z0-9]+", name.lower()) if word}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _names(tree: ast.AST) -> list[tuple[int, str]]:
    """Identifiers, imported modules and the strings the code handles (not docstrings)."""
    docstrings = _docstrings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        match node:
            case ast.Name(id=name) | ast.Attribute(attr=name) | ast.arg(arg=name):
                found.append((line, name))
            case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name) | \
                    ast.ClassDef(name=name):
                found.append((line, name))
            case ast.keyword(arg=str(name)):
                found.append((line, name))
            case ast.Import(names=aliases):
                found += [(line, alias.name) for alias in aliases]
            case ast.ImportFrom(module=str(module)):
                found.append((line, module))
            case ast.Constant(value=str(text)) if id(node) not in docstrings:
                # A setting's or a module's name, not a sentence (messages are prose).
                if re.fullmatch(r"[A-Za-z_][\w.]*", text):
                    found.append((line, text))
    return found


def provider_names_in(folder: Path) -> list[str]:
    named = []
    for path in sorted(folder.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:  # test_architecture's probe module, gone again
            continue
        for line, name in _names(ast.parse(text)):
            library = name.split(".")[0].lower() in LIBRARIES
            if library or _words(name) & PROVIDER_WORDS:
                named.append(f"{path.relative_to(folder.parent).as_posix()}:{line}: {name}")
    return named


@pytest.mark.parametrize("layer", ["core", "app", "commands"])
def test_core_names_no_provider_and_no_provider_library(layer: str) -> None:
    """Core, and the application layer and the CLI above it, ask the registry."""
    assert provider_names_in(CORE.parent / layer) == [], \
        "a provider declares this in its ProviderInfo (wizard/providers/<name>/__init__.py)"


def test_the_scan_finds_a_setting_an_import_and_a_library(tmp_path: Path) -> None:
    core = tmp_path / "core"
    core.mkdir()
    (core / "x.py").write_text(
        '"""Exchange and Google in prose are fine."""\n'
        'import msal\n'
        'GRAPH_URL = "https://graph.microsoft.com"\n'
        'CHATTY = ("httpx", "exchangelib")\n'
        'def f(endpoints):\n    return endpoints.google_api_url\n'
        'N = "The Exchange server did not answer."\n', encoding="utf-8")
    assert [hit.split(": ")[1] for hit in provider_names_in(core)] == \
        ["msal", "GRAPH_URL", "exchangelib", "google_api_url"]


def _asks_a_fields_validator(tree: ast.AST) -> bool:
    """``something.validate(value)``: a field's validator applied."""
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr == "validate" for node in ast.walk(tree))


def test_a_fields_rules_are_applied_in_one_place() -> None:
    """Required and valid are one rule (``Field.problem``): the form, ``roomcal check``'s
    options and an answers file ask it, none applies the field's validator itself."""
    package = CORE.parent
    applying = [path.relative_to(package).as_posix() for path in sorted(package.rglob("*.py"))
                if not path.name.startswith("_contract_probe")  # test_architecture's
                and _asks_a_fields_validator(ast.parse(path.read_text(encoding="utf-8")))]
    assert applying == ["core/model.py"]
