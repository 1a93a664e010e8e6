"""Google Workspace's fix for the hand-off: one numbered list of console steps with links.

Filled with what the checks found: the account that signed in and its domain.
The Cronofy app's Marketplace install cannot be read with the administrator's
token, so an unconfirmed install is always a step (the link searches the
Marketplace for Cronofy: the app's own page address is not ours to promise).
"""

from __future__ import annotations

from wizard.core.handoff import ConsoleStep, HandoffFacts, Steps
from wizard.core.i18n import N_
from wizard.core.model import Msg
from wizard.providers.google.vantage import API_CONTROLS, CLOUD_IDENTITY_API, CRONOFY_CLIENT_ID

ADMIN_ROLES = "https://admin.google.com/ac/roles"
RESOURCES = "https://admin.google.com/ac/calendarresources/resources"
ADMIN_SDK = "https://console.cloud.google.com/apis/library/admin.googleapis.com"
MARKETPLACE = "https://workspace.google.com/marketplace/search/Cronofy"
NOT_ADMIN = ("google.delegated_admin", "google.not_admin")
HANDLED = (*NOT_ADMIN, "google.admin_api_disabled", "google.no_rooms",
           "google.marketplace_unconfirmed", "google.calendar_restricted",
           "google.policy_api_disabled")


def fix(facts: HandoffFacts) -> Steps | None:
    admin = facts.found("sign_in", "email") or facts.values.get("admin_email", "")
    domain = admin.rpartition("@")[2]
    steps: list[ConsoleStep] = []
    if facts.result(*NOT_ADMIN):
        steps.append(ConsoleStep(Msg(N_(
            "Admin console → Account → Admin roles → Super Admin → Assign users: make {account} "
            "a super administrator, or let an existing super administrator sign in at the "
            "wizard's re-check."), account=admin or "?"), link=ADMIN_ROLES))
    if facts.result("google.admin_api_disabled"):
        steps.append(ConsoleStep(Msg(N_(
            "Google Cloud console, in the project of the OAuth client roomcal signs in with: "
            "APIs & Services → Library → \"Admin SDK API\" → Enable.")), link=ADMIN_SDK))
    if facts.result("google.no_rooms"):
        steps.append(ConsoleStep(Msg(N_(
            "Admin console → Directory → Buildings and resources → Resources: add the "
            "conference rooms of {domain}."), domain=domain or "?"), link=RESOURCES))
    if facts.result("google.marketplace_unconfirmed"):
        steps.append(ConsoleStep(Msg(N_(
            "Google Workspace Marketplace → Cronofy → \"Install app\" (top right), signed in as "
            "a super administrator of {domain}, for everyone in the organisation → accept the "
            "terms of use and privacy policy → wait for \"Cronofy was installed!\"."),
            domain=domain or "?"), link=MARKETPLACE))
    if facts.result("google.calendar_restricted"):
        steps.append(ConsoleStep(Msg(N_(
            "Admin console → Security → Access and data control → API controls → Manage "
            "Third-Party App Access: find Cronofy (OAuth client ID {client}) and set its access "
            "to \"Trusted\" where Calendar is Restricted; without it Google revokes Cronofy's "
            "tokens."), client=CRONOFY_CLIENT_ID), link=API_CONTROLS))
    if facts.result("google.policy_api_disabled"):
        steps.append(ConsoleStep(Msg(N_(
            "Google Cloud console, in the project of the OAuth client roomcal signs in with: "
            "APIs & Services → Library → \"Cloud Identity API\" → Enable, so roomcal can read "
            "the API controls.")), link=CLOUD_IDENTITY_API))
    steps += [ConsoleStep(r.remedy) for r in facts.others(HANDLED) if r.remedy]  # its own words
    if not steps:
        return None
    return Steps(
        title=Msg(N_("The fix: steps in the Google Admin console")),
        intro=Msg(N_("Signed in as a super administrator of {domain}, in this order:"),
                  domain=domain or "?"),
        steps=tuple(steps))
