"""`mesaverify`: the command-line entry point; subcommands live in mesaverify/commands/ (their table, read
without importing them, in mesaverify/commands/__init__.py).

Every failure is one line on stderr and an exit code: 0 success, 1 a run that failed (a failing
check, diverged training, output closed or full, memory exhausted, an internal error), 2 malformed
input, 3 well-formed input outside the hypotheses of the requested result, 4 well-formed input beyond what the
engine derives (a stated limit), 130 interrupted.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import io
import os
import sys
from typing import cast

from mesaverify import __version__
from mesaverify.commands import COMMANDS, summary
from mesaverify.errors import BeyondEngine, OutsideHypotheses, RunFailed, UsageError

EPILOG = """exit codes:
  0    a result (its hypotheses checked for the input given)
  1    a run that failed: a failing check or mutant, training that diverged (simulate prints the
       epoch and the loss history so far), output closed or full, memory exhausted, an internal error
  2    malformed input (also a moment vector lacking a moment the check needs)
  3    well-formed input outside the hypotheses of the result asked for: the line on stderr names the
       hypothesis that fails (e.g. an identity of Assumption 4.1 and the off-family gradient)
  4    well-formed input beyond what the engine derives: a size past a stated limit (the line names it),
       or a model the expectation operator does not average
  130  interrupted"""

DESCRIPTION = """Re-derive exactly (SymPy) and check numerically the theorems of two papers on linear attention
trained in context on x_{t+1} = W x_t: [Z] Zheng et al., NeurIPS 2024, and [S] Sander et al., ICML 2024.
Each subcommand answers for the law, d and T you give, its hypotheses checked first; see
`mesaverify SUBCOMMAND --help` for what it computes, its options and an example."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written (examples keep their lines), and every option's default shown."""

    def _get_help_string(self, action):
        """The option's help with its default (or "required") appended, unless the help states it."""
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS or "default" in text:
            return text
        if action.required:
            return f"{text} (required)"
        if action.nargs == 0:  # a flag
            return f"{text} (default: off)"
        if action.default is None or action.default == []:
            return f"{text} (default: none)"
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, formatter_class=HelpFormatter, **kwargs):
        """A parser whose help shows every default (`HelpFormatter`)."""
        super().__init__(*args, formatter_class=formatter_class, **kwargs)

    def error(self, message):  # argparse's own errors: one line, exit 2
        """Raise argparse's own errors as one UsageError line."""
        raise UsageError(message)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """{name: parser} of every subcommand of the parser `build_parser` returns."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def build_parser(only: str | None = "") -> argparse.ArgumentParser:
    """The parser of every subcommand (`only` = ""), or of the subcommand `only` in full and the others by their
    one-line summaries (`only` a name, or None for none in full): `mesaverify --help` and `--version` import no
    command module, and so no SymPy, SciPy or NumPy."""
    parser = _Parser(prog="mesaverify", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"mesaverify {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    full = {module for name, (module, _) in COMMANDS.items() if only == "" or name == only}
    registered: set[str] = set()
    for name, (module, _) in COMMANDS.items():
        if module in full and module not in registered:
            importlib.import_module(module).register(sub)
            registered.add(module)
        elif module not in full:
            sub.add_parser(name, help=summary(name))
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (its first word that is not an option), or None."""
    word = next((w for w in argv if not w.startswith("-")), None)
    return word if word in COMMANDS else None


def _tolerant_streams() -> None:
    """Characters a terminal's encoding lacks (≈, σ under PYTHONIOENCODING=ascii) print as escapes."""
    for stream in (sys.stdout, sys.stderr):
        try:
            cast(io.TextIOWrapper, stream).reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


MAX_LINE = 1000  # characters of an error line (a huge exact number is cut, not printed in full)


def _say(line: str) -> None:
    """One line on stderr, whatever state stderr is in."""
    line = " ".join(line.splitlines())
    if len(line) > MAX_LINE:
        line = line[:MAX_LINE] + f"… ({len(line)} characters)"
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """After a closed or full stdout: point it at /dev/null so the interpreter's last flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _repeated(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """The first option given twice on the command line (as --x or --x=value), or None."""
    name = _command(argv)
    parsers = [parser] + ([subcommands(parser)[name]] if name else [])
    options = {flag: action for p in parsers for action in p._actions for flag in action.option_strings}
    seen: set = set()
    for word in argv:
        if word == "--":
            break
        action = options.get(word.split("=", 1)[0])
        if action is None or isinstance(action, argparse._AppendAction):
            continue
        if id(action) in seen:
            return action.option_strings[-1]
        seen.add(id(action))
    return None


def _invalid_law(err: Exception) -> bool:
    """Whether `err` is the derivations' InvalidLaw (a law or moment vector no law has): looked up only where
    the derivations were imported, as they are wherever one can be raised."""
    moments = sys.modules.get("mesaverify.derivations.moments")
    return moments is not None and isinstance(err, moments.InvalidLaw)


def _run(argv) -> int:
    """Parse and run one command; output flushed inside, so a closed or full stdout is seen here."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command(argv))
    twice = _repeated(parser, argv)
    if twice:
        raise UsageError(f"{twice} given more than once (the last would silently win); give it once")
    args = parser.parse_args(argv)
    code = int(args.run(args) or 0)
    sys.stdout.flush()
    return code


def main(argv: list[str] | None = None) -> int:
    """The command line: one line on stderr and the exit code above for every failure."""
    _tolerant_streams()
    try:
        try:
            return _run(argv)
        except UsageError as err:
            _say(f"mesaverify: error: {err}")
            return 2
        except OutsideHypotheses as err:  # well-formed input, but the result asked for does not apply to it
            _say(f"mesaverify: outside the hypotheses: {err}")
            return 3
        except BeyondEngine as err:  # well-formed input, beyond what the engine derives (a stated limit)
            _say(f"mesaverify: beyond what is derived: {err}")
            return 4
        except Exception as err:
            if not _invalid_law(err):  # bad input found deep in a derivation is malformed input too
                raise
            _say(f"mesaverify: error: {err}")
            return 2
    except RunFailed as err:
        _say(f"mesaverify: error: {err}")
        return 1
    except KeyboardInterrupt:
        _say("mesaverify: interrupted")
        return 130
    except BrokenPipeError:
        _silence_stdout()
        _say("mesaverify: error: output closed before the end (broken pipe)")
        return 1
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            _silence_stdout()
        where = f": {err.filename}" if err.filename else ""
        _say(f"mesaverify: error: cannot complete the run: {err.strerror or err}{where}")
        return 1
    except MemoryError:
        _say("mesaverify: error: out of memory (try smaller sizes)")
        return 1
    except Exception as err:  # noqa: BLE001 -- the last resort: never a traceback
        text = " ".join(str(err).split())[:300]
        _say(f"mesaverify: internal error: {type(err).__name__}: {text}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
