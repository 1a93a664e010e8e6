"""The welcome step: which calendar service is set up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.core.flow import Step

if TYPE_CHECKING:
    from wizard.app.answers import Answers
    from wizard.app.setup import Setup


class WelcomeStep:
    def __init__(self, setup: Setup) -> None:
        self._setup = setup

    @property
    def provider(self) -> str | None:
        """The chosen provider; None until one (still installed) is chosen."""
        return self._setup.session.provider

    def choose(self, name: str) -> None:
        """Another provider: step 1's results and step 2's service follow it."""
        self._setup.session.choose_provider(name)

    @property
    def can_go_on(self) -> bool:
        return self.provider is not None

    def done(self) -> Step | None:
        """The step to show next; None while no provider is chosen."""
        return Step.PREPARE if self.can_go_on else None

    def run_answers(self, answers: Answers) -> None:
        self.choose(answers.provider)
