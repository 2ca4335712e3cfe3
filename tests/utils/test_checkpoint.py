"""``ember.utils.checkpoint`` compared with ``torch.utils.checkpoint``: gradients,
recomputation count, memory, RNG replay, autograd.grad, errors and warnings."""

from __future__ import annotations

import gc
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest
import torch
import torch.utils.checkpoint  # noqa: F401

import ember
import ember.utils.checkpoint  # noqa: F401
from ember.autograd.engine import is_checkpoint_valid
from ember.autograd.graph import DeferredSaved

RNG = np.random.default_rng(5)
X = RNG.standard_normal((4, 6))
REENTRANT = [True, False]


def ck(lib):
    return lib.utils.checkpoint


def seq_model(lib, n=4, width=6, dropout=0.0, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(n):
        layers += [lib.nn.Linear(width, width), lib.nn.Tanh()]
        if dropout:
            layers.append(lib.nn.Dropout(dropout))
    m = lib.nn.Sequential(*layers).double()
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.5))
    return m


def grads_of(lib, model, x):
    return [x.grad] + [p.grad for p in model.parameters()]


def assert_close(e_list, t_list, rtol=1e-10, atol=1e-12):
    assert len(e_list) == len(t_list)
    for e, t in zip(e_list, t_list):
        if t is None:
            assert e is None
            continue
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def raises_same(fn, exc=Exception):
    with pytest.raises(exc) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ee:
        fn(ember)
    assert str(ee.value).replace("ember", "torch") == str(te.value)
    return ee.value


@pytest.mark.parametrize("reentrant", REENTRANT)
def test_gradients_match_torch_and_plain_run(reentrant):
    results = {}
    for lib in (ember, torch):
        m = seq_model(lib)
        x = lib.tensor(X, requires_grad=True)
        out = ck(lib).checkpoint(lambda a, m=m: m(a).sin(), x, use_reentrant=reentrant)
        (out ** 2).sum().backward()
        results[lib.__name__] = [out] + grads_of(lib, m, x)
    assert_close(results["ember"], results["torch"])
    # and against ember without checkpoint
    m = seq_model(ember)
    x = ember.tensor(X, requires_grad=True)
    (m(x).sin() ** 2).sum().backward()
    assert_close(results["ember"][1:], grads_of(ember, m, x))


@pytest.mark.parametrize("reentrant", REENTRANT)
def test_forward_runs_once_more_in_backward(reentrant):
    counts = {}
    for lib in (ember, torch):
        calls = []
        m = seq_model(lib, n=2)

        def fn(a, m=m, calls=calls):
            calls.append(1)
            return m(a)
        out = ck(lib).checkpoint(fn, lib.tensor(X, requires_grad=True),
                                 use_reentrant=reentrant)
        after_forward = len(calls)
        out.sum().backward()
        counts[lib.__name__] = (after_forward, len(calls))
    assert counts["ember"] == counts["torch"] == (1, 2)


@pytest.mark.parametrize("reentrant", REENTRANT)
def test_activations_are_not_kept(reentrant):
    refs = []

    def fn(a):
        h = (a * 2.0).tanh()
        refs.append(weakref.ref(h))
        return (h * h).exp()
    x = ember.tensor(X, requires_grad=True)
    y = ember.utils.checkpoint.checkpoint(fn, x, use_reentrant=reentrant)
    gc.collect()
    assert refs[0]() is None  # nothing holds the intermediate
    y.sum().backward()
    plain = fn(x)
    gc.collect()
    assert refs[-1]() is not None  # without checkpoint the graph keeps it
    del plain


@pytest.mark.parametrize("reentrant", REENTRANT)
def test_memory_after_forward_is_small(reentrant):
    """Eight 200x200 float64 activations (~0.3 MB each) stay alive without checkpoint."""
    m = seq_model(ember, n=8, width=200)
    x = ember.tensor(RNG.standard_normal((200, 200)), requires_grad=True)

    def held(run):
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            out = run()
            gc.collect()
            size = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
        return size, out
    plain, out_p = held(lambda: m(x))
    ckpt, out_c = held(lambda: ember.utils.checkpoint.checkpoint(m, x,
                                                                 use_reentrant=reentrant))
    assert plain > 8 * 200 * 200 * 8
    assert ckpt < plain / 5, (ckpt, plain)
    out_c.sum().backward()
    g_ck = [p.grad.clone() for p in m.parameters()]
    m.zero_grad()
    out_p.sum().backward()
    assert_close(g_ck, [p.grad for p in m.parameters()])


