"""The ``tthc`` command. Each subcommand lives in its own module; this file only dispatches."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pydantic import ValidationError

from . import commands
from .exit_codes import EX_CONFIG


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tthc", description="Real-time TTHC indicators: services, simulator and tools."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in commands.REGISTRY:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    try:
        args = build_parser().parse_args(argv)
        handler: Callable[[argparse.Namespace], int | None] = args.handler
        code = handler(args) or 0
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        # Some defaults come from the settings: a bad TTHC_* variable stops every command.
        print(f"tthc: bad configuration (TTHC_* environment variables):\n{exc}", file=sys.stderr)
        code = EX_CONFIG
    sys.exit(code)


if __name__ == "__main__":
    main()
