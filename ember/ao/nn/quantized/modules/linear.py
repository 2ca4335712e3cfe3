"""``LinearPackedParams`` and the int8 dynamic linear kernel (``quantized::linear_dynamic``).

NOTE [dynamic int8 linear, as torch's x86/fbgemm engine]
1. The whole input's min and max (one reduction pass each) give the activation qparams
   (fbgemm's ChooseQuantizationParams on [0, 255], halved to [0, 127] by ``reduce_range``,
   which torch's dynamic Linear always passes so that fbgemm's u8*s8 pair sums cannot
   saturate); ``_qparams`` does it in Python floats when the scale is at least 6.1e-5
   (the same double arithmetic), the general routine otherwise.
2. Activations are quantized to quint8 as ``rint(fma(x, 1/scale, zp))`` (fbgemm's
   ``QuantizeAvx2``), weights are int8 (per tensor or per output channel).  With
   ``zp == 0`` (any input >= 0, e.g. after ReLU) the fma is one rounding of the product:
   the float32 multiply.  Otherwise ``x * inv`` is exact in float64 (24 + 24 bits) and
   so is ``+ zp`` while ``|x * inv| >= 8`` (the sum, below 2**9, keeps all 48 bits); for
   smaller products it is rounded to 53 bits, then to 24: a double rounding that differs
   from the fma only for a sum within 2**-44 of a float32 rounding tie that ``rint`` then
   sees (a theoretical gap, unchanged from the first version; never seen in the tests).
   Quantization is monotone, so the quantized min and max (computed the same way on
   Python doubles) tell whether the [0, 255] clip can change anything; it is skipped when
   not.
3. ``acc = sum_k (qa - zp_a)(qw - zp_w)`` is an exact integer: ember computes it as a
   float32 GEMM on the integer values, exact while every partial sum, in any summation
   order, stays below 2**24.  Each is bounded by ``amax * max_n sum_k |qw - zp_w|[k, n]``
   (``amax`` from item 2, the column sums precomputed), a bound several times tighter
   than ``K * amax * wmax`` for real weights (1568 -> 128 needs no split).  Beyond it the
   reduction is split into the fewest K-chunks that each satisfy the bound (greedy on
   cumulative column sums, cached per ``amax``), summed in float64 (exact).
4. ``out = fma(float32(acc), float32(scale_a * scale_w), bias)`` in float32 (fbgemm's
   ``requantizeForFloatAvx2``; the compiler fuses its multiply and bias add), emulated in
   float64 where the product is exact and the bias add is rounded to float32 by the
   add's output cast; no bias: one float32 multiply.  Scratch buffers are per thread and
   per shape, so repeated calls allocate only the output.
The result is bit-identical to torch's in all tested shapes (K up to 9216, batches 1-64).
"""

from __future__ import annotations

import threading

import numpy as np

from ..... import dtypes as _dt
from ....._tensor import Tensor
from .....nn.modules.module import Module
from ....quantization import _qtensor as _q

__all__ = ["LinearPackedParams", "linear_dynamic"]

_EXACT_F32 = 2 ** 24
_SMALL_SCALE = float(np.float32(6.1e-5))
_TINY_SCALE = 1e-30  # below it fl32(1 / fl32(scale)) may overflow: the slow path decides


def _qparams(mn: float, mx: float, qmax: int):
    """``choose_qparams(mn, mx, 0, qmax)`` in Python floats for the common case (a scale
    of at least fbgemm's 6.1e-5); anything else goes through the general routine."""
    lo, hi = min(mn, 0.0), max(mx, 0.0)  # mn, mx are float32 values: no rounding needed
    scale = (hi - lo) / qmax
    if scale < _SMALL_SCALE or float(np.float32(scale)) < _TINY_SCALE:
        return _q.choose_qparams(mn, mx, 0, qmax)
    zp_min = -lo / scale
    zp_max = qmax - hi / scale
    zp0 = zp_min if -abs(lo / scale) < qmax - abs(hi / scale) else zp_max
    zp = 0 if zp0 < 0 else qmax if zp0 > qmax else int(round(zp0))
    return scale, zp


