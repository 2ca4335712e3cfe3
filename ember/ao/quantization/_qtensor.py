"""Quantized tensors: ``quantize_per_tensor``, ``quantize_per_channel``, ``qscheme``.

A quantized tensor is an ember ``Tensor`` whose ``dtype`` is ``qint8``, ``quint8`` or
``qint32`` and which carries its integer representation and quantization parameters.

NOTE [quantized tensor storage]
``_int`` holds the integers (``int_repr()``); ``_data`` holds the *dequantized* float32
values.  The quantized methods (``int_repr``, ``q_scale``, ``dequantize``, views such as
``t()``/``reshape``/indexing) keep the tensor quantized; any other ember op reads
``_data`` and so computes on the dequantized values, returning a float tensor (torch
raises for most ops on quantized tensors; ember never computes on the raw integers).

NOTE [rounding, bit-exact with torch's x86/fbgemm CPU kernels]
``quantize_per_tensor`` for qint8/quint8 computes ``nearbyint(fma(x, 1/scale, zp))``
in float32 (fbgemm's vectorised ``Quantize``: the product and the zero point are added
before a single rounding to float32, then rounded half to even to an integer) and clamps
to the dtype's range; qint32 and ``quantize_per_channel`` round ``x * (1/scale)`` to
float32 first, add the zero point in float32, then round half to even (ATen's scalar
path).  ``1/scale`` is a float32
reciprocal of float32(scale).  The fma is emulated in float64, where the product is exact;
only a sum within 2**-45 of a float32 rounding midpoint can round twice, so the integers
match torch's for practical purposes (tested on thousands of random and tie cases).
``dequantize`` is ``(float32(q) - zp) * float32(scale)`` in float32 per tensor and
``(q - zp) * scale`` in float64 per channel, as ATen's.
"""

from __future__ import annotations

import numpy as np

from ... import dtypes as _dt
from ..._tensor import Tensor

__all__ = [
    "qscheme", "per_tensor_affine", "per_channel_affine", "per_tensor_symmetric",
    "per_channel_symmetric", "per_channel_affine_float_qparams", "quantize_per_tensor",
    "quantize_per_channel", "quantize_per_tensor_dynamic", "dequantize",
    "qint8", "quint8", "qint32",
]

qint8, quint8, qint32 = _dt.qint8, _dt.quint8, _dt.qint32
_RANGE = {qint8: (-128, 127), quint8: (0, 255), qint32: (-(2 ** 31), 2 ** 31 - 1)}
_NAMES = {qint8: "QInt8", quint8: "QUInt8", qint32: "QInt32"}


class qscheme:
    """A quantization scheme (``torch.qscheme``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_qscheme_by_name, (self.name,))


per_tensor_affine = qscheme("per_tensor_affine")
per_channel_affine = qscheme("per_channel_affine")
per_tensor_symmetric = qscheme("per_tensor_symmetric")
per_channel_symmetric = qscheme("per_channel_symmetric")
per_channel_affine_float_qparams = qscheme("per_channel_affine_float_qparams")
_QSCHEMES = {q.name: q for q in (per_tensor_affine, per_channel_affine, per_tensor_symmetric,
                                 per_channel_symmetric, per_channel_affine_float_qparams)}


def _qscheme_by_name(name: str) -> qscheme:
    return _QSCHEMES[name]


# --- kernels on NumPy arrays -----------------------------------------------------------

def _quantize_array(x: np.ndarray, scale, zero_point, dt, fma: bool = True) -> np.ndarray:
    """The integer representation of float32 ``x`` (``scale``/``zero_point`` broadcast).
    ``fma=False``: ATen's scalar path (per-channel, and qint32 always)."""
    lo, hi = _RANGE[dt]
    x = np.asarray(x, dtype=np.float32)
    inv = np.float32(1.0) / np.asarray(scale, dtype=np.float32)
    if dt is qint32 or not fma:
        t = (x * inv).astype(np.float32) + np.asarray(zero_point, dtype=np.float32)
        t = np.rint(t.astype(np.float64))
    else:
        # fma(x, inv, zp): the float64 product of two float32s is exact
        t = np.multiply(x, inv, dtype=np.float64)
        t += zero_point
        t = np.rint(t.astype(np.float32))
    return np.asarray(np.clip(t, lo, hi)).astype(dt.np)


