"""One codec for check results: the profile, ``--json`` and reports all write this.

A result is stored with its stable failure ``code`` and its sentences twice:
rendered (for a person reading the JSON, in the language it was written in)
and as message ids with parameters (``detail_msg``), recursively — a parameter
may itself be a message. Read back, the message ids win: a profile saved in
German resumes in English as English, nested parameters included, and a report
replays by code whatever language wrote it. Results written before codes and
``*_msg`` existed (``detail_id``/``detail_params``, flat) still load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from wizard.core.model import CheckResult, Msg, Plural, Status, SubResult, Text, render

Encoded = dict[str, Any]


def encode_text(text: Text) -> Encoded | str:
    if isinstance(text, Msg):
        data: Encoded = {"id": text.msgid}
        if isinstance(text, Plural):  # both forms and the number: worded again when read
            data.update(plural=text.plural, n=text.n)
        if text.params:
            data["params"] = {k: _encode_param(v) for k, v in text.params.items()}
        return data
    return str(text)


def _encode_param(value: Any) -> Any:
    if isinstance(value, Msg):
        return encode_text(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def decode_text(data: Any) -> Text:
    if isinstance(data, Mapping) and isinstance(data.get("id"), str) and data["id"]:
        msgid: str = data["id"]
        params = data.get("params") or {}
        if not isinstance(params, Mapping):
            params = {}
        decoded = {str(k): _decode_param(v) for k, v in params.items()}
        plural, n = data.get("plural"), data.get("n")
        if isinstance(plural, str) and plural and isinstance(n, int) \
                and not isinstance(n, bool):
            return Plural(msgid, plural, n, **decoded)
        return Msg(msgid, **decoded)
    return "" if data is None else str(data)


def _decode_param(value: Any) -> Any:
    if isinstance(value, Mapping):
        return decode_text(value)
    return value


def _message(data: Mapping[str, Any], name: str) -> Text:
    if (encoded := data.get(f"{name}_msg")) is not None:
        return decode_text(encoded)
    msgid, params = data.get(f"{name}_id"), data.get(f"{name}_params")  # before codes
    if isinstance(msgid, str) and msgid and isinstance(params, Mapping):
        return Msg(msgid, **{str(k): str(v) for k, v in params.items()})
    return str(data.get(name, ""))


def encode_result(result: CheckResult, title: str = "") -> Encoded:
    data: Encoded = {"id": result.check_id, "title": title, "status": result.status.value}
    if result.code:
        data["code"] = result.code
    for name, text in (("detail", result.detail), ("remedy", result.remedy)):
        data[name] = render(text)
        if isinstance(text, Msg):
            data[f"{name}_msg"] = encode_text(text)
    if result.command:
        data["command"] = result.command
    if result.items:
        data["items"] = [_encode_item(i) for i in result.items]
    return data


def encode_notices(msgids: Iterable[str]) -> Encoded:
    """A provider's notices (e.g. the retired EWS path) for --json and reports: rendered,
    and as message ids (``notices_msg``) like every other sentence."""
    messages = [Msg(msgid) for msgid in msgids if msgid]
    return {"notices": [render(m) for m in messages],
            "notices_msg": [encode_text(m) for m in messages]}


def _encode_item(item: SubResult) -> Encoded:
    data: Encoded = {"name": item.name, "key": item.key, "status": item.status.value,
                     "detail": render(item.detail)}
    if isinstance(item.detail, Msg):
        data["detail_msg"] = encode_text(item.detail)
    if item.code:
        data["code"] = item.code
    return data


def decode_result(data: Mapping[str, Any]) -> CheckResult:
    """A stored result; ValueError/KeyError/TypeError if it is not one."""
    return CheckResult(
        check_id=str(data["id"]),
        status=Status(data["status"]),
        detail=_message(data, "detail"),
        remedy=_message(data, "remedy"),
        command=str(data.get("command", "")),
        items=tuple(SubResult(str(i["name"]), Status(i["status"]), _message(i, "detail"),
                              str(i.get("key", "")), code=str(i.get("code", "")))
                    for i in data.get("items", ())),
        code=str(data.get("code", "")),
    )
