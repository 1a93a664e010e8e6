"""Validators for the file paths the forms take (CA bundles, client secrets)."""

from __future__ import annotations

import os

from wizard.core.i18n import N_
from wizard.core.model import Msg


def valid_ca_bundle(value: str) -> Msg | None:
    """A readable PEM file: caught in the form, not as an OSError deep in a TLS handshake."""
    path = os.path.expanduser(value)
    if not os.path.isfile(path):
        return Msg(N_("{path} does not exist: enter the path of the CA's certificate file "
                      "(PEM)."), path=value)
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError as exc:
        return Msg(N_("{path} cannot be read ({reason})."), path=value,
                   reason=exc.strerror or type(exc).__name__)
    if b"-----BEGIN CERTIFICATE-----" not in head:
        return Msg(N_("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----); convert "
                      "a .cer/.der file with: openssl x509 -inform der -in FILE -out ca.pem"),
                   path=value)
    return None
