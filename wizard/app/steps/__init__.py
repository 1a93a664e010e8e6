"""One controller per step: the step's gate, its state changes and its answers.

As Subiquity does it: a screen renders its step and forwards what the person does to the
step's controller (``choose``, ``confirm``, ``accept_terms_link``, ``done`` …); the CLI
calls the same methods; an answers file is played through ``run_answers()``, which makes
the calls a person's screen makes. Only the controllers (and ``Setup``) change the
session: wizard.ui and wizard.commands never import it (an import contract holds that).
"""

from wizard.app.steps.assign import AssignStep
from wizard.app.steps.connect import ConnectStep, GateClosedError
from wizard.app.steps.prepare import PrepareStep
from wizard.app.steps.welcome import WelcomeStep

__all__ = ["AssignStep", "ConnectStep", "GateClosedError", "PrepareStep", "WelcomeStep"]
