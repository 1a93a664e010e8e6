"""Google Workspace from where Cronofy stands: the API controls, and Cronofy's own admin role.

roomcal's checks sign in as the administrator with its own OAuth client; Cronofy reaches
Calendar through its own (OAuth client ``CRONOFY_CLIENT_ID``). So:

* ``api_controls`` — if Calendar is "Restricted" in the Admin console's API controls, apps
  that are not trusted stop working and their tokens are revoked (Google Admin Help 60757).
  The Cloud Identity Policy API says whether Calendar is restricted; it does not say which
  apps are trusted, so a restriction asks the person to confirm Cronofy is (step 2 proves
  it: Cronofy's sign-in with Calendar scopes goes through only then).
* ``super_admin`` — Cronofy documents limiting Enterprise Connect to an organisational unit
  with an administrator holding custom roles (Admin API › Users › Read for the unit,
  Domain management for all) instead of a super administrator: such an account warns.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from wizard.core.i18n import N_
from wizard.core.model import CheckContext, CheckResult, Msg, Plural, Status

CRONOFY_CLIENT_ID = "902414518019"
POLICY_SCOPE = "https://www.googleapis.com/auth/cloud-identity.policies.readonly"
ROLES_SCOPE = "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly"
# Setting type and JSON shape after the Policy API reference, "Policy API supported
# settings" (docs.cloud.google.com/identity/docs/concepts/supported-policy-api-settings):
# "App access control > Manage Google Services" is `api_controls.google_services`, field
# `services` (Service[]: `scopes_group`, the service, and `is_enabled`, "Restricted/
# Unrestricted"); policies.list filters with `setting.type.matches('^settings/…$')`
# (identity/docs/reference/rest/v1/policies/list). The reference names neither the enum's
# values nor which boolean is "Restricted": a service whose `isEnabled` is not true counts
# as restricted (as Prowler's google_services check reads it), and the service is Calendar
# when its `scopesGroup` names CALENDAR. Not yet compared with a live tenant.
GOOGLE_SERVICES = "settings/api_controls.google_services"
POLICY_FILTER = r"setting.type.matches('^settings/api_controls\.google_services$')"
# Cronofy's custom roles (docs.cronofy.com, "Restricting Service Account Access"): Admin
# API › Users › Read for the organisational unit, Admin API › Domain Management for all.
ADMIN_API_SERVICE = "00haapch16h1ysv"
USERS_READ = "USERS_RETRIEVE"
DOMAIN_MANAGEMENT = "DOMAIN_MANAGEMENT"
API_CONTROLS = "https://admin.google.com/ac/owl"
CLOUD_IDENTITY_API = "https://console.cloud.google.com/apis/library/cloudidentity.googleapis.com"


def _get(ctx: CheckContext, path: str, *, base: str = "", **params: Any) -> Any:
    from wizard.providers.google.checks import _api  # checks imports this module

    return _api(ctx, path, base=base, **params)


def error_reasons(response: Any) -> set[str]:
    """Google's reasons for an error: the old ``errors[].reason`` and the ErrorInfo's."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return set()
    if not isinstance(error, dict):
        return set()
    found = {str(e.get("reason")) for e in error.get("errors", []) if isinstance(e, dict)}
    found |= {str(d.get("reason")) for d in error.get("details", []) if isinstance(d, dict)}
    return found - {"None"}


# -- api_controls ------------------------------------------------------------------------------

def _calendar_restricted(policy: dict[str, Any]) -> bool:
    setting = policy.get("setting") or {}
    if setting.get("type") != GOOGLE_SERVICES:
        return False
    value = setting.get("value") or {}
    for service in value.get("services") or ():
        # The JSON is camelCase; the reference's table spells the fields in snake_case.
        group = str(service.get("scopesGroup") or service.get("scopes_group") or "")
        enabled = service.get("isEnabled", service.get("is_enabled"))
        if "CALENDAR" in group.upper() and enabled is not True:
            return True
    return False


def _scope(policy: dict[str, Any]) -> str:
    query = policy.get("policyQuery") or {}
    return str(query.get("orgUnit") or query.get("group") or policy.get("name", ""))


def _unreadable(response: Any) -> CheckResult:
    """The Policy API did not answer: say why and what lets it, never a pass."""
    reasons = error_reasons(response)
    if reasons & {"SERVICE_DISABLED", "accessNotConfigured"}:
        return CheckResult(
            "api_controls", Status.WARN,
            Msg(N_("Could not read the API controls: the Cloud Identity API is not enabled in "
                   "the Google Cloud project of this OAuth client.")),
            Msg(N_("Google Cloud console → APIs & Services → Library → \"Cloud Identity API\" "
                   "→ Enable; then re-check.")), code="google.policy_api_disabled")
    if "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in reasons or "insufficientPermissions" in reasons:
        return CheckResult(
            "api_controls", Status.WARN,
            Msg(N_("Could not read the API controls: the sign-in did not grant roomcal "
                   "permission to view the organisation's policies.")),
            Msg(N_("Re-check and leave every permission ticked on Google's consent screen.")),
            code="google.policy_scope_missing")
    if response.status_code == 403:
        return CheckResult(
            "api_controls", Status.WARN,
            Msg(N_("Could not read the API controls: only a super administrator may read the "
                   "organisation's policies.")),
            Msg(N_("Let a super administrator check Admin console → Security → Access and data "
                   "control → API controls: if Calendar is \"Restricted\" under Manage Google "
                   "Services, Cronofy (OAuth client ID {client}) must be \"Trusted\" under "
                   "Manage Third-Party App Access."), client=CRONOFY_CLIENT_ID),
            code="google.policy_denied")
    from wizard.providers.google.checks import _failure

    failure = _failure("api_controls", response)
    return CheckResult("api_controls", Status.WARN,
                       Msg(N_("Could not read the API controls: {why}"), why=failure.detail),
                       failure.remedy, code=failure.code)


