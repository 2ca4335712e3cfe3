"""``nn.utils.parametrizations.orthogonal`` against torch: the default map, every map
(matrix_exp, cayley, householder) with and without trivialization, square / tall / wide
and batched weights; initial values, forward, gradients through the parametrization,
optimizer steps, ``right_inverse`` (assignment), state_dict, repr and errors."""

import numpy as np
import pytest
import torch

import ember

MAPS = [None, "matrix_exp", "cayley", "householder"]
SHAPES = [(4, 4), (5, 3), (3, 5), (2, 4, 3), (2, 3, 3)]


def _np(t):
    return t.detach().numpy()


def _make(lib, shape, dtype, w):
    if len(shape) == 2:
        m = lib.nn.Linear(shape[1], shape[0], dtype=getattr(lib, dtype))
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w))
            m.bias.copy_(lib.tensor(np.linspace(-1, 1, shape[0]).astype(dtype)))
        return m
    m = lib.nn.Module()
    m.weight = lib.nn.Parameter(lib.tensor(w))
    return m


def _fwd(lib, m, x):
    if isinstance(m, lib.nn.Linear):
        return m(x)
    return (m.weight @ x.unsqueeze(-1)).sum()


def _to_ember(sd):
    return {k: ember.tensor(v.detach().numpy()) for k, v in sd.items()}


def _tol(dtype):
    return (1e-5, 1e-4) if dtype == "float32" else (1e-11, 1e-9)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("triv", [True, False])
@pytest.mark.parametrize("omap", MAPS)
@pytest.mark.parametrize("shape", SHAPES)
def test_orthogonal_matches_torch(shape, omap, triv, dtype):
    rng = np.random.default_rng(0)
    w = rng.standard_normal(shape).astype(dtype)
    atol, rtol = _tol(dtype)
    mods = {}
    for lib in (ember, torch):
        m = _make(lib, shape, dtype, w)
        lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap,
                                                 use_trivialization=triv)
        mods[lib] = m
    e, t = mods[ember], mods[torch]
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    esd, tsd = e.state_dict(), t.state_dict()
    n, k = shape[-2:]
    if n == k or not triv:
        # deterministic initialisation (no random completion of the base): same state
        for key in tsd:
            np.testing.assert_allclose(_np(esd[key]), _np(tsd[key]), atol=atol * 10,
                                       rtol=rtol, err_msg=key)
    # the parametrized weight is orthogonal (columns if tall, rows if wide)
    W = _np(e.weight)
    G = np.swapaxes(W, -1, -2) @ W if n >= k else W @ np.swapaxes(W, -1, -2)
    np.testing.assert_allclose(G, np.broadcast_to(np.eye(min(n, k)), G.shape),
                               atol=1e-4 if dtype == "float32" else 1e-10)
    # from here on the same state (torch's random base completion included)
    e.load_state_dict(_to_ember(tsd))
    np.testing.assert_allclose(_np(e.weight), _np(t.weight), atol=atol, rtol=rtol)
    x = rng.standard_normal((3, shape[-1]) if len(shape) == 2 else (shape[-1],)).astype(dtype)
    eopt = ember.optim.SGD(e.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(t.parameters(), lr=0.1, momentum=0.9)
    for step in range(2):
        outs = []
        for lib, m, opt in ((ember, e, eopt), (torch, t, topt)):
            opt.zero_grad()
            y = _fwd(lib, m, lib.tensor(x))
            (y * y).sum().backward()
            outs.append(y)
        np.testing.assert_allclose(_np(outs[0]), _np(outs[1]), atol=atol, rtol=rtol)
        tp = dict(t.named_parameters())
        for name, p in e.named_parameters():
            np.testing.assert_allclose(_np(p.grad), _np(tp[name].grad), atol=atol * 10,
                                       rtol=rtol * 10, err_msg=f"grad {name} step {step}")
        eopt.step()
        topt.step()
        np.testing.assert_allclose(_np(e.weight), _np(t.weight), atol=atol * 10,
                                   rtol=rtol * 10)


@pytest.mark.parametrize("omap", MAPS)
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_right_inverse(shape, omap):
    rng = np.random.default_rng(1)
    w = rng.standard_normal(shape)
    q, _ = np.linalg.qr(rng.standard_normal((max(shape), max(shape))))
    q = q[:shape[0], :shape[1]]  # orthonormal columns (tall) / rows (wide)
    for triv in (True, False):
        res = {}
        for lib in (ember, torch):
            m = _make(lib, shape, "float64", w)
            lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap,
                                                     use_trivialization=triv)
            out = []
            for val in (q, w):  # an orthogonal matrix, then an arbitrary one
                try:
                    m.weight = lib.tensor(val)
                    out.append(("ok", _np(m.weight)))
                except Exception as ex:  # noqa: BLE001 - the same exception as torch
                    out.append((type(ex).__name__, str(ex)))
            res[lib] = (m.state_dict(), out)
        if triv:  # assigning an orthogonal matrix gives it back exactly
            for lib in (ember, torch):
                np.testing.assert_allclose(res[lib][1][0][1], q, atol=1e-12)
        if shape[0] != shape[1] and triv:
            continue  # each library drew its own random completion of the base
        for (ek, ev), (tk, tv) in zip(res[ember][1], res[torch][1]):
            assert ek == tk
            if ek == "ok":
                np.testing.assert_allclose(ev, tv, atol=1e-10)
            else:
                assert ev == tv


def test_orthogonal_assignment_keeps_orthogonal_value():
    rng = np.random.default_rng(2)
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    for omap in MAPS:
        m = ember.nn.Linear(4, 4, dtype=ember.float64)
        ember.nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap)
        m.weight = ember.tensor(q)
        np.testing.assert_allclose(_np(m.weight), q, atol=1e-12)


def test_orthogonal_default_map_and_errors():
    for lib in (ember, torch):
        P = lib.nn.utils.parametrizations
        sq = P.orthogonal(lib.nn.Linear(3, 3))
        tall = P.orthogonal(lib.nn.Linear(3, 5))
        assert sq.parametrizations.weight[0].orthogonal_map.name == "matrix_exp"
        assert tall.parametrizations.weight[0].orthogonal_map.name == "householder"
    cases = [
        (lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), "foo"),
         ValueError),
        (lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), "bar_w"),
         ValueError),
        (lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.BatchNorm1d(3)),
         ValueError),
        (lambda lib: setattr(lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3)),
                             "weight", lib.zeros(3, 4)), ValueError),
        (lambda lib: setattr(lib.nn.utils.parametrizations.orthogonal(
            lib.nn.Linear(3, 3), "weight", "cayley", use_trivialization=False),
            "weight", lib.eye(3)), NotImplementedError),
    ]
    for fn, exc in cases:
        msgs = []
        for lib in (ember, torch):
            with pytest.raises(exc) as ei:
                fn(lib)
            msgs.append(str(ei.value))
        assert msgs[0].replace("ember", "torch").split("Module '")[0] == \
            msgs[1].split("Module '")[0]


def test_orthogonal_complex_is_a_clear_error():
    m = ember.nn.Module()
    m.weight = ember.nn.Parameter(ember.zeros(3, 3, dtype=ember.complex64))
    with pytest.raises(NotImplementedError, match="complex"):
        ember.nn.utils.parametrizations.orthogonal(m)
    with pytest.raises(ValueError, match="householder parametrization does not support"):
        ember.nn.utils.parametrizations.orthogonal(m, orthogonal_map="householder")
