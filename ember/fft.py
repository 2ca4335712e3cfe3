"""ember.fft: discrete Fourier transforms (torch.fft).

Every transform is one of three primitive ops (``ember.ops.fft_ops``: ``_fft_c2c``,
``_fft_r2c``, ``_fft_c2r``), after torch's argument handling: integer and bool inputs
promote to the default float dtype, float32 gives complex64 and float64 complex128;
float16/bfloat16 raise as torch's CPU kernels do (under CPU autocast the listed
transforms first cast them to float32).  ``n``/``s`` zero-pad or trim the input, a
length of ``-1`` in ``s`` keeps that dimension's size.  Gradients: NOTE [fft
normalization and gradients] in ``ember.ops.fft_ops``.
"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from ._tensor import Tensor, _wrap_dim
from .amp.autocast_mode import autocast_composite
from .ops.complex_ops import conj, conj_physical
from .ops.creation import _finish
from .ops.elementwise import _out
from .ops.fft_ops import as_complex, c2c, c2r, norm_mode, r2c, resize
from .ops.indexing import roll
from .ops.registry import _type_name

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
           "irfft2", "rfftn", "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn",
           "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


# --- argument handling (torch's canonicalize_fft_* and promote_tensor_fft) ---------------

def _check_input(fname: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"fft_{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _check_args(fname: str, n, norm) -> None:
    if n is not None and not isinstance(n, (int, np.integer)):
        raise TypeError(f"fft_{fname}(): argument 'n' must be int, not {type(n).__name__}")
    if norm is not None and not isinstance(norm, str):
        raise TypeError(f"fft_{fname}(): argument 'norm' must be str, not "
                        f"{type(norm).__name__}")


def _promote(t: Tensor, require_complex: bool) -> Tensor:
    dt = t._dtype
    if dt.is_complex:
        return t
    if not dt.is_floating_point:
        t = t.to(_dt.get_default_dtype())
        dt = t._dtype
    if dt not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"Unsupported dtype {_type_name(dt)} (the CPU FFT supports float32 "
                           "and float64 and their complex types)")
    return as_complex(t) if require_complex else t


def _check_real(fname: str, t: Tensor, what: str = "a real input tensor") -> None:
    if t._dtype.is_complex:
        raise RuntimeError(f"{fname} expects {what}, but got {_type_name(t._dtype)}")


def _wrap(d: int, nd: int) -> int:
    if not isinstance(d, (int, np.integer)):
        raise TypeError(f"dim must be int, not {type(d).__name__}")
    if nd == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    return _wrap_dim(int(d), nd)


def _dim1(fname: str, t: Tensor, dim) -> int:
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"fft_{fname}(): argument 'dim' must be int, not {type(dim).__name__}")
    return _wrap(dim, t.dim())


def _check_n(n: int) -> None:
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _canon(t: Tensor, s, dim):
    """(dims, signal sizes) of an n-dimensional transform (torch's rules)."""
    nd = t.dim()
    dims = None
    if dim is not None:
        dims = [_wrap(d, nd) for d in ((dim,) if isinstance(dim, (int, np.integer)) else dim)]
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"FFT dims must be unique, got dim={list(dim)}")
    if s is not None:
        s = [int(s)] if isinstance(s, (int, np.integer)) else [int(v) for v in s]
        if dims is not None and len(dims) != len(s):
            raise RuntimeError("When given, dim and shape arguments must have the same length "
                               f"(got s={s} and dim={list(dim)})")
        if len(s) > nd:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                               f"{nd} dimensions.")
        if dims is None:
            dims = list(range(nd - len(s), nd))
        shape = [t.shape[d] if v == -1 else v for d, v in zip(dims, s)]
    elif dims is None:
        dims, shape = list(range(nd)), list(t.shape)
    else:
        shape = [t.shape[d] for d in dims]
    for v in shape:
        _check_n(v)
    return dims, shape