@pytest.mark.parametrize("reentrant", REENTRANT)
def test_dropout_mask_replayed(reentrant):
    for lib in (ember, torch):
        m = seq_model(lib, n=3, dropout=0.5)
        x = lib.tensor(X, requires_grad=True)
        lib.manual_seed(123)
        ck(lib).checkpoint(m, x, use_reentrant=reentrant).sum().backward()
        g_ck = [t.clone() for t in grads_of(lib, m, x)]
        m.zero_grad()
        x.grad = None
        lib.manual_seed(123)
        m(x).sum().backward()
        assert_close(g_ck, grads_of(lib, m, x))


@pytest.mark.parametrize("reentrant", REENTRANT)
def test_preserve_rng_state_false_draws_a_new_mask(reentrant):
    for lib in (ember, torch):
        m = seq_model(lib, n=3, dropout=0.5)
        x = lib.tensor(X, requires_grad=True)
        lib.manual_seed(7)
        ck(lib).checkpoint(m, x, use_reentrant=reentrant,
                           preserve_rng_state=False).sum().backward()
        g_ck = x.grad.clone()
        x.grad = None
        lib.manual_seed(7)
        m(x).sum().backward()
        assert not np.allclose(g_ck.numpy(), x.grad.numpy()), lib.__name__


def test_non_reentrant_autograd_grad_and_inputs_without_grad():
    results = {}
    for lib in (ember, torch):
        m = seq_model(lib, n=2)
        x = lib.tensor(X, requires_grad=True)
        y = ck(lib).checkpoint(lambda a, m=m: m(a) * 3.0, x, use_reentrant=False)
        gx = lib.autograd.grad(y.sum(), [x] + list(m.parameters()))
        # an input that does not require grad: the parameters still get gradients
        z = ck(lib).checkpoint(lambda a, b, m=m: m(a) + b, lib.tensor(X),
                               lib.tensor(X[::-1].copy()), use_reentrant=False)
        z.pow(2).sum().backward()
        results[lib.__name__] = list(gx) + [p.grad for p in m.parameters()]
    assert_close(results["ember"], results["torch"])


def test_reentrant_rejects_autograd_grad_and_backward_inputs():
    def grad_call(lib):
        x = lib.tensor(X, requires_grad=True)
        y = ck(lib).checkpoint(lambda a: a.sin(), x, use_reentrant=True)
        return lib.autograd.grad(y.sum(), x)

    def backward_inputs(lib):
        x = lib.tensor(X, requires_grad=True)
        y = ck(lib).checkpoint(lambda a: a.sin(), x, use_reentrant=True)
        y.sum().backward(inputs=[x])
    raises_same(grad_call)
    raises_same(backward_inputs)


def test_reentrant_without_input_grad_warns_and_output_has_no_grad():
    for lib in (ember, torch):
        m = seq_model(lib, n=1)
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            out = ck(lib).checkpoint(m, lib.tensor(X), use_reentrant=True)
        assert not out.requires_grad


def test_kwargs_multiple_outputs_and_non_tensor_args():
    results = {}
    for lib in (ember, torch):
        x = lib.tensor(X, requires_grad=True)
        w = lib.tensor(X[:3].T.copy(), requires_grad=True)

        def fn(a, b, k, *, scale):
            return (a @ b * scale).exp(), (a * k).sum(0)
        y1, y2 = ck(lib).checkpoint(fn, x, w, 2.0, scale=0.5, use_reentrant=False)
        (y1.sum() + y2.pow(2).sum()).backward()
        r = [y1, y2, x.grad, w.grad]
        x.grad = w.grad = None
        z1, z2 = ck(lib).checkpoint(lambda a, b, k: fn(a, b, k, scale=0.5), x, w, 2.0,
                                    use_reentrant=True)
        (z1.sum() + z2.pow(2).sum()).backward()
        results[lib.__name__] = r + [z1, z2, x.grad, w.grad]
    assert_close(results["ember"], results["torch"])