def _dequantize_array(q: np.ndarray, scale, zero_point) -> np.ndarray:
    if np.ndim(scale):  # per channel: ATen computes in double
        return ((q - zero_point) * scale).astype(np.float32)
    zp = np.asarray(zero_point, dtype=np.float32)
    return ((q.astype(np.float32) - zp) * np.asarray(scale, dtype=np.float32)).astype(
        np.float32, copy=False)


def choose_qparams(mn: float, mx: float, qmin: int, qmax: int,
                   reduce_range: bool = False) -> tuple[float, int]:
    """fbgemm/ATen ``ChooseQuantizationParams`` (no sparsity, no power-of-two scale):
    the affine (scale, zero_point) that covers [min(mn, 0), max(mx, 0)].  The scale is
    the double torch reports; the kernels use its float32 rounding."""
    if not mn <= mx:
        raise RuntimeError("In ChooseQuantizationParams, min should be less than or equal "
                           "to max")
    if reduce_range:
        qmin, qmax = qmin // 2, qmax // 2
    f32 = np.float32
    mn, mx = min(f32(mn), f32(0.0)), max(f32(mx), f32(0.0))
    scale = (float(mx) - float(mn)) / (qmax - qmin)
    if f32(scale) == 0.0 or np.isinf(f32(1.0) / f32(scale)):
        scale = 0.1
    small = f32(6.1e-5)
    if scale < small:
        org = f32(scale)
        scale = float(small)
        if mn == 0.0:
            mx = f32(small * f32(qmax - qmin))
        elif mx == 0.0:
            mn = f32(-small * f32(qmax - qmin))
        else:
            amp = f32(small / org)
            mn, mx = f32(mn * amp), f32(mx * amp)
    zp_min = qmin - float(mn) / scale
    zp_max = qmax - float(mx) / scale
    err_min = abs(qmin) - abs(float(mn) / scale)
    err_max = abs(qmax) - abs(float(mx) / scale)
    zp0 = zp_min if err_min < err_max else zp_max
    zp = qmin if zp0 < qmin else qmax if zp0 > qmax else int(np.rint(zp0))
    return float(scale), zp


# --- the tensor ------------------------------------------------------------------------

