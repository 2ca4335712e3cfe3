"""Discrete Fourier transforms: the three primitive ops behind ``ember.fft`` (torch's
``_fft_c2c``, ``_fft_r2c``, ``_fft_c2r``), ``stft``/``istft`` and the window functions
(``hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window``,
``kaiser_window``).

NOTE [fft normalization and gradients]
A primitive takes a scaling ``mode`` (none, 1/sqrt(n), 1/n) and a direction instead of
torch's ``norm`` string: ``norm="backward"`` is no scaling for a forward transform and
1/n for an inverse one, and so on (``norm_mode``).  With the scaling fixed, every
transform is linear, and in the conjugate-Wirtinger convention (complex_ops) the
gradient of ``y = F x`` is ``F^H g``:

- c2c: the DFT matrix is symmetric, so ``F^H`` is the opposite direction with the same
  scaling;
- r2c (real input, onesided keeps ``n // 2 + 1`` bins of the last dim): the discarded
  bins get zero gradient, so ``grad = real(c2c_inverse(zero_pad(g)))``;
- c2r (Hermitian half spectrum in, real out, the imaginary parts of the DC and Nyquist
  bins ignored): ``grad = r2c(g)`` with the bins whose mirror image lies outside the half
  spectrum (``1 .. n - (n // 2 + 1)`` of the last dim) doubled, since each stands for two
  entries of the full spectrum.

NumPy's pocketfft runs the transforms: it keeps float32/complex64 in single precision,
as torch's CPU kernels do.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..amp.autocast_mode import autocast_composite
from .complex_ops import real, view_as_real
from .creation import _finish
from .registry import Op, _type_name, apply

__all__ = ["stft", "istft", "hann_window", "hamming_window", "blackman_window",
           "bartlett_window", "kaiser_window"]

# scaling modes (torch's fft_norm_mode)
NORM_NONE, NORM_SQRT, NORM_N = 0, 1, 2
# NumPy's ``norm`` string giving that scaling, per direction (forward, inverse)
_NP_NORM = {(True, NORM_NONE): "backward", (True, NORM_SQRT): "ortho",
            (True, NORM_N): "forward", (False, NORM_NONE): "forward",
            (False, NORM_SQRT): "ortho", (False, NORM_N): "backward"}


def norm_mode(norm: str | None, forward: bool) -> int:
    """torch's ``norm`` string as a scaling mode for a transform in direction ``forward``."""
    if norm is None or norm == "backward":
        return NORM_NONE if forward else NORM_N
    if norm == "forward":
        return NORM_N if forward else NORM_NONE
    if norm == "ortho":
        return NORM_SQRT
    raise RuntimeError(f'Invalid normalization mode: "{norm}" (expected "backward", '
                       '"forward", "ortho" or None)')


def _complex_dtype(dt):
    return _dt.complex128 if dt is _dt.float64 else _dt.complex64


def _real_dtype(dt):
    return _dt.float64 if dt is _dt.complex128 else _dt.float32


def as_complex(t: Tensor) -> Tensor:
    """``t`` cast to its complex dtype (a differentiable cast; complex ``t`` unchanged)."""
    if t._dtype.is_complex:
        return t
    return t.to(_complex_dtype(t._dtype))


class FftC2C(Op):
    """Complex-to-complex transform over ``dims`` (torch's ``_fft_c2c``)."""

    name = "_fft_c2c"

    def forward(self, a, dims, mode, forward):
        self.p = (dims, mode, forward)
        if not dims:
            return a.copy()
        fn = np.fft.fftn if forward else np.fft.ifftn
        return fn(a, axes=dims, norm=_NP_NORM[forward, mode]).astype(a.dtype, copy=False)

    def backward(self, g):
        dims, mode, forward = self.p
        return (apply(FftC2C, as_complex(g), dims=dims, mode=mode, forward=not forward),)


class FftR2C(Op):
    """Real-to-complex forward transform over ``dims`` (torch's ``_fft_r2c``); with
    ``onesided`` the last of ``dims`` keeps its ``n // 2 + 1`` non-negative frequencies."""

    name = "_fft_r2c"

    def forward(self, a, dims, mode, onesided):
        self.p = (dims, mode, onesided, a.shape[dims[-1]])
        cd = np.complex128 if a.dtype == np.float64 else np.complex64
        fn = np.fft.rfftn if onesided else np.fft.fftn
        return fn(a, axes=dims, norm=_NP_NORM[True, mode]).astype(cd, copy=False)

    def backward(self, g):
        dims, mode, onesided, n_last = self.p
        g = as_complex(g)
        if onesided:
            g = _pad_dim(g, dims[-1], n_last)
        return (real(apply(FftC2C, g, dims=dims, mode=mode, forward=False)),)