def test_double_backward_through_non_reentrant():
    results = {}
    for lib in (ember, torch):
        x = lib.tensor(X, requires_grad=True)
        y = ck(lib).checkpoint(lambda a: (a.sin() * a).pow(2), x, use_reentrant=False)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results[lib.__name__] = [g, gg]
    assert_close(results["ember"], results["torch"])


def test_retain_graph_recomputes_each_backward():
    counts = {}
    for lib in (ember, torch):
        calls = []

        def fn(a, calls=calls):
            calls.append(1)
            return a.exp() * a
        x = lib.tensor(X, requires_grad=True)
        y = ck(lib).checkpoint(fn, x, use_reentrant=False).sum()
        y.backward(retain_graph=True)
        y.backward()
        counts[lib.__name__] = (len(calls), x.grad)
    assert counts["ember"][0] == counts["torch"][0] == 3
    assert_close([counts["ember"][1]], [counts["torch"][1]])


def test_nested_checkpoints_and_custom_function():
    results = {}
    for lib in (ember, torch):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a ** 3

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return 3 * a * a * g
        m = seq_model(lib, n=2)

        def inner(a, m=m):
            return Cube.apply(m(a))

        def outer(a, inner=inner, lib=lib):
            h = ck(lib).checkpoint(inner, a.cos(), use_reentrant=False)
            return h.tanh() * a
        x = lib.tensor(X, requires_grad=True)
        ck(lib).checkpoint(outer, x, use_reentrant=False).sum().backward()
        results[lib.__name__] = grads_of(lib, m, x)
    assert_close(results["ember"], results["torch"])


def test_determinism_check():
    for lib in (ember, torch):
        state = {"n": 4}

        def fn(a, state=state):
            r = a[: state["n"]].exp()
            state["n"] = 2
            return r
        y = ck(lib).checkpoint(fn, lib.tensor(X, requires_grad=True), use_reentrant=False)
        with pytest.raises(RuntimeError) as e:
            y.sum().backward()
        assert type(e.value).__name__ == "CheckpointError"
        assert "Recomputed values for the following tensors have different metadata" in \
            str(e.value)
    assert issubclass(ember.utils.checkpoint.CheckpointError, RuntimeError)


def test_saved_tensors_of_region_node_are_recomputed():
    x = ember.tensor(X, requires_grad=True)
    y = ember.utils.checkpoint.checkpoint(lambda a: a * a, x, use_reentrant=False)
    assert isinstance(y.grad_fn._saved, DeferredSaved)
    a, b = y.grad_fn.saved_tensors
    assert a is x and b is x


def test_grad_disabled_just_runs():
    for lib in (ember, torch):
        calls = []
        with lib.no_grad():
            y = ck(lib).checkpoint(lambda a, calls=calls: calls.append(1) or a * 2,
                                   lib.tensor(X, requires_grad=True), use_reentrant=False)
        assert not y.requires_grad and len(calls) == 1


def test_context_fn():
    log = {}
    for lib in (ember, torch):
        seen = []

        class Ctx:
            def __init__(self, tag, seen=seen):
                self.tag = tag
                self.seen = seen

            def __enter__(self):
                self.seen.append(self.tag)

            def __exit__(self, *exc):
                return False
        y = ck(lib).checkpoint(lambda a: a.sin() * a, lib.tensor(X, requires_grad=True),
                               use_reentrant=False,
                               context_fn=lambda: (Ctx("fwd"), Ctx("recompute")))
        y.sum().backward()
        log[lib.__name__] = seen
    assert log["ember"] == log["torch"] == ["fwd", "recompute"]


def test_argument_errors_and_warnings():
    def fn(a, **kw):
        return a * 2
    raises_same(lambda lib: ck(lib).checkpoint(fn, lib.ones(2), use_reentrant=True, foo=1))
    raises_same(lambda lib: ck(lib).checkpoint(fn, lib.ones(2), use_reentrant=True,
                                               debug=True))
    raises_same(lambda lib: ck(lib).checkpoint(fn, lib.ones(2), use_reentrant=True,
                                               context_fn=lambda: (None, None)))
    raises_same(lambda lib: ck(lib).checkpoint(fn, lib.ones(2, requires_grad=True),
                                               use_reentrant=False, determinism_check="x"))
    raises_same(lambda lib: ck(lib).checkpoint_sequential([fn], 1, lib.ones(2),
                                                          use_reentrant=True, foo=1))
    msgs = {}
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            ck(lib).checkpoint(lambda a: a * 2, lib.ones(2, requires_grad=True))
            ck(lib).checkpoint_sequential([lambda a: a * 2], 1, lib.ones(2, requires_grad=True))
        msgs[lib.__name__] = [str(w.message) for w in rec if w.category is UserWarning]
    assert msgs["ember"] == msgs["torch"] and len(msgs["torch"]) == 2


