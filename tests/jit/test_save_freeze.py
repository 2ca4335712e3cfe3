"""ember.jit.save / load round trips and freeze / optimize_for_inference passes."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest
import torch as real_torch

import ember

from .helpers import close, inputs, pair
from .models import build_cnn, build_convbn, build_helpers


def _bits(t):
    return t.detach().numpy().tobytes()


def test_save_load_round_trip_bit_equal(tmp_path):
    em, _ = pair(build_cnn)
    ex, _ = inputs(2, 3, 28, 28)
    tr = ember.jit.trace(em, ex)
    path = tmp_path / "cnn.pt"
    ember.jit.save(tr, path)
    loaded = ember.jit.load(path)
    x4, _ = inputs(4, 3, 28, 28, seed=3)
    assert _bits(loaded(x4)) == _bits(tr(x4))
    assert isinstance(loaded, ember.jit.TracedModule)
    assert list(loaded.state_dict()) == list(em.state_dict())
    assert loaded.original_name == "CNN" and loaded.fc1.original_name == "Linear"
    assert str(loaded.graph) == str(tr.graph)
    buf = io.BytesIO()
    tr.save(buf)                                  # the method form, to a file object
    buf.seek(0)
    assert _bits(ember.jit.load(buf)(x4)) == _bits(tr(x4))
    # gradients flow through a loaded module
    loaded(x4).sum().backward()
    assert loaded.conv1.weight.grad is not None


def test_load_needs_no_module_class(tmp_path):
    em, _ = pair(build_cnn)
    ex, _ = inputs(1, 3, 28, 28)
    path = tmp_path / "m.pt"
    ember.jit.trace(em, ex).save(str(path))
    np.save(tmp_path / "x.npy", ex.numpy())
    expect = ember.jit.load(path)(ex).detach().numpy()
    np.save(tmp_path / "y.npy", expect)
    code = ("import sys, numpy as np, ember\n"
            f"m = ember.jit.load({str(path)!r})\n"
            f"x = ember.tensor(np.load({str(tmp_path / 'x.npy')!r}))\n"
            f"y = np.load({str(tmp_path / 'y.npy')!r})\n"
            "assert m(x).detach().numpy().tobytes() == y.tobytes()\n"
            "assert 'tests' not in sys.modules\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(tmp_path),
                   env={**os.environ, "PYTHONPATH": root})


def test_saved_function_and_extra_files(tmp_path):
    def f(x, y):
        return (x * y).relu().sum(0), x[1:]
    a, b = ember.randn(3, 2), ember.randn(3, 2)
    tf = ember.jit.trace(f, (a, b))
    path = tmp_path / "f.pt"
    ember.jit.save(tf, path, _extra_files={"note.txt": b"hello"})
    extra = {"note.txt": ""}
    lf = ember.jit.load(path, _extra_files=extra)
    assert extra["note.txt"] == b"hello"
    for x, y in zip(lf(b, a), f(b, a)):
        assert _bits(x) == _bits(y)


def test_save_errors_are_clear_and_write_nothing(tmp_path):
    em, _ = pair(build_helpers)
    with pytest.raises(RuntimeError, match="scripted module runs its Python source"):
        ember.jit.save(ember.jit.script(em), tmp_path / "s.pt")
    with pytest.raises(RuntimeError, match="expected a traced module"):
        ember.jit.save(em, tmp_path / "plain.pt")
    assert os.listdir(tmp_path) == []
    ember.save({"w": ember.ones(2)}, tmp_path / "ckpt.pt")
    with pytest.raises(RuntimeError, match="not an ember.jit archive"):
        ember.jit.load(tmp_path / "ckpt.pt")


def test_load_rejects_code_in_the_archive(tmp_path):
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    path = tmp_path / "evil.pt"
    with open(path, "wb") as fh:
        ember.save({"format": "ember.jit", "x": ember.ones(1)}, fh)
    with open(tmp_path / "evil2.pt", "wb") as fh:
        real_torch.save({"format": "ember.jit", "graph": Evil()}, fh, pickle_module=pickle)
    with pytest.raises(ember.serialization.UnpicklingError):
        ember.jit.load(tmp_path / "evil2.pt")


def test_freeze_requires_eval_like_torch():
    em, tm = pair(build_convbn)
    ex, tx = inputs(2, 3, 8, 8)
    msgs = []
    for lib, m, x in ((ember, em, ex), (real_torch, tm, tx)):
        with pytest.raises(RuntimeError) as info:
            lib.jit.freeze(lib.jit.trace(m, x, check_trace=False))
        msgs.append(str(info.value))
        with pytest.raises(RuntimeError) as info2:
            lib.jit.freeze(m)
        msgs.append(str(info2.value).split("\n")[0])
    assert msgs[0] == msgs[2] and msgs[1] == msgs[3]


def test_freeze_and_optimize_fold_batchnorm_and_match():
    em, tm = pair(build_convbn)
    ex, tx = inputs(4, 3, 8, 8)
    for _ in range(2):                            # non-trivial running statistics
        em(ex)
        tm(tx)
    em.eval()
    tm.eval()
    tr = ember.jit.trace(em, ex)
    frozen = ember.jit.freeze(tr)
    opt = ember.jit.optimize_for_inference(ember.jit.trace(em, ex))
    t_opt = real_torch.jit.optimize_for_inference(real_torch.jit.trace(tm, tx))
    x2, t2 = inputs(3, 3, 8, 8, seed=7)
    with ember.no_grad():
        ref = em(x2)
        close(frozen(x2), ref, 1e-5)
        close(opt(x2), ref, 1e-5)
    close(opt(x2), t_opt(t2), 1e-4)
    n_before = len(tr.graph.nodes())
    n_after = len(opt.graph.nodes())
    kinds = [n.kind() for n in opt.graph.nodes()]
    assert n_after < n_before
    assert "aten::native_batch_norm" not in kinds          # all three batch norms folded
    assert "prim::GetAttr" not in kinds
    assert list(frozen.parameters()) == []


def test_constant_propagation_and_dce():
    class M(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = ember.nn.Parameter(ember.randn(3))

        def forward(self, x):
            unused = x * 3                             # dead
            scale = (self.w * 2).exp()                 # constant once frozen
            del unused
            return x * scale
    m = M().eval()
    tr = ember.jit.trace(m, ember.ones(3))
    kinds = [n.kind() for n in tr.graph.nodes()]
    assert kinds.count("aten::mul") == 3 and "aten::exp" in kinds
    fz = ember.jit.freeze(tr)
    fk = [n.kind() for n in fz.graph.nodes()]
    assert fk == ["prim::Constant", "aten::mul"]
    x = ember.randn(3)
    close(fz(x), m(x))


def test_freeze_scripted_module_makes_parameters_constant():
    em, _ = pair(build_cnn)
    sc = ember.jit.script(em.eval())
    fz = ember.jit.freeze(sc)
    assert list(fz.parameters()) == []
    ex, _ = inputs(1, 3, 28, 28)
    close(fz(ex), em(ex))
    assert not fz(ex).requires_grad
