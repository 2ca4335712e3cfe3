"""Peak memory of a training workload, ember vs torch (the nn issue's memory target).

Each (library, workload) runs in its own fresh process: the figure is the process's
peak RSS (``VmHWM``) while building the workload and running ``--steps`` training steps,
minus its RSS right after importing the library.  Only the measured library is imported
in that process.  Usage: ``python benchmarks/memory.py [--steps N] [--only NAME]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = ["cnn_adam", "transformer_layer_adamw"]
TARGET = 1.5


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(lib_name: str, workload: str, steps: int) -> None:
    sys.path.insert(0, ROOT)
    lib = __import__(lib_name)
    if lib_name == "torch":
        lib.set_num_threads(1)
    base = _status_kib("VmRSS")
    from benchmarks.nn_workloads import NN_WORKLOADS
    run = NN_WORKLOADS[workload][0](lib)
    for _ in range(steps):
        run()
    peak = _status_kib("VmHWM")
    print(json.dumps({"base_kib": base, "peak_kib": peak, "delta_mib": (peak - base) / 1024}))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--only", action="append")
    ap.add_argument("--child", nargs=2, metavar=("LIB", "WORKLOAD"))
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.steps)
        return 0
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    print(f"{'workload':26s} {'ember MiB':>10s} {'torch MiB':>10s} {'ratio':>6s}  target")
    worst = 0.0
    for name in args.only or DEFAULT:
        res = {}
        for lib in ("ember", "torch"):
            out = subprocess.run([sys.executable, __file__, "--child", lib, name, "--steps",
                                  str(args.steps)], capture_output=True, text=True, env=env,
                                 check=True)
            res[lib] = json.loads(out.stdout.strip().splitlines()[-1])["delta_mib"]
        ratio = res["ember"] / res["torch"]
        worst = max(worst, ratio)
        ok = "yes" if ratio <= TARGET else "NO"
        print(f"{name:26s} {res['ember']:10.1f} {res['torch']:10.1f} {ratio:6.2f}  "
              f"<= {TARGET} {ok}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