def check_api_controls(ctx: CheckContext) -> CheckResult:
    policies: list[dict[str, Any]] = []
    token = ""
    while True:
        params: dict[str, Any] = {"filter": POLICY_FILTER, "pageSize": 100}
        if token:
            params["pageToken"] = token
        response = _get(ctx, "/v1/policies", base=ctx.endpoints.google_policy_url, **params)
        if response.status_code != 200:
            return _unreadable(response)
        data = response.json()
        policies.extend(p for p in data.get("policies", []) if isinstance(p, dict))
        token = data.get("nextPageToken", "")
        if not token or ctx.cancel.is_set():
            break
    scopes = sorted({_scope(p) for p in policies if _calendar_restricted(p)})
    if not scopes:
        return CheckResult(
            "api_controls", Status.PASS,
            Msg(N_("Calendar is not restricted in the API controls: Cronofy needs no trust "
                   "there.")))
    count = len(scopes)
    if "api_controls" in ctx.confirmations:
        return CheckResult(
            "api_controls", Status.PASS,
            Plural("Calendar is Restricted in the API controls for {count} organisational unit "
                   "or group; you confirmed that Cronofy ({client}) is trusted there, which "
                   "step 2 proves.",
                   "Calendar is Restricted in the API controls for {count} organisational "
                   "units or groups; you confirmed that Cronofy ({client}) is trusted there, "
                   "which step 2 proves.", count, count=count, client=CRONOFY_CLIENT_ID))
    return CheckResult(
        "api_controls", Status.MANUAL,
        Plural("Calendar is Restricted in the API controls for {count} organisational unit or "
               "group: apps that are not trusted stop working there and their tokens are "
               "revoked. Whether Cronofy is trusted cannot be read; a person confirms it.",
               "Calendar is Restricted in the API controls for {count} organisational units or "
               "groups: apps that are not trusted stop working there and their tokens are "
               "revoked. Whether Cronofy is trusted cannot be read; a person confirms it.",
               count, count=count),
        Msg(N_("Admin console → Security → Access and data control → API controls → Manage "
               "Third-Party App Access: find Cronofy (OAuth client ID {client}) and set its "
               "access to \"Trusted\"; then tick the confirmation."), client=CRONOFY_CLIENT_ID),
        code="google.calendar_restricted")


# -- super_admin: Cronofy's custom roles -------------------------------------------------------

def cronofy_roles(ctx: CheckContext, email: str) -> CheckResult | None:
    """WARN when ``email``, not a super administrator, holds the privileges Cronofy documents
    for an organisational unit; None when it does not (or its roles cannot be read)."""
    assignments = _get(ctx, "/admin/directory/v1/customer/my_customer/roleassignments",
                       userKey=email, maxResults=100)
    if assignments.status_code != 200:
        return None  # no permission to read roles: nothing proven, super_admin fails
    users_read = domain_all = False
    units: set[str] = set()
    for assignment in assignments.json().get("items", []):
        role = _get(ctx, "/admin/directory/v1/customer/my_customer/roles/"
                         f"{quote(str(assignment.get('roleId', '')), safe='')}")
        if role.status_code != 200:
            continue
        names = {str(p.get("privilegeName")) for p in role.json().get("rolePrivileges", [])
                 if p.get("serviceId") in (ADMIN_API_SERVICE, "-", None)}
        everywhere = assignment.get("scopeType", "CUSTOMER") == "CUSTOMER"
        if USERS_READ in names:
            users_read = True
            if not everywhere:
                units.add(str(assignment.get("orgUnitId", "")))
        if DOMAIN_MANAGEMENT in names and everywhere:
            domain_all = True
    if not (users_read and domain_all):
        return None
    detail = (Plural("{email} is not a super administrator but holds Cronofy's custom roles "
                     "(Admin API › Users › Read for {count} organisational unit, Domain "
                     "management for all): Cronofy is limited to that unit.",
                     "{email} is not a super administrator but holds Cronofy's custom roles "
                     "(Admin API › Users › Read for {count} organisational units, Domain "
                     "management for all): Cronofy is limited to those units.", len(units),
                     email=email, count=len(units))
              if units else
              Msg(N_("{email} is not a super administrator but holds Cronofy's custom roles "
                     "(Admin API › Users › Read and Domain management, for the whole "
                     "organisation)."), email=email))
    return CheckResult(
        "super_admin", Status.WARN, detail,
        Msg(N_("That is Cronofy's documented way to limit it to an organisational unit; a super "
               "administrator still installs the Cronofy app from the Marketplace and restricts "
               "it to that unit.")),
        code="google.cronofy_custom_role")
