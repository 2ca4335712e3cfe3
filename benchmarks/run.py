"""Run the workloads of ``benchmarks/workloads.py`` on ember and on PyTorch and compare.

    .venv/bin/python benchmarks/run.py [--only NAME] [--repeat N] [--threads N] [--markdown]

The same workload code runs on both libraries in one run.  For each workload and each
library: a few warm-up calls, then ``--repeat`` timed samples; a sample times a batch of
calls (enough calls to last at least ``--min-time`` seconds) and reports the time per
call.  The table shows the median per-call time of each library and the ratio
ember / torch (lower is better for ember; 1.0 = parity).

Threads: the process re-executes itself once, before NumPy or torch is imported, with
``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to
``--threads`` (default: all CPUs), and with ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE``
removed (both together, so OpenBLAS picks its kernel by CPU detection; keep them with
``--keep-openblas-env``).  torch additionally gets ``torch.set_num_threads(N)``.  The
header prints what NumPy's BLAS actually runs (via threadpoolctl, if installed).

Order: by default both libraries run in this one process, in A-B-B-A blocks (ember,
torch, torch, ember), so slow drifts of machine load hit both sides alike, with a pause
between blocks so one library's idle BLAS/OpenMP threads stop spinning before the other
starts.  ``--isolate`` runs each library in its own child process instead.  Samples taken
while other processes used the CPU are dropped and retaken (``--no-guard`` keeps them).
"""

from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_EXEC_MARK = "_EMBER_BENCH_ENV"
_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_OPENBLAS_TUNING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only this workload (repeatable, or comma-separated)")
    p.add_argument("--repeat", type=int, default=21, metavar="N",
                   help="timed samples per library and workload (default 21)")
    p.add_argument("--runs", type=int, default=1, metavar="K",
                   help="repeat the whole measurement K times (fresh setup each time) and "
                        "report the median of the per-run figures and the ratio range")
    p.add_argument("--warmup", type=int, default=3, metavar="N",
                   help="untimed warm-up calls per library and workload (default 3)")
    p.add_argument("--min-time", type=float, default=0.05, metavar="S",
                   help="each sample loops the workload for at least S seconds (default 0.05)")
    p.add_argument("--wait-quiet", type=float, default=10.0, metavar="S",
                   help="before each block wait up to S seconds for other processes to go "
                        "quiet (default 10)")
    p.add_argument("--clock", choices=("wall", "thread"), default="wall",
                   help="wall: elapsed time (default); thread: CPU time of the calling thread, "
                        "unaffected by other processes but only meaningful with --threads 1")
    p.add_argument("--no-guard", action="store_true",
                   help="keep samples during which other processes used the CPU")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="threads for both libraries (default: all CPUs)")
    p.add_argument("--markdown", action="store_true",
                   help="also print a Markdown table (for BENCHMARKS.md)")
    p.add_argument("--isolate", action="store_true",
                   help="run each library in its own child process")
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="do not remove OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument("--child", choices=("ember", "torch"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.only:
        args.only = [n for item in args.only for n in item.split(",") if n]
    if args.repeat < 1 or args.threads < 1 or args.runs < 1:
        p.error("--repeat, --runs and --threads must be >= 1")
    return args


def ensure_env(args, script: str | None = None) -> None:
    """Re-exec ``script`` (default: this file) once with the thread variables set, before
    NumPy/torch are imported."""
    if "numpy" in sys.modules:  # pragma: no cover - a programming error in this file
        raise RuntimeError("numpy was imported before the thread environment was set")
    want = str(args.threads)
    mark = f"{want}:{int(args.keep_openblas_env)}"
    if os.environ.get(_EXEC_MARK) == mark:
        return
    env = dict(os.environ)
    for v in _THREAD_VARS:
        env[v] = want
    if not args.keep_openblas_env:
        removed = [v for v in _OPENBLAS_TUNING if env.pop(v, None) is not None]
        if removed:
            env["_EMBER_BENCH_REMOVED"] = ",".join(removed)
    env[_EXEC_MARK] = mark
    os.execve(sys.executable, [sys.executable, script or os.path.abspath(__file__),
                               *sys.argv[1:]], env)


# --- everything below runs after the re-exec -------------------------------------------

