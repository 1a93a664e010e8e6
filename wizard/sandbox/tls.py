"""A throw-away certificate authority for the sandbox's HTTPS servers.

msal only accepts https authorities, and ``--ca-bundle`` must be provable
against a private CA: so the sandbox makes one per run, issues a certificate
for 127.0.0.1/localhost, and writes the CA certificate (PEM) to a temp file
that the clients are pointed at. Its certificates live as long as a public CA's
(398 days); a service may issue one of its own from the same CA (``issue``: one
about to expire) or from another CA (``make_tls(prefix=…)``: an organisation's own).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TlsMaterial:
    ca_pem: Path  # give this to clients (--ca-bundle)
    cert_pem: Path
    key_pem: Path
    ca_key_pem: Path  # the CA's key: more certificates from the same CA (issue)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_pem, self.key_pem)
        return context


def make_tls(directory: Path | None = None, *, name: str = "roomcal sandbox CA",
             prefix: str = "", days: float = 398) -> TlsMaterial:
    """A CA and a certificate for 127.0.0.1/localhost from it, valid ``days`` from now
    (by default as long as a public CA's: a check of the expiry sees a healthy one).

    ``name``/``prefix``: another CA beside the sandbox's (an organisation's own CA, its
    files named ``prefix`` + ``ca.pem`` …), e.g. for a server only that CA vouches for.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    directory = Path(directory or tempfile.mkdtemp(prefix="roomcal-sandbox-tls-"))
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=max(days, 398) + 1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = directory / f"{prefix}ca.pem"
    ca_key_pem = directory / f"{prefix}ca.key"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(ca_key_pem, ca_key)
    return issue(TlsMaterial(ca_pem, ca_pem, ca_key_pem, ca_key_pem), days=days, prefix=prefix)


def issue(ca: TlsMaterial, *, days: float, prefix: str) -> TlsMaterial:
    """Another server certificate for 127.0.0.1/localhost from ``ca``'s CA, valid ``days``
    (files ``prefix`` + ``server.pem``/``server.key`` beside the CA's)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = dt.datetime.now(dt.UTC)
    ca_cert = x509.load_pem_x509_certificate(ca.ca_pem.read_bytes())
    ca_key = serialization.load_pem_private_key(ca.ca_key_pem.read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_pem = ca.ca_pem.parent / f"{prefix}server.pem"
    key_pem = ca.ca_pem.parent / f"{prefix}server.key"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key_pem, key)
    return TlsMaterial(ca.ca_pem, cert_pem, key_pem, ca.ca_key_pem)


def _write_key(path: Path, key: Any) -> None:
    from cryptography.hazmat.primitives import serialization

    path.touch(mode=0o600)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
