"""The command line run in this process, answering as `python -m mesaverify.cli` does (the same `main`, its exit
code, stdout and stderr as text): a subprocess costs the interpreter and its imports, about a second per call.
tests/test_cli.py holds the two to the same answers; tests/test_cli_fuzz.py runs its examples through it."""
import io
import subprocess
from contextlib import redirect_stderr, redirect_stdout

from mesaverify.cli import main


def cli(*args: str) -> subprocess.CompletedProcess:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(["mesaverify", *args], code, out.getvalue(), err.getvalue())
