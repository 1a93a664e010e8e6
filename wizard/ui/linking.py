"""The bridge from the step-2 screens to the Cronofy link (runs in a worker thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from wizard.core.interaction import Interaction
from wizard.core.model import Provider

if TYPE_CHECKING:
    from wizard.ui.app import WizardApp

DEFAULT_LINK_PORT = 8751


def link(app: WizardApp, interaction: Interaction, cancel: threading.Event) -> None:
    """Link Cronofy for the session's profile; store the connection in the session."""
    from wizard.connect.link import LinkRequest, run_link

    session = app.session
    profile = session.profile
    credentials = _credentials(app)
    request = LinkRequest(
        provider=Provider(profile.service or profile.provider),
        region=profile.region,
        port=0 if session.sandbox else DEFAULT_LINK_PORT,
        step1_rooms=session.step1_rooms(),
        profile=profile.name,
        resume=dict(profile.pending_link),
    )

    def pending(data: dict) -> None:
        app.call_from_thread(session.update, pending_link=data)

    outcome = run_link(
        request,
        endpoints=session.endpoints,
        secrets=session.secrets,
        credentials=credentials,
        interaction=interaction,
        cancel=cancel,
        on_pending=pending,
    )

    app.call_from_thread(session.linked, outcome.connection, outcome.resources,
                         outcome.comparison)


def _credentials(app: WizardApp) -> tuple[str, str]:
    from wizard.connect.cronofy import client_credentials

    session = app.session
    demo = session.sandbox.demo_secrets("cronofy") if session.sandbox else None
    return client_credentials(session.secrets, session.profile.name, demo)


def reload(app: WizardApp) -> None:
    """Read the connection and its rooms back from Cronofy with the stored tokens."""
    from wizard.connect.link import load_connection

    session = app.session
    connection = session.profile.connection
    assert connection is not None
    outcome = load_connection(
        connection,
        endpoints=session.endpoints,
        secrets=session.secrets,
        credentials=_credentials(app),
        profile=session.profile.name,
        step1_rooms=session.step1_rooms(),
    )

    def store() -> None:
        session.resources = list(outcome.resources)
        session.comparison = outcome.comparison

    app.call_from_thread(store)


def failure_text(call: Callable[[WizardApp], object], app: WizardApp) -> str:
    """Run a blocking step-2 call; "" when it worked, else one sentence and its remedy."""
    from wizard.core.errors import describe
    from wizard.core.model import render

    try:
        call(app)
    except Exception as exc:  # shown on the screen: one sentence, never a traceback
        sentence, remedy = describe(exc)  # a UserFacingError keeps its own sentence
        return f"{render(sentence)} {render(remedy)}".strip()
    return ""


def disconnect(app: WizardApp) -> None:
    from wizard.connect.link import disconnect as revoke

    session = app.session
    connection = session.profile.connection
    if connection is not None:
        revoke(connection, endpoints=session.endpoints, secrets=session.secrets,
               credentials=_credentials(app), profile=session.profile.name)

    def forget() -> None:
        session.resources = []
        session.comparison = None
        session.update(connection=None, terms_link=False, pending_link={})

    app.call_from_thread(forget)


def authorize(app: WizardApp) -> int:
    """Per-room authorization of the assigned calendars; returns how many succeeded."""
    from wizard.connect.authorize import authorize_rooms

    session = app.session
    connection = session.profile.connection
    assert connection is not None

    def on_result(updated: object) -> None:
        app.call_from_thread(_store_mapping, app, updated)

    results = authorize_rooms(
        list(session.profile.mappings),
        connection=connection,
        endpoints=session.endpoints,
        secrets=session.secrets,
        credentials=_credentials(app),
        profile=session.profile.name,
        on_result=on_result,
    )
    return sum(1 for m in results if m.authorization == "authorized")


def _store_mapping(app: WizardApp, updated: object) -> None:
    session = app.session
    mappings = [updated if m.resource_id == updated.resource_id else m  # type: ignore[attr-defined]
                for m in session.profile.mappings]
    session.update(mappings=mappings)
