"""`mesaverify`: the command-line entry point; subcommands live in checks/commands/."""
from __future__ import annotations

import argparse
import importlib
import sys

from mesaverify import __version__
from mesaverify.errors import UsageError
from mesaverify.derivations.moments import InvalidLaw

# One module per subcommand group; each adds its parsers in `register(subparsers)`.
COMMAND_MODULES = (
    "mesaverify.commands.verify",
    "mesaverify.commands.fixed_point",
    "mesaverify.commands.assumption",
    "mesaverify.commands.simulate",
    "mesaverify.commands.sander",
    "mesaverify.commands.latex",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, exit 2
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mesaverify", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mesaverify {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args) or 0)
    except (UsageError, InvalidLaw) as err:  # bad input, also when found deep in a derivation
        print(f"mesaverify: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mesaverify: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