class FftC2R(Op):
    """Hermitian half spectrum to real signal, inverse direction (torch's ``_fft_c2r``):
    inverse c2c over ``dims[:-1]``, then c2r over ``dims[-1]`` to ``last_dim_size``."""

    name = "_fft_c2r"

    def forward(self, a, dims, mode, last_dim_size):
        self.p = (dims, mode, last_dim_size)
        s = [a.shape[d] for d in dims[:-1]] + [last_dim_size]
        rd = np.float64 if a.dtype == np.complex128 else np.float32
        out = np.fft.irfftn(a, s=s, axes=dims, norm=_NP_NORM[False, mode])
        return out.astype(rd, copy=False)

    def backward(self, g):
        dims, mode, n = self.p
        gi = apply(FftR2C, g, dims=dims, mode=mode, onesided=True)
        half = gi._data.shape[dims[-1]]
        twice = n - half  # bins 1..twice have a mirror image outside the half spectrum
        if twice > 0:
            w = np.ones(half, dtype=g._data.dtype)
            w[1:1 + twice] = 2
            shape = [1] * gi._data.ndim
            shape[dims[-1]] = half
            gi = gi * Tensor._make(w.reshape(shape), g._device)
        return (gi,)


def _pad_dim(t: Tensor, dim: int, size: int) -> Tensor:
    """``t`` zero-padded or truncated to ``size`` along ``dim`` (differentiable)."""
    return resize(t, (dim,), (size,))


def resize(t: Tensor, dims, sizes) -> Tensor:
    """torch's ``resize_fft_input``: each ``dims[i]`` zero-padded or trimmed to ``sizes[i]``
    (one ``constant_pad_nd``, whose negative padding trims)."""
    shape = t._data.shape
    nd = len(shape)
    want = dict(zip(dims, sizes))
    if all(shape[d] == s for d, s in want.items()):
        return t
    lo = min(want)
    pad = []
    for d in range(nd - 1, lo - 1, -1):
        pad += [0, want.get(d, shape[d]) - shape[d]]
    from .padding import ConstantPad
    return apply(ConstantPad, t, pad=tuple(pad), value=0)


def c2c(t: Tensor, dims, mode: int, forward: bool) -> Tensor:
    return apply(FftC2C, t, dims=tuple(dims), mode=mode, forward=forward)


def r2c(t: Tensor, dims, mode: int, onesided: bool) -> Tensor:
    return apply(FftR2C, t, dims=tuple(dims), mode=mode, onesided=onesided)


def c2r(t: Tensor, dims, mode: int, last_dim_size: int) -> Tensor:
    return apply(FftC2R, t, dims=tuple(dims), mode=mode, last_dim_size=int(last_dim_size))


# --- stft / istft ------------------------------------------------------------------------

class _Warned:
    window = False
    real_out = False
    length = False


