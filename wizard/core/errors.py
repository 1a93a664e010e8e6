"""Turn an exception from any client library into a failure code, one sentence and a remedy.

Checks map the errors they expect themselves; this is the safety net for the
rest, so that no traceback ever reaches a user. Exception *messages* are
never shown verbatim: they can contain URLs with credentials or tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wizard.core.i18n import N_
from wizard.core.msg import Msg, Text

if TYPE_CHECKING:
    from wizard.core.model import CheckResult


class UserFacingError(Exception):
    """An error whose sentence and remedy are meant for the user; ``code`` names it."""

    def __init__(self, sentence: Text, remedy: Text = "", code: str = "") -> None:
        super().__init__(str(sentence))
        self.sentence = sentence
        self.remedy = remedy
        self.code = code


@dataclass(frozen=True)
class Failure:
    code: str  # stable: "net.dns", "net.tls", … (see docs/contracts.md)
    sentence: Text
    remedy: Text


class SettingsError(UserFacingError):
    """A ROOMCAL_* variable whose value roomcal cannot use: refused at start, exit 2."""

    def __init__(self, variable: str, sentence: Msg | str, remedy: Msg | str = "") -> None:
        super().__init__(sentence, remedy)
        self.variable = variable


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _netloc(url: object) -> str:
    """host[:port] of a URL (str, httpx.URL or a PreparedRequest's), never its user info."""
    try:
        parts = urlsplit(str(url))
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return ""
    return f"{host}:{port}" if host and port else host


def _host_of(err: BaseException) -> str:
    # httpx and requests keep the request on the exception (httpx raises RuntimeError
    # from ``.request`` when it has none); urllib3 keeps the connection it tried.
    try:
        request = getattr(err, "request", None)
    except RuntimeError:
        request = None
    if request is not None and (host := _netloc(getattr(request, "url", ""))):
        return host
    conn = err.__dict__.get("conn")  # urllib3 NameResolutionError, NewConnectionError
    # default None, not "" (same truth value): in a condition mypy matches a str default
    # against getattr's `bool` overload and reports it.
    if conn is not None and getattr(conn, "host", None):
        port = getattr(conn, "port", None)
        default = 443 if "HTTPS" in type(conn).__name__ else 80
        return f"{conn.host}:{port}" if port and port != default else str(conn.host)
    return ""


def host_of(exc: BaseException) -> str:
    """The host (and a non-default port) a network error was about, from its chain; ""."""
    for err in _chain(exc):
        if host := _host_of(err):
            return host
    return ""


def untrusted(host: str, remedy: Text = "") -> Failure:
    """The sentence for a certificate this machine does not trust, naming the host."""
    return Failure("net.tls_untrusted",
                   Msg(N_("The TLS certificate of {host} is not trusted."), host=host)
                   if host else Msg(N_("The server's TLS certificate is not trusted.")),
                   remedy or Msg(N_("Pass the internal CA with --ca-bundle FILE (PEM).")))


def insecure(url: str) -> Failure:
    """``net.insecure_url`` for a plain http address a password was about to be sent to."""
    return Failure("net.insecure_url",
                   Msg(N_("{host} is a plain http:// address: the password would cross the "
                          "network unencrypted, so roomcal sent nothing there."),
                       host=_netloc(url) or "?"),
                   Msg(N_("Use the server's https:// address; plain http is accepted only for "
                          "this machine (127.0.0.1).")))


def explain(exc: BaseException, host: str = "") -> Failure:
    """What an unexpected exception means for the person, with its code.

    Network sentences name the host they were about: the one the exception chain
    carries (the request's URL: after redirects, the host really called), else
    ``host``, the one the caller meant to call.
    """
    import socket  # here, not at the top: `roomcal --help` imports this module, and
    import ssl  # these two are a tenth of its start-up

    host = host_of(exc) or host
    for err in _chain(exc):
        if isinstance(err, UserFacingError):
            return Failure(err.code or "error", err.sentence, err.remedy)
        text = str(err)
        if isinstance(err, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
            return untrusted(host)
        if isinstance(err, socket.gaierror) or "Name or service not known" in text:
            return Failure("net.dns",
                           Msg(N_("The host name {host} could not be resolved (DNS)."),
                               host=host) if host else
                           Msg(N_("The host name could not be resolved (DNS).")),
                           Msg(N_("Check the spelling of the address and the DNS of this "
                                  "machine.")))
        if isinstance(err, ConnectionRefusedError) or "Connection refused" in text:
            return Failure("net.refused",
                           Msg(N_("The connection to {host} was refused: nothing listens at "
                                  "that address."), host=host) if host else
                           Msg(N_("The connection was refused: nothing listens at that "
                                  "address.")),
                           Msg(N_("Check the host and port, and that the service is running.")))
        if type(err).__name__ == "InsecureTransportError":  # oauthlib, not imported here
            return Failure("net.insecure_url",
                           Msg(N_("A sign-in address does not use https, so the sign-in was "
                                  "stopped before anything was sent.")),
                           Msg(N_("Use https:// addresses in ROOMCAL_GOOGLE_AUTH_URL, "
                                  "ROOMCAL_GOOGLE_TOKEN_URL and the other ROOMCAL_*_URL "
                                  "settings.")))
        if isinstance(err, TimeoutError | socket.timeout) or "timed out" in text.lower():
            return Failure("net.timeout",
                           Msg(N_("{host} did not answer in time."), host=host) if host else
                           Msg(N_("The server did not answer in time.")),
                           Msg(N_("Check the network path (proxy, firewall) or raise "
                                  "--timeout.")))
    return Failure("unexpected", Msg(N_("Unexpected error ({kind})."), kind=type(exc).__name__),
                   Msg(N_("Run the check again; if it persists, write a report with “roomcal "
                          "report -o roomcal-report.json” and send the file to the support of "
                          "your meeting-room product's vendor.")))


def describe(exc: BaseException, host: str = "") -> tuple[Text, Text]:
    """(sentence, remedy) for an unexpected exception (``host``: the one that was called)."""
    failure = explain(exc, host)
    return failure.sentence, failure.remedy


def failed(check_id: str, exc: BaseException, host: str = "") -> CheckResult:
    """A check's FAIL result for an exception: its code, sentence and remedy."""
    from wizard.core.model import CheckResult, Status  # the model only where it is used

    failure = explain(exc, host)
    return CheckResult(check_id, Status.FAIL, failure.sentence, failure.remedy,
                       code=failure.code)
