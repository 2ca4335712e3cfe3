"""Registry entries for ``ember.fft`` (ember/fft.py, ember/ops/fft_ops.py) and
``stft``/``istft`` against torch.

Complex outputs go through ``view_as_real`` so the float64 gradcheck/gradgradcheck of
test_ops sees every real and imaginary part.  The half-precision sweep
(test_half_sweep.py) runs these too: torch's CPU FFT has no float16/bfloat16 kernel and
raises RuntimeError ("Unsupported dtype Half", "MKL FFT doesn't support tensors of type:
Half"), and the sweep checks that ember raises the same type.
"""

import numpy as np

import ember
import ember.fft  # noqa: F401  (until ember/__init__ imports it)
from ember.ops import fft_ops
from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r, ri


def _c(*shape, dtype=np.complex64):
    return (np.random.uniform(-2, 2, shape) + 1j * np.random.uniform(-2, 2, shape)).astype(dtype)


def _realview(lib, out):
    out = out.resolve_conj()
    return lib.view_as_real(out) if out.is_complex() else out


def _fft(name):
    def fn(lib, x, **kw):
        if name == "hfft" and x.is_complex():
            # torch's hfft conjugates lazily, so a complex leaf's gradient has the conjugate
            # bit set, which opinfo's ``.numpy()`` rejects; ``x * 1`` resolves it
            x = x * 1
        return _realview(lib, getattr(lib.fft, name)(x, **kw))
    return fn


def _samples_1d(real_only=False):
    def make():
        s = [Sample((r(4, 6),)), Sample((r(4, 6),), {"n": 4, "dim": 0, "norm": "ortho"}),
             Sample((r(3, 5),), {"n": 8, "norm": "forward"}, name="pad"),
             Sample((r(3, 5),), noncontig=True, name="noncontig"),
             Sample((r(3, 5, dtype=np.float64),), {"dim": -2}, name="f64")]
        if not real_only:
            s += [Sample((_c(4, 6),), {"norm": "backward"}, name="c64"),
                  Sample((_c(3, 4, dtype=np.complex128),), {"n": 7}, name="c128"),
                  Sample((_c(3, 5),), {"dim": 0}, noncontig=True, name="c64_noncontig")]
        s.append(Sample((ri(3, 4),), name="int", grad=False))
        return s
    return make


def _samples_nd(two_d=False, real_only=False):
    def make():
        s = [Sample((r(3, 4, 5),)), Sample((r(3, 4, 5),), {"s": (2, 6), "norm": "ortho"}),
             Sample((r(3, 4, 5),), {"dim": (0, 2), "norm": "forward"}),
             Sample((r(3, 4, 5),), {"s": (-1, 3)}, noncontig=True, name="noncontig")]
        if not two_d:
            s.append(Sample((r(3, 4, 5),), {"dim": (1,)}, name="one_dim"))
        if not real_only:
            s += [Sample((_c(3, 4, 5),), name="c64"),
                  Sample((_c(2, 3, 4, dtype=np.complex128),), {"s": (4, 3)}, name="c128")]
        return s
    return make


def _errors_1d():
    return [ErrorSample((r(4, 6),), {"n": 0}), ErrorSample((r(4, 6),), {"dim": 2}, IndexError),
            ErrorSample((r(4, 6),), {"norm": "bad"})]


def _errors_nd():
    return [ErrorSample((r(4, 6),), {"dim": (0, 0)}),
            ErrorSample((r(4, 6),), {"s": (2, 3, 4)}),
            ErrorSample((r(4, 6),), {"s": (2,), "dim": (0, 1)}),
            ErrorSample((r(4, 6),), {"dim": (0, 3)}, IndexError)]


_OPS_1D = [("fft", False), ("ifft", False), ("rfft", True), ("ihfft", True),
           ("irfft", False), ("hfft", False)]
_OPS_ND = [("fftn", False, False), ("ifftn", False, False), ("fft2", True, False),
           ("ifft2", True, False), ("rfftn", False, True), ("rfft2", True, True),
           ("ihfftn", False, True), ("ihfft2", True, True), ("irfftn", False, False),
           ("irfft2", True, False), ("hfftn", False, False), ("hfft2", True, False)]


def _stft(lib, x, w, **kw):
    stft = lib.stft if hasattr(lib, "stft") else fft_ops.stft
    return _realview(lib, stft(x, window=w, return_complex=True, **kw))


def _istft(lib, spec, w, **kw):
    istft = lib.istft if hasattr(lib, "istft") else fft_ops.istft
    return _realview(lib, istft(spec, window=w, **kw))


def _hann(n, dtype=np.float32):
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(dtype)


OPS = [
    *[OpInfo(f"fft_{n}", _fft(n), _samples_1d(real_only), errors=_errors_1d)
      for n, real_only in _OPS_1D],
    *[OpInfo(f"fft_{n}", _fft(n), _samples_nd(two_d, real_only), errors=_errors_nd)
      for n, two_d, real_only in _OPS_ND],
    OpInfo("stft", _stft,
           lambda: [Sample((r(40), _hann(16)), {"n_fft": 16, "hop_length": 4}),
                    Sample((r(2, 30), r(10, low=0.2, high=1.0)),
                           {"n_fft": 12, "hop_length": 3, "win_length": 10, "center": False,
                            "normalized": True}),
                    Sample((r(30), _hann(8)), {"n_fft": 8, "onesided": False,
                                               "pad_mode": "constant"}, noncontig=True),
                    Sample((_c(2, 24), _hann(8)), {"n_fft": 8, "hop_length": 2}, name="c64"),
                    Sample((r(24, dtype=np.float64), _hann(8, np.float64)), {"n_fft": 8},
                           name="f64")],
           errors=lambda: [ErrorSample((r(20), _hann(8)), {"n_fft": 8, "hop_length": 0}),
                           ErrorSample((r(20), _hann(5)), {"n_fft": 8})]),
    OpInfo("istft", _istft,
           lambda: [Sample((_c(9, 11), _hann(16)), {"n_fft": 16, "hop_length": 4}),
                    Sample((_c(2, 7, 9), r(10, low=0.5, high=1.0)),
                           {"n_fft": 12, "hop_length": 3, "win_length": 10,
                            "normalized": True, "length": 25}),
                    Sample((_c(8, 9), _hann(8)), {"n_fft": 8, "hop_length": 2,
                                                  "onesided": False, "return_complex": True}),
                    Sample((_c(5, 9, dtype=np.complex128),
                            r(8, dtype=np.float64, low=0.5, high=1.0)),
                           {"n_fft": 8, "hop_length": 2, "center": False}, name="c128")],
           errors=lambda: [ErrorSample((_c(5, 21), _hann(8)), {"n_fft": 8, "hop_length": 8}),
                           ErrorSample((_c(5, 21), _hann(8)), {"n_fft": 10})]),
]

assert all(isinstance(op.name, str) for op in OPS) and ember is not None