class _PackedLinear:
    """A prepacked weight (``torch.ops.quantized.linear_prepack``): the quantized weight,
    the float bias and the kernel's operands, computed once."""

    def __init__(self, weight, bias) -> None:
        if bias is not None:
            if not isinstance(bias, Tensor) or bias.dtype is not _dt.float32:
                raise RuntimeError("bias should be a float tensor")
            if bias.dim() != 1 or bias.shape[0] != weight.shape[0]:
                raise RuntimeError("bias should be a vector (1D Tensor) of size "
                                   f"{weight.shape[0]}")
        self.weight = weight
        self.bias = bias
        self.b = None if bias is None else bias._np().astype(np.float32)
        if isinstance(weight, _q.QTensor):
            if weight.dtype is not _q.qint8:
                raise RuntimeError("Expected weight.scalar_type() == c10::kQInt8 to be true")
            if weight.dim() != 2:
                raise RuntimeError("The weight tensor for quantized::linear_prepack (fbgemm) "
                                   "should be 2-dimensional.")
            q = weight._int.astype(np.int32)
            if weight._axis is None:
                zp = np.int32(weight._zp)
                self.w_scale = np.float32(weight._scale)
            else:
                if weight._axis != 0:
                    raise RuntimeError("Only axis 0 per-channel weights are supported")
                zp = weight._zp.astype(np.int32)[:, None]
                self.w_scale = weight._scale.astype(np.float32)
            centered = q - zp
            self.wt = np.ascontiguousarray(centered.T, dtype=np.float32)  # (K, N)
            # the largest column sum of |w|: bounds every partial sum (NOTE item 3)
            self.wcol = int(np.abs(centered).sum(axis=1).max()) if centered.size else 0
            self.cum = None  # cumulative |w| sums over K, built when chunking is needed
            self.plans = {}
        else:  # float16 dynamic: weights rounded to (saturated) half precision
            w = np.clip(weight._np().astype(np.float32), -65504.0, 65504.0)
            self.w16 = np.ascontiguousarray(w.astype(np.float16).astype(np.float32).T)

    def unpack(self):
        return self.weight, self.bias


_SCRATCH = threading.local()  # per-thread scratch buffers, by (shape, dtype)


def _scratch(shape, dtype) -> np.ndarray:
    """A reusable uninitialised buffer (consumed before the kernel returns; per thread, so
    concurrent calls never share one)."""
    bufs = getattr(_SCRATCH, "bufs", None)
    if bufs is None:
        bufs = _SCRATCH.bufs = {}
    key = (shape, dtype)
    buf = bufs.get(key)
    if buf is None:
        if len(bufs) >= 16:
            bufs.clear()
        buf = bufs[key] = np.empty(shape, dtype)
    return buf


def _quantize_input(x: np.ndarray, reduce_range: bool):
    """quint8 activations minus their zero point, as float32 integers (NOTE items 1-2), in
    a scratch buffer; also the scale and the largest magnitude (quantization is monotone:
    the extremes come from min and max)."""
    if x.size:
        mn = float(np.minimum.reduce(x, axis=None))
        mx = float(np.maximum.reduce(x, axis=None))
    else:
        mn = mx = 0.0
    scale, zp = _qparams(mn, mx, 127 if reduce_range else 255)
    inv = np.float32(1.0) / np.float32(scale)
    a = _scratch(x.shape, np.float32)
    if zp == 0:  # fma(x, inv, 0) is the float32 product
        np.multiply(x, inv, out=a)
    else:  # the float64 product is exact; see NOTE item 2 for the sum
        t = _scratch(x.shape, np.float64)
        np.multiply(x, inv, out=t, dtype=np.float64)
        np.add(t, zp, out=a, casting="same_kind")
    np.rint(a, out=a)
    # the ends with the same arithmetic (Python floats are doubles: the product of two
    # float32 values is exact, so one float32 rounding gives the kernel's value)
    inv_f = float(inv)
    lo = round(float(np.float32(mn * inv_f + zp)))
    hi = round(float(np.float32(mx * inv_f + zp)))
    if lo < 0 or hi > 255:
        np.clip(a, 0, 255, out=a)
        lo, hi = min(max(lo, 0), 255), min(max(hi, 0), 255)
    if zp:
        np.subtract(a, np.float32(zp), out=a)  # exact small integers
    return a, np.float32(scale), max(abs(lo - zp), abs(hi - zp))


def _chunks(packed, amax: int) -> list:
    """K-chunk boundaries, greedy (the fewest chunks), such that in every chunk
    ``amax * max_n sum_k |w[k, n]| < 2**24``; cached per ``amax`` (at most 256 values)."""
    plan = packed.plans.get(amax)
    if plan is None:
        if packed.cum is None:
            packed.cum = np.concatenate([np.zeros((1, packed.wt.shape[1]), np.int64),
                                         np.cumsum(np.abs(packed.wt), axis=0,
                                                   dtype=np.int64)])
        cum, K, limit = packed.cum, packed.wt.shape[0], (_EXACT_F32 - 1) // amax
        plan, k0 = [0], 0
        while k0 < K:
            reach = (cum[k0 + 1:] - cum[k0]).max(axis=1)  # non-decreasing in the chunk end
            k0 += max(int(np.searchsorted(reach, limit, side="right")), 1)
            plan.append(k0)
        packed.plans[amax] = plan
    return plan


