"""Per-rank entry point used by ``ember-run``: ``python -m ember.distributed._bootstrap
script.py args...`` (or ``-m module args...``).

Sets torchrun's environment variables from the MPI process manager's (``PMI_RANK``...),
installs a ``sys.excepthook`` that prints the traceback tagged with the rank and aborts
the whole MPI job, then runs the script as ``__main__``.
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback


def _env() -> tuple[int, int]:
    e = os.environ
    rank = int(e.get("PMI_RANK", e.get("OMPI_COMM_WORLD_RANK", "0")))
    size = int(e.get("PMI_SIZE", e.get("OMPI_COMM_WORLD_SIZE", "1")))
    local = e.get("MPI_LOCALRANKID", e.get("OMPI_COMM_WORLD_LOCAL_RANK"))
    nlocal = e.get("MPI_LOCALNRANKS", e.get("OMPI_COMM_WORLD_LOCAL_SIZE"))
    nproc = int(e.get("EMBER_NPROC_PER_NODE", size))
    e["RANK"] = str(rank)
    e["WORLD_SIZE"] = str(size)
    e["LOCAL_RANK"] = str(local if local is not None else rank % nproc)
    e["LOCAL_WORLD_SIZE"] = str(nlocal if nlocal is not None else nproc)
    e["GROUP_RANK"] = str(rank // nproc)
    e.setdefault("MASTER_ADDR", "127.0.0.1")
    e.setdefault("MASTER_PORT", "29500")
    e["EMBER_RUN"] = "1"
    return rank, size


def _install_excepthook(rank: int) -> None:
    def hook(tp, val, tb):
        msg = "".join(traceback.format_exception(tp, val, tb))
        sys.stderr.write(f"[rank {rank}] uncaught exception, aborting the job:\n{msg}")
        sys.stderr.flush()
        errdir = os.environ.get("EMBER_RUN_ERROR_DIR")
        if errdir:
            try:
                with open(os.path.join(errdir, f"rank{rank}.err"), "w") as f:
                    f.write(f"{tp.__name__}: {val}\n")
            except OSError:
                pass
        if tp is KeyboardInterrupt:
            os._exit(130)
        try:
            from mpi4py import MPI
            MPI.COMM_WORLD.Abort(1)
        finally:
            os._exit(1)
    sys.excepthook = hook


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        raise SystemExit("usage: python -m ember.distributed._bootstrap script.py [args...]")
    rank, _ = _env()
    _install_excepthook(rank)
    if argv[0] == "-m":
        sys.argv = argv[1:]
        try:
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        except SystemExit as e:
            _exit(e)
        except BaseException:
            sys.excepthook(*sys.exc_info())
    else:
        sys.argv = argv
        sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
        try:
            runpy.run_path(argv[0], run_name="__main__")
        except SystemExit as e:
            _exit(e)
        except BaseException:
            sys.excepthook(*sys.exc_info())


def _exit(e: SystemExit) -> None:
    code = e.code
    if code is None or code == 0:
        raise SystemExit(0)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