def setup_path() -> None:
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)


def load_libs(threads: int, which=("ember", "torch")):
    libs = {}
    if "ember" in which:
        import ember
        libs["ember"] = ember
    if "torch" in which:
        import torch
        torch.set_num_threads(threads)
        libs["torch"] = torch
    return libs


def blas_info() -> str:
    try:
        import numpy as np  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed (pip install threadpoolctl to show the kernel)"
    parts = []
    for d in threadpool_info():
        lib = os.path.basename(d.get("filepath", "?"))
        parts.append(f"{d.get('internal_api')} {d.get('version')} "
                     f"kernel={d.get('architecture', '-')} threads={d.get('num_threads')} "
                     f"({lib})")
    return "; ".join(parts) or "no BLAS/OpenMP pool found"


def calibrate(fn, min_time: float) -> int:
    """Calls per sample so that one sample lasts at least ``min_time`` seconds."""
    from time import perf_counter
    number = 1
    while True:
        t0 = perf_counter()
        for _ in range(number):
            fn()
        dt = perf_counter() - t0
        if dt >= min_time or number >= 1 << 20:
            return number
        number = max(number * 2, int(number * min_time / max(dt, 1e-9) * 1.2))


_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_ticks(children: bool = False):
    """(busy ticks of the whole machine incl. steal, ticks of this process -- all its
    threads, and with ``children`` its waited-for descendants too), or None off Linux."""
    try:
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:]]
        with open("/proc/self/stat") as f:
            st = f.read()
    except OSError:
        return None
    busy = sum(vals[:8]) - vals[3] - vals[4]  # user..steal, less idle and iowait
    fields = st[st.rindex(")") + 2:].split()
    # utime + stime (+ cutime + cstime)
    return busy, sum(int(v) for v in fields[11:15 if children else 13])


class Sampler:
    """Times batches of calls; with ``guard``, drops a sample during which other
    processes (or the hypervisor, as steal time) used more than a little CPU, and
    retries, up to ``max_factor`` times the samples asked for."""

    def __init__(self, guard: bool, max_factor: int = 6, clock: str = "wall") -> None:
        import time
        self.clock = time.perf_counter if clock == "wall" else time.thread_time
        guard = guard and clock == "wall"  # thread CPU time is not inflated by others
        self.guard = guard and cpu_ticks() is not None
        self.max_factor = max_factor
        self.ncpu = os.cpu_count() or 1

    def foreign_share(self, window: float = 0.25) -> float:
        """Share of one CPU that other processes used over the next ``window`` seconds."""
        import time
        c0 = cpu_ticks()
        time.sleep(window)
        c1 = cpu_ticks()
        return ((c1[0] - c0[0]) - (c1[1] - c0[1])) / (window * _HZ)

    def wait_quiet(self, timeout: float) -> bool:
        """Waits until other processes use < 10% of a CPU for a moment (or ``timeout``)."""
        import time
        if not self.guard or timeout <= 0:
            return True
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.foreign_share() < 0.1:
                return True
        return False

    def run(self, fn, number: int, count: int):
        perf_counter = self.clock
        kept, dropped = [], []
        while len(kept) < count and len(kept) + len(dropped) < count * self.max_factor:
            c0 = cpu_ticks() if self.guard else None
            t0 = perf_counter()
            for _ in range(number):
                fn()
            dt = perf_counter() - t0
            if c0 is not None:
                c1 = cpu_ticks()
                foreign = (c1[0] - c0[0]) - (c1[1] - c0[1])
                if foreign > 2 + 0.1 * dt * _HZ * self.ncpu:
                    dropped.append(dt / number)
                    continue
            kept.append(dt / number)
        filled = count - len(kept)
        if filled > 0:  # too busy: keep the least-disturbed of what was dropped
            kept += sorted(dropped)[:filled]
        return kept, len(dropped), max(filled, 0)


def prepare(lib, factory, warmup: int, min_time: float):
    lib.set_grad_enabled(True)
    fn = factory(lib)
    for _ in range(warmup):
        fn()
    return fn, calibrate(fn, min_time)


