"""A Dask cluster for the training sweeps: `--scheduler tcp://HOST:8786` joins a running one, `--scheduler local`
starts a `dask.distributed.LocalCluster` on this machine for the length of the command.

Dask is optional (`pip install 'mesaverify[dask]'`); without it, asking for a scheduler is refused up front.
"""
from __future__ import annotations

import contextlib
import re

from mesaverify.errors import RunFailed, UsageError

ADDRESS = re.compile(r"(tcp|tls|inproc)://[A-Za-z0-9.\-_\[\]:]+:\d{1,5}")
CONNECT_SECONDS = 20  # a scheduler that does not answer within this is reported, not waited on


def check_address(scheduler: str) -> str:
    """`local` or a scheduler address such as tcp://10.0.0.5:8786; anything else is refused (exit 2)."""
    if scheduler != "local" and not ADDRESS.fullmatch(scheduler):
        raise UsageError(f"--scheduler is 'local' or an address such as tcp://HOST:8786, got {scheduler!r}")
    return scheduler


@contextlib.contextmanager
def client(scheduler: str, workers: int = 2):
    """A `dask.distributed.Client` for `scheduler` (see the module), closed (and a local cluster shut down) on exit.
    `workers` is the number of single-threaded worker processes of a local cluster."""
    check_address(scheduler)
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'mesaverify[dask]'") from None
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            address = cluster
        else:
            address = scheduler
        try:
            dask_client = stack.enter_context(Client(address, timeout=CONNECT_SECONDS))
        except OSError as err:
            raise RunFailed(f"no Dask scheduler answers at {scheduler} within {CONNECT_SECONDS} s: {err}") from None
        yield dask_client