def _warn_no_window() -> None:
    if not _Warned.window:
        _Warned.window = True
        warnings.warn(
            "A window was not provided. A rectangular window will be applied,which is known "
            "to cause spectral leakage. Other windows such as torch.hann_window or "
            "torch.hamming_window are recommended to reduce spectral leakage.To suppress "
            "this warning and use a rectangular window, explicitly set "
            "`window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=3)


def _type_str(t: Tensor) -> str:
    return f"torch.{_type_name(t._dtype)}Tensor"


def _repr(name, t, n_fft, hop, win, window, normalized, onesided, return_complex, extra=""):
    w = "None" if window is None else f"{_type_str(window)}{{{list(window.shape)}}}"

    def opt(v):
        return "None" if v is None else str(int(v))
    return (f"{name}({_type_str(t)}{list(t.shape)}, n_fft={n_fft}, hop_length={hop}, "
            f"win_length={win}, window={w}, normalized={int(normalized)}, "
            f"onesided={opt(onesided)}, return_complex={opt(return_complex)}{extra}) ")


def _centered_window(window, win_length, n_fft, like_dtype, device):
    """The window zero-padded on both sides to ``n_fft`` (None: a rectangular one)."""
    if win_length == n_fft:
        return window
    left = (n_fft - win_length) // 2
    if window is None:
        window = _finish(np.ones(win_length, like_dtype.np), None, device, False)
    from .padding import ConstantPad
    return apply(ConstantPad, window, pad=(left, n_fft - win_length - left), value=0)


@autocast_composite("stft")
def stft(input: Tensor, n_fft: int, hop_length: int | None = None,
         win_length: int | None = None, window: Tensor | None = None, center: bool = True,
         pad_mode: str = "reflect", normalized: bool = False, onesided: bool | None = None,
         return_complex: bool | None = None, align_to_window: bool | None = None) -> Tensor:
    """Short-time Fourier transform (torch.stft): the FFT of each ``hop_length``-spaced,
    windowed frame of ``n_fft`` samples.

    Args:
        input: a 1-D signal or a 2-D batch of signals ``(B?, L)``.
        n_fft: size of the Fourier transform.
        hop_length: frame spacing (default ``n_fft // 4``).
        win_length: window size, ``<= n_fft`` (default ``n_fft``); a shorter window is
            zero-padded on both sides to ``n_fft``.
        window: 1-D tensor of ``win_length`` samples (default: rectangular).
        center: pad the input by ``n_fft // 2`` on both sides (``pad_mode``) so frame
            ``t`` is centered at ``t * hop_length``.
        normalized: multiply by ``n_fft ** -0.5``.
        onesided: keep the ``n_fft // 2 + 1`` non-negative frequencies (default: True
            for real input and window).
        return_complex: return a complex tensor ``(B?, N, T)``; False (deprecated) gives
            its ``view_as_real``. Required for real inputs.
        align_to_window: with ``center=False``, start each frame at the window's first
            sample rather than at the padded ``n_fft`` frame's.

    Example::

        >>> x = ember.randn(400)
        >>> ember.stft(x, 64, window=ember.hann_window(64), return_complex=True).shape
        ember.Size([33, 26])
    """
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if window is None:
        _warn_no_window()
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    cplx = input._dtype.is_complex or (window is not None and window._dtype.is_complex)
    rc = cplx if return_complex is None else return_complex
    if not rc:
        if return_complex is None:
            raise RuntimeError("stft requires the return_complex parameter be given for real "
                               "inputs, and will further require that return_complex=True in "
                               "a future PyTorch release.")
        if not _Warned.real_out:
            _Warned.real_out = True
            warnings.warn("stft with return_complex=False is deprecated. In a future pytorch "
                          "release, stft will return complex tensors for all inputs, and "
                          "return_complex=False will raise an error.\nNote: you can still "
                          "call torch.view_as_real on the complex output to recover the old "
                          "return format.", UserWarning, stacklevel=3)
    if center:
        from .padding import pad
        nd = input.dim()
        if nd in (1, 2):
            p = n_fft // 2
            x = pad(input.reshape([1] * (3 - nd) + list(input.shape)), [p, p], pad_mode)
            input = x.reshape(x.shape[-nd:])

    def err(msg):
        return RuntimeError(_repr("stft", input, n_fft, hop, win, window, normalized,
                                  onesided, return_complex,
                                  f", align_to_window={_opt(align_to_window)}") + ": " + msg)
    dt = input._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise err("expected a tensor of floating point or complex values")
    if input.dim() not in (1, 2):
        raise err("expected a 1D or 2D tensor")
    x = input.unsqueeze(0) if input.dim() == 1 else input
    length = x.shape[1]
    if n_fft <= 0 or n_fft > length:
        raise err(f"expected 0 < n_fft <= {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise err(f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise err(f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise err(f"expected a 1D window tensor of size equal to win_length={win}, but got "
                  f"window with size {list(window.shape)}")
    if dt in (_dt.float16, _dt.bfloat16):
        raise RuntimeError(f"MKL FFT doesn't support tensors of type: {_type_name(dt)}")
    if align_to_window and win < n_fft:
        # frames start at the window's first sample: as if the signal were zero-padded
        # by the window's offset inside the n_fft frame
        from .padding import ConstantPad
        left = (n_fft - win) // 2
        x = apply(ConstantPad, x, pad=(left, n_fft - win - left), value=0)
    w = _centered_window(window, win, n_fft, dt, input._device)
    frames = x.unfold(-1, n_fft, hop)  # (B, n_frames, n_fft)
    if w is not None:
        frames = frames * w
    mode = NORM_SQRT if normalized else NORM_NONE
    if frames._dtype.is_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        out = c2c(frames, (2,), mode, True)
    else:
        out = r2c(frames, (2,), mode, True if onesided is None else onesided)
    out = out.transpose(1, 2)
    if input.dim() == 1:
        out = out.squeeze(0)
    return out if rc else view_as_real(out)


def _opt(v):
    return "None" if v is None else str(int(v))


def istft(input: Tensor, n_fft: int, hop_length: int | None = None,
          win_length: int | None = None, window: Tensor | None = None, center: bool = True,
          normalized: bool = False, onesided: bool | None = None, length: int | None = None,
          return_complex: bool = False) -> Tensor:
    """Inverse short-time Fourier transform (torch.istft): least-squares overlap-add of
    the inverse FFT of each frame, divided by the summed squared window (which must not
    vanish: the NOLA condition).

    Args:
        input: complex ``(B?, N, T)`` as ``stft(..., return_complex=True)`` returns.
        n_fft, hop_length, win_length, window, center, normalized: as in ``stft``.
        onesided: whether ``input`` is onesided (default: ``N != n_fft``).
        length: trim or zero-pad the output to this many samples.
        return_complex: return a complex signal (needs ``onesided=False``).
    """
    if window is None:
        _warn_no_window()
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length

    def err(msg):
        return RuntimeError(_repr("istft", input, n_fft, hop, win, window, normalized,
                                  onesided, return_complex) + ": " + msg)
    if not input._dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    if input.numel() == 0:
        raise err("input tensor cannot be empty.")
    if input.dim() not in (2, 3):
        raise err(f"expected a tensor with 3 or 4 dimensions of complex type, but got "
                  f"{input.dim() + 1}")
    n_frames, fft_size = input.shape[-1], input.shape[-2]
    sided = fft_size != n_fft if onesided is None else onesided
    if sided and n_fft // 2 + 1 != fft_size:
        raise err("expected the frequency dimension (3rd to the last) of the input tensor to "
                  f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    if not sided and n_fft != fft_size:
        raise err("expected the frequency dimension (3rd to the last) of the input tensor to "
                  f"match n_fft when onesided=False, but got {fft_size}")
    if not 0 < hop <= win:
        raise RuntimeError("istft(...): expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        raise RuntimeError("istft(...): expected 0 < win_length <= n_fft")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise err("Invalid window shape. window has to be 1D and length of `win_length`")
    rdt = _real_dtype(input._dtype)
    w = window if window is not None else _finish(np.ones(win, rdt.np), None,
                                                  input._device, False)
    w = _centered_window(w, win, n_fft, rdt, input._device)
    x = input.resolve_conj()
    if x.dim() == 2:
        x = x.unsqueeze(0)
    x = x.transpose(1, 2)  # (B, n_frames, fft_size)
    mode = NORM_SQRT if normalized else NORM_N
    if return_complex:
        if sided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        x = c2c(x, (2,), mode, False)
    else:
        if window is not None and window._dtype.is_complex:
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not sided:
            x = x.narrow(-1, 0, n_fft // 2 + 1)
        x = c2r(x, (2,), mode, n_fft)
    from .shape import UnfoldBackward
    expected = n_fft + hop * (n_frames - 1)
    y = apply(UnfoldBackward, x * w.reshape(1, 1, n_fft),
              p=((x.shape[0], expected), 1, n_fft, hop))
    w2 = (w * w).reshape(1, 1, n_fft).expand(1, n_frames, n_fft)
    env = apply(UnfoldBackward, w2, p=((1, expected), 1, n_fft, hop))
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = expected - n_fft // 2 if center else expected
    stop = min(end, expected)
    y = y[:, start:stop]
    env = env[:, start:stop]
    if env.numel() and float(np.abs(env._data).min()) < 1e-11:
        raise RuntimeError(f"istft(...): window overlap add min: "
                           f"{float(np.abs(env._data).min()):g}; the window and hop_length "
                           "must satisfy the nonzero overlap-add (NOLA) condition")
    y = y / env
    if input.dim() == 2:
        y = y.squeeze(0)
    if end > expected:
        if not _Warned.length:
            _Warned.length = True
            warnings.warn("The length of signal is shorter than the length parameter. Result "
                          "is being padded with zeros in the tail. Please check your center "
                          "and hop_length settings.", UserWarning, stacklevel=2)
        y = _pad_dim(y, y.dim() - 1, y.shape[-1] + end - expected)
    return y


# --- window functions --------------------------------------------------------------------

def _window_dtype(name: str, window_length: int, dtype):
    dt = _dt.get_default_dtype() if dtype is None else dtype
    if dt.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_type_name(dt)}'")
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    return dt


def _rounder(dt):
    """(compute dtype, round-to-``dt``, scalar): torch computes float16/bfloat16 windows
    step by step in float32, each step's result rounded to the window dtype and each
    Python scalar operand rounded to it first."""
    if dt.itemsize == 2:
        def rnd(x):
            return x.astype(dt.np).astype(np.float32)

        def sc(v):
            return np.float32(dt.np.type(v))
        return np.float32, rnd, sc
    return dt.np.type, (lambda x: x), dt.np.type


def _window(name, window_length, periodic, dtype, layout, device, requires_grad, body):
    dt = _window_dtype(name, window_length, dtype)
    if window_length <= 1:
        arr = np.ones(window_length, dt.np)
    else:
        n = window_length + 1 if periodic else window_length
        ct, rnd, sc = _rounder(dt)
        arr = body(n, ct, rnd, sc, rnd(np.arange(n, dtype=ct)))[:window_length]
    return _finish(np.ascontiguousarray(arr.astype(dt.np)), None, device, requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype=None, layout=None, device=None,
                   pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """``alpha - beta * cos(2 pi n / (N - 1))``; periodic: ``N = window_length + 1`` with
    the last sample dropped (for spectral analysis)."""
    def body(n, ct, rnd, sc, w):
        w = rnd(w * sc(2 * math.pi / (n - 1)))
        return rnd(rnd(rnd(np.cos(w)) * sc(-beta)) + sc(alpha))
    return _window("hamming_window", window_length, periodic, dtype, layout, device,
                   requires_grad, body)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                device=None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """``0.5 - 0.5 cos(2 pi n / (N - 1))`` (a Hamming window with alpha = beta = 0.5)."""
    def body(n, ct, rnd, sc, w):
        w = rnd(w * sc(2 * math.pi / (n - 1)))
        return rnd(rnd(rnd(np.cos(w)) * sc(-0.5)) + sc(0.5))
    return _window("hann_window", window_length, periodic, dtype, layout, device,
                   requires_grad, body)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, pin_memory: bool = False,
                    requires_grad: bool = False) -> Tensor:
    """``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    def body(n, ct, rnd, sc, w):
        w = rnd(w * sc(math.pi / (n - 1)))
        a = rnd(rnd(np.cos(rnd(w * sc(4)))) * sc(0.08))
        b = rnd(rnd(np.cos(rnd(w * sc(2)))) * sc(0.5))
        return rnd(rnd(a - b) + sc(0.42))
    return _window("blackman_window", window_length, periodic, dtype, layout, device,
                   requires_grad, body)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, pin_memory: bool = False,
                    requires_grad: bool = False) -> Tensor:
    """The triangular window ``1 - |2 n / (N - 1) - 1|``."""
    def body(n, ct, rnd, sc, w):
        w = rnd(w * sc(2.0 / (n - 1)))
        half = ((n - 1) >> 1) + 1
        w[half:] = rnd(rnd(w[half:] * sc(-1)) + sc(2))
        return w
    return _window("bartlett_window", window_length, periodic, dtype, layout, device,
                   requires_grad, body)


_NOT_GIVEN = object()


def kaiser_window(window_length: int, periodic=_NOT_GIVEN, beta=_NOT_GIVEN, *, dtype=None,
                  layout=None, device=None, pin_memory: bool = False,
                  requires_grad: bool = False) -> Tensor:
    """``I0(beta sqrt(1 - ((n - N/2) / (N/2))^2)) / I0(beta)`` (``periodic=True``,
    ``beta=12.0`` by default; as torch, ``beta`` is taken only with ``periodic``)."""
    if periodic is _NOT_GIVEN:
        if beta is not _NOT_GIVEN:
            raise TypeError("kaiser_window() received an invalid combination of arguments: "
                            "beta is accepted only after periodic, as in "
                            "kaiser_window(window_length, periodic, beta)")
        periodic = True
    beta = 12.0 if beta is _NOT_GIVEN else beta

    def body(n, ct, rnd, sc, w):
        alpha = ct((n - 1) / 2.0)
        b = ct(beta)
        r = np.sqrt(np.abs(ct(1) - ((w - alpha) / alpha) ** ct(2))).astype(ct)
        return (np.i0(b * r) / np.i0(b)).astype(ct)
    return _window("kaiser_window", window_length, periodic, dtype, layout, device,
                   requires_grad, body)


def _tensor_stft(self, *args, **kwargs):
    return stft(self, *args, **kwargs)


def _tensor_istft(self, *args, **kwargs):
    return istft(self, *args, **kwargs)


Tensor.stft = _tensor_stft
Tensor.istft = _tensor_istft
