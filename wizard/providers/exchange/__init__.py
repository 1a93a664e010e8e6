"""Exchange Server (on-premises): EWS + ApplicationImpersonation, the help page's own path."""

from wizard.core.endpoints import Address
from wizard.core.i18n import N_
from wizard.providers import ProviderInfo

INFO = ProviderInfo(
    name="exchange", title=N_("Exchange Server (on-premises)"), order=3, package=__name__,
    endpoints=(
        # Empty: autodiscover derives the URLs from the e-mail's domain. It gets the service
        # account's password: https, or plain http to this machine (the sandbox).
        Address("autodiscover_url", N_(
            "Exchange autodiscover address (default: found from the e-mail's domain)"),
            N_("The Exchange autodiscover URL"), loopback_http=True),
        # Empty: this machine's resolver. A public DNS-over-HTTPS resolver (JSON, e.g.
        # https://dns.google/resolve) shows how the internet — Cronofy — resolves the EWS
        # host past split-horizon DNS; the demo points it at its own world's DNS.
        Address("resolver_url", N_(
            "DNS-over-HTTPS resolver (JSON) that names the EWS host's public addresses "
            "(default: this machine's resolver)"), N_("The DNS resolver URL")),
    ),
    chatty_libraries=("exchangelib",),
    # What pyspnego logs at DEBUG is each NTLM message itself: with its challenge, an
    # offline-crackable hash of the service account's password.
    authentication_libraries=("spnego", "requests_ntlm", "ntlm_auth", "requests_kerberos",
                              "gssapi", "krb5"),
)
