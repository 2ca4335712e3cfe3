"""ember.jit.trace against torch.jit.trace (the oracle) on the same weights and inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch as real_torch

import ember

from .helpers import close, inputs, pair
from .models import build_branchy, build_cnn


def test_spec_sample_trace_and_script_run_as_torch():
    em, tm = pair(build_cnn)
    ex, tx = inputs(1, 3, 28, 28)
    for lib, model, x in ((ember, em, ex), (real_torch, tm, tx)):
        traced_model = lib.jit.trace(model, x)
        scripted_model = lib.jit.script(model)
        assert isinstance(traced_model, lib.jit.ScriptModule)
        assert isinstance(scripted_model, lib.jit.ScriptModule)
    e_tr, t_tr = ember.jit.trace(em, ex), real_torch.jit.trace(tm, tx)
    e_sc, t_sc = ember.jit.script(em), real_torch.jit.script(tm)
    close(e_tr(ex), t_tr(tx))
    close(e_sc(ex), t_sc(tx))
    # the traced batch size is not frozen: x.view(x.size(0), -1) records aten::size
    ex4, tx4 = inputs(4, 3, 28, 28, seed=1)
    close(e_tr(ex4), t_tr(tx4))
    close(e_sc(ex4), t_sc(tx4))


def test_traced_module_shares_parameters_and_state_dict():
    em, _ = pair(build_cnn)
    ex, _ = inputs(2, 3, 28, 28)
    tr = ember.jit.trace(em, ex)
    assert list(tr.state_dict()) == list(em.state_dict())
    assert all(a is b for a, b in zip(tr.parameters(), em.parameters()))
    assert tr.original_name == "CNN" and tr.conv1.original_name == "Conv2d"
    tr.eval()
    assert not tr.training and not tr.conv1.training
    with ember.no_grad():
        em.fc2.bias.add_(1.0)            # shared: the traced module sees the update
    close(tr(ex), em(ex))


def test_gradients_through_traced_module_match_torch():
    em, tm = pair(build_cnn)
    ex, tx = inputs(2, 3, 28, 28)
    e_tr, t_tr = ember.jit.trace(em, ex), real_torch.jit.trace(tm, tx)
    ex.requires_grad_(True)
    tx.requires_grad_(True)
    e_tr(ex).pow(2).sum().backward()
    t_tr(tx).pow(2).sum().backward()
    close(ex.grad, tx.grad, 1e-4)
    for (n, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-3, atol=1e-4,
                                   err_msg=n)


def test_graph_and_code_print_like_torch():
    em, _ = pair(build_cnn)
    ex, _ = inputs(1, 3, 28, 28)
    tr = ember.jit.trace(em, ex)
    g = str(tr.graph)
    assert g.startswith("graph(%self : __torch__.")
    assert "%x : Float(1, 3, 28, 28, strides=[2352, 784, 28, 1], requires_grad=0, " \
           "device=cpu)" in g
    assert "aten::convolution" in g and "aten::relu" in g and "aten::size" in g
    assert 'prim::GetAttr[name="conv1.weight"]' in g
    assert str(tr.inlined_graph) == g
    kinds = [n.kind() for n in tr.graph.nodes()]
    assert kinds.count("aten::linear") == 2 and kinds.count("aten::max_pool") == 2
    code = tr.code
    assert code.startswith("def forward(self,") and "return" in code
    assert "CNN(\n  original_name=CNN" in repr(tr)


def test_data_dependent_branch_is_frozen_by_trace_kept_by_script():
    em, tm = pair(build_branchy)
    with ember.no_grad(), real_torch.no_grad():   # lin = identity: the branch is x's sign
        for m in (em, tm):
            m.lin.bias.zero_()
        em.lin.weight.copy_(ember.eye(4))
        tm.lin.weight.copy_(real_torch.eye(4))
    ex, tx = inputs(3, 4)
    ex, tx = ex.abs() + 1, tx.abs() + 1           # positive sum at trace time
    with pytest.warns(ember.jit.TracerWarning, match="Python boolean"):
        e_tr = ember.jit.trace(em, ex)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_tr = real_torch.jit.trace(tm, tx)
    e_sc, t_sc = ember.jit.script(em), real_torch.jit.script(tm)
    neg_e, neg_t = -ex * 100, -tx * 100
    close(e_tr(neg_e), t_tr(neg_t))                # both took the traced (y * 2) branch
    close(e_sc(neg_e), t_sc(neg_t))                # both run the real branch
    close(e_tr(neg_e), em.lin(neg_e) * 2)
    close(e_sc(neg_e), em.lin(neg_e) - 100)


@pytest.mark.parametrize("conv, what", [
    (lambda x: x * x.sum().item(), "Python number"),
    (lambda x: x * int(x.sum()), "Python integer"),
    (lambda x: x * float(x.sum()), "Python float"),
    (lambda x: x + len(x.tolist()), "Python list"),
    (lambda x: x + x.detach().numpy().sum(), "NumPy array"),
])
def test_tensor_to_python_conversions_warn(conv, what):
    ex, tx = inputs(3)
    with pytest.warns(ember.jit.TracerWarning, match=f"Converting a tensor to a {what}"):
        ember.jit.trace(conv, ex, check_trace=False)
    with pytest.warns(real_torch.jit.TracerWarning, match=f"Converting a tensor to a {what}"):
        real_torch.jit.trace(conv, tx, check_trace=False)


def _sign_branch(x):
    if x.sum() > 0:
        return x * 2
    return x - 1


def test_check_trace_raises_on_divergent_graphs():
    ex, tx = inputs(3)
    for lib, x in ((ember, ex.abs()), (real_torch, tx.abs())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(lib.jit.TracingCheckError, match="Graphs differed across"):
                lib.jit.trace(_sign_branch, x, check_inputs=[(-x,)])


def test_check_trace_warns_for_train_mode_dropout():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Dropout(0.5))
    ex, tx = inputs(64, 3)
    for lib, x in ((ember, ex), (real_torch, tx)):
        lib.manual_seed(0)
        with pytest.warns(lib.jit.TracerWarning, match="Output nr 1. of the traced function "
                          "does not match"):
            trs = lib.jit.trace(build(lib), x)
        if lib is ember:
            tr = trs
    # replays draw a fresh mask (aten::dropout is a node, not a frozen constant)
    a, b = tr(ex), tr(ex)
    assert not np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert any(n.kind() == "aten::dropout" for n in tr.graph.nodes())


def test_random_creation_inside_trace_warns_and_is_a_constant():
    # torch records aten::randn as a node; ember's creation functions build their arrays
    # outside the dispatcher, so the draw is frozen: ember says so with a TracerWarning
    def f(lib, x):
        return x + lib.randn(3)

    tt = real_torch.jit.trace(lambda x: f(real_torch, x), real_torch.zeros(3),
                              check_trace=False)
    assert any(n.kind() == "aten::randn" for n in tt.graph.nodes())
    with pytest.warns(ember.jit.TracerWarning, match="random tensor was created outside"):
        te = ember.jit.trace(lambda x: f(ember, x), ember.zeros(3), check_trace=False)
    np.testing.assert_array_equal(te(ember.zeros(3)).numpy(), te(ember.zeros(3)).numpy())
    # draws made by a recorded op do not warn (dropout above); nothing stays installed
    from ember.random import RandomHooks
    assert RandomHooks.draw is None


@pytest.mark.parametrize("fn, args, kind", [
    (lambda x: x, (3,), "RuntimeError"),
    (lambda x, y: x * y, "tensor_and_int", "RuntimeError"),
    (lambda x: {"a": x}, "tensor", "RuntimeError"),
    (lambda x: 3, "tensor", "RuntimeError"),
])
def test_untraceable_inputs_and_outputs_error_like_torch(fn, args, kind):
    msgs = []
    for lib in (ember, real_torch):
        t = lib.ones(2)
        a = {"tensor_and_int": (t, 3), "tensor": (t,)}.get(args, args)
        with pytest.raises(RuntimeError) as info:
            lib.jit.trace(fn, a)
        msgs.append(str(info.value).split("\n")[0])
    assert msgs[0] == msgs[1]


def test_list_output_warns_nested_inputs_and_tuple_outputs():
    def f(pair_, d):
        a, b = pair_
        return [a + d["k"], b * 2]

    def g(pair_, d):
        a, b = pair_
        return (a + d["k"], (b * 2, a))
    ea, eb, ek = ember.ones(2), ember.arange(2.0), ember.full((2,), 3.0)
    with pytest.warns(ember.jit.TracerWarning, match="Encountering a list"):
        tf = ember.jit.trace(f, ((ea, eb), {"k": ek}))
    out = tf((eb, ea), {"k": ea})
    assert isinstance(out, list)
    close(out[0], eb + ea)
    tg = ember.jit.trace(g, ((ea, eb), {"k": ek}))
    o = tg((eb, ea), {"k": ea})
    close(o[1][0], ea * 2)
    with pytest.raises(RuntimeError, match="expected 2 argument"):
        tg(ea)


def test_is_tracing_and_constants_requiring_grad():
    seen = []

    def f(x):
        seen.append(ember.jit.is_tracing())
        return x + 1
    ember.jit.trace(f, ember.ones(2), check_trace=False)
    assert seen == [True] and not ember.jit.is_tracing()
    w = ember.ones(2, requires_grad=True)
    for lib, ww in ((ember, w), (real_torch, real_torch.ones(2, requires_grad=True))):
        with pytest.raises(RuntimeError, match="Cannot insert a Tensor that requires grad"):
            lib.jit.trace(lambda x, ww=ww: x * ww, lib.ones(2))


def test_batchnorm_train_mode_updates_buffers_like_eager():
    def build(lib):
        return lambda: lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4))
    em, tm = pair(build)
    ex, tx = inputs(2, 3, 8, 8)
    e_tr = ember.jit.trace(em, ex, check_trace=False)
    t_tr = real_torch.jit.trace(tm, tx, check_trace=False)
    for seed in range(2):
        e2, t2 = inputs(3, 3, 8, 8, seed=seed + 5)
        close(e_tr(e2), t_tr(t2), 1e-4)
    for k, v in tm.state_dict().items():
        close(em.state_dict()[k], v, 1e-5)


def test_inplace_ops_in_forward_replay():
    def f(x):
        y = x * 1
        y.add_(2)
        y.mul_(x)
        return y
    tf = ember.jit.trace(f, ember.ones(3))
    x = ember.arange(3.0)
    close(tf(x), (x + 2) * x)
