"""AMP benchmark (the mixed-precision issue): the spec CNN's Adam step, float32 and under
CPU bfloat16 autocast, on ember and torch, 1 thread, CPU time of the calling thread.

The four configurations (ember f32, ember bf16, torch bf16, torch f32) are measured in
interleaved blocks, round after round (A-B-C-D then D-C-B-A), so that a slow spell of the
machine lands on all of them; per configuration the median over all samples is kept.
Prints the issue's two ratios: ember's autocast step / torch's autocast step (target
<= 2.5) and ember's autocast step / ember's float32 step (target <= 1.3).

    python benchmarks/amp.py [--rounds 4] [--samples 5]
"""

from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=4, help="interleaved rounds (default 4)")
    ap.add_argument("--samples", type=int, default=5,
                    help="timed samples per configuration and round (default 5)")
    ap.add_argument("--min-time", type=float, default=0.1,
                    help="each sample loops the step for at least S seconds (default 0.1)")
    a = ap.parse_args(argv)
    # one thread, before NumPy/torch load (run.py's re-exec sets the variables)
    from benchmarks import run as R
    R.ensure_env(R.parse_args(["--threads", "1"]), os.path.abspath(__file__))
    R.setup_path()
    from benchmarks.amp_workloads import cnn_adam_bf16_autocast
    from benchmarks.nn_workloads import cnn_adam

    libs = R.load_libs(1)
    configs = {
        "ember f32": (libs["ember"], cnn_adam), "ember bf16": (libs["ember"],
                                                           cnn_adam_bf16_autocast),
        "torch bf16": (libs["torch"], cnn_adam_bf16_autocast), "torch f32": (libs["torch"],
                                                                             cnn_adam),
    }
    prepared = {k: R.prepare(lib, f, 3, a.min_time) for k, (lib, f) in configs.items()}
    sampler = R.Sampler(False, clock="thread")
    times = {k: [] for k in configs}
    order = list(configs)
    for r in range(a.rounds):
        for k in (order if r % 2 == 0 else order[::-1]):
            fn, number = prepared[k]
            kept, _, _ = sampler.run(fn, number, a.samples)
            times[k] += kept
    med = {k: R.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:<11} {v * 1e3:8.2f} ms/step  (min {min(times[k]) * 1e3:.2f})")
    print(f"ember bf16 / torch bf16: {med['ember bf16'] / med['torch bf16']:.2f} (target <= 2.5)")
    print(f"ember bf16 / ember f32:  {med['ember bf16'] / med['ember f32']:.2f} (target <= 1.3)")
    print(f"torch bf16 / torch f32:  {med['torch bf16'] / med['torch f32']:.2f} (for reference)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    sys.exit(main())
