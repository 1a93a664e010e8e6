"""Blocking step-2 calls from worker threads, reduced to the sentence a screen shows."""

from __future__ import annotations

from collections.abc import Callable

from wizard.core.errors import describe
from wizard.core.model import render


def failure_text(call: Callable[[], object]) -> str:
    """Run ``call``; "" when it worked, else one sentence and its remedy."""
    try:
        call()
    except Exception as exc:  # shown on the screen: one sentence, never a traceback
        sentence, remedy = describe(exc)  # a UserFacingError keeps its own sentence
        return f"{render(sentence)} {render(remedy)}".strip()
    return ""