def measure_inprocess(factory, libs, args):
    """A-B-B-A blocks in this process; per-call times and dropped-sample counts."""
    import gc
    import time
    prepared = {}
    for name, lib in libs.items():
        prepared[name] = prepare(lib, factory, args.warmup, args.min_time)
    times: dict[str, list[float]] = {name: [] for name in libs}
    dropped = dict.fromkeys(libs, 0)
    filled = dict.fromkeys(libs, 0)
    sampler = Sampler(not args.no_guard, clock=args.clock)
    names = list(libs)
    first = (args.repeat + 1) // 2
    blocks = [(n, first) for n in names] + [(n, args.repeat - first) for n in reversed(names)]
    for name, count in blocks:
        if count == 0:
            continue
        libs[name].set_grad_enabled(True)
        gc.collect()
        time.sleep(0.2)  # let the other library's worker threads go idle
        sampler.wait_quiet(args.wait_quiet)
        fn, number = prepared[name]
        kept, n_drop, n_fill = sampler.run(fn, number, count)
        times[name] += kept
        dropped[name] += n_drop
        filled[name] += n_fill
    return times, dropped, filled


def measure_child(args, factory) -> dict:
    """Entry of a ``--isolate`` child: one library, one workload; prints JSON."""
    import gc
    libs = load_libs(args.threads, (args.child,))
    lib = libs[args.child]
    fn, number = prepare(lib, factory, args.warmup, args.min_time)
    gc.collect()
    sampler = Sampler(not args.no_guard, clock=args.clock)
    sampler.wait_quiet(args.wait_quiet)
    kept, n_drop, n_fill = sampler.run(fn, number, args.repeat)
    return {"times": kept, "dropped": n_drop, "filled": n_fill}


