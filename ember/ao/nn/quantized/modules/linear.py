"""``LinearPackedParams`` and the int8 dynamic linear kernel (``quantized::linear_dynamic``).

NOTE [dynamic int8 linear, as torch's x86/fbgemm engine]
1. The whole input's min and max give the activation qparams (fbgemm's
   ChooseQuantizationParams on [0, 255], halved to [0, 127] by ``reduce_range``, which
   torch's dynamic Linear always passes so that fbgemm's u8*s8 pair sums cannot saturate).
2. Activations are quantized to quint8 as ``rint(fma(x, 1/scale, zp))`` (fbgemm's
   ``QuantizeAvx2``), weights are int8 (per tensor or per output channel).
3. ``acc = sum_k (qa - zp_a)(qw - zp_w)`` is an exact integer: ember computes it as a
   float32 GEMM on the integer values, exact while every partial sum stays below 2**24,
   i.e. while ``K * max|qa - zp_a| * max|qw - zp_w| < 2**24``.  Beyond that bound the
   reduction is split into K-chunks that each satisfy it, summed in float64 (exact).
4. ``out = fma(float32(acc), float32(scale_a * scale_w), bias)`` in float32 (fbgemm's
   ``requantizeForFloatAvx2``; the compiler fuses its multiply and bias add), emulated in
   float64 where the product is exact; no bias: one float32 multiply.
The result is bit-identical to torch's in all tested shapes (K up to 9216, batches 1-64).
"""

from __future__ import annotations

import numpy as np

from ..... import dtypes as _dt
from ....._tensor import Tensor
from .....nn.modules.module import Module
from ....quantization import _qtensor as _q

__all__ = ["LinearPackedParams", "linear_dynamic"]

_EXACT_F32 = 2 ** 24


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
            self.wmax = int(np.abs(centered).max()) if centered.size else 0
        else:  # float16 dynamic: weights rounded to (saturated) half precision
            w = np.clip(weight._np().astype(np.float32), -65504.0, 65504.0)
            self.w16 = np.ascontiguousarray(w.astype(np.float16).astype(np.float32).T)

    def unpack(self):
        return self.weight, self.bias


def _quantize_input(x: np.ndarray, reduce_range: bool):
    """quint8 activations minus their zero point, as float32 integers; also the scale and
    the largest magnitude (quantization is monotone: the extremes come from min and max)."""
    mn, mx = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    scale, zp = _q.choose_qparams(mn, mx, 0, 255, reduce_range)

    def quant(v):
        t = np.multiply(v, np.float32(1.0) / np.float32(scale), dtype=np.float64)
        t += zp
        a = t.astype(np.float32)
        np.rint(a, out=a)
        np.clip(a, 0, 255, out=a)
        a -= zp  # exact small integers
        return a

    ends = quant(np.array([mn, mx], dtype=np.float32))
    return quant(x), np.float32(scale), int(np.abs(ends).max())


def _int_gemm(a: np.ndarray, wt: np.ndarray, bound: int) -> np.ndarray:
    """``a @ wt`` for integer-valued float32 operands, exact (see NOTE item 3)."""
    K = a.shape[1]
    if K * bound < _EXACT_F32:
        return a @ wt
    kc = max((_EXACT_F32 - 1) // bound, 1)
    acc = np.zeros((a.shape[0], wt.shape[1]), dtype=np.float64)
    for k0 in range(0, K, kc):
        acc += a[:, k0:k0 + kc] @ wt[k0:k0 + kc]
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
        acc = _int_gemm(a, packed.wt, amax * max(packed.wmax, 1))
        accf = acc.astype(np.float32, copy=False)
        mult = (s_a * packed.w_scale).astype(np.float32)
        if packed.b is not None:
            out = np.multiply(accf, mult, dtype=np.float64)
            out += packed.b
            out = out.astype(np.float32)
        else:
            out = (accf * mult).astype(np.float32, copy=False)
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
