"""``linear`` and ``bilinear`` (torch.nn.functional).

``linear`` is one fused op (the hottest of MLP/CNN heads): the forward is a single BLAS
matmul of the input viewed as 2-D with the transposed weight, the bias added in place;
the backward is ``grad_x = g @ W``, ``grad_W = g2d.T @ x2d``, ``grad_b = g2d.sum(0)``,
written with ember ops so double backward works.  Half types multiply in float32 and
round once (torch's CPU numerics).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .registry import Op, apply

__all__ = ["linear", "bilinear"]

_LOW = _dt.HALF_NP
_TNAME = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
          "complex64": "ComplexFloat", "complex128": "ComplexDouble", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_SHORT = {"float32": "float", "float64": "double", "float16": "c10::Half",
          "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
          "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _shape_error(x, w):
    rows = x.size // x.shape[-1] if x.shape[-1] else int(np.prod(x.shape[:-1]))
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
                        f"{w.shape[1]}x{w.shape[0]})")


class Linear(Op):
    name = "linear"
    _bw_name = "AddmmBackward0"
    save = ((0, 1), (1, 0))  # x only if the weight needs grad, W only if x does

    def forward(self, x, w, b):
        k = x.shape[-1]
        if k != w.shape[1]:
            raise _shape_error(x, w)
        if x.dtype is not w.dtype and x.dtype != w.dtype:
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: "
                f"{_SHORT.get(x.dtype.name, x.dtype.name)} != "
                f"{_SHORT.get(w.dtype.name, w.dtype.name)}")
        if b is not None and b.dtype is not x.dtype and b.dtype != x.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                               f"{_TNAME[str(b.dtype)]} and {_TNAME[str(x.dtype)]}")
        lead = x.shape[:-1]
        x2 = x.reshape(-1, k) if x.ndim != 2 else x
        if x.dtype.itemsize == 2 and x.dtype in _LOW:
            out = np.matmul(x2.astype(np.float32), w.T.astype(np.float32))
            if b is not None:
                out += b.astype(np.float32)
            out = out.astype(x.dtype)
        else:
            out = np.matmul(x2, w.T)
            if b is not None:
                if out.shape[-1] == b.shape[-1] or b.size == 1:
                    out += b
                else:
                    raise RuntimeError(
                        f"The expanded size of the tensor ({out.shape[-1]}) must match the "
                        f"existing size ({b.shape[-1]}) at non-singleton dimension 1.  Target "
                        f"sizes: {list(out.shape)}.  Tensor sizes: {list(b.shape)}")
        if x.ndim != 2:
            out = out.reshape(lead + (w.shape[0],))
        return out

    def backward(self, g):
        x, w = self._unpack()
        nf = self.next_functions
        gx = gw = gb = None
        if nf[0][0] is not None:
            gx = g.matmul(w)
        if nf[1][0] is not None or (len(nf) > 2 and nf[2][0] is not None):
            n_out = g.shape[-1]
            g2 = g.reshape(-1, n_out) if g.ndim != 2 else g
            if nf[1][0] is not None:
                k = x.shape[-1]
                x2 = x.reshape(-1, k) if x.ndim != 2 else x
                gw = g2.t().matmul(x2)
            if len(nf) > 2 and nf[2][0] is not None:
                gb = g2.sum(0)
        return gx, gw, gb


def linear(input, weight, bias=None):
    """``y = input @ weight.T + bias`` (one fused op for a 2-D weight)."""
    if weight._data.ndim == 2 and input._data.ndim >= 1:
        return apply(Linear, input, weight, bias)
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{input.dim()}D and {weight.dim()}D")
    out = input.matmul(weight.t() if weight.dim() == 2 else weight)
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]``."""
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {input1.shape[i]} and {input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    if bias is not None and bias.shape[-1] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[-1]} but expected {weight.shape[0]}")
    n_out, n1, n2 = weight.shape
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, n1)
    x2 = input2.reshape(-1, n2)
    # (N, I) @ (I, O*J) -> (N, O, J); contract J with x2
    wt = weight.permute(1, 0, 2).reshape(n1, n_out * n2)
    tmp = x1.matmul(wt).reshape(-1, n_out, n2)
    out = tmp.matmul(x2.unsqueeze(-1)).squeeze(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (n_out,))