def measure_isolated(name, args):
    import json
    import subprocess
    times, dropped, filled = {}, {}, {}
    for lib in ("ember", "torch"):
        cmd = [sys.executable, os.path.abspath(__file__), "--child", lib, "--only", name,
               "--repeat", str(args.repeat), "--warmup", str(args.warmup),
               "--min-time", str(args.min_time), "--threads", str(args.threads),
               "--wait-quiet", str(args.wait_quiet), "--clock", args.clock]
        if args.keep_openblas_env:
            cmd.append("--keep-openblas-env")
        if args.no_guard:
            cmd.append("--no-guard")
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise RuntimeError(f"child {lib}/{name} failed:\n{res.stderr}")
        result = json.loads(res.stdout.strip().splitlines()[-1])
        if "unavailable" in result:
            from benchmarks.workloads import Unavailable
            raise Unavailable(result["unavailable"])
        times[lib] = result["times"]
        dropped[lib] = result["dropped"]
        filled[lib] = result["filled"]
    return times, dropped, filled


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def fmt_time(t: float) -> str:
    if t >= 1:
        return f"{t:.3f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3f} ms"
    return f"{t * 1e6:.1f} us"


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_env(args)
    setup_path()
    from benchmarks.workloads import WORKLOADS, Unavailable, choices

    names = list(WORKLOADS)
    if args.list:
        for n in names:
            target = WORKLOADS[n][1]
            print(f"{n}  (target ember/torch: {'none' if target is None else f'<= {target}'})")
        return 0
    if args.only:
        unknown = [n for n in args.only if n not in WORKLOADS]
        if unknown:
            print(f"unknown workload(s): {', '.join(unknown)}; choose from {', '.join(names)}",
                  file=sys.stderr)
            return 2
        names = [n for n in names if n in args.only]

    if args.child:
        import json
        try:
            result = measure_child(args, WORKLOADS[names[0]][0])
        except Unavailable as exc:
            result = {"unavailable": str(exc)}
        print(json.dumps(result))
        return 0

    import platform

    import numpy as np
    libs = load_libs(args.threads)
    torch = libs["torch"]
    removed = os.environ.get("_EMBER_BENCH_REMOVED")
    print(f"python {platform.python_version()}  numpy {np.__version__}  "
          f"torch {torch.__version__}  ember {libs['ember'].__version__}")
    print(f"threads: {args.threads} (OPENBLAS/OMP/MKL_NUM_THREADS; "
          f"torch.get_num_threads()={torch.get_num_threads()})")
    print(f"numpy BLAS: {blas_info()}")
    if args.keep_openblas_env:
        kept = [f"{v}={os.environ[v]}" for v in _OPENBLAS_TUNING if v in os.environ]
        print(f"OpenBLAS tuning env kept: {', '.join(kept) or 'none set'}")
    else:
        print(f"OpenBLAS tuning env removed: {removed or 'none was set'}")
    print(f"variants (from ember's ops): {choices()}")
    load = os.getloadavg()[0]
    print(f"load average (1 min) before the run: {load:.2f}"
          + ("  WARNING: the machine is busy; threaded timings will be noisy" if load > 0.5
             else ""))
    print(f"mode: {'isolated processes' if args.isolate else 'one process, A-B-B-A blocks'}; "
          f"{args.repeat} samples x >= {args.min_time}s after {args.warmup} warm-up calls; "
          f"clock {args.clock}; busy-sample guard "
          f"{'off' if args.no_guard or args.clock != 'wall' else 'on'}")
    print()

    rows = []
    from ember.utils._progress import progress  # a bar on a terminal, quiet in logs
    for name in progress(names, desc="workloads", unit="workload", leave=False):
        factory, target = WORKLOADS[name]
        runs = []  # (ember median, torch median, ratio, min/min, note) per run
        try:
            for _ in range(args.runs):
                if args.isolate:
                    times, dropped, filled = measure_isolated(name, args)
                else:
                    times, dropped, filled = measure_inprocess(factory, libs, args)
                e, t = median(times["ember"]), median(times["torch"])
                note = ""
                if dropped["ember"] or dropped["torch"]:
                    note = f"dropped busy samples e/t {dropped['ember']}/{dropped['torch']}"
                if filled["ember"] or filled["torch"]:
                    note += (f"; too busy, {filled['ember']}/{filled['torch']} samples "
                             "taken under load")
                runs.append((e, t, e / t, min(times["ember"]) / min(times["torch"]), note,
                             bool(filled["ember"] or filled["torch"])))
                if args.runs > 1:
                    print(f"  {name} run {len(runs)}: ember {fmt_time(e)}  torch {fmt_time(t)}"
                          f"  ratio {e / t:.2f}  {note}", flush=True)
        except Unavailable as exc:
            print(f"{name:<18} skipped: {exc}", flush=True)
            rows.append((name, None, None, None, target, "skipped", None, None))
            continue
        e = median([r[0] for r in runs])
        t = median([r[1] for r in runs])
        ratios = [r[2] for r in runs]
        ratio = median(ratios)
        spread = (min(ratios), max(ratios))
        ok = "-" if target is None else ("yes" if ratio <= target else "NO")
        noisy = sum(r[5] for r in runs)
        if noisy:
            ok += " (noisy)"
        rows.append((name, e, t, ratio, target, ok, median([r[3] for r in runs]), spread))
        extra = f"  runs {spread[0]:.2f}-{spread[1]:.2f}" if args.runs > 1 else ""
        note = "" if args.runs > 1 else ("  " + runs[0][4] if runs[0][4] else "")
        print(f"{name:<18} ember {fmt_time(e):>11}  torch {fmt_time(t):>11}  "
              f"ratio {ratio:7.2f}{extra}  (min/min {rows[-1][6]:6.2f})  "
              f"target {'-' if target is None else f'<= {target}'}  {ok}{note}",
              flush=True)

    if args.markdown:
        multi = args.runs > 1
        print()
        print("| workload | ember (median) | torch (median) | ember / torch |"
              + (f" range over {args.runs} runs |" if multi else "") + " target | met |")
        print("|---|---:|---:|---:|" + ("---:|" if multi else "") + "---:|:---:|")
        for name, e, t, ratio, target, ok, _, spread in rows:
            tgt = f"<= {target}" if target is not None else "-"
            if ratio is None:
                print(f"| `{name}` | - | - | - |" + (" - |" if multi else "")
                      + f" {tgt} | {ok} |")
                continue
            rng = f" {spread[0]:.2f} - {spread[1]:.2f} |" if multi else ""
            print(f"| `{name}` | {fmt_time(e)} | {fmt_time(t)} | **{ratio:.2f}** |{rng}"
                  f" {tgt} | {ok} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
