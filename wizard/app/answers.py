"""Answers files: TOML that fills the wizard's real forms — or, unattended, runs them.

``roomcal [demo] --answers FILE`` and ``roomcal check PROVIDER --answers FILE`` (the format
is in docs/answers.md). Read and checked here, without any UI: every refusal is one
sentence naming the key and its line (tomllib gives no line numbers, so they are looked up
in the text), and a secret is only ever named by the environment variable that holds it —
its value is registered for redaction and never written anywhere by this module.

A file may come from anyone (a colleague, a ticket, a chat), and the password it names is
sent to the server its form names: so it may name only a variable a person set *for
roomcal's secrets* — ``ROOMCAL_PASSWORD`` or another ``ROOMCAL_…`` name that is none of
roomcal's own settings (``ROOMCAL_PASSWORD_LAB``) — never ``AWS_SECRET_ACCESS_KEY``, nor
``ROOMCAL_RELAY_TOKEN``. The address it goes to is the form's, which refuses
plain http across a network (the field's validation).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard import providers
from wizard.core import redact
from wizard.core.endpoints import REGIONS
from wizard.core.i18n import N_, SUPPORTED, _
from wizard.core.model import Field, Msg, ProviderPlugin
from wizard.core.settings import names_a_secret_for_roomcal

if TYPE_CHECKING:
    from wizard.app.setup import Setup

TABLES = ("form", "secrets", "connect", "confirm")
TOP_LEVEL = ("language", "provider", "unattended", *TABLES)
CONNECT_KEYS = ("region", "service", "accept_terms")
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

WHERE = N_("{path}, line {line}")
UNKNOWN = N_("{where}: unknown key {key} (possible here: {known})")
NOT_BOOLEAN = N_("{where}: {key} must be true or false")
NOT_TEXT = N_("{where}: {key} must be text in quotes")
NOT_TABLE = N_("{where}: {key} must be a table ([{key}])")
NOT_ONE_OF = N_("{where}: {key} cannot be \"{value}\" (possible: {known})")
INVALID = N_("{where}: {key}: {problem}")
INLINE = N_("{where}: {key} is a secret and is never written into the file: name the "
            "environment variable that holds it under [secrets] instead")
NOT_A_VARIABLE = N_("{where}: {key} must name the environment variable that holds the secret "
                    "(such as ROOMCAL_PASSWORD), never the secret itself")
NOT_FOR_ROOMCAL = N_("{where}: {key} may only name an environment variable set for roomcal's "
                     "secrets: ROOMCAL_PASSWORD, or another name beginning with ROOMCAL_ that is "
                     "not one of roomcal's settings (such as ROOMCAL_PASSWORD_LAB)")
UNSET = N_("{where}: {key} names the environment variable {variable}, which is not set")
NOT_SECRET = N_("{where}: {key} is not a secret: write its value under [form]")
MISSING = N_("{where}: {key} is missing (possible: {known})")
OTHER_PROVIDER = N_("{where}: the answers are for {found}, but this command checks {wanted}")


class AnswersError(Exception):
    """A bad answers file: ``sentence`` says which key, on which line, and why."""

    def __init__(self, sentence: Msg) -> None:
        super().__init__(sentence.msgid)
        self.sentence = sentence


@dataclass(frozen=True)
class Answers:
    path: str
    provider: str
    language: str | None = None
    unattended: bool = False
    form: Mapping[str, str] = field(default_factory=dict)  # non-secret field -> value
    # secret field -> its value, read from the environment variable the file names
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    region: str | None = None
    service: str | None = None
    accept_terms: bool = False
    confirm: frozenset[str] = frozenset()  # checks confirmed by hand (Google's Marketplace)


def load(path: str | Path, *, provider: str | None = None,
         environ: Mapping[str, str] | None = None) -> Answers:
    """Read and check an answers file; ``provider``: the one a command is about."""
    name = str(path)
    from wizard.core.files import UserFileError, read_user_text

    try:
        text = read_user_text(path)  # a regular file of bounded size: never a FIFO
    except UserFileError as exc:
        raise AnswersError(Msg(N_("cannot read the answers file {path} ({reason})"),
                               path=name, reason=exc.reason)) from None
    return parse(text, name, provider=provider,
                 environ=os.environ if environ is None else environ)


def parse(text: str, path: str, *, provider: str | None = None,
          environ: Mapping[str, str]) -> Answers:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, str(exc)) from None
    file = _File(path, text)
    for key in data:
        if key not in TOP_LEVEL:
            raise file.error((key,), UNKNOWN, known=", ".join(TOP_LEVEL))
    name = _provider(file, data, provider)
    plugin = providers.get(name).plugin()
    tables = {table: file.table(data, table) for table in TABLES}
    connect = tables["connect"]
    file.only(connect, "connect", CONNECT_KEYS)
    return Answers(
        path=path,
        provider=name,
        language=file.choice(data, ("language",), SUPPORTED),
        unattended=file.boolean(data, ("unattended",)),
        form=_form(file, tables["form"], plugin),
        secrets=_secrets(file, tables["secrets"], plugin, environ),
        region=file.choice(connect, ("connect", "region"), REGIONS),
        service=file.choice(connect, ("connect", "service"), providers.names()),
        accept_terms=file.boolean(connect, ("connect", "accept_terms")),
        confirm=_confirmations(file, tables["confirm"], plugin),
    )


def apply(setup: Setup, answers: Answers) -> None:
    """Fill the forms where typed values go, as if the person had typed them: each step's
    controller plays its part of the file (``run_answers``). Unattended, the acceptances
    (reminder, terms, confirmations, "continue anyway") are this run's: wizard.app.unattended
    gives those the file gives, through the same controllers.
    """
    setup.welcome.run_answers(answers)
    setup.prepare.run_answers(answers)
    setup.connect.run_answers(answers)


# -- the parts ------------------------------------------------------------------------------
def _provider(file: _File, data: Mapping[str, Any], wanted: str | None) -> str:
    if "provider" not in data:
        raise file.error(("provider",), MISSING, known=", ".join(providers.names()))
    name = file.choice(data, ("provider",), providers.names())
    assert name is not None
    if wanted is not None and name != wanted:
        raise file.error(("provider",), OTHER_PROVIDER, found=name, wanted=wanted)
    return name


def _form(file: _File, table: Mapping[str, Any], plugin: ProviderPlugin) -> dict[str, str]:
    fields = {f.key: f for f in plugin.fields}
    values = {}
    for key, value in table.items():
        where = ("form", key)
        spec = fields.get(key)
        if spec is None:
            raise file.error(where, UNKNOWN, known=_keys(f for f in plugin.fields
                                                          if not f.secret))
        if spec.secret:
            if isinstance(value, str):
                redact.register(value)  # a secret all the same, wherever it was written
            raise file.error(where, INLINE)
        values[key] = _field_value(file, where, spec, value)
    return values


def _field_value(file: _File, where: tuple[str, ...], spec: Field, value: object) -> str:
    # A number where the form takes digits (a port, a timeout) reads as a person types it.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise file.error(where, NOT_TEXT)
    text = str(value)
    offered = [choice for choice, _label in spec.choices]
    if offered and text not in offered:
        raise file.error(where, NOT_ONE_OF, value=text, known=", ".join(offered))
    # A file may leave a field empty (the form asks for it then): only what it gives is checked.
    if text and (problem := spec.problem(text)) is not None:
        raise file.error(where, INVALID, problem=problem)
    return text


def _secrets(file: _File, table: Mapping[str, Any], plugin: ProviderPlugin,
             environ: Mapping[str, str]) -> dict[str, str]:
    fields = {f.key: f for f in plugin.fields}
    values = {}
    for key, variable in table.items():
        where = ("secrets", key)
        spec = fields.get(key)
        if spec is None:
            raise file.error(where, UNKNOWN, known=_keys(f for f in plugin.fields if f.secret))
        if not spec.secret:
            raise file.error(where, NOT_SECRET)
        if not isinstance(variable, str):
            raise file.error(where, NOT_TEXT)
        if not ENVIRONMENT_NAME.match(variable):
            redact.register(variable)  # most likely the secret itself
            raise file.error(where, NOT_A_VARIABLE)
        if not names_a_secret_for_roomcal(variable):
            raise file.error(where, NOT_FOR_ROOMCAL)  # not repeated: it may be the secret
        value = environ.get(variable, "")
        if not value:
            raise file.error(where, UNSET, variable=variable)
        redact.register(value)
        values[key] = value
    return values


def _confirmations(file: _File, table: Mapping[str, Any], plugin: ProviderPlugin
                   ) -> frozenset[str]:
    confirmable = [spec.id for spec in plugin.checks if spec.confirmation is not None]
    file.only(table, "confirm", confirmable)
    return frozenset(key for key in table if file.boolean(table, ("confirm", key)))


def _keys(fields: Iterable[Field]) -> str:
    return ", ".join(f.key for f in fields) or _("none")


def _syntax_error(path: str, reason: str) -> AnswersError:
    """tomllib says "… (at line 3, column 5)": the line goes where every error has it."""
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", reason)
    where: Msg | str = path
    if found:
        where = Msg(WHERE, path=path, line=int(found.group(1)))
        reason = reason[:found.start()]
    return AnswersError(Msg(N_("{where}: not valid TOML ({reason})"), where=where,
                            reason=reason))


class _File:
    """The file's text, to say on which line a key is, and the checks every table shares."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self._lines = _key_lines(text)

    def where(self, key: tuple[str, ...]) -> Msg | str:
        for size in range(len(key), 0, -1):  # a key in an inline table: the table's line
            if (line := self._lines.get(key[:size])) is not None:
                return Msg(WHERE, path=self.path, line=line)
        return self.path

    def error(self, key: tuple[str, ...], msgid: str, **params: object) -> AnswersError:
        dotted = ".".join(key)  # form.room_list, as TOML would write it on one line
        return AnswersError(Msg(msgid, where=self.where(key), key=dotted, **params))

    def table(self, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.error((name,), NOT_TABLE)
        return value

    def only(self, table: Mapping[str, Any], name: str, known: Iterable[str]) -> None:
        known = tuple(known)
        for key in table:
            if key not in known:
                raise self.error((name, key), UNKNOWN, known=", ".join(known) or _("none"))

    def boolean(self, table: Mapping[str, Any], key: tuple[str, ...]) -> bool:
        value = table.get(key[-1], False)
        if not isinstance(value, bool):
            raise self.error(key, NOT_BOOLEAN)
        return value

    def choice(self, table: Mapping[str, Any], key: tuple[str, ...], known: Iterable[str]
               ) -> str | None:
        if key[-1] not in table:
            return None
        value = table[key[-1]]
        if not isinstance(value, str):
            raise self.error(key, NOT_TEXT)
        known = tuple(known)
        if value not in known:
            raise self.error(key, NOT_ONE_OF, value=value, known=", ".join(known))
        return value


_TABLE_HEADER = re.compile(r"^\s*\[\[?([^\]]*)\]\]?\s*(?:#.*)?$")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")


def _dotted(text: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in re.findall(_KEY_PART, text))


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """(table, …, key) -> the line it is written on (its first), for every key and table."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_string = False
    for number, line in enumerate(text.splitlines(), start=1):
        quotes = line.count('"""') + line.count("'''")
        if in_string:  # inside a multi-line string nothing is a key
            in_string = quotes % 2 == 0
            continue
        if header := _TABLE_HEADER.match(line):
            table = _dotted(header.group(1))
            lines.setdefault(table, number)
        elif key := _KEY.match(line):
            lines.setdefault(table + _dotted(key.group(1)), number)
        in_string = quotes % 2 == 1
    return lines
