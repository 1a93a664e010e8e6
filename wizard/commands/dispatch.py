"""Parsing and dispatching the command line (imported once it is not just ``--help``)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wizard import __version__, providers
from wizard.commands import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    argparse_words,
    epilog,
)
from wizard.core import i18n
from wizard.core import lang as languages
from wizard.core.endpoints import REGIONS
from wizard.core.i18n import _

if TYPE_CHECKING:
    from wizard.core.settings import Settings


def _language(value: str) -> str:
    code = languages.normalize(value)
    if code is None or len(value) > 5:
        raise argparse.ArgumentTypeError(
            _("unsupported language {lang!r} (supported: {supported})").format(
                lang=value, supported=", ".join(languages.SUPPORTED)
            )
        )
    return code


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            _("invalid port {port!r}: use a number from 0 to 65535").format(port=value))
    return port


def _seconds(value: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= 86_400:
        raise argparse.ArgumentTypeError(
            _("invalid number of seconds {value!r}: use 1 to 86400").format(value=value))
    return seconds


def _command(argv: Sequence[str]) -> str | None:
    commands = {"demo", "check", "connect", "sandbox", "report", "serve", "relay"}
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--lang", "--profile", "--answers"):
            skip = True
            continue
        if not arg.startswith("-"):
            return arg if arg in commands else None
    return None


def _language_option(argv: Sequence[str]) -> str | None:
    """The last --lang given anywhere on the line (argparse keeps only a subcommand's own)."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--lang="):
            found = arg.split("=", 1)[1]
    return languages.normalize(found) if found else None


def _add_answers_option(parser: argparse.ArgumentParser, help_text: str, *,
                        top_level: bool = False) -> None:
    # Below the top level: no default, or the subcommand would overwrite `roomcal --answers F`.
    parser.add_argument("--answers", metavar="FILE", help=help_text,
                        default=None if top_level else argparse.SUPPRESS)


def _common_options(*, top_level: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after its name. Below the top level they
    have no default: a subcommand's default would overwrite what was given before it
    (`roomcal --profile x report` would report `default`)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", type=_language, metavar="de|en",
                        default=None if top_level else argparse.SUPPRESS,
                        help=_("language of the wizard (default: from the environment)"))
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help=_("also log the HTTP clients' requests (scrubbed) to the log file"))
    common.add_argument("--profile", metavar="NAME",
                        default="default" if top_level else argparse.SUPPRESS,
                        help=_("profile to resume or create (default: {name})").format(
                            name="default"))
    return common


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser, in the current language: argparse's own words too (argparse_words)."""
    argparse_words.install()
    top = _common_options(top_level=True)
    common = _common_options(top_level=False)

    from wizard.core.settings import log_file

    columns = epilog.width()
    parser = argparse.ArgumentParser(
        prog="roomcal",
        parents=[top],
        # The epilog is laid out already; the description is wrapped here, as argparse would.
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(_("Connect room calendars to your meeting-room product "
                                    "through Cronofy Enterprise Connect, step by step, "
                                    "checked live."), columns),
        epilog=epilog.epilog(str(log_file()), columns),
    )
    parser.add_argument("--version", action="version", version=f"roomcal {__version__}",
                        # argparse before 3.13 does not translate its own text for it
                        help=_("show program's version number and exit"))
    tui_answers = _("fill the forms from this answers file (TOML, see docs/answers.md); with "
                    "unattended = true the screens run by themselves")
    _add_answers_option(parser, tui_answers, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", parents=[common],
                          help=_("run the wizard against the built-in sandbox (no accounts)"))
    demo.add_argument("--scenario", default="healthy", metavar="NAME|FILE",
                      help=_("sandbox scenario or diagnostic report (default: %(default)s)"))
    _add_answers_option(demo, tui_answers)

    check = sub.add_parser("check", parents=[common],
                           help=_("check a provider's prerequisites without the TUI"))
    by_provider = check.add_subparsers(dest="provider", metavar="PROVIDER", required=True)
    detailed = _command(argv) == "check"
    for info in providers.providers():
        p = by_provider.add_parser(info.name, parents=[common], help=_(info.title))
        if detailed:
            _add_field_options(p, info)
        p.add_argument("--json", action="store_true", help=_("print one JSON object"))
        p.add_argument("--confirm", action="append", metavar="CHECK",
                       help=_("confirm a check that cannot be read (e.g. cronofy_app: the "
                              "Marketplace install); repeatable"))
        p.add_argument("--test-booking", nargs="?", const="", metavar="ROOM",
                       help=_("also send one test meeting to ROOM (or a sample of rooms), "
                              "compare the room's copy and cancel it"))
        p.add_argument("--report", metavar="FILE",
                       help=_("also write the redacted diagnostic report of this run"))
        p.add_argument("--anonymize", action="store_true",
                       help=_("write the --report with pseudonyms for e-mail addresses, hosts, "
                              "the tenant and room names"))
        p.add_argument("--handoff", metavar="FILE.md",
                       help=_("also write a Markdown hand-off for whoever administers the "
                              "calendar service: what was found and one fix for it all"))
        p.add_argument("--force", action="store_true",
                       help=_("replace an existing --report or --handoff file"))
        p.add_argument("--scenario", metavar="NAME|REPORT",
                       help=_("run against the sandbox (a report replays a customer's setup)"))
        _add_answers_option(p, _("take the values the command line leaves out, the secrets' "
                                 "environment variables and the confirmations from this "
                                 "answers file"))

    connect = sub.add_parser("connect", parents=[common],
                             help=_("step 2 alone: link Cronofy and list the rooms"))
    connect.add_argument("--region", choices=REGIONS,
                         help=_("Cronofy data centre (default: the profile's, or the relay's "
                                "only one)"))
    connect.add_argument("--provider", choices=providers.names(),
                         help=_("calendar service (default: the profile's)"))
    connect.add_argument("--authorize", choices=("all", "mapped", "none"), default="none",
                         help=_("after the link, have Cronofy authorize and prove these rooms: "
                                "all it lists, those mapped in the profile, or none "
                                "(default: %(default)s)"))
    connect.add_argument("--accept-terms", action="store_true",
                         help=_("accept the terms of use and the privacy policy (the wizard's "
                                "two toggles; without it nothing is linked) and confirm that "
                                "step 1 is complete, as the wizard's reminder asks"))
    connect.add_argument("--json", action="store_true", help=_("print one JSON object"))
    connect.add_argument("--scenario", metavar="NAME|REPORT", help=_("run against the sandbox"))

    sandbox = sub.add_parser("sandbox", parents=[common], help=_("run the sandbox servers alone"))
    sandbox.add_argument("--scenario", default="healthy", metavar="NAME|FILE")
    sandbox.add_argument("--port", type=int, default=0,
                         help=_("first port to use (default: random free ports)"))

    report = sub.add_parser("report", parents=[common],
                            help=_("write redacted diagnostics of a profile"))
    report.add_argument("-o", "--output", metavar="FILE", help=_("file to write (default: stdout)"))
    report.add_argument("--force", action="store_true",
                        help=_("replace an existing --output file"))
    report.add_argument("--demo", action="store_true",
                        help=_("report a profile of the demo (kept apart from real ones)"))
    report.add_argument("--anonymize", action="store_true",
                        help=_("pseudonyms for e-mail addresses, hosts, the tenant and room "
                               "names (the report still replays)"))

    serve = sub.add_parser("serve", parents=[common],
                           help=_("serve the wizard in a browser on 127.0.0.1"))
    serve.add_argument("--port", type=_port, default=8000,
                       help=_("port to listen on; 0 picks a free one (default: %(default)s)"))
    serve.add_argument("--scenario", metavar="NAME|FILE",
                       help=_("serve the demo against this sandbox scenario or report"))
    serve.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                       help=_("address to listen on (default: %(default)s); any other than "
                              "loopback also needs --allow-remote"))
    serve.add_argument("--allow-remote", action="store_true",
                       help=_("really listen on a network address, protected by the token "
                              "alone"))
    _add_relay(sub, common)
    return parser


