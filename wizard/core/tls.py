"""The TLS contexts HTTPS clients verify with: made once per trust store, then shared.

Building a context reads its CA certificates: the system's bundle is ~25 ms of CPU. httpx
builds one for every client made without one — and the checks made a client, or called
``httpx.get``, for each room they read: 125 s of CPU for a 5 000-room tenant, spent on
parsing the same certificates again. A context is safe to share between threads and
clients; what it trusts is fixed when it is made.
"""

from __future__ import annotations

import os
import ssl
from functools import lru_cache


def context(ca_bundle: str = "") -> ssl.SSLContext:
    """The context trusting ``ca_bundle`` alone (a proxy's or the sandbox's CA), or, without
    one, what httpx trusts by default: SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's.

    A bundle replaced on disk is read again; a missing one raises FileNotFoundError, as
    ``ssl.create_default_context(cafile=…)`` does.
    """
    if ca_bundle:
        stat = os.stat(ca_bundle)
        return _bundle(ca_bundle, stat.st_mtime_ns, stat.st_size)
    return _default(os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))


@lru_cache(maxsize=8)
def _bundle(path: str, _mtime_ns: int, _size: int) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=path)


@lru_cache(maxsize=4)
def _default(_cert_file: str, _cert_dir: str) -> ssl.SSLContext:
    import httpx  # what a client made with verify=True would trust, read from the same place

    return httpx.create_ssl_context()
