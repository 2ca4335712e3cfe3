"""Shared helpers: build the same distribution in ember and torch and compare them."""

from __future__ import annotations

import numpy as np
import torch

import ember

TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}
DTYPES = [np.float32, np.float64]


def pair(arr, dtype=None, requires_grad=False):
    """The same values as an ember and a torch tensor (leaves)."""
    a = np.asarray(arr)
    if dtype is not None:
        a = a.astype(dtype)
    e = ember.tensor(a.copy(), requires_grad=requires_grad)
    t = torch.tensor(a.copy(), requires_grad=requires_grad)
    return e, t


def to_np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, ember.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_close(e, t, dtype=np.float64, rtol=None, atol=None, what=""):
    tol = dict(TOL[dtype])
    if rtol is not None:
        tol["rtol"] = rtol
    if atol is not None:
        tol["atol"] = atol
    en, tn = to_np(e), to_np(t)
    assert en.shape == tn.shape, f"{what}: shape {en.shape} vs torch {tn.shape}"
    if isinstance(t, torch.Tensor) and isinstance(e, ember.Tensor):
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], \
            f"{what}: dtype {e.dtype} vs torch {t.dtype}"
    np.testing.assert_allclose(en, tn, err_msg=what, equal_nan=True, **tol)


def build(name, kwargs, dtype, requires_grad=True, module_e=None, module_t=None):
    """``(ember_dist, torch_dist, ember_leaves, torch_leaves)`` for ``name(**kwargs)``;
    numpy array arguments become tensor leaves (float ones require grad)."""
    import torch.distributions as TD

    import ember.distributions as ED
    ek, tk, el, tl = {}, {}, {}, {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            floaty = v.dtype.kind == "f"
            e, t = pair(v.astype(dtype) if floaty else v, None, requires_grad and floaty)
            ek[k], tk[k] = e, t
            if floaty and requires_grad:
                el[k], tl[k] = e, t
        else:
            ek[k] = tk[k] = v
    ed = getattr(module_e or ED, name)(**ek)
    td = getattr(module_t or TD, name)(**tk)
    return ed, td, el, tl


def call(obj, attr, *args):
    """``obj.attr(*args)`` or the property ``obj.attr``; returns ('raise', type) when it
    raises NotImplementedError or ValueError (torch's validation errors)."""
    try:
        v = getattr(obj, attr)
        return v(*args) if callable(v) else v
    except (NotImplementedError, ValueError, AttributeError) as exc:
        return ("raise", type(exc))


def compare(ed, td, el, tl, attr, dtype, value=None, grad=True, what="", **tol):
    """Compares ``attr`` (method with ``value`` or property) and its gradients wrt the
    leaves between ember and torch."""
    tol = dict(tol)
    ev = value[0] if value is not None else None
    tv = value[1] if value is not None else None
    er = call(ed, attr, *(() if value is None else (ev,)))
    tr = call(td, attr, *(() if value is None else (tv,)))
    if isinstance(tr, tuple):
        assert er == tr, f"{what}.{attr}: torch raises {tr}, ember gave {er}"
        return
    assert not isinstance(er, tuple), f"{what}.{attr}: ember raised, torch gave {tr}"
    if dtype is np.float64 and tr.dtype == torch.float32:
        dtype, tol = np.float32, {}  # Python-number parameters: default-dtype results
    assert_close(er, tr, dtype, what=f"{what}.{attr}", **tol)
    if not grad or not tl or not tr.requires_grad:
        return
    tn = tr.detach().numpy()
    w = np.asarray(np.random.RandomState(7).rand(*tn.shape)).astype(tn.dtype)
    mask = np.isfinite(tn)
    w = np.where(mask, w, 0)
    names = list(tl)
    tg = torch.autograd.grad((torch.where(torch.tensor(mask), tr, 0) * torch.tensor(w)).sum(),
                             [tl[k] for k in names], allow_unused=True,
                             retain_graph=True)
    assert er.requires_grad, f"{what}.{attr}: ember result does not require grad"
    eg = ember.autograd.grad((ember.where(ember.tensor(mask), er, 0) * ember.tensor(w)).sum(),
                             [el[k] for k in names], allow_unused=True,
                             retain_graph=True)
    for k, a, b in zip(names, eg, tg):
        if b is None:
            assert a is None or np.all(to_np(a) == 0), f"{what}.{attr}: grad {k}"
            continue
        assert a is not None, f"{what}.{attr}: no ember grad for {k}"
        assert_close(a, b, dtype, what=f"{what}.{attr} grad {k}", **tol)