class QTensor(Tensor):
    """A quantized tensor (torch's ``Tensor`` with a quantized dtype)."""

    @classmethod
    def _wrap(cls, ints: np.ndarray, dt, qs, scale, zero_point, axis=None) -> QTensor:
        """Wrap an integer array with its quantization parameters.  Per tensor: ``scale``
        a float, ``zero_point`` an int; per channel: float64 / int64 arrays and ``axis``."""
        if axis is None:
            deq = _dequantize_array(ints, scale, zero_point)
        else:
            shape = [1] * ints.ndim
            shape[axis] = -1
            deq = _dequantize_array(ints, np.reshape(scale, shape),
                                    np.reshape(zero_point, shape))
        t = Tensor._make(deq)
        t.__class__ = cls
        t._dtype = dt
        t._int = ints
        t._qscheme = qs
        t._scale = scale
        t._zp = zero_point
        t._axis = axis
        return t

    def _like(self, ints: np.ndarray) -> QTensor:
        if self._axis is not None:
            raise NotImplementedError("this view of a per-channel quantized tensor is not "
                                      "supported in ember; call dequantize() first")
        return QTensor._wrap(ints, self._dtype, self._qscheme, self._scale, self._zp)

    @property
    def is_quantized(self) -> bool:
        return True

    def int_repr(self) -> Tensor:
        return Tensor._make(self._int.copy())

    def qscheme(self) -> qscheme:
        return self._qscheme

    def q_scale(self) -> float:
        self._check_per_tensor()
        return float(self._scale)

    def q_zero_point(self) -> int:
        self._check_per_tensor()
        return int(self._zp)

    def _check_per_tensor(self) -> None:
        if self._axis is not None:
            raise RuntimeError("Expected quantizer->qscheme() == kPerTensorAffine to be true, "
                               "but got false.")

    def _check_per_channel(self) -> None:
        if self._axis is None:
            raise RuntimeError("Expected quantizer->qscheme() == kPerChannelAffine || "
                               "quantizer->qscheme() == kPerChannelAffineFloatQParams to be "
                               "true, but got false.")

    def q_per_channel_scales(self) -> Tensor:
        self._check_per_channel()
        return Tensor._make(np.array(self._scale, dtype=np.float64))

    def q_per_channel_zero_points(self) -> Tensor:
        self._check_per_channel()
        return Tensor._make(np.array(self._zp, dtype=np.int64))

    def q_per_channel_axis(self) -> int:
        self._check_per_channel()
        return self._axis

    def dequantize(self) -> Tensor:
        return Tensor._make(self._data.copy())

    def is_floating_point(self) -> bool:
        return False

    def is_signed(self) -> bool:
        raise RuntimeError("isSignedType not supported for quantized types")

    def numpy(self, *, force: bool = False):
        raise TypeError(f"Got unsupported ScalarType {_NAMES[self._dtype]}")

    def tolist(self):
        raise RuntimeError("tolist() is not supported on quantized tensors; call "
                           "dequantize() or int_repr() first")

    # views and copies that stay quantized (per-tensor; per-channel: copies only)
    def clone(self, *, memory_format=None) -> QTensor:
        return QTensor._wrap(self._int.copy(), self._dtype, self._qscheme, self._scale,
                             self._zp, self._axis)

    def detach(self) -> QTensor:
        return self

    def contiguous(self, memory_format=None) -> QTensor:
        return self

    def __getitem__(self, idx):
        if isinstance(idx, Tensor):
            idx = idx._data
        return self._like(self._int[idx])

    def reshape(self, *shape) -> QTensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return self._like(self._int.reshape(shape))

    view = reshape

    def t(self) -> QTensor:
        return self._like(self._int.T)

    def transpose(self, dim0: int, dim1: int) -> QTensor:
        return self._like(np.swapaxes(self._int, dim0, dim1))

    def permute(self, *dims) -> QTensor:
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return self._like(np.transpose(self._int, dims))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> QTensor:
        shp = self._int.shape
        if not shp:
            return self._like(self._int.reshape(1))
        s, e = start_dim % len(shp), end_dim % len(shp)
        new = shp[:s] + (int(np.prod(shp[s:e + 1])),) + shp[e + 1:]
        return self._like(self._int.reshape(new))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = self.clone()
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, proto):
        return (_rebuild_qtensor, (self._int, self._dtype, self._qscheme, self._scale,
                                   self._zp, self._axis))

    def __repr__(self, *, tensor_contents=None) -> str:
        from ..._tensor_str import _add_suffixes, _tensor_str
        indent = len("tensor(")
        suffixes = ["size=" + str(tuple(self._int.shape)), f"dtype={self._dtype!r}",
                    f"quantization_scheme={self._qscheme!r}"]
        if self._axis is None:
            suffixes += [f"scale={self.q_scale()}", f"zero_point={self.q_zero_point()}"]
        else:
            suffixes += [f"scale={self.q_per_channel_scales()!r}",
                         f"zero_point={self.q_per_channel_zero_points()!r}",
                         f"axis={self._axis}"]
        body = _tensor_str(self._data, _dt.float32, indent)
        if self._data.ndim == 0:
            body = body.strip()
        return _add_suffixes("tensor(" + body, suffixes, indent)


def _rebuild_qtensor(ints, dt, qs, scale, zp, axis):
    return QTensor._wrap(ints, dt, qs, scale, zp, axis)


# --- public functions ------------------------------------------------------------------

