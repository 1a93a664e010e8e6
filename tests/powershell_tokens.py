"""A small PowerShell tokenizer for the tests: how PowerShell itself reads quotes.

Why not ``pwsh``: PowerShell is in neither Debian's archive nor PyPI or npm (the only
registries this project's machines and CI reach), and Microsoft's own packages are
downloads that no install step here can make. So the tests read the scripts the way
PowerShell's tokenizer does (``tokenizer.cs``: ``ScanStringLiteral``; ``CharTraits.cs``:
``IsSingleQuote``/``IsDoubleQuote``), for exactly what decides whether a value stays a
value:

* a single-quoted string opens and closes with any of ``'`` U+2018 U+2019 U+201A U+201B,
  and two of them in a row (any two) stand for the second: nothing inside is expanded;
* a double-quoted string (``"`` U+201C U+201D U+201E) is *expandable*: ``$(…)`` in it runs;
  a backtick escapes the next character, two double quotes stand for one;
* ``#`` at the start of a token comments out the rest of the line, ``<# … #>`` a block;
* a backtick outside strings escapes the next character (a line continuation too);
* ``; | & ( ) { } ,`` and line ends separate statements and arguments.

Everything else is a bare word (a command, a parameter, an unquoted argument).
"""

from __future__ import annotations

from dataclasses import dataclass

SINGLE = "'\u2018\u2019\u201a\u201b"
DOUBLE = "\"\u201c\u201d\u201e"
OPERATORS = ";|&(){},"
NEWLINES = "\r\n"


@dataclass(frozen=True)
class Token:
    kind: str  # literal | expandable | comment | word | operator | newline
    text: str  # a literal's value, an expandable string's raw body, a word as written


def tokens(script: str) -> list[Token]:
    found: list[Token] = []
    i = 0
    while i < len(script):
        c = script[i]
        if c in NEWLINES:
            found.append(Token("newline", c))
            i += 1
        elif c.isspace():
            i += 1
        elif script.startswith("<#", i):
            end = script.find("#>", i + 2)
            end = len(script) if end < 0 else end + 2
            found.append(Token("comment", script[i:end]))
            i = end
        elif c == "#":
            end = i
            while end < len(script) and script[end] not in NEWLINES:
                end += 1
            found.append(Token("comment", script[i:end]))
            i = end
        elif c in SINGLE:
            value, i = _single_quoted(script, i + 1)
            found.append(Token("literal", value))
        elif c in DOUBLE:
            body, i = _double_quoted(script, i + 1)
            found.append(Token("expandable", body))
        elif c in OPERATORS:
            found.append(Token("operator", c))
            i += 1
        else:
            word, i = _word(script, i)
            found.append(Token("word", word))
    return found


def _single_quoted(script: str, i: int) -> tuple[str, int]:
    """tokenizer.cs ScanStringLiteral: a quote ends it unless another quote follows."""
    value = []
    while i < len(script):
        c = script[i]
        if c in SINGLE:
            if i + 1 >= len(script) or script[i + 1] not in SINGLE:
                return "".join(value), i + 1
            i += 1
            c = script[i]
        value.append(c)
        i += 1
    raise ValueError("the string is not terminated (PowerShell: TerminatorExpectedAtEndOfString)")


def _double_quoted(script: str, i: int) -> tuple[str, int]:
    start = i
    while i < len(script):
        c = script[i]
        if c == "`":
            i += 2
            continue
        if c in DOUBLE:
            if i + 1 < len(script) and script[i + 1] in DOUBLE:
                i += 2
                continue
            return script[start:i], i + 1
        i += 1
    raise ValueError("the string is not terminated")


def _word(script: str, i: int) -> tuple[str, int]:
    """A bare word; a quoted part inside it (a'b') joins it, as in argument mode."""
    start = i
    while i < len(script):
        c = script[i]
        if c == "`":
            i += 2
        elif c in SINGLE:
            _value, i = _single_quoted(script, i + 1)
        elif c in DOUBLE:
            _body, i = _double_quoted(script, i + 1)
        elif c.isspace() or c in OPERATORS:
            break
        else:
            i += 1
    return script[start:i], i


def literals(script: str) -> list[str]:
    """The values of the single-quoted strings: what PowerShell passes on verbatim."""
    return [t.text for t in tokens(script) if t.kind == "literal"]


def executable(script: str) -> list[Token]:
    """What PowerShell reads as code or expands: every token but literals and comments."""
    return [t for t in tokens(script) if t.kind not in ("literal", "comment", "newline")]
