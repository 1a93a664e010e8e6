"""NTLM for the sandbox's EWS server: a real acceptor (pyspnego), not a pass-through.

NTLM authenticates a TCP connection, not a request: NEGOTIATE → 401 with a
CHALLENGE → AUTHENTICATE on the same connection; after that the connection
stays signed in (as IIS does), so exchangelib's pooled connections do the
handshake once. The acceptor checks the NTLMv2 response against the
scenario's password — a wrong password fails exactly as on a real server.

pyspnego's acceptor reads its users from the file named by ``NTLM_USER_FILE``
when it steps; the variable is set for the duration of that step only, under
a lock, so two sandboxes in one process (tests) each use their own file.
"""

from __future__ import annotations

import base64
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

_env_lock = threading.Lock()


class NtlmAcceptor:
    def __init__(self, users: dict[str, str], directory: Path | None = None) -> None:
        folder = directory or Path(tempfile.mkdtemp(prefix="roomcal-ntlm-"))
        self.user_file = folder / "ntlm-users"
        # Heimdal format ``DOMAIN:USER:PASSWORD``; a UPN has an empty domain.
        lines = [f":{user}:{password}" for user, password in users.items()]
        lines += [f"DEMO:{user.split('@')[0]}:{password}" for user, password in users.items()]
        self.user_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.user_file.chmod(0o600)

    def authenticate(self, header: str, connection: dict[str, Any]) -> tuple[bool, str]:
        """(authenticated, WWW-Authenticate value for a 401) for one request."""
        import spnego
        from spnego.exceptions import SpnegoError

        scheme, _sep, token = header.partition(" ")
        if connection.get("ntlm_user") and not (scheme.lower() == "ntlm" and token):
            return True, ""
        # A new NTLM token on a connection that is signed in already starts the handshake
        # over, as IIS does: requests-ntlm sends its NEGOTIATE on whichever pooled connection
        # it gets, and a 200 instead of the challenge there made it fail (KeyError).
        connection.pop("ntlm_user", None)
        if scheme.lower() != "ntlm" or not token:
            connection.pop("ntlm", None)
            return False, "NTLM"
        try:
            blob = base64.b64decode(token.strip())
        except ValueError:
            return False, "NTLM"
        with _env_lock:
            # pyspnego reads its users from this variable. Set, never removed: removing
            # it raced any thread iterating os.environ (urllib's proxy lookup in every
            # request: KeyError), once the per-room checks ran 27 requests at once.
            if os.environ.get("NTLM_USER_FILE") != str(self.user_file):
                os.environ["NTLM_USER_FILE"] = str(self.user_file)
            try:
                context = connection.get("ntlm")
                if context is None or blob[8:12] == b"\x01\x00\x00\x00":  # NEGOTIATE
                    context = spnego.server(protocol="ntlm")
                    connection["ntlm"] = context
                reply = context.step(blob)
            except SpnegoError:
                connection.pop("ntlm", None)
                return False, "NTLM"
        if context.complete:
            connection["ntlm_user"] = context.client_principal or "?"
            connection.pop("ntlm", None)
            return True, ""
        return False, "NTLM " + base64.b64encode(reply or b"").decode()
