"""GradScaler against torch's numbers (both on 'cpu', enabled), and the spec's AMP sample."""

import copy
import math
import warnings

import numpy as np
import pytest
import torch

import ember

R = np.random.RandomState(1)
W1, B1 = R.randn(8, 4).astype(np.float32) * 0.5, R.randn(8).astype(np.float32) * 0.1
W2, B2 = R.randn(3, 8).astype(np.float32) * 0.5, R.randn(3).astype(np.float32) * 0.1
X = R.randn(16, 4).astype(np.float32)
Y = R.randint(0, 3, size=16)


def _model(L):
    m = L.nn.Sequential(L.nn.Linear(4, 8), L.nn.ReLU(), L.nn.Linear(8, 3))
    with L.no_grad():
        for p, v in zip(m.parameters(), (W1, B1, W2, B2)):
            p.copy_(L.tensor(v))
    return m


def _run(L, steps, bad, opt_name="sgd", clip=False, accum=1, **kw):
    m = _model(L)
    opt = (L.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) if opt_name == "sgd"
           else L.optim.Adam(m.parameters(), lr=0.01))
    scaler = L.amp.GradScaler("cpu", **kw)
    x, y = L.tensor(X), L.tensor(Y)
    scales, trackers = [], []
    for i in range(steps):
        opt.zero_grad()
        for _ in range(accum):
            loss = L.nn.functional.cross_entropy(m(x), y) / accum
            if i in bad:
                loss = loss * (math.inf if i % 2 else math.nan)
            scaler.scale(loss).backward()
        if clip:
            scaler.unscale_(opt)
            L.nn.utils.clip_grad_norm_(m.parameters(), 0.5)
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        trackers.append(scaler._get_growth_tracker())
    return m, opt, scaler, scales, trackers


KW = dict(init_scale=4.0, growth_factor=2.0, backoff_factor=0.25, growth_interval=2)


@pytest.mark.parametrize("bad", [(), (2, 3, 7), (0, 1, 2, 5, 6, 9)])
@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_scale_sequence_and_params_match_torch(bad, opt_name):
    tm, _, _, ts, tt = _run(torch, 10, bad, opt_name, **KW)
    em, _, _, es, et = _run(ember, 10, bad, opt_name, **KW)
    assert es == ts
    assert et == tt
    for tp, ep in zip(tm.parameters(), em.parameters()):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_clip_after_unscale_and_accumulation_match_torch():
    tm, _, _, ts, _ = _run(torch, 6, (3,), "adam", clip=True, accum=2, **KW)
    em, _, _, es, _ = _run(ember, 6, (3,), "adam", clip=True, accum=2, **KW)
    assert es == ts
    for tp, ep in zip(tm.parameters(), em.parameters()):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_default_growth_and_overflow_to_inf():
    # scale growth that would overflow float32 is refused (torch's isfinite check)
    kw = dict(init_scale=2.0 ** 127, growth_interval=1)
    _, _, _, ts, _ = _run(torch, 3, (), **kw)
    _, _, _, es, _ = _run(ember, 3, (), **kw)
    assert es == ts == [2.0 ** 127] * 3


def test_inf_step_leaves_params_and_state_unchanged():
    m, opt, scaler, _, _ = _run(ember, 3, (), "adam", **KW)
    before = [p.detach().clone() for p in m.parameters()]
    st = copy.deepcopy({k: {n: (v.clone() if isinstance(v, ember.Tensor) else v)
                            for n, v in s.items()} for k, s in enumerate(opt.state.values())})
    opt.zero_grad()
    loss = ember.nn.functional.cross_entropy(m(ember.tensor(X)), ember.tensor(Y)) * math.inf
    scaler.scale(loss).backward()
    assert scaler.step(opt) is None
    for p, b in zip(m.parameters(), before):
        assert np.array_equal(p.detach().numpy(), b.numpy())
    for k, s in enumerate(opt.state.values()):
        for n, v in s.items():
            old = st[k][n]
            if isinstance(v, ember.Tensor):
                assert np.array_equal(v.numpy(), old.numpy())
            else:
                assert v == old
    old_scale = scaler.get_scale()
    scaler.update()
    assert scaler.get_scale() == old_scale * 0.25


