"""The CLI's subcommands; each module is imported only when its command runs."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130



class UsageError(Exception):
    """A problem with the command line or configuration: exit 2 with one sentence."""
