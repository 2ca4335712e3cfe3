"""ember.fft against torch.fft: values, dtypes, gradients (real losses of complex and real
outputs, complex and real inputs), float64 gradcheck/gradgradcheck, errors, helpers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
import ember.fft

RNG = np.random.default_rng(0)

C2C = ["fft", "ifft"]
R2C = ["rfft", "ihfft"]
C2R = ["irfft", "hfft"]
ND_C2C = ["fft2", "ifft2", "fftn", "ifftn"]
ND_R2C = ["rfft2", "rfftn", "ihfft2", "ihfftn"]
ND_C2R = ["irfft2", "irfftn", "hfft2", "hfftn"]

KW_1D = [{}, {"n": 4}, {"n": 9, "dim": 1, "norm": "ortho"}, {"dim": -3, "norm": "forward"},
         {"n": 1}]
KW_ND = [{}, {"s": (3, 7)}, {"s": (-1, 7), "dim": (0, 2), "norm": "ortho"},
         {"dim": (2, 0), "norm": "forward"}, {"s": (2, 3, 4), "norm": "backward"}]
KW_2D = [{}, {"s": (3, 7)}, {"s": (-1, 4), "dim": (0, -1), "norm": "ortho"},
         {"dim": (2, 0), "norm": "forward"}]
KW_ND_ONLY = [{"dim": (1,)}, {"dim": 2, "norm": "ortho"}, {"s": 8}, {"s": -1}, {"dim": (0, 1, 2)}]


def _real(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def _cplx(*shape, dtype=np.complex64):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)


def _np(t):
    t = t.detach().resolve_conj()
    return np.asarray(t.numpy())


def _dname(d):
    return str(d).split(".")[-1]


def _close(e, t, rtol, atol, what):
    """Values within ``rtol`` and an absolute ``atol`` scaled by the largest magnitude of
    torch's result (at least 1): every FFT output is a sum over the whole signal, so its
    rounding error scales with the signal, not with the (possibly tiny) element."""
    assert _dname(e.dtype) == _dname(t.dtype), f"{what}: dtype {e.dtype} != {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    ref = _np(t)
    scale = max(1.0, float(np.abs(ref).max())) if ref.size else 1.0
    np.testing.assert_allclose(_np(e), ref, rtol=rtol, atol=atol * scale, err_msg=what)


def _tol(t, grad=False):
    """opinfo's contract: float32 1e-4/1e-5 (gradients 1e-3/1e-4), float64 1e-7/1e-10
    (gradients 1e-6/1e-8)."""
    single = t.dtype in (torch.float32, torch.complex64)
    if grad:
        return (1e-3, 1e-4) if single else (1e-6, 1e-8)
    return (1e-4, 1e-5) if single else (1e-7, 1e-10)


def _loss(lib, out, weight, kind):
    """A real loss: a random linear functional of the output (every output element's real
    and imaginary part, so the whole vector-Jacobian product is compared), or ``abs``."""
    if kind == "abs":
        return out.abs().sum()
    w = lib.tensor(weight)
    if out.is_complex():
        return (lib.view_as_real(out.resolve_conj()) * w).sum()
    return (out * w[..., 0]).sum()


def _compare(fname, x, kw, grad=True, kind="lin"):
    outs, grads = {}, {}
    w = None
    for lib in (torch, ember):
        leaf = lib.tensor(x, requires_grad=grad and x.dtype.kind in "fc")
        out = getattr(lib.fft, fname)(leaf, **kw)
        outs[lib] = out
        if leaf.requires_grad:
            if w is None:
                w = RNG.standard_normal(tuple(out.shape) + (2,)).astype(
                    np.float64 if x.dtype in (np.float64, np.complex128) else np.float32)
            _loss(lib, out, w, kind).backward()
            grads[lib] = leaf.grad
    _close(outs[ember], outs[torch], *_tol(outs[torch]), f"{fname}{kw} output")
    if grads:
        _close(grads[ember], grads[torch], *_tol(grads[torch], True), f"{fname}{kw} grad")


@pytest.mark.parametrize("kw", KW_1D, ids=str)
@pytest.mark.parametrize("fname", C2C + C2R)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128, np.float32, np.float64])
def test_1d_complex_and_real_inputs(fname, kw, dtype):
    if kw.get("n") == 1 and fname in C2R:
        kw = {"n": 1, "norm": "ortho"}  # a 1-sample real output
    x = _cplx(4, 5, 6, dtype=dtype) if np.dtype(dtype).kind == "c" else _real(4, 5, 6,
                                                                                dtype=dtype)
    _compare(fname, x, kw)


@pytest.mark.parametrize("kw", KW_1D, ids=str)
@pytest.mark.parametrize("fname", R2C)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_1d_real_input(fname, kw, dtype):
    _compare(fname, _real(4, 5, 6, dtype=dtype), kw)


@pytest.mark.parametrize("kw", KW_ND + KW_ND_ONLY, ids=str)
@pytest.mark.parametrize("fname", ["fftn", "ifftn", "irfftn", "hfftn"])
@pytest.mark.parametrize("dtype", [np.complex64, np.float64])
def test_nd_complex_and_real_inputs(fname, kw, dtype):
    x = _cplx(4, 5, 6, dtype=dtype) if np.dtype(dtype).kind == "c" else _real(4, 5, 6,
                                                                                dtype=dtype)
    _compare(fname, x, kw)


@pytest.mark.parametrize("kw", KW_ND + KW_ND_ONLY, ids=str)
@pytest.mark.parametrize("fname", ["rfftn", "ihfftn"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nd_real_input(fname, kw, dtype):
    _compare(fname, _real(4, 5, 6, dtype=dtype), kw)


@pytest.mark.parametrize("kw", KW_2D, ids=str)
@pytest.mark.parametrize("fname", ["fft2", "ifft2", "irfft2", "hfft2", "rfft2", "ihfft2"])
def test_2d(fname, kw):
    real_in = fname in ("rfft2", "ihfft2")
    _compare(fname, _real(4, 5, 6) if real_in else _cplx(4, 5, 6), kw)
    if not real_in:
        _compare(fname, _real(4, 5, 6, dtype=np.float64), kw)


@pytest.mark.parametrize("fname", C2C + C2R + ND_C2C + ND_C2R + R2C + ND_R2C)
def test_abs_loss_gradient(fname):
    real_in = fname in R2C + ND_R2C
    x = _real(3, 4, 6, dtype=np.float64) if real_in else _cplx(3, 4, 6, dtype=np.complex128)
    _compare(fname, x, {}, kind="abs")


@pytest.mark.parametrize("fname", ["fft", "rfft", "fft2", "rfftn", "ihfft", "ifftn"])
def test_integer_and_bool_inputs_promote_to_default_dtype(fname):
    x = RNG.integers(-5, 5, size=(3, 4)).astype(np.int64)
    _compare(fname, x, {}, grad=False)
    _compare(fname, x > 0, {}, grad=False)
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    ember.set_default_dtype(ember.float64)
    try:
        _compare(fname, x, {}, grad=False)
    finally:
        torch.set_default_dtype(prev)
        ember.set_default_dtype(ember.float32)


def test_output_dtype_kept_single_precision():
    x = ember.tensor(_real(16))
    assert ember.fft.fft(x).dtype == ember.complex64
    assert ember.fft.rfftn(x).dtype == ember.complex64
    assert ember.fft.irfft(ember.fft.rfft(x)).dtype == ember.float32
    assert ember.fft.hfft(ember.tensor(_cplx(9))).dtype == ember.float32


@pytest.mark.parametrize("fname", C2C + C2R + R2C + ND_C2C + ND_C2R + ND_R2C)
@pytest.mark.parametrize("half", ["float16", "bfloat16"])
def test_half_inputs_raise_as_torch(fname, half):
    x = _real(4, 6)
    with pytest.raises(RuntimeError):
        getattr(torch.fft, fname)(torch.tensor(x).to(getattr(torch, half)))
    with pytest.raises(RuntimeError, match="Unsupported dtype"):
        getattr(ember.fft, fname)(ember.tensor(x).to(getattr(ember, half)))


def test_conjugate_results_flagged_as_torch():
    x = _real(6)
    for fname, kw in (("ifft", {}), ("ihfft", {}), ("ihfftn", {}), ("ihfft2", {"dim": (0,)}),
                      ("fft", {}), ("ihfft2", {})):
        xs = x.reshape(2, 3) if fname.endswith("2") else x
        t = getattr(torch.fft, fname)(torch.tensor(xs), **kw)
        e = getattr(ember.fft, fname)(ember.tensor(xs), **kw)
        assert e.is_conj() == t.is_conj(), fname


def test_empty_dims_fftn_is_a_complex_copy():
    x = _real(2, 3)
    _compare("fftn", x, {"dim": ()})
    _compare("fftn", np.array(2.0, np.float32), {}, grad=False)


def test_out_argument():
    x = _cplx(3, 8)
    for lib in (torch, ember):
        out = lib.empty(0, dtype=lib.complex64)
        r = lib.fft.fft(lib.tensor(x), out=out)
        assert r is out
    eo = ember.empty(0, dtype=ember.float32)
    to = torch.empty(0, dtype=torch.float32)
    ember.fft.irfft(ember.tensor(x), out=eo)
    torch.fft.irfft(torch.tensor(x), out=to)
    _close(eo, to, 1e-4, 1e-5, "irfft out=")


# --- gradcheck (float64, every input and output real via view_as_real/view_as_complex) --

def _as_real_fn(fname, kw, complex_in):
    fn = getattr(ember.fft, fname)

    def f(x):
        z = ember.view_as_complex(x) if complex_in else x
        out = fn(z, **kw).resolve_conj()
        return ember.view_as_real(out) if out.is_complex() else out
    return f


GRADCHECK = [("fft", {"n": 5}, True), ("ifft", {"norm": "ortho"}, True),
             ("fft", {"dim": 0}, False), ("ifft", {"n": 3}, False),
             ("rfft", {"n": 6}, False), ("ihfft", {"norm": "forward"}, False),
             ("irfft", {}, True), ("irfft", {"n": 5}, True), ("hfft", {"n": 6}, True),
             ("hfft", {"norm": "ortho"}, True), ("fft2", {"s": (3, 5)}, True),
             ("ifftn", {"norm": "forward"}, False), ("rfft2", {}, False),
             ("rfftn", {"s": (2, 5)}, False), ("irfft2", {}, True),
             ("irfftn", {"s": (4, 5)}, True), ("hfft2", {"s": (3, 5)}, True),
             ("hfftn", {}, True), ("ihfft2", {}, False), ("ihfftn", {"s": (2, 5)}, False)]


@pytest.mark.parametrize("fname,kw,complex_in", GRADCHECK, ids=lambda v: str(v))
def test_gradcheck_and_gradgradcheck_float64(fname, kw, complex_in):
    shape = (3, 4, 2) if complex_in else (3, 4)
    x = ember.tensor(RNG.standard_normal(shape), requires_grad=True)
    f = _as_real_fn(fname, kw, complex_in)
    assert ember.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-6, rtol=1e-4)
    assert ember.autograd.gradgradcheck(f, (x,), eps=1e-6, atol=1e-5, rtol=1e-3)


# --- errors ------------------------------------------------------------------------------

ERRORS = [
    ("fft", (4, 6), {"n": 0}), ("fft", (4, 6), {"n": -1}), ("fft", (4, 6), {"dim": 2}),
    ("fft", (4, 6), {"dim": -3}), ("fft", (), {}), ("fft", (), {"dim": 0}),
    ("fft", (4, 6), {"norm": "bad"}), ("fft", (4, 6), {"dim": (0,)}),
    ("fft", (4, 6), {"n": 2.0}), ("fft", (4, 6), {"norm": 1}), ("fft", (0,), {}),
    ("irfft", (4, 1), {}), ("irfft", (4, 6), {"n": 0}), ("hfft", (4, 1), {}),
    ("fft2", (6,), {}), ("fft2", (4, 6), {"s": (4,)}), ("fftn", (4, 6), {"dim": (0, 0)}),
    ("fftn", (4, 6), {"s": (2, 3, 4)}), ("fftn", (4, 6), {"s": (0,), "dim": (1,)}),
    ("fftn", (4, 6), {"dim": (0, 2)}), ("fftn", (4, 6), {"s": (3,), "dim": 5}),
    ("rfftn", (4, 6), {"dim": ()}), ("irfftn", (4, 6), {"dim": ()}),
    ("hfftn", (4, 6), {"dim": ()}), ("ihfftn", (4, 6), {"dim": ()}),
    ("irfftn", (4, 1), {}), ("ifftn", (4, 6), {"norm": "Ortho"}),
]


@pytest.mark.parametrize("fname,shape,kw", ERRORS, ids=str)
def test_errors_match_torch(fname, shape, kw):
    x = _real(*shape) if shape else np.array(1.5, np.float32)
    with pytest.raises(Exception) as te:
        getattr(torch.fft, fname)(torch.tensor(x), **kw)
    with pytest.raises(type(te.value)):
        getattr(ember.fft, fname)(ember.tensor(x), **kw)


@pytest.mark.parametrize("fname", ["rfft", "ihfft", "rfft2", "rfftn", "ihfft2", "ihfftn"])
def test_complex_input_to_real_transform_raises(fname):
    x = _cplx(4, 6)
    with pytest.raises(RuntimeError):
        getattr(torch.fft, fname)(torch.tensor(x))
    with pytest.raises(RuntimeError, match="ComplexFloat"):
        getattr(ember.fft, fname)(ember.tensor(x))


def test_input_must_be_a_tensor():
    with pytest.raises(TypeError):
        torch.fft.fft([1.0, 2.0])
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.fft.fft([1.0, 2.0])


# --- fftfreq / rfftfreq / fftshift / ifftshift ------------------------------------------

@pytest.mark.parametrize("n,d", [(5, 1.0), (6, 0.1), (1, 2.0), (0, 1.0), (17, 0.3)])
@pytest.mark.parametrize("dtype", [None, "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("fname", ["fftfreq", "rfftfreq"])
def test_freq(fname, n, d, dtype):
    kw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    ekw = {} if dtype is None else {"dtype": getattr(ember, dtype)}
    t = getattr(torch.fft, fname)(n, d, **kw)
    e = getattr(ember.fft, fname)(n, d, **ekw)
    assert _dname(e.dtype) == _dname(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.float().numpy(), t.float().numpy())


def test_freq_kwargs_and_errors():
    e = ember.fft.fftfreq(4, requires_grad=True)
    assert e.requires_grad and e.is_leaf
    for lib, exc in ((torch, RuntimeError), (ember, RuntimeError)):
        with pytest.raises(exc):
            lib.fft.fftfreq(5, dtype=lib.int64)
        with pytest.raises(exc):
            lib.fft.fftfreq(-1)
        with pytest.raises(exc):
            lib.fft.fftshift(lib.ones(3), dim=())
    # C++ integer division: rfftfreq(-1) has one element (-0.0); n = 0 divides by zero
    for n in (-1, 0):
        np.testing.assert_array_equal(ember.fft.rfftfreq(n).numpy(), torch.fft.rfftfreq(n).numpy())
    for lib in (torch, ember):
        with pytest.raises(NotImplementedError):
            lib.fft.fftfreq(5, dtype=lib.complex64)


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1), (1, 0), (0, 0)])
@pytest.mark.parametrize("fname", ["fftshift", "ifftshift"])
def test_shift(fname, dim):
    x = _real(5, 6)
    for shape in ((5, 6), (4, 7)):
        x = _real(*shape)
        t = torch.tensor(x, requires_grad=True)
        e = ember.tensor(x, requires_grad=True)
        to = getattr(torch.fft, fname)(t, dim=dim)
        eo = getattr(ember.fft, fname)(e, dim=dim)
        np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
        w = _real(*shape)
        (to * torch.tensor(w)).sum().backward()
        (eo * ember.tensor(w)).sum().backward()
        np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())


def test_shift_roundtrip_and_freq():
    f = ember.fft.fftfreq(7)
    np.testing.assert_array_equal(ember.fft.ifftshift(ember.fft.fftshift(f)).numpy(),
                                  f.numpy())
    np.testing.assert_array_equal(ember.fft.fftshift(f).numpy(),
                                  torch.fft.fftshift(torch.fft.fftfreq(7)).numpy())


# --- autocast: the listed transforms run in float32 under CPU autocast --------------------

@pytest.mark.parametrize("fname", ["fft", "rfft", "irfft", "fft2", "rfftn", "ihfft", "hfft"])
def test_autocast_casts_half_inputs_to_float32(fname):
    x = _real(4, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        t = getattr(torch.fft, fname)(torch.tensor(x).to(torch.bfloat16))
    with ember.autocast("cpu", dtype=ember.bfloat16):
        e = getattr(ember.fft, fname)(ember.tensor(x).to(ember.bfloat16))
    _close(e, t, *_tol(t), fname)


def test_round_trips():
    x = ember.tensor(_real(3, 10, dtype=np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(ember.fft.irfft(ember.fft.rfft(x), n=10).numpy(), x.numpy(),
                                   atol=1e-12)
        np.testing.assert_allclose(ember.fft.ifftn(ember.fft.fftn(x)).real.numpy(), x.numpy(),
                                   atol=1e-12)
        np.testing.assert_allclose(ember.fft.hfft(ember.fft.ihfft(x), n=10).numpy(), x.numpy(),
                                   atol=1e-12)