def _add_relay(sub: Any, common: argparse.ArgumentParser) -> None:
    relay = sub.add_parser("relay", parents=[common],
                           help=_("the vendor-side service of step 2 (see docs/relay.md)"))
    commands = relay.add_subparsers(dest="relay_command", metavar="COMMAND", required=True)
    serve = commands.add_parser("serve", parents=[common],
                                help=_("run the relay (behind TLS at its public address)"))
    serve.add_argument("--public-url", required=True, metavar="URL",
                       help=_("the relay's https:// address as Cronofy and browsers reach it"))
    serve.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                       help=_("address to listen on (default: %(default)s)"))
    serve.add_argument("--port", type=_port, default=8080,
                       help=_("port to listen on (default: %(default)s)"))
    serve.add_argument("--callback-timeout", type=_seconds, default=600, metavar="SECONDS",
                       help=_("how long a room waits for Cronofy's callback before it fails "
                              "(default: %(default)s)"))
    for name, text in (("enroll", _("print a new enrollment token for an organisation (once)")),
                       ("revoke", _("make an organisation's enrollment token stop working"))):
        command = commands.add_parser(name, parents=[common], help=text)
        command.add_argument("org", metavar="ORG", help=_("the organisation's name, e.g. acme"))


def _add_field_options(parser: argparse.ArgumentParser, info: providers.ProviderInfo) -> None:
    """One option per non-secret form field: the CLI and the TUI check the same inputs."""
    try:
        fields = info.plugin().fields
    except ImportError:  # a provider whose client library is missing lists no options
        return
    for field in fields:
        if field.secret:
            continue  # never on argv: visible in `ps` and shell history
        option = "--" + field.key.replace("_", "-")
        kwargs: dict[str, Any] = {"dest": f"field_{field.key}", "metavar": field.key.upper(),
                                     "help": _(field.label)}
        if field.choices:
            kwargs["choices"] = [value for value, _label in field.choices]
            kwargs.pop("metavar")
        if field.kind == "toggle":  # a flag: on when given
            from wizard.core.model import TOGGLE_ON  # loaded with the plugin above

            kwargs.update(action="store_const", const=TOGGLE_ON)
            kwargs.pop("metavar")
        parser.add_argument(option, **kwargs)


