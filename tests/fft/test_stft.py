"""stft/istft and the window functions against torch: values, dtypes, gradients (input
and window), errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from ember.ops import fft_ops

RNG = np.random.default_rng(1)

# ember.stft/istft/*_window are exported at the top level by the lead's integration;
# until then they live in ember.ops.fft_ops
E = ember if hasattr(ember, "stft") else fft_ops


def _np(t):
    return np.asarray(t.detach().resolve_conj().numpy())


def _dname(d):
    return str(d).split(".")[-1]


def _close(e, t, what, rtol=1e-4, atol=1e-5):
    assert _dname(e.dtype) == _dname(t.dtype), f"{what}: dtype {e.dtype} != {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    if t.dtype in (torch.float64, torch.complex128):
        rtol, atol = 1e-9, 1e-10
    scale = max(1.0, float(np.abs(_np(t)).max()))
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol * scale, err_msg=what)


def _window(lib, kind, n, dtype):
    if kind is None:
        return None
    if kind == "rand":
        return lib.tensor(RNG.uniform(0.2, 1.0, n).astype(dtype), requires_grad=True)
    mod = lib if lib is torch else E
    return getattr(mod, f"{kind}_window")(n, dtype=getattr(lib, str(np.dtype(dtype))))


def _loss(lib, out, w):
    out = out.resolve_conj()
    if out.is_complex():
        out = lib.view_as_real(out)
    return (out * lib.tensor(w)).sum()


STFT = [
    dict(n_fft=16, hop_length=4, window="hann"),
    dict(n_fft=16, window="rand", center=False),
    dict(n_fft=15, hop_length=3, win_length=11, window="rand", normalized=True),
    dict(n_fft=16, hop_length=5, win_length=10, window=None, pad_mode="constant"),
    dict(n_fft=12, hop_length=3, window="hamming", onesided=False),
    dict(n_fft=16, hop_length=4, window="hann", pad_mode="replicate", return_complex=False),
    dict(n_fft=16, hop_length=3, win_length=9, window="rand", center=False,
         align_to_window=True),
    dict(n_fft=16, hop_length=3, win_length=10, window=None, center=False,
         align_to_window=False),
    dict(n_fft=8, hop_length=2, window="blackman", pad_mode="circular"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("cfg", STFT, ids=str)
def test_stft_matches_torch(cfg, batched, dtype):
    cfg = dict(cfg)
    shape = (3, 50) if batched else (50,)
    x = RNG.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
        if cfg.get("onesided") is None:
            cfg["onesided"] = False
        if cfg.get("onesided") is False:
            cfg.pop("onesided")
    x = x.astype(dtype)
    kind = cfg.pop("window")
    cfg.setdefault("return_complex", True)
    wdt = np.float64 if dtype == np.float64 else np.float32
    rs = RNG.bit_generator.state
    res = {}
    for lib in (torch, ember):
        RNG.bit_generator.state = rs
        xt = lib.tensor(x, requires_grad=True)
        w = _window(lib, kind, cfg.get("win_length") or cfg["n_fft"], wdt)
        stft = lib.stft if lib is torch else E.stft
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = stft(xt, window=w, **cfg)
        g = RNG.standard_normal(tuple(_view_shape(out))).astype(wdt)
        _loss(lib, out, g).backward()
        res[lib] = (out, xt.grad, None if w is None or not w.requires_grad else w.grad)
    (eo, eg, ew), (to, tg, tw) = res[ember], res[torch]
    _close(eo, to, "stft output")
    _close(eg, tg, "stft input grad", rtol=1e-3, atol=1e-4)
    if tw is not None:
        _close(ew, tw, "stft window grad", rtol=1e-3, atol=1e-4)


def _view_shape(out):
    return tuple(out.shape) + ((2,) if out.is_complex() else ())


def test_stft_as_tensor_method_and_mixed_dtypes():
    x = RNG.standard_normal(40).astype(np.float32)
    w = np.hanning(8).astype(np.float64)
    t = torch.tensor(x).stft(8, window=torch.tensor(w), return_complex=True)
    e = ember.tensor(x).stft(8, window=ember.tensor(w), return_complex=True)
    _close(e, t, "float32 input, float64 window")
    t = torch.stft(torch.tensor(x), 8, window=torch.ones(8, dtype=torch.int64),
                   return_complex=True)
    e = E.stft(ember.tensor(x), 8, window=ember.ones(8, dtype=ember.int64), return_complex=True)
    _close(e, t, "integer window")


def test_stft_under_cpu_autocast_runs_in_float32():
    x = RNG.standard_normal(64).astype(np.float32)
    w = np.hanning(16).astype(np.float32)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        t = torch.stft(torch.tensor(x).bfloat16(), 16, window=torch.tensor(w).bfloat16(),
                       return_complex=True)
    with ember.autocast("cpu", dtype=ember.bfloat16):
        e = E.stft(ember.tensor(x).bfloat16(), 16, window=ember.tensor(w).bfloat16(),
                   return_complex=True)
    _close(e, t, "stft under autocast")


def test_stft_warns_without_window():
    fft_ops._Warned.window = False
    with pytest.warns(UserWarning, match="window was not provided"):
        E.stft(ember.randn(32), 8, return_complex=True)


STFT_ERRORS = [
    dict(n_fft=8),  # return_complex missing for a real input
    dict(n_fft=30, center=False, return_complex=True),
    dict(n_fft=0, center=False, return_complex=True),
    dict(n_fft=8, hop_length=0, return_complex=True),
    dict(n_fft=8, win_length=9, return_complex=True),
    dict(n_fft=8, window=np.ones(5, np.float32), return_complex=True),
    dict(n_fft=8, align_to_window=False, return_complex=True),
    dict(n_fft=8, onesided=True, return_complex=True, _complex=True),
    dict(n_fft=8, return_complex=True, _shape=(1, 1, 20)),
    dict(n_fft=8, return_complex=True, _int=True),
    dict(n_fft=8, return_complex=True, _half=True),
]


@pytest.mark.parametrize("cfg", STFT_ERRORS, ids=str)
def test_stft_errors_match_torch(cfg):
    cfg = dict(cfg)
    x = RNG.standard_normal(cfg.pop("_shape", (20,))).astype(np.float32)
    if cfg.pop("_complex", False):
        x = x.astype(np.complex64)
    as_int = cfg.pop("_int", False)
    as_half = cfg.pop("_half", False)
    for lib in (torch, ember):
        kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in cfg.items()}
        xt = lib.tensor(x)
        if as_int:
            xt = xt.long()
        if as_half:
            xt = xt.half()
        stft = lib.stft if lib is torch else E.stft
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError):
                stft(xt, **kw)


ISTFT = [
    dict(n_fft=16, hop_length=4, window="hann"),
    dict(n_fft=16, hop_length=4, window="hann", length=45),
    dict(n_fft=16, hop_length=4, window="hann", length=70),
    dict(n_fft=15, hop_length=3, win_length=11, window="rand", normalized=True),
    dict(n_fft=16, hop_length=4, window="rand", center=False),
    dict(n_fft=12, hop_length=3, window="hamming", onesided=False),
    dict(n_fft=12, hop_length=3, window="hamming", onesided=False, return_complex=True),
    dict(n_fft=16, hop_length=8, window=None),
]


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("cfg", ISTFT, ids=str)
def test_istft_matches_torch(cfg, batched, dtype):
    cfg = dict(cfg)
    n_fft = cfg["n_fft"]
    kind = cfg.pop("window")
    sided = cfg.get("onesided", True)
    bins = n_fft // 2 + 1 if sided else n_fft
    shape = ((2,) if batched else ()) + (bins, 13)
    spec = (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)
    wdt = np.float64 if dtype == np.complex128 else np.float32
    rs = RNG.bit_generator.state
    res = {}
    for lib in (torch, ember):
        RNG.bit_generator.state = rs
        st = lib.tensor(spec, requires_grad=True)
        w = _window(lib, kind, cfg.get("win_length") or n_fft, wdt)
        istft = lib.istft if lib is torch else E.istft
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = istft(st, window=w, **cfg)
        g = RNG.standard_normal(_view_shape(out)).astype(wdt)
        _loss(lib, out, g).backward()
        res[lib] = (out, st.grad, None if w is None or not w.requires_grad else w.grad)
    (eo, eg, ew), (to, tg, tw) = res[ember], res[torch]
    _close(eo, to, "istft output")
    _close(eg, tg, "istft input grad", rtol=1e-3, atol=1e-4)
    if tw is not None:
        _close(ew, tw, "istft window grad", rtol=1e-3, atol=1e-4)


def test_stft_istft_round_trip_and_gradcheck():
    x = ember.tensor(RNG.standard_normal((2, 40)))
    w = E.hann_window(16, dtype=ember.float64)
    s = E.stft(x, 16, hop_length=4, window=w, return_complex=True)
    y = E.istft(s, 16, hop_length=4, window=w, length=40)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-12)

    xs = ember.tensor(RNG.standard_normal(24), requires_grad=True)

    def f(v):
        s = E.stft(v, 8, hop_length=2, window=E.hann_window(8, dtype=ember.float64),
                   return_complex=True)
        return ember.view_as_real(s * s.abs())
    assert ember.autograd.gradcheck(f, (xs,), eps=1e-6, atol=1e-6, rtol=1e-4)

    sr = ember.tensor(RNG.standard_normal((5, 9, 2)), requires_grad=True)

    def g(v):
        return E.istft(ember.view_as_complex(v), 8, hop_length=2,
                       window=E.hann_window(8, dtype=ember.float64))
    assert ember.autograd.gradcheck(g, (sr,), eps=1e-6, atol=1e-6, rtol=1e-4)


ISTFT_ERRORS = [
    dict(n_fft=8, hop_length=8, window=np.hanning(8).astype(np.float32)),  # NOLA
    dict(n_fft=8, _real=True),
    dict(n_fft=8, _shape=(1, 1, 5, 21)),
    dict(n_fft=8, _shape=(0, 21)),
    dict(n_fft=10),
    dict(n_fft=8, onesided=False),
    dict(n_fft=8, hop_length=9),
    dict(n_fft=8, win_length=9),
    dict(n_fft=8, window=np.ones(7, np.float32)),
    dict(n_fft=8, return_complex=True),
    dict(n_fft=8, window=np.ones(8, np.complex64)),
]


@pytest.mark.parametrize("cfg", ISTFT_ERRORS, ids=str)
def test_istft_errors_match_torch(cfg):
    cfg = dict(cfg)
    shape = cfg.pop("_shape", (5, 21))
    spec = (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np.complex64)
    if cfg.pop("_real", False):
        spec = spec.real.copy()
    for lib in (torch, ember):
        kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in cfg.items()}
        istft = lib.istft if lib is torch else E.istft
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError):
                istft(lib.tensor(spec), **kw)


# --- windows -------------------------------------------------------------------------------

WINDOWS = ["hann", "hamming", "blackman", "bartlett", "kaiser"]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("kind", WINDOWS)
def test_windows_match_torch(kind, periodic, dtype):
    # float32: NumPy's and torch's cos differ by an ulp, which 0.5 - 0.5 cos(x) near x = 0
    # turns into an absolute 3e-8 (a large relative error of a tiny value)
    rtol, atol = {"float32": (1e-6, 1e-7), "float64": (1e-13, 1e-15), "float16": (0, 0),
                  "bfloat16": (0, 0)}[dtype]
    if kind == "kaiser" and dtype in ("float16", "bfloat16"):
        rtol, atol = 1e-2, 1e-4  # float32 Bessel-function values (NumPy's i0), rounded once
    for n in (0, 1, 2, 3, 5, 16, 33, 100):
        t = getattr(torch, f"{kind}_window")(n, periodic, dtype=getattr(torch, dtype))
        e = getattr(E, f"{kind}_window")(n, periodic, dtype=getattr(ember, dtype))
        assert _dname(e.dtype) == _dname(t.dtype)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"{kind} n={n}")


def test_window_parameters_and_kwargs():
    for args in ((7, False, 0.5), (7, True, 0.6, 0.3), (10, True)):
        _close(E.hamming_window(*args), torch.hamming_window(*args), f"hamming{args}")
    for args in ((9, False, 5.0), (12, True, 0.5), (6,)):
        _close(E.kaiser_window(*args), torch.kaiser_window(*args), f"kaiser{args}")
    w = E.hann_window(8, requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.dtype == ember.float32
    assert E.blackman_window(4, dtype=ember.float64).dtype == ember.float64


@pytest.mark.parametrize("kind", WINDOWS)
def test_window_errors_match_torch(kind):
    for lib in (torch, E):
        fn = getattr(lib, f"{kind}_window")
        with pytest.raises(RuntimeError, match="non-negative"):
            fn(-1)
        with pytest.raises(RuntimeError, match="floating point"):
            fn(5, dtype=(torch if lib is torch else ember).int64)
        with pytest.raises(NotImplementedError):
            fn(5, dtype=(torch if lib is torch else ember).complex64)
    with pytest.raises(TypeError):
        torch.kaiser_window(5, beta=3.0)
    with pytest.raises(TypeError):
        E.kaiser_window(5, beta=3.0)
