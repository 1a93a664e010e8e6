"""What the leak tests grep for: every password, token, code and client secret a sandbox saw.

The sandbox's services keep what they issued and expected; ``collect_secrets``
gathers it from every sandbox stopped in its block (the CLI starts its own),
and ``find_leaks`` names each place one of them turns up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from wizard.sandbox import Sandbox


def sandbox_secrets(box: Sandbox) -> set[str]:
    found: set[str] = set()
    for name, handle in box.services.items():
        state = handle.state
        for secrets in handle.demo_secrets.values():
            found |= {v for k, v in secrets.items() if k != "client_id"}
        if name == "exchange":
            found.add(state.password)
        elif name == "microsoft365":
            found |= set(state.tokens) | set(state.device_codes) | set(state.refresh_tokens) \
                | set(state.id_tokens)
        elif name == "google":
            from wizard.providers.google.sandbox import CLIENT_SECRET

            found |= set(state.tokens) | set(state.refresh) | set(state.issued_codes)
            found.add(CLIENT_SECRET)
        elif name == "cronofy":
            found |= set(state.access) | set(state.refresh) | set(state.issued_codes)
    return {s for s in found if s and len(s) >= 6}


@contextmanager
def collect_secrets() -> Iterator[set[str]]:
    """Every secret of every sandbox stopped inside the block (tests' own or the CLI's)."""
    found: set[str] = set()
    stop = Sandbox.stop

    def stop_and_collect(self: Sandbox) -> None:
        found.update(sandbox_secrets(self))
        stop(self)

    with patch.object(Sandbox, "stop", stop_and_collect):
        yield found


def files_text(*roots: Path) -> dict[str, str]:
    """Every file under the roots (logs, profiles, reports, exports), by path."""
    texts = {}
    for root in roots:
        paths = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())
        for path in paths:
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def find_leaks(texts: Mapping[str, str], secrets: set[str]) -> list[str]:
    return [f"{where}: {secret[:4]}…" for where, text in texts.items()
            for secret in secrets if secret in text]