def _provider_package_error(exc: providers.ProviderPackageError) -> str:
    return _("roomcal: ROOMCAL_PROVIDERS names {package}, which is not a provider roomcal can "
             "load ({reason}): install it, or remove it from ROOMCAL_PROVIDERS.").format(
        package=exc.package, reason=exc.reason)


def dispatch(argv: Sequence[str], lang: str) -> int:
    i18n.set_language(lang)
    try:
        parser = build_parser(argv)
        args, unknown = parser.parse_known_args(argv)
    except providers.ProviderPackageError as exc:  # the parser lists every provider
        print(_provider_package_error(exc), file=sys.stderr)
        return EXIT_USAGE
    if unknown:  # said by the command mistyped, with its usage (exits with EXIT_USAGE)
        command_parser(parser, args).error(
            _("unrecognized arguments: %s") % " ".join(unknown))
    args.lang = args.lang or _language_option(argv)
    if args.lang:
        i18n.set_language(args.lang)
    from wizard.commands.common import read_settings, setup_logging

    try:
        settings = read_settings()  # every ROOMCAL_* variable, once; passed down from here
    except UsageError as exc:
        print(f"roomcal: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(settings, verbose=getattr(args, "verbose", False))
    providers.use_settings(settings.providers)  # ROOMCAL_PROVIDERS, as read just now
    try:
        if args.command is None:
            return _run_tui(args, settings, demo=None)
        if args.command == "demo":
            return _run_tui(args, settings, demo=args.scenario)
        if args.command == "check":
            from wizard.commands.check import run_check

            return run_check(args, settings)
        if args.command == "connect":
            from wizard.commands.connect import run_connect

            return run_connect(args, settings)
        if args.command == "sandbox":
            from wizard.commands.sandbox import run_sandbox

            return run_sandbox(args)
        if args.command == "report":
            from wizard.commands.report import run_report

            return run_report(args, settings)
        if args.command == "serve":
            from wizard.commands.serve import run_serve

            return run_serve(args, settings)
        if args.command == "relay":
            from wizard.commands.relay import run_relay

            return run_relay(args, settings)
    except UsageError as exc:
        print(f"roomcal: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(_("Interrupted."), file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: one scrubbed sentence, the traceback to the log
        from wizard.core import crash

        print(crash.record(error, settings.log_file), file=sys.stderr)
        return crash.EXIT_CODE
    parser.error(_("unknown command"))  # exits with EXIT_USAGE


def command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace
                   ) -> argparse.ArgumentParser:
    """The (sub)parser of the command given: ``roomcal check exchange``'s for its options.
    argparse itself reports an unknown option with the top level's usage."""
    for dest in ("command", "provider"):
        choices = next((a.choices for a in parser._actions  # no public accessor
                        if isinstance(a, argparse._SubParsersAction)), None)
        name = getattr(args, dest, None)
        if not isinstance(choices, dict) or name not in choices:
            break
        parser = choices[name]
    return parser


def _run_tui(args: argparse.Namespace, settings: Settings, demo: str | None) -> int:
    from wizard.commands.common import (
        check_profile_name,
        claimed_setup,
        load_answers,
        open_demo,
    )

    check_profile_name(args.profile)
    # A bad answers file is refused before anything starts.
    answers = load_answers(args.answers) if args.answers else None
    # The sandbox comes up after the first screen is painted (its TLS keys and servers
    # cost a quarter of a second); what needs it first waits for it.
    sandbox = open_demo(demo, later=True) if demo else None
    from wizard.ui.app import WizardApp

    try:
        setup = claimed_setup(args.profile, demo=sandbox, settings=settings, scenario=demo)
    except UsageError:
        if sandbox is not None:
            sandbox.stop()
        raise
    language = args.lang
    if answers is not None:
        from wizard.app.answers import apply

        apply(setup, answers)
        language = language or answers.language  # --lang wins over the file
    app = WizardApp(setup, language=language, answers=answers)
    try:
        app.run()
    finally:
        if sandbox is not None:
            sandbox.stop()
    return app.return_code or EXIT_OK