def _check_input(input, dt) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"quantize_per_tensor(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if dt not in _RANGE:
        name = {_dt.float32: "Float", _dt.float64: "Double", _dt.int8: "Char",
                _dt.uint8: "Byte", _dt.int32: "Int", _dt.int64: "Long"}.get(dt, str(dt))
        raise RuntimeError(f"ScalarType {name} is not supported in new_qtensor.")
    if input.is_quantized:
        raise RuntimeError("Quantize only works on Float Tensor, got " + _NAMES[input.dtype])
    if input.dtype is not _dt.float32:
        name = {_dt.float64: "Double", _dt.float16: "Half", _dt.bfloat16: "BFloat16",
                _dt.int64: "Long", _dt.int32: "Int", _dt.int8: "Char", _dt.uint8: "Byte",
                _dt.int16: "Short", _dt.bool_: "Bool"}.get(input.dtype, str(input.dtype))
        raise RuntimeError(f"Quantize only works on Float Tensor, got {name}")
    return input._np()


def _check_zero_point(zp: int, dt, fn: str) -> None:
    lo, hi = _RANGE[dt]
    if zp > hi:
        raise RuntimeError(f"{fn} zero_point {zp} is above upper bound.")
    if zp < lo:
        raise RuntimeError(f"{fn} zero_point {zp} is below lower bound.")


def quantize_per_tensor(input, scale, zero_point, dtype) -> QTensor:
    """``torch.quantize_per_tensor``: ``clamp(round(input / scale) + zero_point)`` as a
    quantized tensor (round half to even; see NOTE [rounding])."""
    if isinstance(input, (list, tuple)):
        return [quantize_per_tensor(t, s, z, dtype) for t, s, z in
                zip(input, scale, zero_point)]
    x = _check_input(input, dtype)
    scale = float(scale.item() if isinstance(scale, Tensor) else scale)
    zero_point = int(zero_point.item() if isinstance(zero_point, Tensor) else zero_point)
    _check_zero_point(zero_point, dtype, "quantize_tensor_per_tensor_affine")
    return QTensor._wrap(_quantize_array(x, scale, zero_point, dtype), dtype,
                         per_tensor_affine, scale, zero_point)


def quantize_per_channel(input, scales, zero_points, axis: int, dtype) -> QTensor:
    """``torch.quantize_per_channel``: per-slice ``scales``/``zero_points`` along ``axis``."""
    x = _check_input(input, dtype)
    if not isinstance(scales, Tensor) or not isinstance(zero_points, Tensor):
        raise TypeError("quantize_per_channel(): scales and zero_points must be Tensors")
    ndim = x.ndim
    if not 0 <= axis < max(ndim, 1):
        raise RuntimeError(f"Channel axis out of range in per channel affine quantization. "
                           f"Got: {axis}Expected: < {ndim}")
    s = scales._np().astype(np.float64).reshape(-1)
    z = zero_points._np().astype(np.int64).reshape(-1)
    if s.size != x.shape[axis] or z.size != x.shape[axis]:
        raise RuntimeError("length of scales must equal to channel, expected "
                           f"{x.shape[axis]} got, {s.size}")
    lo, hi = _RANGE[dtype]
    if z.size and (z.max() > hi or z.min() < lo):
        raise RuntimeError("quantize_tensor_per_channel_affine zero_point is out of range.")
    shape = [1] * ndim
    shape[axis] = -1
    ints = _quantize_array(x, s.reshape(shape), z.reshape(shape), dtype, fma=False)
    return QTensor._wrap(ints, dtype, per_channel_affine, s, z, axis)


def quantize_per_tensor_dynamic(input, dtype, reduce_range: bool) -> QTensor:
    """``torch.quantize_per_tensor_dynamic``: scale and zero point chosen from the input's
    min and max (fbgemm's ChooseQuantizationParams)."""
    x = _check_input(input, dtype)
    if dtype not in (qint8, quint8):
        raise RuntimeError("Expected dtype == at::kQInt8 || dtype == at::kQUInt8 to be true, "
                           "but got false.")
    mn, mx = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    lo, hi = _RANGE[dtype]
    scale, zp = choose_qparams(mn, mx, lo, hi, reduce_range)
    return quantize_per_tensor(input, scale, zp, dtype)


def dequantize(tensor):
    """``torch.dequantize``: a float32 tensor (a list of tensors gives a list)."""
    if isinstance(tensor, (list, tuple)):
        return [dequantize(t) for t in tensor]
    if isinstance(tensor, QTensor):
        return tensor.dequantize()
    return tensor
