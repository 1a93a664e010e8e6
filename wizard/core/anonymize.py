"""Reports a customer may send: identifiers replaced by pseudonyms, stable within the report.

``anonymize(report)`` is a pure function over a built report (``wizard.core.report``).
It collects the identifiers from the places that hold them — the inputs (e-mail
addresses, URLs and hosts, the tenant, file paths), the rooms, the checks' items
(names and keys), the parameters of every sentence, the connection's account —
and every e-mail address or URL anywhere else, gives each a pseudonym
(``domain1.example``; ``mailbox1@domain1.example``, keeping its domain's;
``host1.example``; ``Room 1``; a tenant takes its domain's, or a GUID of zeros) and
replaces every occurrence in every string of the report: the same room is
``Room 2`` in the room list, in every check's items and in every sentence.

The report still replays (``wizard/sandbox/replay.py``): failure codes, check ids,
message ids and numbers are never touched, and the sandbox takes the pseudonymous
service account, room list and rooms as its own. Cronofy's service-account id
(``ser_…``) is kept: it names no person, room, host or organisation — it is
meaningless outside Cronofy, where support needs it to find the link.

A rendered sentence is rendered again from its anonymized message in the language
it was written in, so only what stood in a parameter changes: "IT" in a sentence
survives a room called "IT". Text without a message (older reports, server
text) is replaced by search: names as whole words, case-sensitively; addresses,
domains and hosts case-insensitively, a domain also inside a host name.
"""

from __future__ import annotations

import gettext
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

from wizard.core import ip
from wizard.core.codec import decode_text, encode_text
from wizard.core.i18n import DOMAIN, LOCALE_DIR, SUPPORTED
from wizard.core.model import Msg, Plural, Text
from wizard.core.text import printable

# An apostrophe inside a local part (o'brien@…), never first: in a PowerShell literal
# ('svc@…') the quote is the command's, and a pseudonym must not swallow it.
EMAIL = re.compile(r"[A-Za-z0-9._%+-][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                   r"\.[A-Za-z]{2,}")
URL_HOST = re.compile(r"\b[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?(\[[^\]]+\]|[^/\s:?#]+)", re.I)
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                  r"[0-9a-fA-F]{12}$")
DOMAIN_NAME = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$")
IP_ADDRESS = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
PATH = re.compile(r"^(?:[~/.]|[A-Za-z]:[\\/])|^[^:]*[\\/]")
# Keys whose values are ours and must stay for the replay: codes, ids, statuses, versions.
KEEP = {"code", "id", "status", "roomcal_report", "roomcal_version", "provider", "created",
        "service_account_id", "region", "platform", "detail_id", "remedy_id"}
# Message parameters whose value is one identifier of a known kind.
PARAM_KINDS = {"host": "host", "url": "url", "building": "building", "path": "path",
               "domain": "domain"}
# How each kind is searched for in text (see Replacer).
GROUPS = {"mailbox": "mailbox", "domain": "address", "host": "address", "guid": "address",
          "ip": "address",
          "room": "name", "building": "name", "key": "name", "path": "path"}


# An IP address's pseudonym keeps what a check reads from it (public_name: can the internet
# reach it?): internal ones come from 10.0.0.0/8 or fd00::/8, loopback from 127.1.0.0/16,
# public ones from the documentation ranges, which the checks count as public.
IP_POOLS = {"loopback": "127.1.0.0", "internal": "10.0.0.0", "public": "203.0.113.0",
            "internal6": "fd00::", "public6": "2001:db8::"}


def _counting_from(first: str) -> Callable[[int], str]:
    return lambda n: str(ipaddress.ip_address(first) + n)


def _ip_kind(address: str) -> str:
    parsed = ip.parse(address)
    if parsed is None:
        return "public"
    six = "6" if parsed.version == 6 else ""
    if parsed.is_loopback and not six:
        return "loopback"
    return ("internal" if ip.internal(address) else "public") + six


