"""The Cronofy API client for step 2: tokens, userinfo, resources, authorizations, revoke.

httpx with an SSLContext built from the CA bundle (never the environment's
REQUESTS_CA_BUNDLE). Every error becomes ``CronofyError`` — one sentence and
what to do — including 422s field by field, 429 after a bounded back-off and
a 401 that a refresh could not cure.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from wizard.core import redact
from wizard.core.errors import UserFacingError
from wizard.core.i18n import N_
from wizard.core.model import Msg
from wizard.core.retry import Backoff, send_retrying
from wizard.core.secrets import SecretStore

if TYPE_CHECKING:
    from wizard.core.settings import Settings

TIMEOUT = 30.0
# userinfo's keys the link reads as text (wizard.connect.link)
USERINFO_TEXT = ("sub", "email", "cronofy.service_account.domain",
                 "cronofy.service_account.provider_name")


class CronofyError(UserFacingError):
    def __init__(self, sentence: Msg, remedy: Msg | str = "", status: int = 0) -> None:
        super().__init__(sentence, remedy)
        self.status = status


class UnexpectedAnswer(CronofyError):
    """Valid JSON, but not of the shape Cronofy's API documents (a proxy's page, a change)."""

    def __init__(self, what: str) -> None:
        super().__init__(
            Msg(N_("Cronofy sent an answer roomcal does not understand ({what})."), what=what),
            Msg(N_("Check for a proxy between this machine and Cronofy; if it keeps "
                   "happening, write a report with “roomcal report -o roomcal-report.json” "
                   "and send the file to the support of your meeting-room product's vendor.")))


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float
    service_account_id: str = ""

    @classmethod
    def from_response(cls, data: Mapping[str, Any], refresh_token: str = "") -> Tokens:
        """The tokens of a token answer; ``UnexpectedAnswer`` unless it has their shape."""
        access = data.get("access_token")
        refresh = data.get("refresh_token") or refresh_token
        expires_in = data.get("expires_in", 1800)
        account = data.get("service_account_id", "")
        if not (isinstance(access, str) and access and isinstance(refresh, str)
                and isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
                and isinstance(account, str)):
            raise UnexpectedAnswer("token")
        tokens = cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=time.time() + float(expires_in),
            service_account_id=account,
        )
        redact.register(tokens.access_token)
        redact.register(tokens.refresh_token)
        return tokens


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    email: str


def client_credentials(
    settings: Settings, secrets: SecretStore, profile: str,
    demo: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """Cronofy client id/secret: the settings, else keyring, else the sandbox's (demo)."""
    client_id = settings.cronofy_client_id or secrets.get(
        profile, "cronofy_client_id", secret=False) or (demo or {}).get("client_id", "")
    client_secret = settings.cronofy_client_secret or secrets.get(
        profile, "cronofy_client_secret") or (demo or {}).get("client_secret", "")
    if not client_id or not client_secret:
        raise UserFacingError(
            Msg(N_("No Cronofy client id and secret are configured.")),
            Msg(N_("Set ROOMCAL_CRONOFY_CLIENT_ID and ROOMCAL_CRONOFY_CLIENT_SECRET (or store "
                   "them in the keyring); your meeting-room vendor provides them.")),
        )
    redact.register(client_secret)
    return client_id, client_secret


def ssl_context(ca_bundle: str) -> ssl.SSLContext | bool:
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True


STATUS_SENTENCES = {
    401: (N_("Cronofy rejected the credentials (HTTP 401)."),
          N_("Link again; if it keeps failing, check the Cronofy client id and secret and the "
             "data centre.")),
    402: (N_("The Cronofy plan does not include this feature (HTTP 402)."),
          N_("Ask your meeting-room vendor to enable Enterprise Connect for the account.")),
    403: (N_("Cronofy refused the request (HTTP 403): the link lacks a permission."),
          N_("Link again and accept all requested permissions.")),
    404: (N_("Cronofy does not know this resource (HTTP 404)."),
          N_("Check the data centre and link again.")),
    429: (N_("Cronofy is rate-limiting the requests (HTTP 429)."),
          N_("Wait a minute and try again.")),
}


