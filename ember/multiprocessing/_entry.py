"""Per-process entry of :func:`ember.multiprocessing.spawn` (run by ``mpiexec``)."""

from __future__ import annotations

import importlib
import os
import pickle
import runpy
import sys
import traceback
import types


def _resolve(payload):
    if payload["main_path"]:
        mod = types.ModuleType("__mp_main__")
        mod.__dict__.update(runpy.run_path(payload["main_path"], run_name="__mp_main__"))
        sys.modules["__mp_main__"] = sys.modules["__main__"] = mod
    else:
        mod = importlib.import_module(payload["module"])
    obj = mod
    for part in payload["qualname"].split("."):
        obj = getattr(obj, part)
    return obj


def main() -> None:
    tmp = sys.argv[1]
    rank = int(os.environ.get("PMI_RANK", "0"))
    try:
        with open(os.path.join(tmp, f"rank{rank}.pid.tmp"), "w") as f:
            f.write(str(os.getpid()))
        os.replace(os.path.join(tmp, f"rank{rank}.pid.tmp"),
                   os.path.join(tmp, f"rank{rank}.pid"))
        with open(os.path.join(tmp, "payload.pkl"), "rb") as f:
            payload = pickle.load(f)
        for p in payload["sys_path"]:
            if p not in sys.path:
                sys.path.append(p)
        fn = _resolve(payload)
        args = pickle.loads(payload["args"])
        fn(rank, *args)
    except BaseException:
        tb = traceback.format_exc()
        sys.stderr.write(f"[process {rank}] {tb}")
        sys.stderr.flush()
        try:
            with open(os.path.join(tmp, f"rank{rank}.err"), "w") as f:
                f.write(tb)
        except OSError:
            pass
        try:
            from mpi4py import MPI
            MPI.COMM_WORLD.Abort(1)
        finally:
            os._exit(1)


if __name__ == "__main__":
    main()
