"""Exact resume: a mid-training checkpoint (model, Adam, StepLR, RNG states) loaded into a
fresh process continues bitwise identically to an uninterrupted run."""

import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = r"""
import random, sys
import numpy as np
sys.path.insert(0, ROOT)
import ember
import ember.nn as nn
import ember.nn.functional as F

mode, ckpt, out, K, N = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

def build():
    m = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = ember.optim.Adam(m.parameters(), lr=1e-3)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    return m, opt, sched

def step(m, opt, sched):
    x = ember.randn(8, 1, 28, 28)
    y = ember.randint(0, 10, (8,))
    noise = np.random.rand() + random.random()  # user code drawing from other RNGs too
    loss = F.cross_entropy(m(x), y) * (1.0 + 0.0 * noise)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()

ember.manual_seed(0); np.random.seed(0); random.seed(0)
m, opt, sched = build()
if mode == "full":
    for _ in range(K + N):
        step(m, opt, sched)
elif mode == "first":
    for _ in range(K):
        step(m, opt, sched)
    ember.save({"model": m.state_dict(), "optim": opt.state_dict(),
                "sched": sched.state_dict(), "rng": ember.get_rng_state(),
                "np_rng": np.random.get_state(), "py_rng": random.getstate()}, ckpt)
    sys.exit(0)
else:
    ember.manual_seed(123); np.random.seed(5); random.seed(7)  # a different fresh state
    ck = ember.load(ckpt, weights_only=False)
    m.load_state_dict(ck["model"]); opt.load_state_dict(ck["optim"])
    sched.load_state_dict(ck["sched"]); ember.set_rng_state(ck["rng"])
    np.random.set_state(ck["np_rng"]); random.setstate(ck["py_rng"])
    assert ck["optim"]["state"][0]["step"].dtype is ember.float32
    for _ in range(N):
        step(m, opt, sched)
np.savez(out, *[p.detach().numpy() for p in m.parameters()],
         lr=np.array(opt.param_groups[0]["lr"]))
"""


def _run(tmp_path, *args):
    code = SCRIPT.replace("ROOT", repr(ROOT))
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr


def test_exact_resume_in_fresh_process(tmp_path):
    K, N = 3, 3
    ck = tmp_path / "ck.pt"
    _run(tmp_path, "full", ck, tmp_path / "full.npz", K, N)
    _run(tmp_path, "first", ck, tmp_path / "unused.npz", K, N)
    _run(tmp_path, "resume", ck, tmp_path / "resumed.npz", K, N)
    a, b = np.load(tmp_path / "full.npz"), np.load(tmp_path / "resumed.npz")
    assert sorted(a.files) == sorted(b.files) and len(a.files) == 9
    for k in a.files:
        assert a[k].tobytes() == b[k].tobytes(), k