def _c2r_canon(fname: str, t: Tensor, s, dim):
    """As ``_canon``, plus the real output length of the last dim; the last signal size
    becomes the half-spectrum length ``last // 2 + 1`` the input is resized to."""
    dims, shape = _canon(t, s, dim)
    if not dims:
        raise RuntimeError(f"{fname} must transform at least one axis")
    if s is None or (s if isinstance(s, (int, np.integer)) else list(s)[-1]) == -1:
        last = 2 * (t.shape[dims[-1]] - 1)
    else:
        last = shape[-1]
    _check_n(last)
    shape[-1] = last // 2 + 1
    return dims, shape, last


# --- one-dimensional transforms ------------------------------------------------------------

def _c2c_1d(fname, input, n, dim, norm, forward):
    _check_input(fname, input)
    _check_args(fname, n, norm)
    x = _promote(input, True)
    d = _dim1(fname, x, dim)
    size = x.shape[d] if n is None else int(n)
    _check_n(size)
    return c2c(resize(x, (d,), (size,)), (d,), norm_mode(norm, forward), forward)


def _r2c_1d(fname, input, n, dim, norm, forward, onesided):
    """torch's fft_r2c: a real input's forward transform; the inverse direction (ifft,
    ihfft of a real signal) is the conjugate of the forward one."""
    _check_input(fname, input)
    _check_args(fname, n, norm)
    if onesided:
        _check_real(fname, input)
    x = _promote(input, False)
    d = _dim1(fname, x, dim)
    size = x.shape[d] if n is None else int(n)
    _check_n(size)
    out = r2c(resize(x, (d,), (size,)), (d,), norm_mode(norm, forward), onesided)
    return out if forward else conj(out)