class Pseudonyms:
    """Every identifier of a report, collected first, then named in order of appearance."""

    def __init__(self) -> None:
        self._found: dict[str, dict[str, str]] = {}  # kind -> {key: original}

    # -- collecting -------------------------------------------------------------------------
    def add(self, kind: str, value: str) -> None:
        value = value.strip()
        if not value:
            return
        if kind == "mailbox":
            self.add("domain", value.rpartition("@")[2])
        if kind == "url":
            for host in URL_HOST.findall(value):
                self.add("host", host)
            return
        if kind == "host":
            value = value.strip("[]")
            if ":" in value and not value.count(":") > 1:
                value = value.rsplit(":", 1)[0]  # host:port
            if ip.parse(value) is not None:
                kind = "ip"  # an address: a pseudonym of its own kind
        key = value if kind in ("room", "building", "key", "path") else value.lower()
        self._found.setdefault(kind, {}).setdefault(key, value)

    def add_shaped(self, value: str) -> None:
        """A value whose kind only its shape tells: an input, a key, a scenario."""
        value = value.strip()
        if EMAIL.fullmatch(value):
            self.add("mailbox", value)
        elif "://" in value:
            self.add("url", value)
        elif GUID.match(value):
            self.add("guid", value)
        elif DOMAIN_NAME.match(value) or IP_ADDRESS.match(value):
            self.add("domain" if DOMAIN_NAME.match(value) else "host", value)
        elif PATH.match(value):
            self.add("path", value)

    def sweep(self, text: str) -> None:
        """Addresses and URLs wherever they stand (an error message, a command)."""
        for address in EMAIL.findall(text):
            self.add("mailbox", address)
        for host in URL_HOST.findall(text):
            self.add("host", host)

    # -- naming -----------------------------------------------------------------------------
    def table(self) -> dict[str, dict[str, str]]:
        """kind -> {original (lower-cased where case does not matter): pseudonym}."""
        originals = {v.lower() for found in self._found.values() for v in found.values()}
        taken: set[str] = set()

        def fresh(make: Callable[[int], str]) -> Callable[[], str]:
            counter = iter(range(1, 10**9))

            def next_name() -> str:
                while True:  # never a pseudonym that is also someone's real name
                    name = make(next(counter))
                    if name.lower() not in originals and name not in taken:
                        taken.add(name)
                        return name
            return next_name

        found = self._found
        names: dict[str, dict[str, str]] = {kind: {} for kind in found}
        domain = fresh(lambda n: f"domain{n}.example")
        for key in found.get("domain", {}):
            names["domain"][key] = domain()
        host = fresh(lambda n: f"host{n}.example")
        for key in found.get("host", {}):
            names["host"][key] = names.get("domain", {}).get(key) or host()
        addresses = {kind: fresh(_counting_from(first)) for kind, first in IP_POOLS.items()}
        for key in found.get("ip", {}):
            names["ip"][key] = addresses[_ip_kind(key)]()
        mailbox = fresh(lambda n: f"mailbox{n}")
        for key in found.get("mailbox", {}):
            names["mailbox"][key] = f"{mailbox()}@{names['domain'][key.rpartition('@')[2]]}"
        for kind, make in (("room", lambda n: f"Room {n}"), ("building", lambda n: f"Building {n}"),
                           ("key", lambda n: f"key{n}"),
                           ("guid", lambda n: f"00000000-0000-0000-0000-{n:012d}")):
            next_name = fresh(make)
            for key in found.get(kind, {}):
                names[kind][key] = next_name()
        path = fresh(lambda n: f"file{n}")
        for key, original in found.get("path", {}).items():
            names["path"][key] = path() + (re.search(r"\.\w{1,5}$", original) or [""])[0]
        return names


class Replacer:
    """Every occurrence of an identifier in a string: earliest first, then the longest."""

    def __init__(self, table: Mapping[str, Mapping[str, str]]) -> None:
        self.lookup: dict[str, str] = {}
        groups: dict[str, list[str]] = {"mailbox": [], "address": [], "name": [], "path": []}
        for kind, found in table.items():
            group = GROUPS[kind]
            for original, pseudonym in found.items():
                for variant in {original, printable(original)}:  # rendered text: the latter
                    if group in ("mailbox", "address"):
                        variant = variant.lower()
                    self.lookup[variant] = pseudonym
                    groups[group].append(variant)
        self.patterns = [p for p in (
            # A mailbox as a whole; a domain or host also inside a longer host name. An
            # apostrophe after a letter is the address's (o'brien@…); after anything else
            # it opens a PowerShell literal ('svc@…'), and the address in it is whole.
            _compiled(groups["mailbox"], r"(?<![\w.%+-])(?<!\w')", r"(?![\w-]|\.\w)", re.I),
            _compiled(groups["address"], r"(?<![\w-])", r"(?![\w-]|\.\w)", re.I),
            # Names as whole words, never the local part of an address.
            _compiled(groups["name"], r"(?<![\w@.])", r"(?![\w@])", 0),
            _compiled(groups["path"], "", "", 0),
        ) if p is not None]

    def __call__(self, text: str, *, names: bool = True) -> str:
        patterns = self.patterns if names else [p for p in self.patterns if p.flags & re.I]
        # Earliest match first; of two at one place the longer (a name holding an address).
        out: list[str] = []
        pos = 0
        while True:
            matches = [m for p in patterns if (m := p.search(text, pos)) is not None]
            if not matches:
                break
            match = min(matches, key=lambda m: (m.start(), -len(m.group())))
            found = match.group()
            out += [text[pos:match.start()], self.lookup.get(found) or
                    self.lookup.get(found.lower(), found)]
            pos = match.end()
        return "".join(out) + text[pos:]


