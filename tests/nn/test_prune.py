"""ember.nn.utils.prune against torch.nn.utils.prune: masks of the deterministic methods
bit-identical (ties included), random methods checked structurally, the
reparameterization (parameters, buffers, hooks, state_dict), iterative pruning, remove,
validation errors, and gradients through a pruned module."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.utils.prune as tprune

import ember
import ember.nn.utils.prune as eprune


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _pair(make, seed=0, weight=None):
    """The same module in torch and ember (ember loads torch's state)."""
    torch.manual_seed(seed)
    tmod = make(torch)
    if weight is not None:
        with torch.no_grad():
            tmod.weight.copy_(torch.from_numpy(weight))
    emod = make(ember)
    emod.load_state_dict({k: ember.tensor(_np(v)) for k, v in tmod.state_dict().items()})
    return emod, tmod


def _linear(lib):
    return lib.nn.Linear(6, 5)


def _conv(lib):
    return lib.nn.Conv2d(4, 6, 3)


def _same_state(emod, tmod):
    e_sd, t_sd = emod.state_dict(), tmod.state_dict()
    assert list(e_sd.keys()) == list(t_sd.keys())
    for k in t_sd:
        assert repr(e_sd[k].dtype).replace("ember.", "") == str(t_sd[k].dtype)[6:], k
        np.testing.assert_array_equal(_np(e_sd[k]), _np(t_sd[k]), err_msg=k)
    assert [n for n, _ in emod.named_parameters()] == [n for n, _ in tmod.named_parameters()]
    assert [n for n, _ in emod.named_buffers()] == [n for n, _ in tmod.named_buffers()]


def _same_pruned_attr(emod, tmod, name="weight"):
    e, t = getattr(emod, name), getattr(tmod, name)
    np.testing.assert_array_equal(_np(e), _np(t))
    assert isinstance(e, ember.nn.Parameter) == isinstance(t, torch.nn.Parameter)


def _tie_weight(shape, seed, levels=3):
    """Weights with many equal magnitudes (signs mixed) so topk's tie-breaking matters."""
    rng = np.random.default_rng(seed)
    mag = rng.integers(0, levels, shape).astype(np.float32) / 4
    return (mag * rng.choice([-1.0, 1.0], shape)).astype(np.float32)


# --- deterministic methods: bit-identical masks -------------------------------------------

@pytest.mark.parametrize("amount", [0, 1, 7, 0.0, 0.3, 0.5, 1.0, 30])
@pytest.mark.parametrize("ties", [False, True])
def test_l1_unstructured_matches(amount, ties):
    w = _tie_weight((5, 6), 3) if ties else None
    emod, tmod = _pair(_linear, weight=w)
    tprune.l1_unstructured(tmod, "weight", amount=amount)
    out = eprune.l1_unstructured(emod, "weight", amount=amount)
    assert out is emod
    _same_state(emod, tmod)
    _same_pruned_attr(emod, tmod)


@pytest.mark.parametrize("seed", range(6))
def test_l1_unstructured_ties_large(seed):
    # many equal values: both libstdc++ paths (nth_element and partial_sort, 64k <= n)
    w = _tie_weight((16, 40), seed, levels=4)
    for amount in (3, 0.37):
        emod, tmod = _pair(lambda lib: lib.nn.Linear(40, 16), weight=w)
        tprune.l1_unstructured(tmod, "weight", amount=amount)
        eprune.l1_unstructured(emod, "weight", amount=amount)
        np.testing.assert_array_equal(_np(emod.weight_mask), _np(tmod.weight_mask))


def test_l1_unstructured_importance_scores():
    emod, tmod = _pair(_linear)
    scores = np.random.default_rng(1).standard_normal((5, 6)).astype(np.float32)
    tprune.l1_unstructured(tmod, "weight", 0.4, importance_scores=torch.from_numpy(scores))
    eprune.l1_unstructured(emod, "weight", 0.4, importance_scores=ember.tensor(scores))
    _same_state(emod, tmod)
    _same_pruned_attr(emod, tmod)


@pytest.mark.parametrize("n", [1, 2, math.inf, -math.inf, 3, "fro"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("amount", [0, 1, 0.5, 1.0])
def test_ln_structured_matches(n, dim, amount):
    emod, tmod = _pair(_linear)
    tprune.ln_structured(tmod, "weight", amount=amount, n=n, dim=dim)
    eprune.ln_structured(emod, "weight", amount=amount, n=n, dim=dim)
    _same_state(emod, tmod)
    _same_pruned_attr(emod, tmod)


@pytest.mark.parametrize("dim", [0, 1, 3])
@pytest.mark.parametrize("amount", [2, 0.5])
def test_ln_structured_conv_and_ties(dim, amount):
    # every channel along dim is +-(the same values in the same order): all norms are equal
    # and which channels survive is topk's (largest=True) choice among ties
    rng = np.random.default_rng(5)
    shape = [6, 4, 3, 3]
    one = list(shape)
    one[dim] = 1
    signs = [1] * 4
    signs[dim] = shape[dim]
    w = (rng.standard_normal(one) * rng.choice([-1.0, 1.0], signs)).astype(np.float32)
    emod, tmod = _pair(_conv, weight=np.ascontiguousarray(w))
    for n, amt in ((1, amount), (2, 1)):  # the second round prunes among the survivors
        tprune.ln_structured(tmod, "weight", amount=amt, n=n, dim=dim)
        eprune.ln_structured(emod, "weight", amount=amt, n=n, dim=dim)
        _same_state(emod, tmod)


def test_ln_structured_importance_scores():
    emod, tmod = _pair(_conv)
    scores = np.random.default_rng(2).standard_normal((6, 4, 3, 3)).astype(np.float32)
    tprune.ln_structured(tmod, "weight", 0.5, 2, 0, importance_scores=torch.from_numpy(scores))
    eprune.ln_structured(emod, "weight", 0.5, 2, 0, importance_scores=ember.tensor(scores))
    _same_state(emod, tmod)


def test_custom_from_mask_and_identity():
    emod, tmod = _pair(_linear)
    mask = (np.random.default_rng(3).random((5, 6)) > 0.5).astype(np.float32)
    tprune.custom_from_mask(tmod, "weight", torch.from_numpy(mask))
    eprune.custom_from_mask(emod, "weight", ember.tensor(mask))
    tprune.identity(tmod, "bias")
    eprune.identity(emod, "bias")
    _same_state(emod, tmod)
    _same_pruned_attr(emod, tmod)
    _same_pruned_attr(emod, tmod, "bias")
    assert emod.bias_mask.dtype == ember.float32


def test_custom_from_mask_bool_and_double():
    emod, tmod = _pair(lambda lib: lib.nn.Linear(3, 2).double())
    mask = np.array([[True, False, True], [False, True, True]])
    tprune.custom_from_mask(tmod, "weight", torch.from_numpy(mask))
    eprune.custom_from_mask(emod, "weight", ember.tensor(mask))
    _same_state(emod, tmod)
    assert emod.weight_mask.dtype == ember.float64


# --- iterative pruning (PruningContainer) --------------------------------------------------

@pytest.mark.parametrize("steps", [
    [("l1_unstructured", {"amount": 5}), ("l1_unstructured", {"amount": 0.5})],
    [("ln_structured", {"amount": 1, "n": 2, "dim": 0}),
     ("l1_unstructured", {"amount": 0.25})],
    [("l1_unstructured", {"amount": 0.3}), ("ln_structured", {"amount": 2, "n": 1, "dim": 1}),
     ("ln_structured", {"amount": 0.5, "n": math.inf, "dim": -1})],
    [("identity", {}), ("l1_unstructured", {"amount": 3}),
     ("custom_from_mask", {"mask": "M"}), ("l1_unstructured", {"amount": 2})],
])
@pytest.mark.parametrize("ties", [False, True])
def test_iterative_pruning_matches(steps, ties):
    w = _tie_weight((5, 6), 11) if ties else None
    emod, tmod = _pair(_linear, weight=w)
    mask = (np.random.default_rng(4).random((5, 6)) > 0.3).astype(np.float32)
    for lib, mod, prune in ((torch, tmod, tprune), (ember, emod, eprune)):
        for fn, kwargs in steps:
            kw = {k: (lib.tensor(mask) if v == "M" else v) for k, v in kwargs.items()}
            getattr(prune, fn)(mod, "weight", **kw)
    _same_state(emod, tmod)
    _same_pruned_attr(emod, tmod)
    (th,) = [h for h in tmod._forward_pre_hooks.values()]
    (eh,) = [h for h in emod._forward_pre_hooks.values()]
    assert type(eh).__name__ == type(th).__name__
    if isinstance(th, tprune.PruningContainer):
        assert [type(m).__name__ for m in eh] == [type(m).__name__ for m in th]
        assert len(eh) == len(th) and eh[0] is list(eh)[0]


def test_container_direct_api():
    a, b = eprune.L1Unstructured(0.2), eprune.RandomUnstructured(0.1)
    a._tensor_name = b._tensor_name = "weight"
    c = eprune.PruningContainer(a)
    c.add_pruning_method(b)
    assert len(c) == 2 and c[1] is b and c._tensor_name == "weight"
    with pytest.raises(TypeError) as e_err:
        c.add_pruning_method(3)
    ta = tprune.L1Unstructured(0.2)
    ta._tensor_name = "weight"
    tc = tprune.PruningContainer(ta)
    with pytest.raises(TypeError) as t_err:
        tc.add_pruning_method(3)
    assert str(e_err.value) == str(t_err.value)
    other = eprune.Identity()
    other._tensor_name = "bias"
    with pytest.raises(ValueError, match="acting on the parameter named 'weight'.*Found 'bias'"):
        c.add_pruning_method(other)


# --- global pruning ------------------------------------------------------------------------

def _two_layers(lib):
    return lib.nn.Sequential(lib.nn.Linear(6, 5), lib.nn.ReLU(), lib.nn.Linear(5, 4))


@pytest.mark.parametrize("amount", [0, 7, 0.4, 1.0])
@pytest.mark.parametrize("ties", [False, True])
def test_global_unstructured_l1_matches(amount, ties):
    emod, tmod = _pair(_two_layers)
    if ties:
        with torch.no_grad():
            tmod[0].weight.copy_(torch.from_numpy(_tie_weight((5, 6), 7)))
            tmod[2].weight.copy_(torch.from_numpy(_tie_weight((4, 5), 8)))
        emod.load_state_dict({k: ember.tensor(_np(v)) for k, v in tmod.state_dict().items()})
    tprune.global_unstructured([(tmod[0], "weight"), (tmod[2], "weight"), (tmod[2], "bias")],
                               tprune.L1Unstructured, amount=amount)
    eprune.global_unstructured([(emod[0], "weight"), (emod[2], "weight"), (emod[2], "bias")],
                               eprune.L1Unstructured, amount=amount)
    _same_state(emod, tmod)
    for i in (0, 2):
        _same_pruned_attr(emod[i], tmod[i])
    assert type(emod[0]._forward_pre_hooks[next(iter(emod[0]._forward_pre_hooks))]) \
        is eprune.CustomFromMask


def test_global_unstructured_iterative_with_scores():
    emod, tmod = _pair(_two_layers)
    rng = np.random.default_rng(5)
    s0 = rng.standard_normal((5, 6)).astype(np.float32)
    for mod, prune, lib in ((tmod, tprune, torch), (emod, eprune, ember)):
        prune.l1_unstructured(mod[0], "weight", 4)
        params = [(mod[0], "weight"), (mod[2], "weight")]
        prune.global_unstructured(params, prune.L1Unstructured, amount=0.3,
                                  importance_scores={(mod[0], "weight"): lib.tensor(s0)})
    _same_state(emod, tmod)
    assert [type(m).__name__ for m in emod[0]._forward_pre_hooks[
        next(iter(emod[0]._forward_pre_hooks))]] == ["L1Unstructured", "CustomFromMask"]


def test_global_unstructured_errors():
    emod, tmod = _pair(_two_layers)
    cases = [
        (lambda p, m: p.global_unstructured(5, p.L1Unstructured, amount=1)),
        (lambda p, m: p.global_unstructured([(m[0], "weight")], p.L1Unstructured,
                                            importance_scores=[1], amount=1)),
        (lambda p, m: p.global_unstructured([(m[0], "weight")], p.LnStructured, amount=1,
                                            n=2, dim=0)),
    ]
    for case in cases:
        with pytest.raises(Exception) as t_err:
            case(tprune, tmod)
        with pytest.raises(Exception) as e_err:
            case(eprune, emod)
        assert type(e_err.value) is type(t_err.value)
        assert _norm_msg(str(e_err.value)) == _norm_msg(str(t_err.value))


# --- random methods: structure ------------------------------------------------------------

@pytest.mark.parametrize("amount,count", [(0, 0), (4, 4), (0.5, 15), (1.0, 30), (30, 30)])
def test_random_unstructured_structure(amount, count):
    ember.manual_seed(0)
    emod, _ = _pair(_linear)
    eprune.random_unstructured(emod, "weight", amount=amount)
    mask = _np(emod.weight_mask)
    assert emod.weight_mask.dtype == ember.float32
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert int((mask == 0).sum()) == count
    np.testing.assert_array_equal(_np(emod.weight), mask * _np(emod.weight_orig))
    # a second round prunes only what is still unpruned
    eprune.random_unstructured(emod, "weight", amount=0.5)
    mask2 = _np(emod.weight_mask)
    assert np.all(mask2 <= mask)
    assert int((mask2 == 0).sum()) == count + round(0.5 * (30 - count))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("amount", [1, 0.5, 0])
def test_random_structured_structure(dim, amount):
    ember.manual_seed(1)
    emod, _ = _pair(_conv)
    eprune.random_structured(emod, "weight", amount=amount, dim=dim)
    mask = _np(emod.weight_mask)
    n_ch = mask.shape[dim]
    k = amount if isinstance(amount, int) else round(amount * n_ch)
    per_channel = np.moveaxis(mask, dim, 0).reshape(n_ch, -1)
    assert set(np.unique(per_channel.min(1))) | set(np.unique(per_channel.max(1))) <= {0, 1}
    assert np.all(per_channel.min(1) == per_channel.max(1))  # whole channels
    assert int((per_channel.max(1) == 0).sum()) == k
    np.testing.assert_array_equal(_np(emod.weight), mask * _np(emod.weight_orig))
    # iterative: a further random_structured round keeps the pruned channels pruned
    if k < n_ch:
        eprune.random_structured(emod, "weight", amount=1, dim=dim)
        per2 = np.moveaxis(_np(emod.weight_mask), dim, 0).reshape(n_ch, -1)
        assert int((per2.max(1) == 0).sum()) == k + 1
        assert np.all(per2 <= per_channel)


# --- reparameterization, hooks, forward, remove -------------------------------------------

def test_forward_pre_hook_recomputes_weight_and_remove():
    emod, tmod = _pair(_linear)
    x = np.random.default_rng(6).standard_normal((3, 6)).astype(np.float32)
    for mod, prune in ((tmod, tprune), (emod, eprune)):
        prune.l1_unstructured(mod, "weight", 0.5)
        with (torch if mod is tmod else ember).no_grad():
            mod.weight_orig.mul_(2.0)  # a change of weight_orig shows at the next forward
    assert eprune.is_pruned(emod) and tprune.is_pruned(tmod)
    ty = tmod(torch.from_numpy(x))
    ey = emod(ember.tensor(x))
    np.testing.assert_array_equal(_np(emod.weight), _np(tmod.weight))
    np.testing.assert_allclose(_np(ey), _np(ty), rtol=1.3e-6, atol=1e-5)
    tprune.remove(tmod, "weight")
    out = eprune.remove(emod, "weight")
    assert out is emod
    assert not eprune.is_pruned(emod) and not tprune.is_pruned(tmod)
    _same_state(emod, tmod)
    _same_pruned_attr(emod, tmod)
    assert len(emod._forward_pre_hooks) == 0
    assert emod.weight.requires_grad


def test_is_pruned_submodules():
    emod, tmod = _pair(_two_layers)
    assert not eprune.is_pruned(emod)
    eprune.random_unstructured(emod[2], "bias", 1)
    assert eprune.is_pruned(emod)


def test_remove_unpruned_raises_like_torch():
    emod, tmod = _pair(_linear)
    with pytest.raises(ValueError) as t_err:
        tprune.remove(tmod, "weight")
    with pytest.raises(ValueError) as e_err:
        eprune.remove(emod, "weight")
    assert _norm_msg(str(e_err.value)) == _norm_msg(str(t_err.value))


def test_training_gradients_match():
    emod, tmod = _pair(_two_layers)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    for mod, prune in ((tmod, tprune), (emod, eprune)):
        prune.l1_unstructured(mod[0], "weight", 0.4)
        prune.ln_structured(mod[2], "weight", 1, 2, 0)
        prune.l1_unstructured(mod[0], "weight", 3)
    # plain SGD by hand: torch.optim's first use costs seconds of imports
    for _ in range(3):
        tl = tmod(torch.from_numpy(x)).pow(2).sum()
        el = emod(ember.tensor(x)).pow(2).sum()
        tl.backward()
        el.backward()
        tg = {n: _np(p.grad) for n, p in tmod.named_parameters()}
        eg = {n: _np(p.grad) for n, p in emod.named_parameters()}
        assert list(eg) == list(tg)
        for n in tg:
            np.testing.assert_allclose(eg[n], tg[n], rtol=1e-5, atol=1e-5, err_msg=n)
            if n.endswith("weight_orig"):
                mask = _np(dict(tmod.named_buffers())[n.replace("orig", "mask")])
                assert np.all(eg[n][mask == 0] == 0)
        for lib, mod in ((torch, tmod), (ember, emod)):
            with lib.no_grad():
                for p in mod.parameters():
                    p.sub_(0.1 * p.grad)
                    p.grad = None
    # after training, the masks still hold and the pruned weights stay zero
    _same_masks = [(n, _np(b)) for n, b in tmod.named_buffers()]
    for n, b in emod.named_buffers():
        np.testing.assert_array_equal(_np(b), dict(_same_masks)[n])
    np.testing.assert_array_equal(_np(emod[0].weight)[_np(emod[0].weight_mask) == 0], 0)


def test_state_dict_roundtrip_into_pruned_module():
    emod, tmod = _pair(_linear)
    tprune.l1_unstructured(tmod, "weight", 0.3)
    eprune.l1_unstructured(emod, "weight", 0.3)
    fresh = ember.nn.Linear(6, 5)
    eprune.identity(fresh, "weight")
    fresh.load_state_dict({k: ember.tensor(_np(v)) for k, v in tmod.state_dict().items()})
    fresh(ember.zeros(1, 6))  # the hook recomputes weight from the loaded mask
    np.testing.assert_array_equal(_np(fresh.weight), _np(tmod.weight))


def test_prune_method_prune_call():
    w = np.random.default_rng(8).standard_normal((4, 5)).astype(np.float32)
    tm = tprune.L1Unstructured(amount=0.5).prune(torch.from_numpy(w))
    em = eprune.L1Unstructured(amount=0.5).prune(ember.tensor(w))
    np.testing.assert_array_equal(_np(em), _np(tm))
    tm = tprune.LnStructured(amount=1, n=2, dim=1).prune(
        torch.from_numpy(w), importance_scores=torch.from_numpy(-w[::-1].copy()))
    em = eprune.LnStructured(amount=1, n=2, dim=1).prune(
        ember.tensor(w), importance_scores=ember.tensor(-w[::-1].copy()))
    np.testing.assert_array_equal(_np(em), _np(tm))


# --- validation errors --------------------------------------------------------------------

def _norm_msg(s: str) -> str:
    # torch's names in messages (torch.Size, <class 'torch.nn.utils.prune.X'>) -> ember's
    return s.replace("torch.", "ember.")


ERROR_CASES = [
    ("l1 amount negative", lambda p, m, lib: p.l1_unstructured(m, "weight", -1)),
    ("l1 amount >1 float", lambda p, m, lib: p.l1_unstructured(m, "weight", 1.5)),
    ("l1 amount str", lambda p, m, lib: p.l1_unstructured(m, "weight", "a")),
    ("l1 amount too big", lambda p, m, lib: p.l1_unstructured(m, "weight", 31)),
    ("random amount too big", lambda p, m, lib: p.random_unstructured(m, "weight", 31)),
    ("structured 1-d", lambda p, m, lib: p.ln_structured(m, "bias", 1, 2, 0)),
    ("structured bad dim", lambda p, m, lib: p.ln_structured(m, "weight", 1, 2, 2)),
    ("random structured bad dim", lambda p, m, lib: p.random_structured(m, "weight", 1, 5)),
    ("structured too many", lambda p, m, lib: p.ln_structured(m, "weight", 7, 2, 1)),
    ("random structured 1-d", lambda p, m, lib: p.random_structured(m, "bias", 1, 0)),
    ("scores shape", lambda p, m, lib: p.l1_unstructured(
        m, "weight", 1, importance_scores=lib.ones(3))),
    ("ln scores shape", lambda p, m, lib: p.ln_structured(
        m, "weight", 1, 1, 0, importance_scores=lib.ones(2, 2))),
    ("custom mask shape", lambda p, m, lib: p.custom_from_mask(m, "weight", lib.ones(3))),
    ("no such param", lambda p, m, lib: p.l1_unstructured(m, "nope", 1)),
    ("remove twice", lambda p, m, lib: (p.identity(m, "weight"), p.remove(m, "weight"),
                                        p.remove(m, "weight"))),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_match_torch(case):
    _, fn = case
    emod, tmod = _pair(_linear)
    with pytest.raises(Exception) as t_err:
        fn(tprune, tmod, torch)
    with pytest.raises(Exception) as e_err:
        fn(eprune, emod, ember)
    assert type(e_err.value) is type(t_err.value)
    assert _norm_msg(str(e_err.value)) == _norm_msg(str(t_err.value))
    # a failed pruning rolls back: the module keeps its plain parameters
    if not any(isinstance(h, tprune.BasePruningMethod) for h in tmod._forward_pre_hooks.values()):
        assert [n for n, _ in emod.named_parameters()] == [n for n, _ in tmod.named_parameters()]
        assert not eprune.is_pruned(emod)


def test_failed_iterative_pruning_keeps_container_state():
    emod, tmod = _pair(_linear)
    for mod, prune in ((tmod, tprune), (emod, eprune)):
        prune.l1_unstructured(mod, "weight", 3)
        with pytest.raises(ValueError):
            prune.l1_unstructured(mod, "weight", 28)  # only 27 left unpruned
    _same_state(emod, tmod)


def test_norm_orders_torch_rejects_fail_alike():
    # 'fro' over three dims and 'nuc' are rejected by the norm itself (the message is the
    # norm's, not pruning's): the same exception type, and the module is left unpruned
    for n in ("fro", "nuc"):
        emod, tmod = _pair(_conv)
        with pytest.raises(Exception) as t_err:
            tprune.ln_structured(tmod, "weight", 1, n, 0)
        with pytest.raises(Exception) as e_err:
            eprune.ln_structured(emod, "weight", 1, n, 0)
        assert type(e_err.value) is type(t_err.value)
        assert not eprune.is_pruned(emod)
        assert [k for k, _ in emod.named_parameters()] == [k for k, _ in tmod.named_parameters()]


def _every_other(prune):
    class EveryOther(prune.BasePruningMethod):
        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):
            mask = default_mask.clone()
            mask.view(-1)[::2] = 0
            return mask

    return EveryOther


def _no_dim(prune):
    class NoDim(prune.BasePruningMethod):
        PRUNING_TYPE = "structured"

        def compute_mask(self, t, default_mask):
            return default_mask

    return NoDim


def test_user_defined_methods():
    emod, tmod = _pair(_linear)
    for mod, prune in ((tmod, tprune), (emod, eprune)):
        method = _every_other(prune).apply(mod, "weight")
        assert method._tensor_name == "weight"
        _every_other(prune).apply(mod, "weight")  # again, on the surviving entries
        prune.L1Unstructured.apply(mod, "weight", amount=2)
    _same_state(emod, tmod)
    for mod, prune in ((tmod, tprune), (emod, eprune)):
        with pytest.raises(AttributeError, match="need to have the attribute `dim`"):
            _no_dim(prune).apply(mod, "weight")


def test_apply_returns_method_objects():
    emod, _ = _pair(_linear)
    m = eprune.LnStructured.apply(emod, "weight", amount=0.4, n=2, dim=0)
    assert isinstance(m, eprune.LnStructured) and (m.amount, m.n, m.dim) == (0.4, 2, 0)
    c = eprune.RandomStructured.apply(emod, "weight", amount=1, dim=1)
    assert isinstance(c, eprune.PruningContainer)
    assert [type(x) for x in c] == [eprune.LnStructured, eprune.RandomStructured]
    assert list(emod._forward_pre_hooks.values()) == [c]
