"""Pieces shared by the subcommands: logging, the demo, the CLI's interaction.

This is one of the two places that may start the sandbox (the other is the tests):
``open_demo`` builds it and the commands inject it into the application layer as
its ``DemoEnvironment``.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from typing import TYPE_CHECKING

from wizard.commands import UsageError
from wizard.core import redact
from wizard.core.i18n import _
from wizard.core.interaction import SignInRequest, ssh_hint
from wizard.core.model import Text
from wizard.core.text import fill, printable

if TYPE_CHECKING:
    from wizard.app.answers import Answers
    from wizard.core.demo import DemoEnvironment
    from wizard.core.settings import Settings
    from wizard.sandbox import Sandbox
    from wizard.sandbox.scenario import Scenario, ScenarioFileError

log = logging.getLogger(__name__)


def setup_logging(settings: Settings, *, verbose: bool = False) -> None:
    """Log to a file in the state dir (never the terminal), scrubbed of secrets."""
    from wizard.core import logfile

    logfile.setup(settings.state_dir, verbose=verbose)


def read_settings() -> Settings:
    """The ROOMCAL_* settings, read once at start; a value roomcal cannot use is exit 2."""
    from wizard.core.model import render
    from wizard.core.settings import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise UsageError(f"{render(exc.sentence)} {render(exc.remedy)}".strip()) from None


def load_answers(path: str, *, provider: str | None = None) -> Answers:
    """The answers file, or the one sentence (key and line) that refuses it: exit 2."""
    from wizard.app.answers import AnswersError, load
    from wizard.core.model import render

    try:
        return load(path, provider=provider)
    except AnswersError as exc:
        raise UsageError(render(exc.sentence)) from None


def open_demo(scenario: str, *, later: bool = False) -> Sandbox:
    """The sandbox for ``scenario``, started — or, ``later``, started by whoever uses it
    first or by the TUI right after its first paint (its keys and servers cost a quarter
    of a second, and a thread doing it beside the first paint slowed that down)."""
    from wizard.sandbox import Sandbox

    box = Sandbox(load_scenario(scenario))
    return box if later else box.start()


def load_scenario(scenario: str) -> Scenario:
    """The scenario by name or file, or the one-sentence usage error ``roomcal demo`` gives."""
    from wizard.sandbox.scenario import ScenarioFileError, UnknownScenarioError, load

    try:
        return load(scenario)
    except UnknownScenarioError as exc:
        raise UsageError(
            _("unknown scenario {name!r}. Available: {known}").format(
                name=exc.name, known=", ".join(exc.known)
            )
        ) from None
    except ScenarioFileError as exc:
        raise scenario_file_error(exc) from None


def scenario_file_error(exc: ScenarioFileError) -> UsageError:
    if exc.report_format is not None:
        from wizard.core.formats import REPORT

        return UsageError(fill(_("{path} was written by a newer roomcal (report format {found}); "
                                 "this one replays report format {known}: update roomcal."),
            path=exc.path, found=exc.report_format, known=REPORT))
    return UsageError(_("cannot read the scenario file {path} ({reason})").format(
        path=exc.path, reason=exc.reason))


class CliInteraction:
    """Sign-ins on a terminal: the URL on stderr on a line of its own, pasted URLs on stdin.

    In the demo, nobody needs to open the URL: the demo's browser completes it,
    through the same loopback redirect a real browser would use.
    """

    def __init__(self, demo: DemoEnvironment | None = None) -> None:
        self.demo = demo
        self._queue: queue.Queue[str] = queue.Queue()
        self._reader: threading.Thread | None = None

    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        err = sys.stderr
        print(printable(str(request.message)) or _("Sign in to continue."), file=err)
        print(request.url, file=err)
        if request.user_code:
            print(_("Code: {code}").format(code=request.user_code), file=err)
        if request.port:
            print(_("If the browser runs on another machine, forward the port first:"),
                  file=err)
            print(f"  {ssh_hint(request.port)}", file=err)
        if request.accepts_paste:
            print(_("Or paste the browser's final address here and press Enter."), file=err)
            self._start_reader()
        err.flush()
        if self.demo is not None:
            threading.Thread(target=self._demo_browser, args=(request,), daemon=True).start()
        return self._queue

    def _start_reader(self) -> None:
        if self._reader is not None or sys.stdin is None or sys.stdin.closed:
            return

        def read() -> None:
            try:
                for line in sys.stdin:
                    if line.strip():
                        redact.register(line.strip())
                        self._queue.put(line.strip())
            except (OSError, ValueError):  # stdin closed or not readable: no pasting
                return

        self._reader = threading.Thread(target=read, daemon=True, name="paste-reader")
        self._reader.start()

    def _demo_browser(self, request: SignInRequest) -> None:
        assert self.demo is not None
        try:
            self.demo.approve(request)
        except Exception as exc:
            log.warning("the demo's browser failed: %s", type(exc).__name__)

    def end_sign_in(self) -> None:
        pass

    def notify(self, text: Text) -> None:
        print(printable(str(text)), file=sys.stderr)