class CronofyClient:
    def __init__(
        self,
        api_url: str,
        client_id: str,
        client_secret: str,
        *,
        ca_bundle: str = "",
        tokens: Tokens | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens = tokens
        self.on_tokens = on_tokens
        self.cancel = cancel  # ends a back-off wait early (the link was cancelled)
        self.http = httpx.Client(verify=ssl_context(ca_bundle), timeout=TIMEOUT)

    def close(self) -> None:
        self.http.close()

    # -- plumbing --------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; 429s wait as the shared back-off rule says (wizard.core.retry)."""
        return send_retrying(lambda: self._request(method, path, **kwargs),
                             Backoff(self.cancel))

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, f"{self.api_url}{path}", **kwargs)
        except httpx.HTTPError as exc:
            from wizard.core.errors import describe

            sentence, remedy = describe(exc)
            raise CronofyError(Msg(N_("Cronofy could not be reached: {reason}"),
                                   reason=str(sentence)), remedy) from None

    def _fail(self, response: httpx.Response) -> CronofyError:
        status = response.status_code
        if status == 422:
            # The fields are those of roomcal's own request, not anything the person typed:
            # asking them to "correct the values named" would send them looking in vain.
            # Cronofy's own words (English) only quoted, labelled, after our sentence.
            answer = _field_errors(response)
            refused = Msg(N_("Cronofy refused a request roomcal made (HTTP 422). Cronofy's "
                             "answer: “{answer}”"), answer=answer) if answer else \
                Msg(N_("Cronofy refused a request roomcal made (HTTP 422)."))
            return CronofyError(refused, Msg(N_(
                "Try again; if it keeps happening, write a report with “roomcal report -o "
                "roomcal-report.json” and send the file to the support of your meeting-room "
                "product's vendor.")), 422)
        if status >= 500:
            return CronofyError(Msg(N_("Cronofy had a server error (HTTP {status})."),
                                    status=status),
                                Msg(N_("Try again in a few minutes.")), status)
        sentence, remedy = STATUS_SENTENCES.get(
            status, (N_("Cronofy answered HTTP {status}."), N_("Try again.")))
        return CronofyError(Msg(sentence, status=status), Msg(remedy), status)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise CronofyError(Msg(N_("Cronofy sent an answer that is not JSON.")),
                               Msg(N_("Check for a proxy between this machine and Cronofy.")),
                               response.status_code) from None

    def _object(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """The answer's JSON object; ``UnexpectedAnswer`` for any other JSON."""
        data = self._json(response)
        if not isinstance(data, dict):
            raise UnexpectedAnswer(what)
        return data

    def _token_request(self, data: dict[str, str]) -> Tokens:
        response = self._send("POST", "/oauth/token", json={
            "client_id": self.client_id, "client_secret": self.client_secret, **data})
        if response.status_code == 401:
            raise CronofyError(
                Msg(N_("This Cronofy data centre does not know the client (invalid_client).")),
                Msg(N_("Choose the data centre where your Cronofy application is registered "
                       "(often Germany for EU customers), then link again.")), 401)
        if response.status_code == 400:
            error = self._object(response, "token").get("error", "")
            if not isinstance(error, str):
                raise UnexpectedAnswer("token")
            raise CronofyError(
                Msg(N_("Cronofy did not accept the sign-in. Cronofy's answer: “{error}”"),
                    error=error),
                Msg(N_("Link again: codes are single-use and expire after a few minutes.")),
                400)
        if response.status_code >= 300:
            raise self._fail(response)
        tokens = Tokens.from_response(self._object(response, "token"),
                                      data.get("refresh_token", ""))
        self.tokens = tokens
        if self.on_tokens is not None:
            self.on_tokens(tokens)
        return tokens

    def exchange_code(self, code: str, redirect_uri: str) -> Tokens:
        redact.register(code)
        return self._token_request({"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": redirect_uri})

    def refresh(self) -> Tokens:
        if self.tokens is None or not self.tokens.refresh_token:
            raise CronofyError(Msg(N_("The Cronofy link has no refresh token.")),
                               Msg(N_("Link again.")), 401)
        try:
            return self._token_request({"grant_type": "refresh_token",
                                        "refresh_token": self.tokens.refresh_token})
        except CronofyError as exc:
            if exc.status == 401:  # invalid_client: this data centre never issued the link
                raise CronofyError(
                    Msg(N_("This Cronofy data centre does not know the link's client or "
                           "token.")),
                    Msg(N_("Check the data centre chosen in step 2, then link again.")),
                    401) from None
            raise CronofyError(Msg(N_("The Cronofy link has expired or was revoked.")),
                               Msg(N_("Link again (step 2).")), exc.status) from None

    def _api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An authenticated call; on 401 refresh once and retry, then give up."""
        if self.tokens is None:
            raise CronofyError(Msg(N_("Not linked to Cronofy yet.")), Msg(N_("Link first.")))
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self.tokens.access_token}"}
            response = self._send(method, path, headers=headers, **kwargs)
            if response.status_code != 401 or attempt == 1:
                break
            self.refresh()
        if response.status_code == 401:
            raise CronofyError(Msg(N_("Cronofy does not accept the link's token in this data "
                                      "centre.")),
                               Msg(N_("Check the data centre, then link again.")), 401)
        if response.status_code >= 300:
            raise self._fail(response)
        return response

    # -- API -------------------------------------------------------------------------------
    def userinfo(self) -> dict[str, Any]:
        info = self._object(self._api("GET", "/v1/userinfo"), "userinfo")
        if not all(isinstance(info.get(key, ""), str) for key in USERINFO_TEXT):
            raise UnexpectedAnswer("userinfo")
        return info

    def resources(self) -> list[Resource]:
        listed = self._object(self._api("GET", "/v1/resources"), "resources").get(
            "resources", [])
        if not isinstance(listed, list) or not all(
                isinstance(r, dict) and isinstance(r.get("email", ""), str)
                and isinstance(r.get("name", ""), str) for r in listed):
            raise UnexpectedAnswer("resources")
        return [Resource(id=r.get("email", ""), name=r.get("name", ""),
                         email=r.get("email", "")) for r in listed]

    def authorize_resource(self, email: str, callback_url: str, state: str) -> None:
        self._api("POST", "/v1/service_account_authorizations", json={
            "email": email, "callback_url": callback_url, "state": state,
            "scope": "read_write"})

    def revoke(self) -> None:
        if self.tokens is None:
            return
        for token in (self.tokens.refresh_token, self.tokens.access_token):
            if token:
                self._send("POST", "/oauth/token/revoke", json={
                    "client_id": self.client_id, "client_secret": self.client_secret,
                    "token": token})


def _field_errors(response: httpx.Response) -> str:
    """``{"errors": {field: [{key, description}]}}`` as text; what does not have that
    shape is left out (the status alone still says what happened)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, dict):
        return ""
    parts = []
    for field_name, problems in errors.items():
        for problem in problems if isinstance(problems, list) else ():
            if isinstance(problem, dict):
                text = problem.get("description") or problem.get("key")
                parts.append(f"{field_name}: {text}")
    return "; ".join(parts)