def _compiled(words: Iterable[str], before: str, after: str, flags: int) -> re.Pattern[str] | None:
    words = [w for w in set(words) if w]
    if not words:
        return None
    return re.compile(before + _trie(words) + after, flags)


def _trie(words: Iterable[str]) -> str:
    """One regex for many literals, branching by character (5 000 room names stay fast);
    greedy, so the longest name matches first."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items())
                    if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(root)


# -- the report -----------------------------------------------------------------------------

def anonymize(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report with every identifier replaced by its pseudonym (a new dict)."""
    names = Pseudonyms()
    _collect(report, names)
    _walk_strings(report, names.sweep)
    replace = Replacer(names.table())
    anonymized = _replaced_mapping(report, replace)
    anonymized["anonymized"] = True
    return anonymized


def _collect(report: Mapping[str, Any], names: Pseudonyms) -> None:
    for values in (report.get("inputs") or {}).values():
        for value in (values or {}).values():
            names.add_shaped(str(value))
    for room in report.get("rooms") or ():
        names.add("room", str(room.get("name", "")))
        names.add_shaped(str(room.get("email", "")))
    for check in report.get("checks") or ():
        for item in check.get("items") or ():
            names.add("room", str(item.get("name", "")))
            key = str(item.get("key", ""))
            if key and key != item.get("name"):
                if EMAIL.fullmatch(key):
                    names.add("mailbox", key)
                else:
                    names.add("key", key)
            _collect_message(item.get("detail_msg"), names)
        for field in ("detail_msg", "remedy_msg"):
            _collect_message(check.get(field), names)
    account = (report.get("connection") or {}).get("account")
    if account:
        names.add_shaped(str(account))
    scenario = str(report.get("scenario") or "")
    if PATH.match(scenario) or scenario.endswith((".json", ".toml")):  # a file, not a name
        names.add("path", scenario)


def _collect_message(data: Any, names: Pseudonyms) -> None:
    if not isinstance(data, Mapping):
        return
    for name, value in (data.get("params") or {}).items():
        if isinstance(value, Mapping):
            _collect_message(value, names)
        elif isinstance(value, str) and name == "addresses":  # "10.1.2.3, fd00::7"
            for address in value.split(","):
                names.add("ip" if ip.parse(address) else "host", address)
        elif isinstance(value, str) and (kind := PARAM_KINDS.get(name)):
            names.add(kind, value)


def _walk_strings(value: Any, visit: Callable[[str], None]) -> None:
    if isinstance(value, str):
        visit(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in KEEP:
                _walk_strings(item, visit)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk_strings(item, visit)


def _replaced(value: Any, replace: Replacer, key: str = "") -> Any:
    if isinstance(value, str):
        return replace(value, names=key != "title")  # titles are ours: no room names in them
    if isinstance(value, list | tuple):
        return [_replaced(v, replace) for v in value]
    if not isinstance(value, Mapping):
        return value
    return _replaced_mapping(value, replace)


def _replaced_mapping(value: Mapping[str, Any], replace: Replacer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, item in value.items():
        if name in KEEP:
            out[name] = item
        elif name.endswith("_msg") and isinstance(item, Mapping):
            out[name] = encode_text(_message(decode_text(item), replace))
        elif isinstance(value.get(f"{name}_msg"), Mapping) and isinstance(item, str):
            original = decode_text(value[f"{name}_msg"])
            out[name] = _rerendered(original, item, _message(original, replace)) or \
                replace(item)
        else:
            out[name] = _replaced(item, replace, name)
    return out


def _message(text: Text, replace: Replacer) -> Text:
    if not isinstance(text, Msg):
        return replace(str(text))
    params = {k: _message(v, replace) if isinstance(v, Msg | str) else v
              for k, v in text.params.items()}
    if isinstance(text, Plural):
        return Plural(text.msgid, text.plural, text.n, **params)
    return Msg(text.msgid, **params)


# -- rendering in the language the report was written in ------------------------------------

@cache
def _translation(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _render(text: Text, translation: gettext.NullTranslations) -> str:
    if not isinstance(text, Msg):
        return str(text)
    template = translation.ngettext(text.msgid, text.plural, text.n) \
        if isinstance(text, Plural) else translation.gettext(text.msgid)
    if not text.params:
        return template
    return template.format(**{k: printable(_render(v, translation))
                              for k, v in text.params.items()})


def _rerendered(original: Text, shown: str, anonymized: Text) -> str | None:
    """``anonymized`` in the language that rendered ``original`` as ``shown``, if one did."""
    for lang in SUPPORTED:
        translation = _translation(lang)
        try:
            if _render(original, translation) == shown:
                return _render(anonymized, translation)
        except (KeyError, IndexError, ValueError):  # a template that does not fit its values
            continue
    return None