def test_unscale_twice_and_after_step_raise_like_torch():
    for L in (torch, ember):
        m = _model(L)
        opt = L.optim.SGD(m.parameters(), lr=0.1)
        s = L.amp.GradScaler("cpu")
        s.scale(m(L.tensor(X)).sum()).backward()
        s.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            s.unscale_(opt)
        s.step(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
            s.unscale_(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            s.step(opt)
        s.update()


def test_disabled_is_bitwise_plain_training():
    def plain(L):
        m = _model(L)
        opt = L.optim.Adam(m.parameters(), lr=0.01)
        for _ in range(4):
            opt.zero_grad()
            L.nn.functional.cross_entropy(m(L.tensor(X)), L.tensor(Y)).backward()
            opt.step()
        return m
    m0 = plain(ember)
    m1, _, s, scales, _ = _run(ember, 4, (), "adam", enabled=False)
    assert not s.is_enabled() and scales == [1.0] * 4 and s.state_dict() == {}
    for a, b in zip(m0.parameters(), m1.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_state_dict_round_trip_matches_torch():
    _, _, ts_, _, _ = _run(torch, 5, (1,), **KW)
    _, _, es_, _, _ = _run(ember, 5, (1,), **KW)
    assert es_.state_dict() == ts_.state_dict()
    fresh = ember.amp.GradScaler("cpu")
    fresh.load_state_dict(es_.state_dict())
    assert fresh.state_dict() == es_.state_dict()
    assert fresh.get_scale() == es_.get_scale()
    assert fresh.get_growth_interval() == 2 and fresh.get_backoff_factor() == 0.25
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        fresh.load_state_dict({})


def test_scale_nested_structures():
    s = ember.amp.GradScaler("cpu", init_scale=8.0)
    a, b = ember.ones(2), ember.ones(3)
    out = s.scale([a, (b, a)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert out[1][0].tolist() == [8.0] * 3
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable"):
        s.scale(3)


def test_update_new_scale_and_getters():
    s = ember.amp.GradScaler("cpu", init_scale=8.0)
    assert s.get_scale() == 8.0 and s.get_growth_factor() == 2.0
    s.scale(ember.ones(1))
    m = _model(ember)
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    s.scale(m(ember.tensor(X)).sum()).backward()
    s.step(opt)
    s.update(3.0)
    assert s.get_scale() == 3.0


def test_cuda_scaler_and_autocast_without_gpu_warn_and_disable():
    for L in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s = L.amp.GradScaler()
            with L.autocast("cuda"):
                assert not L.is_autocast_enabled("cuda")
        msgs = [str(x.message) for x in w]
        assert "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling." \
            in msgs
        assert "CUDA is not available or torch_xla is imported. Disabling autocast." in msgs
        assert not s.is_enabled()


def test_deprecated_aliases_warn_like_torch():
    import ember.cuda.amp
    import torch.cuda.amp
    for tmod, emod in ((torch.cuda.amp, ember.cuda.amp), (torch.cpu.amp, ember.cpu.amp)):
        msgs = []
        for mod in (tmod, emod):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                mod.GradScaler()
                with mod.autocast():
                    pass
            msgs.append(sorted((x.category.__name__, str(x.message)) for x in w))
        assert msgs[0] == msgs[1]


def test_spec_amp_sample_runs():
    # the spec's sample, imports aside
    from ember.cuda.amp import GradScaler, autocast

    import ember as torch_  # noqa: F401
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _model(ember)
        optimizer = ember.optim.SGD(model.parameters(), lr=0.1)
        scaler = GradScaler()
        losses = []
        for _ in range(5):
            optimizer.zero_grad()
            with autocast():
                out = model(ember.tensor(X))
                loss = ember.nn.functional.cross_entropy(out, ember.tensor(Y))
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_cpu_bf16_autocast_with_scaler_trains():
    model = _model(ember)
    optimizer = ember.optim.Adam(model.parameters(), lr=0.01)
    scaler = ember.amp.GradScaler("cpu")
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        with ember.autocast("cpu", dtype=ember.bfloat16):
            out = model(ember.tensor(X))
            assert out.dtype == ember.bfloat16
            loss = ember.nn.functional.cross_entropy(out, ember.tensor(Y))
        scaler.scale(loss).backward()
        assert all(p.grad.dtype == ember.float32 for p in model.parameters())
        scaler.step(optimizer)
        scaler.update()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
