"""Pieces shared by the subcommands: logging, the demo, the CLI's interaction.

This is one of the two places that may start the sandbox (the other is the tests):
``open_demo`` builds it and the commands inject it into the application layer as
its ``DemoEnvironment``.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from typing import TYPE_CHECKING

from wizard.commands import UsageError
from wizard.core import redact
from wizard.core.i18n import _
from wizard.core.interaction import SignInRequest, ssh_hint
from wizard.core.model import Text
from wizard.core.text import fill, one_line

if TYPE_CHECKING:
    from wizard.app import Setup
    from wizard.app.answers import Answers
    from wizard.core.demo import DemoEnvironment
    from wizard.core.export import ExportError
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


def check_profile_name(name: str) -> None:
    """A profile is named, never a path (``../etc/passwd``): one sentence, exit 2."""
    from wizard.core.store import ProfileStore

    if not ProfileStore.valid_name(name):
        raise UsageError(_("invalid profile name {name!r}: use letters, digits, '.', '_' "
                           "and '-'").format(name=name))


def claimed_setup(profile: str, *, settings: Settings, demo: DemoEnvironment | None = None,
                  scenario: str | None = None) -> Setup:
    """The setup of a command that saves the profile, holding it: a second wizard on the
    same profile would overwrite the first one's saves, so it is refused (exit 2)."""
    from wizard.app import Setup
    from wizard.core.store import ProfileInUseError

    check_profile_name(profile)
    try:
        return Setup(profile, demo=demo, settings=settings, scenario=scenario, claim=True)
    except ProfileInUseError as exc:
        from wizard.core.model import render

        raise UsageError(render(exc.sentence)) from None


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
    of a second, and a thread doing it beside the first paint slowed that down).

    A scenario or report from a file starts now in any case: only its services can tell
    whether they can use their tables, and a wrong one must be one sentence before the
    first screen, not a failure on a later one (support replaying a report does not
    count the quarter second)."""
    from wizard.sandbox import Sandbox

    box = Sandbox(load_scenario(scenario))
    remove_files_on_signals(box)
    return box if later and not box.scenario.source else start_sandbox(box)


def remove_files_on_signals(box: Sandbox) -> None:
    """SIGTERM or SIGHUP (a closed SSH session) end roomcal without ``finally``: the
    sandbox's key folder would stay in the temp directory. Remove it, then die of the
    signal as before (the exit status says which)."""
    import signal

    def handler(signum: int, _frame: object) -> None:
        from wizard.core import undo

        undo.undo_pending()  # a probe's changes first, while the sandbox still serves
        box.remove_files()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    if threading.current_thread() is threading.main_thread():  # only there, says Python
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, handler)


def start_sandbox(box: Sandbox) -> Sandbox:
    """Start it; a scenario table a service cannot use is the file's one sentence, exit 2."""
    from wizard.sandbox.scenario import ScenarioFileError

    try:
        return box.start()
    except ScenarioFileError as exc:
        raise scenario_file_error(exc) from None


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


def check_destination(path: str, *, force: bool) -> bool:
    """Before any work, not minutes later: a file that cannot be written stops the command.

    A folder, or a folder that does not exist, is one sentence (exit 2). An existing
    file is replaced only with ``--force`` or, on a terminal, when the person says so
    (as the export dialog asks); without a terminal it is refused. Returns whether the
    file is to be replaced.
    """
    if os.path.isdir(path):
        raise UsageError(_("{path} is a folder: end the path with a file name.").format(
            path=path))
    folder = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
    if not os.path.isdir(folder):
        raise UsageError(_("cannot write {path} ({reason})").format(
            path=path, reason=_("no such folder")))
    if not os.path.lexists(path):
        return False
    if force or _confirmed(_("{path} exists. Replace it? [y/N] ").format(path=path)):
        return True
    raise UsageError(_("{path} exists: name another file, or add --force to replace "
                       "it.").format(path=path))


def _confirmed(question: str) -> bool:
    """Ask on the terminal; no terminal (a script, a pipe) is no."""
    if sys.stdin is None or not sys.stdin.isatty() or not sys.stderr.isatty():
        return False
    print(one_line(question), end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in (_("y"), _("yes"), "y", "yes")


def write_failed(exc: ExportError) -> UsageError:
    """A file that could not be written after all (full disk, a race): one sentence."""
    return UsageError(_("cannot write {path} ({reason})").format(path=str(exc.path),
                                                                 reason=exc.reason))


class CliInteraction:
    """Sign-ins on a terminal: the URL on stderr on a line of its own, pasted URLs on stdin.

    In the demo, nobody needs to open the URL: the demo's browser completes it, through
    the same redirect a real browser would use (the relay's, or a loopback one).
    """

    def __init__(self, demo: DemoEnvironment | None = None) -> None:
        self.demo = demo
        self._queue: queue.Queue[str] = queue.Queue()
        self._reader: threading.Thread | None = None

    def begin_sign_in(self, request: SignInRequest) -> queue.Queue[str]:
        err = sys.stderr
        # The address and code come from a login server: shown, never obeyed (escapes).
        print(one_line(str(request.message)) or _("Sign in to continue."), file=err)
        print(one_line(request.url), file=err)
        if request.qr and err.isatty():
            from wizard.core import qr

            if rows := qr.lines(request.url):
                print(_("Or scan it with a phone:"), file=err)
                print("\n".join(rows), file=err)
        if request.user_code:
            print(_("Code: {code}").format(code=one_line(request.user_code)), file=err)
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
        print(one_line(str(text)), file=sys.stderr)
