"""The ``tthc`` command. Each subcommand lives in its own module; this file only dispatches."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from . import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tthc", description="Real-time TTHC indicators: services, simulator and tools."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in commands.REGISTRY:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    sys.exit(handler(args) or 0)


if __name__ == "__main__":
    main()