def _c2r_1d(fname, input, n, dim, norm, forward):
    """torch's fft_c2r: Hermitian half spectrum to a real signal of ``n`` samples;
    ``hfft`` (the forward direction) transforms the conjugate input."""
    _check_input(fname, input)
    _check_args(fname, n, norm)
    x = _promote(input, True)
    d = _dim1(fname, x, dim)
    last = 2 * (x.shape[d] - 1) if n is None else int(n)
    _check_n(last)
    if n is not None:
        x = resize(x, (d,), (last // 2 + 1,))
    if forward:
        x = conj(x)
    return c2r(x, (d,), norm_mode(norm, forward), last)


@autocast_composite("fft_fft")
def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
        out: Tensor | None = None) -> Tensor:
    """One-dimensional discrete Fourier transform of ``input`` along ``dim``.

    Args:
        input: real or complex tensor.
        n: signal length: the input is zero-padded or trimmed to ``n`` along ``dim``.
        dim: the dimension to transform.
        norm: ``"backward"`` (default, no scaling), ``"ortho"`` (``1/sqrt(n)``) or
            ``"forward"`` (``1/n``).

    Example::

        >>> ember.fft.fft(ember.arange(4.0))
        tensor([ 6.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    """
    if isinstance(input, Tensor) and not input._dtype.is_complex:
        res = _r2c_1d("fft", input, n, dim, norm, True, False)
    else:
        res = _c2c_1d("fft", input, n, dim, norm, True)
    return _out(res, out)


@autocast_composite("fft_ifft")
def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """One-dimensional inverse DFT (``norm="backward"`` scales by ``1/n``)."""
    if isinstance(input, Tensor) and not input._dtype.is_complex:
        res = _r2c_1d("ifft", input, n, dim, norm, False, False)
    else:
        res = _c2c_1d("ifft", input, n, dim, norm, False)
    return _out(res, out)


@autocast_composite("fft_rfft")
def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """DFT of a real signal: the ``n // 2 + 1`` non-negative frequencies."""
    return _out(_r2c_1d("rfft", input, n, dim, norm, True, True), out)


@autocast_composite("fft_irfft")
def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """Inverse of ``rfft``: a real signal of ``n`` samples (default
    ``2 * (input.size(dim) - 1)``) from its one-sided spectrum."""
    return _out(_c2r_1d("irfft", input, n, dim, norm, False), out)


@autocast_composite("fft_hfft")
def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """DFT of a Hermitian-symmetric signal given by its one-sided half: real output of
    ``n`` samples (default ``2 * (input.size(dim) - 1)``)."""
    return _out(_c2r_1d("hfft", input, n, dim, norm, True), out)


@autocast_composite("fft_ihfft")
def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """Inverse of ``hfft``: the one-sided half of a real signal's inverse DFT."""
    if isinstance(input, Tensor) and input._dtype.is_complex:
        raise RuntimeError("ihfft expects a real input tensor, but got "
                           f"{_type_name(input._dtype)}")
    return _out(_r2c_1d("ihfft", input, n, dim, norm, False, True), out)


# --- n-dimensional transforms --------------------------------------------------------------

def _check_nd(fname, input, norm):
    _check_input(fname, input)
    _check_args(fname, None, norm)


def _fftn(fname, input, s, dim, norm, forward):
    _check_nd(fname, input, norm)
    dims, shape = _canon(input, s, dim)
    x = resize(_promote(input, True), dims, shape)
    return c2c(x, dims, norm_mode(norm, forward), forward)


def _rfftn(fname, input, s, dim, norm):
    _check_nd(fname, input, norm)
    _check_real(fname, input, "a real-valued input tensor")
    dims, shape = _canon(input, s, dim)
    if not dims:
        raise RuntimeError(f"{fname} must transform at least one axis")
    x = resize(_promote(input, False), dims, shape)
    return r2c(x, dims, norm_mode(norm, True), True)


def _irfftn(fname, input, s, dim, norm):
    _check_nd(fname, input, norm)
    dims, shape, last = _c2r_canon(fname, input, s, dim)
    x = resize(_promote(input, True), dims, shape)
    return c2r(x, dims, norm_mode(norm, False), last)


def _hfftn(fname, input, s, dim, norm):
    _check_nd(fname, input, norm)
    dims, shape, last = _c2r_canon(fname, input, s, dim)
    x = resize(_promote(input, True), dims, shape)
    mode = norm_mode(norm, True)
    if len(dims) > 1:
        x = c2c(x, dims[:-1], mode, True)
    return c2r(conj(x), dims[-1:], mode, last)


def _ihfftn(fname, input, s, dim, norm):
    _check_nd(fname, input, norm)
    if input._dtype.is_complex:
        raise RuntimeError("Only supports floating-point dtypes, but found: "
                           f"{_type_name(input._dtype)} ({fname} takes a real input)")
    dims, shape = _canon(input, s, dim)
    if not dims:
        raise RuntimeError(f"{fname} must transform at least one axis")
    x = resize(_promote(input, False), dims, shape)
    mode = norm_mode(norm, False)
    half = r2c(x, dims[-1:], mode, True)
    if len(dims) == 1:
        return conj(half)
    return c2c(conj_physical(half), dims[:-1], mode, False)


@autocast_composite("fft_fftn")
def fftn(input: Tensor, s=None, dim=None, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """N-dimensional DFT over ``dim`` (default: all dimensions, or the last ``len(s)``);
    ``s`` gives the signal size per transformed dimension (``-1``: unchanged)."""
    return _out(_fftn("fftn", input, s, dim, norm, True), out)


@autocast_composite("fft_ifftn")
def ifftn(input: Tensor, s=None, dim=None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """N-dimensional inverse DFT."""
    return _out(_fftn("ifftn", input, s, dim, norm, False), out)


@autocast_composite("fft_fft2")
def fft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """Two-dimensional DFT (``fftn`` over the last two dimensions by default)."""
    return _out(_fftn("fft2", input, s, dim, norm, True), out)


@autocast_composite("fft_ifft2")
def ifft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """Two-dimensional inverse DFT."""
    return _out(_fftn("ifft2", input, s, dim, norm, False), out)


@autocast_composite("fft_rfftn")
def rfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """N-dimensional DFT of a real signal; the last transformed dimension keeps its
    ``s[-1] // 2 + 1`` non-negative frequencies."""
    return _out(_rfftn("rfftn", input, s, dim, norm), out)


@autocast_composite("fft_rfft2")
def rfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """Two-dimensional ``rfftn``."""
    return _out(_rfftn("rfft2", input, s, dim, norm), out)


@autocast_composite("fft_irfftn")
def irfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """Inverse of ``rfftn``: the last output dimension has ``s[-1]`` samples (default
    ``2 * (input.size(dim[-1]) - 1)``)."""
    return _out(_irfftn("irfftn", input, s, dim, norm), out)


@autocast_composite("fft_irfft2")
def irfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """Two-dimensional ``irfftn``."""
    return _out(_irfftn("irfft2", input, s, dim, norm), out)


@autocast_composite("fft_hfftn")
def hfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """N-dimensional DFT of a Hermitian-symmetric signal given by its one-sided half in
    the last transformed dimension (real output)."""
    return _out(_hfftn("hfftn", input, s, dim, norm), out)


@autocast_composite("fft_hfft2")
def hfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """Two-dimensional ``hfftn``."""
    return _out(_hfftn("hfft2", input, s, dim, norm), out)


@autocast_composite("fft_ihfftn")
def ihfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """Inverse of ``hfftn``: the one-sided half of a real signal's N-dimensional inverse
    DFT."""
    return _out(_ihfftn("ihfftn", input, s, dim, norm), out)


@autocast_composite("fft_ihfft2")
def ihfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """Two-dimensional ``ihfftn``."""
    return _out(_ihfftn("ihfft2", input, s, dim, norm), out)


# --- helpers: sample frequencies and shifts -----------------------------------------------

def _freq(name: str, n: int, d: float, dtype, device, requires_grad, values) -> Tensor:
    dt = _dt.get_default_dtype() if dtype is None else dtype
    if dt.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_type_name(dt)}'")
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} requires a floating point or complex dtype, got {dt}")
    if n < 0 and name == "fftfreq":
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    # torch: integer values in the dtype times 1/(n*d) (a double, inf for n*d == 0, then
    # rounded to the dtype) in the dtype's compute precision (float32 for float16 and
    # bfloat16), rounded once
    ct = np.float64 if dt is _dt.float64 else np.float32
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.float64(1.0) / np.float64(n * d)
        k = values(n).astype(dt.np).astype(ct)
        arr = (k * ct(dt.np.type(inv))).astype(dt.np)
    return _finish(arr, None, device, requires_grad)


def fftfreq(n: int, d: float = 1.0, *, out: Tensor | None = None, dtype=None, layout=None,
            device=None, requires_grad: bool = False) -> Tensor:
    """Sample frequencies of a length-``n`` DFT with sample spacing ``d``:
    ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)``."""
    def values(m):
        return np.concatenate([np.arange((m + 1) // 2), np.arange(-(m // 2), 0)])
    return _out(_freq("fftfreq", n, d, dtype, device, requires_grad, values), out)


def rfftfreq(n: int, d: float = 1.0, *, out: Tensor | None = None, dtype=None, layout=None,
             device=None, requires_grad: bool = False) -> Tensor:
    """Sample frequencies of ``rfft`` of a length-``n`` signal: ``[0, ..., n // 2] / (d * n)``."""
    def values(m):
        count = int(m / 2) + 1  # C++ integer division (toward zero): rfftfreq(-1) has 1
        if count < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {count}: "
                               f"[{count}]")
        return np.arange(count)
    return _out(_freq("rfftfreq", n, d, dtype, device, requires_grad, values), out)


def _shift(input: Tensor, dim, inverse: bool) -> Tensor:
    nd = input.dim()
    if dim is None:
        dims = list(range(nd))
    else:
        dims = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    shape = input.shape
    shifts = [(shape[d] + 1) // 2 if inverse else shape[d] // 2 for d in dims]
    if not dims:
        raise RuntimeError("`shifts` required (the shift of an empty dim list)")
    return roll(input, shifts, dims)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """Moves the zero-frequency term to the center (a ``roll`` by ``size // 2`` along
    ``dim``, default all dimensions)."""
    return _shift(input, dim, False)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """Inverse of ``fftshift`` (a ``roll`` by ``(size + 1) // 2``)."""
    return _shift(input, dim, True)
