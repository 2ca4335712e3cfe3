"""Matrix products: ``matmul``/``@`` with torch's batching and vector rules."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .registry import Op, apply, promote_same

_LOW = (np.dtype(np.float16), _dt.bfloat16.np)


def _mm(a, b):
    """BLAS matmul; half types multiply in float32 and round once (torch's CPU numerics)."""
    if a.dtype in _LOW:
        return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    return np.matmul(a, b)


class Matmul(Op):
    name = "matmul"
    _bw_name = "MmBackward0"
    promote = staticmethod(promote_same)
    save = (0, 1)
    autocast = "lower"

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                               f"{a.ndim}D and {b.ndim}D")
        ka = a.shape[-1]
        kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if ka != kb:
            if a.ndim <= 2 and b.ndim <= 2:
                sa = "x".join(map(str, a.shape if a.ndim == 2 else (1,) + a.shape))
                sb = "x".join(map(str, b.shape if b.ndim == 2 else b.shape + (1,)))
                raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: "
                f"[{a.shape[-1]}, {kb}] but got: [{list(a.shape)}, {list(b.shape)}].")
        if a.dtype.kind in "biu" and a.dtype != np.bool_:
            return np.matmul(a, b)
        return _mm(a, b)

    def backward(self, g):
        a, b = self._unpack()
        ga = gb = None
        na, nb = a.dim(), b.dim()
        if na == 1 and nb == 1:
            ga = g * b if self.next_functions[0][0] is not None else None
            gb = g * a if self.next_functions[1][0] is not None else None
            return ga, gb
        # promote vectors to matrices, then undo
        a2 = a.unsqueeze(0) if na == 1 else a
        b2 = b.unsqueeze(-1) if nb == 1 else b
        g2 = g
        if na == 1:
            g2 = g2.unsqueeze(-2)
        if nb == 1:
            g2 = g2.unsqueeze(-1)
        if self.next_functions[0][0] is not None:
            ga = matmul(g2, b2.mT)
            if na == 1:
                ga = ga.squeeze(-2)
        if self.next_functions[1][0] is not None:
            gb = matmul(a2.mT, g2)
            if nb == 1:
                gb = gb.squeeze(-1)
        return ga, gb


def matmul(input, other, *, out=None):
    from .elementwise import _out
    return _out(apply(Matmul, input, other), out)
