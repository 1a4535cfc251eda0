"""Start the tray app, or run one headless command when a command name is given."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
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
