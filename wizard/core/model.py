"""Domain types shared by the checks, the runner, the store, the CLI and the UI."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from wizard.core.i18n import N_, _
from wizard.core.msg import Msg as Msg
from wizard.core.msg import Plural as Plural
from wizard.core.msg import Text as Text
from wizard.core.msg import render as render

if TYPE_CHECKING:
    from wizard.core.endpoints import Endpoints
    from wizard.core.interaction import Interaction
    from wizard.core.settings import Settings


class Status(StrEnum):
    PENDING = "pending"
    CHECKING = "checking"
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        return _(STATUS_LABELS[self])

    @property
    def done(self) -> bool:
        return self not in (Status.PENDING, Status.CHECKING)


STATUS_LABELS = {
    Status.PENDING: N_("pending"),
    Status.CHECKING: N_("checking"),
    Status.PASS: N_("pass"),
    Status.FAIL: N_("fail"),
    Status.WARN: N_("warning"),
    Status.SKIP: N_("skipped"),
    Status.MANUAL: N_("confirm"),
}

# One character per status, for the terminal (roomcal check) and the hand-off to IT.
STATUS_SYMBOLS = {
    Status.PASS: "✓",
    Status.FAIL: "✗",
    Status.WARN: "!",
    Status.SKIP: "-",
    Status.MANUAL: "?",
    Status.PENDING: " ",
    Status.CHECKING: "…",
}


@dataclass(frozen=True)
class SubResult:
    """One part of a check, e.g. the impersonation result for one room mailbox."""

    name: str
    status: Status
    detail: Text = ""
    key: str = ""  # a stable id, e.g. the room's email address
    code: str = ""  # why it failed, e.g. "exchange.impersonation_denied"


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    status: Status
    detail: Text = ""
    remedy: Text = ""
    command: str = ""  # a copyable fix, e.g. PowerShell; never translated
    items: tuple[SubResult, ...] = ()
    elapsed: float = 0.0
    # A stable failure code ("exchange.impersonation_denied", "net.dns"): what replays
    # and scripts match on, whatever language the sentences are in. Empty for a pass.
    code: str = ""


# "toggle": on or off, its value "yes" or "" (a CLI flag, a checkbox in the form).
FieldKind = Literal["text", "password", "choice", "url", "email", "path", "toggle"]
TOGGLE_ON = "yes"


@dataclass(frozen=True)
class Field:
    """One input of a provider's step-1 form (rendered by the UI, read by the CLI)."""

    key: str
    label: str  # msgid
    kind: FieldKind = "text"
    required: bool = True
    placeholder: str = ""
    help: str = ""  # msgid
    choices: tuple[tuple[str, str], ...] = ()  # (value, msgid label)
    default: str = ""
    validate: Callable[[str], Text | None] | None = None
    # Does a report's value replay in the sandbox? Not for addresses and files of the
    # customer's (the sandbox has its own), nor for machine-local things (a port).
    local: bool = False

    def problem(self, value: str) -> Text | None:
        """What is wrong with ``value`` for this field, or None: the one rule (required,
        then the field's own validator) that the form, ``roomcal check``'s options and an
        answers file all ask."""
        if not value:
            return Msg(N_("Required.")) if self.required else None
        if self.kind == "toggle" and value not in (TOGGLE_ON, "no"):
            return Msg(N_("Enter yes or no."))
        return self.validate(value) if self.validate is not None else None

    @property
    def secret(self) -> bool:
        return self.kind == "password"

    @property
    def replayed(self) -> bool:
        return not (self.local or self.secret or self.kind in ("url", "path"))


@dataclass(frozen=True)
class Confirmation:
    """A manual item the user confirms with a toggle (e.g. Marketplace install + terms)."""

    toggle_label: str  # msgid
    hint: str = ""  # msgid


@dataclass
class CheckContext:
    """What a check may use. Checks are blocking functions run in worker threads."""

    values: Mapping[str, str]
    secrets: Mapping[str, str]
    endpoints: Endpoints
    interaction: Interaction
    cancel: threading.Event = field(default_factory=threading.Event)
    shared: dict[str, Any] = field(default_factory=dict)
    confirmations: frozenset[str] = frozenset()
    report_progress: Callable[[CheckResult], None] = lambda result: None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The ROOMCAL_* settings (e.g. a client file for a sign-in); none given: the defaults.
    settings: Settings = field(default_factory=lambda: _default_settings())
    # Per-room work for more rooms than this runs in a worker process (wizard.core.fanout);
    # None: in this process. Whoever builds the context decides (wizard.app.Setup).
    offload_above: int | None = None


def _default_settings() -> Settings:
    from wizard.core.settings import Settings  # settings imports this module

    return Settings()


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str  # msgid
    run: Callable[[CheckContext], CheckResult]
    needs: tuple[str, ...] = ()  # ids that must pass (or warn) first
    inputs: tuple[str, ...] = ()  # field keys: re-check when one changes
    timeout: float = 60.0
    required: bool = True
    confirmation: Confirmation | None = None
    help: str = ""  # msgid: the help-page item this check stands for


@dataclass(frozen=True)
class ProviderPlugin:
    """A provider's step 1 (form and checks) and what its step 2 means.

    Everything the screens, the CLI and reports say about one calendar service
    comes from here, so nothing outside the provider's package names it.
    """

    name: str  # the registry's name (wizard.providers)
    fields: tuple[Field, ...]
    checks: tuple[CheckSpec, ...]
    notice: str = ""  # msgid shown above the checklist (e.g. the EWS retirement)
    # msgid: who signs in at step 2 ("You will sign in with …")
    sign_in: str = ""
    # msgid: what Cronofy reading the room calendars proves about step 1
    step2_proof: str = ""
    # msgid: why a room found in step 1 may be missing from Cronofy's view
    missing_rooms_hint: str = ""
    # The check whose items are the rooms (step 2 compares them with Cronofy's).
    rooms_check: str = "rooms"
    # (check id, msgid with {count}): confirmations that Cronofy listing rooms proves.
    proven_by_link: tuple[tuple[str, str], ...] = ()
    # Keyring entries the checks keep beyond the secret fields (refresh tokens, token
    # caches): "start over" forgets them too.
    stored_secrets: tuple[str, ...] = ()
    # Secret-store keys of a remembered sign-in (a token cache): disconnecting forgets them
    # (and "start over", as it forgets stored_secrets).
    remembered_sign_in: tuple[str, ...] = ()
    # msgid: who sends the opt-in test booking (the step-1 dialog says so before it is sent);
    # may name the form's fields ("{username}"). "": the screen offers no test booking.
    test_booking_sender: str = ""

    def spec(self, check_id: str) -> CheckSpec:
        for spec in self.checks:
            if spec.id == check_id:
                return spec
        raise KeyError(check_id)


@dataclass
class RoomMapping:
    resource_id: str
    calendar: str  # the calendar's name as Cronofy lists it
    email: str
    room: str  # the conference room it belongs to
    authorization: str = ""  # "", "pending", "authorized", "failed"
    code: str = ""  # why Cronofy could not prove it (wizard.core.proofs), "" otherwise

    def to_json(self) -> dict[str, str]:
        return {
            "resource_id": self.resource_id,
            "calendar": self.calendar,
            "email": self.email,
            "room": self.room,
            "authorization": self.authorization,
            **({"code": self.code} if self.code else {}),
        }


@dataclass
class Connection:
    provider: str
    account: str
    region: str
    service_account_id: str = ""
    rooms: int = 0
    linked_at: str = ""
    link_id: str = ""  # the roomcal relay's link (lnk_…): no secret without the token

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)