def _int_gemm(a: np.ndarray, packed, amax: int) -> np.ndarray:
    """``a @ wt`` for integer-valued float32 operands, exact (see NOTE item 3)."""
    wt = packed.wt
    if amax * packed.wcol < _EXACT_F32:
        return a @ wt
    plan = _chunks(packed, amax)
    acc = np.matmul(a[:, :plan[1]], wt[:plan[1]]).astype(np.float64)
    for k0, k1 in zip(plan[1:-1], plan[2:]):
        acc += a[:, k0:k1] @ wt[k0:k1]
    return acc


def linear_dynamic(input, packed: _PackedLinear, reduce_range: bool = True) -> Tensor:
    """``torch.ops.quantized.linear_dynamic``: float32 input, int8 weight, float32 output."""
    if not isinstance(input, Tensor):
        raise TypeError(f"linear_dynamic(): input must be a Tensor, not {type(input).__name__}")
    if input.dtype is not _dt.float32:
        name = {_dt.float64: "Double", _dt.float16: "Half", _dt.bfloat16: "BFloat16"}.get(
            input.dtype, str(input.dtype))
        raise RuntimeError(f"expected scalar type Float but found {name}")
    if input.dim() < 2:
        raise RuntimeError("The dimension of input tensor should be larger than or equal to 2")
    x = input._np()
    K = x.shape[-1]
    if hasattr(packed, "wt"):
        N = packed.wt.shape[1]
        if K != packed.wt.shape[0]:
            raise RuntimeError(f"The number of rows in the packB should be equal to K: {K}")
        x2 = x.reshape(-1, K)
        a, s_a, amax = _quantize_input(x2, reduce_range)
        acc = _int_gemm(a, packed, amax)
        accf = acc if acc.dtype == np.float32 else acc.astype(np.float32)
        mult = s_a * packed.w_scale  # float32
        if packed.b is not None:
            t = _scratch(accf.shape, np.float64)
            np.multiply(accf, mult, out=t, dtype=np.float64)  # exact
            out = np.add(t, packed.b, out=accf, casting="same_kind")
        else:
            out = np.multiply(accf, mult, out=accf)
    else:
        N = packed.w16.shape[1]
        if K != packed.w16.shape[0]:
            raise RuntimeError(f"The number of rows in the packB should be equal to K: {K}")
        out = x.reshape(-1, K).astype(np.float32) @ packed.w16
        if packed.b is not None:
            out += packed.b
    return Tensor._make(np.ascontiguousarray(out.reshape(x.shape[:-1] + (N,))),
                        input._device)


class LinearPackedParams(Module):
    """Holds a prepacked (weight, bias); state_dict keys ``dtype`` and ``_packed_params``
    as torch's (the latter a ``(quantized weight, float bias)`` tuple)."""

    _version = 3

    def __init__(self, dtype=_q.qint8) -> None:
        super().__init__()
        self.dtype = dtype
        if dtype is _q.qint8:
            wq = _q.QTensor._wrap(np.zeros((1, 1), np.int8), _q.qint8, _q.per_tensor_affine,
                                  1.0, 0)
        elif dtype is _dt.float16:
            wq = Tensor._make(np.zeros((1, 1), np.float32))
        else:
            raise RuntimeError("Unsupported dtype on dynamic quantized linear!")
        self.set_weight_bias(wq, None)

    def set_weight_bias(self, weight, bias) -> None:
        if self.dtype not in (_q.qint8, _dt.float16):
            raise RuntimeError("Unsupported dtype on dynamic quantized linear!")
        self._packed_params = _PackedLinear(weight, bias)

    def _weight_bias(self):
        return self._packed_params.unpack()

    def forward(self, x):
        return x

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + "dtype"] = self.dtype
        destination[prefix + "_packed_params"] = self._weight_bias()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        version = local_metadata.get("version", None)
        self.dtype = state_dict.pop(prefix + "dtype", _q.qint8)
        if version is not None and version < 3:
            weight = state_dict.pop(prefix + "weight")
            bias = state_dict.pop(prefix + "bias")
        else:
            weight, bias = state_dict.pop(prefix + "_packed_params")
        self.set_weight_bias(weight, bias)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs)

    def __repr__(self) -> str:
        return self._weight_bias().__repr__()
