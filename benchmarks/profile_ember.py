"""Profile ember's side of one workload.

    .venv/bin/python benchmarks/profile_ember.py op_overhead [--calls N] [--top K] [--tree]

Default: cProfile, the top functions by own time (``tottime``).  ``--tree`` uses
pyinstrument instead (``pip install pyinstrument``) and prints the call tree, which
shows where the time goes with far less profiler overhead on small ops.  Threads
follow the usual variables (e.g. ``OPENBLAS_NUM_THREADS=1``), set them on the command line.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None) -> int:
    from benchmarks.workloads import WORKLOADS

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", choices=list(WORKLOADS))
    p.add_argument("--calls", type=int, default=200, help="profiled calls (default 200)")
    p.add_argument("--top", type=int, default=25, help="rows to print (default 25)")
    p.add_argument("--tree", action="store_true", help="pyinstrument call tree")
    args = p.parse_args(argv)

    import ember

    fn = WORKLOADS[args.workload][0](ember)
    for _ in range(3):
        fn()
    if args.tree:
        from pyinstrument import Profiler
        prof = Profiler(interval=0.0001)
        prof.start()
        for _ in range(args.calls):
            fn()
        prof.stop()
        print(prof.output_text(unicode=False))
        return 0
    import cProfile
    import pstats
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.calls):
        fn()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