@pytest.mark.parametrize("reentrant", REENTRANT)
@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential(reentrant, segments):
    results = {}
    for lib in (ember, torch):
        m = seq_model(lib, n=3)  # 6 modules
        x = lib.tensor(X, requires_grad=True)
        out = ck(lib).checkpoint_sequential(m, segments, x, use_reentrant=reentrant)
        out.pow(2).sum().backward()
        results[lib.__name__] = [out] + grads_of(lib, m, x)
    assert_close(results["ember"], results["torch"])


def test_engine_checkpoint_validity_flag():
    """``is_checkpoint_valid`` (engine change for the reentrant variant) tracks the
    innermost running backward: False in autograd.grad / backward(inputs=)."""
    seen = []
    x = ember.tensor(X, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: seen.append(is_checkpoint_valid()))
    y.sum().backward(retain_graph=True)
    ember.autograd.grad(y.sum(), x, retain_graph=True)
    y.sum().backward(inputs=[x])
    assert seen == [True, False, False]
    assert is_checkpoint_valid()


@pytest.mark.parametrize("reentrant", REENTRANT)
def test_conv_batchnorm_pool_model(reentrant):
    """Ops that keep buffers on their node (im2col columns, pooling indices, relu masks)
    release them and get them back from the recomputation; BatchNorm's running stats
    are updated by the recomputation too, as in torch.  (rtol 1e-9: float64 convolutions
    sum in another order than torch's, and the squared loss amplifies that.)"""
    x_np = RNG.standard_normal((2, 3, 8, 8))
    results = {}
    for lib in (ember, torch):
        m = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3, padding=1), lib.nn.BatchNorm2d(4),
                              lib.nn.ReLU(), lib.nn.MaxPool2d(2), lib.nn.Conv2d(4, 2, 3)).double()
        rng = np.random.default_rng(1)
        with lib.no_grad():
            for p in m.parameters():
                p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
        x = lib.tensor(x_np, requires_grad=True)
        ck(lib).checkpoint(m, x, use_reentrant=reentrant).pow(2).sum().backward()
        results[lib.__name__] = grads_of(lib, m, x) + [m[1].running_mean, m[1].running_var]
    assert_close(results["ember"], results["torch"], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("reentrant", REENTRANT)
def test_input_modified_in_place_after_forward_raises(reentrant):
    for lib in (ember, torch):
        x = lib.tensor(X, requires_grad=True)
        a = x * 1
        y = ck(lib).checkpoint(lambda t: t.sin(), a, use_reentrant=reentrant)
        with lib.no_grad():
            a.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_debug_lists_operators_of_both_runs():
    """ember's debug report names the operators of the forward and the recomputation
    (torch prints its dispatcher log; the two formats differ, so ember alone here)."""
    for use_global in (False, True):
        state = {"n": 4}

        def fn(a, state=state):
            r = a[: state["n"]].exp()
            state["n"] = 2
            return r
        x = ember.tensor(X, requires_grad=True)
        if use_global:
            with ember.utils.checkpoint.set_checkpoint_debug_enabled(True):
                y = ember.utils.checkpoint.checkpoint(fn, x, use_reentrant=False)
        else:
            y = ember.utils.checkpoint.checkpoint(fn, x, use_reentrant=False, debug=True)
        with pytest.raises(ember.utils.checkpoint.CheckpointError) as e:
            y.sum().backward()
        msg = str(e.value)
        assert "Operations executed during the original forward" in msg
        assert "ExpBackward0" in msg
    with pytest.raises(ValueError, match="debug=True is incompatible with non-default"):
        ember.utils.checkpoint.checkpoint(fn, x, use_reentrant=False, debug=True,
                                          context_fn=lambda: (None, None))
