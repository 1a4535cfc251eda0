"""Start the tray app, or run one headless command when a command name is given."""

from __future__ import annotations

import sys

# Options of the headless commands. The tray app takes none of them, so one placed before
# the command name would otherwise start the tray app.
COMMAND_OPTIONS = ("--home", "--deployment-mode")
EXIT_USAGE = 2


def _misplaced_command_option(args: list[str]) -> str | None:
    """Return the first command option in ``args`` when no command name comes before it."""
    if not args or not args[0].startswith("-"):
        return None
    for arg in args:
        name = arg.split("=", 1)[0]
        if name in COMMAND_OPTIONS:
            return name
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    misplaced = _misplaced_command_option(args)
    if misplaced is not None:
        print(
            f"python -m app: error: {misplaced} goes after the command name, for example "
            f"`python -m app status {misplaced} ...`. Without a command the tray app starts, and it takes no {misplaced}.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # Help is printed by the command-line parser, which also describes the tray app.
    if args and (not args[0].startswith("-") or args[0] in ("-h", "--help")):
        # Headless commands must start without Qt, so the UI package is imported only below.
        from app.core.cli import main as cli_main

        return cli_main(args)

    if "--self-test" in args:
        from app.ui.selftest import run_self_test

        return run_self_test()

    from app.ui.main import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
