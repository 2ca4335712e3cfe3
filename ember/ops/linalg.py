"""Matrix products: ``matmul``/``@`` with torch's batching and vector rules, ``mm``,
``bmm``, ``addmm`` (fused), ``einsum``, ``tensordot``, ``kron``, ``cross``..."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _wrap_dim
from ..amp.autocast_mode import autocast_composite
from .complex_ops import holomorphic_backward
from .elementwise import _out
from .registry import Op, apply, apply_inplace, promote_same

__all__ = [
    "matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
    "addbmm", "baddbmm", "addr", "einsum", "tensordot", "kron", "chain_matmul", "cross",
    "det", "logdet", "slogdet", "inverse", "matrix_power", "pinverse", "cholesky",
    "cholesky_solve", "cholesky_inverse", "qr", "svd", "triangular_solve", "lu", "lu_unpack",
    "lu_solve", "geqrf", "orgqr", "ormqr", "matrix_exp", "vander",
]

_LOW = _dt.HALF_NP
_SHORT = {"float32": "float", "float64": "double", "float16": "c10::Half",
          "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
          "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _mm(a, b):
    """BLAS matmul; half types multiply in float32 and round once (torch's CPU numerics)."""
    if a.dtype in _LOW:
        return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    return np.matmul(a, b)


def _shape_str(s) -> str:
    return "x".join(map(str, s))


def _promote_matmul(args, arrays):
    """torch's matmul kernels take one dtype: mixed inputs raise (autocast, which runs
    first, has already cast its operands to one dtype)."""
    a, b = args[0], args[1]
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._dtype is not b._dtype:
        raise RuntimeError(_matmul_dtype_msg(a, b))
    return arrays


def _matmul_dtype_msg(a, b):
    from .registry import _type_name
    na, nb = a._data.ndim, b._data.ndim
    A, B = _type_name(a._dtype), _type_name(b._dtype)
    if na == 1 and nb == 1:
        return f"dot : expected both vectors to have same dtype, but found {A} and {B}"
    if nb == 1:
        return f"addmv input tensors must have the same dtype, but got {B}, {A}, and {B}"
    if nb == 2:
        return _mm_dtype_msg(a, b)
    return f"expected scalar type {A} but found {B}"


class Matmul(Op):
    name = "matmul"
    _bw_name = "MmBackward0"
    promote = staticmethod(_promote_matmul)
    # as torch: a is kept only for b's gradient and b only for a's, so an in-place update
    # of a weight after ``x @ w`` (x not requiring grad) does not invalidate the graph
    save = ((0, 1), (1, 0))
    autocast = "lower"

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                               f"{a.ndim}D and {b.ndim}D")
        ka = a.shape[-1]
        kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if ka != kb:
            if a.ndim <= 2 and b.ndim <= 2:
                sa = _shape_str(a.shape if a.ndim == 2 else (1,) + a.shape)
                sb = _shape_str(b.shape if b.ndim == 2 else b.shape + (1,))
                raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: "
                f"[{a.shape[-1]}, {kb}] but got: [{list(a.shape)}, {list(b.shape)}].")
        if a.dtype in _LOW:
            return _mm(a, b)
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self._unpack()  # each saved only if the other input needs a gradient
        ga = gb = None
        na, nb = len(self._in_meta[0][0]), len(self._in_meta[1][0])
        need_a = self.next_functions[0][0] is not None
        need_b = self.next_functions[1][0] is not None
        if na == 1 and nb == 1:
            ga = g * b if need_a else None
            gb = g * a if need_b else None
            return ga, gb
        # promote vectors to matrices, then undo
        g2 = g
        if na == 1:
            g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:]) if nb > 1 else g2
        if nb == 1:
            g2 = g2.reshape(tuple(g2.shape) + (1,))
        if need_a:
            b2 = b.reshape(tuple(b.shape) + (1,)) if nb == 1 else b
            ga = matmul(g2, b2.mT)
            if na == 1:
                ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:])
        if need_b:
            a2 = a.reshape((1,) + tuple(a.shape)) if na == 1 else a
            gb = matmul(a2.mT, g2)
            if nb == 1:
                gb = gb.reshape(gb.shape[:-1])
        return ga, gb


Matmul.backward = holomorphic_backward(Matmul.backward)


class Mm(Matmul):
    name = "mm"


class Bmm(Matmul):
    name = "bmm"
    _bw_name = "BmmBackward0"


class Mv(Matmul):
    name = "mv"
    _bw_name = "MvBackward0"


class Dot(Matmul):
    name = "dot"
    _bw_name = "DotBackward0"


def matmul(input, other, *, out=None):
    return _out(apply(Matmul, input, other), out)


def _same_dtype(a, b, msg, op=None):
    if a._dtype is not b._dtype and not (op is not None and _amp_casts(op, a)):
        raise RuntimeError(msg(a, b))


def _amp_casts(op, t) -> bool:
    from ..amp.autocast_mode import casts
    return casts(op, t)


def _mm_dtype_msg(a, b):
    return (f"expected m1 and m2 to have the same dtype, but got: "
            f"{_SHORT.get(a._dtype.name, a._dtype.name)} != "
            f"{_SHORT.get(b._dtype.name, b._dtype.name)}")


def mm(input, mat2, *, out=None):
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    _same_dtype(input, mat2, _mm_dtype_msg, "mm")
    return _out(apply(Mm, input, mat2), out)


def bmm(input, mat2, *, out=None):
    if input.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    a, b = input.shape, mat2.shape
    if b[0] != a[0] or b[1] != a[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}].")
    _same_dtype(input, mat2, _mm_dtype_msg, "bmm")
    return _out(apply(Bmm, input, mat2), out)


def mv(input, vec, *, out=None):
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.dim()}, "
                           f"{vec.dim()}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    _same_dtype(input, vec, _mm_dtype_msg, "mv")
    return _out(apply(Mv, input, vec), out)


def _dot_check(input, other, name):
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D "
                           "tensors")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found "
                           f"{_tn(input)} and {_tn(other)}")
    n, m = input.shape[0], other.shape[0]
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")


def _tn(t):
    from .registry import _type_name
    return _type_name(t._dtype)


def dot(input, other, *, out=None):
    _dot_check(input, other, "dot")
    return _out(apply(Dot, input, other), out)


def vdot(input, other, *, out=None):
    _dot_check(input, other, "vdot")
    if input.is_complex():
        input = input.conj()
    return _out(apply(Dot, input, other), out)


def inner(input, other, *, out=None):
    if input.dim() == 0 or other.dim() == 0:
        return _out(input * other, out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input.shape)} and {list(other.shape)}")
    return _out(tensordot(input, other, dims=([-1], [-1])), out)


def outer(input, vec2, *, out=None):
    if input.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.dim()}-D")
    return _out(input.reshape(-1, 1) * vec2.reshape(1, -1), out)


ger = outer


# --- fused add + product ------------------------------------------------------------------

class _AddProd(Op):
    """``beta * input + alpha * (a @ b)`` in one kernel (addmm/addmv/baddbmm/addbmm/addr)."""

    promote = staticmethod(promote_same)
    save = (1, 2)
    kind = "mm"

    def forward(self, c, a, b, beta=1, alpha=1):
        self.beta, self.alpha = beta, alpha
        kind = self.kind
        low = a.dtype in _LOW
        if low:
            a32, b32 = a.astype(np.float32), b.astype(np.float32)
        else:
            a32, b32 = a, b
        if kind == "r":
            p = np.multiply.outer(a32, b32)
        elif kind == "addbmm":
            p = np.matmul(a32, b32).sum(0) if a.shape[0] else np.zeros(
                (a.shape[1], b.shape[2]), a32.dtype)
        else:
            p = np.matmul(a32, b32)
        if alpha != 1:
            p *= alpha
        if beta != 0:
            cc = c.astype(p.dtype, copy=False) if low else c
            if np.broadcast_shapes(cc.shape, p.shape) != p.shape:
                raise RuntimeError(f"The size of tensor a ({cc.shape[-1] if cc.ndim else 1}) "
                                   f"must match the size of tensor b ({p.shape[-1]}) at "
                                   "non-singleton dimension 1")
            if beta == 1:
                p += cc
            else:
                p += beta * cc
        if low:
            p = p.astype(a.dtype)
        return p

    def backward(self, g):
        a, b = self._unpack()
        nf = self.next_functions
        alpha, beta = self.alpha, self.beta
        gc = ga = gb = None
        if nf[0][0] is not None:
            gc = g * beta if beta != 1 else g
        ga_need = nf[1][0] is not None
        gb_need = nf[2][0] is not None
        ga_ = g * alpha if alpha != 1 else g
        kind = self.kind
        if kind == "r":
            if ga_need:
                ga = matmul(ga_, b)
            if gb_need:
                gb = matmul(ga_.mT, a)
        elif kind == "mv":
            if ga_need:
                ga = ga_.reshape(-1, 1) * b.reshape(1, -1)
            if gb_need:
                gb = matmul(a.mT, ga_)
        elif kind == "addbmm":
            n = a.shape[0]
            gexp = ga_.reshape((1,) + tuple(ga_.shape)).expand(n, *ga_.shape)
            if ga_need:
                ga = matmul(gexp, b.mT)
            if gb_need:
                gb = matmul(a.mT, gexp)
        else:
            if ga_need:
                ga = matmul(ga_, b.mT)
            if gb_need:
                gb = matmul(a.mT, ga_)
        return gc, ga, gb


class Addmm(_AddProd):
    name = "addmm"
    autocast = "lower"


class Addmv(_AddProd):
    name = "addmv"
    kind = "mv"


class Baddbmm(_AddProd):
    name = "baddbmm"


class Addbmm(_AddProd):
    name = "addbmm"
    kind = "addbmm"


class Addr(_AddProd):
    name = "addr"
    kind = "r"


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    if mat1.dim() != 2 or mat2.dim() != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.dim()}-D tensor" if mat1.dim() != 2
                           else f"mat2 must be a matrix, got {mat2.dim()}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_shape_str(mat1.shape)} and {_shape_str(mat2.shape)})")
    _same_dtype(mat1, mat2, _mm_dtype_msg, "addmm")
    return _out(apply(Addmm, input, mat1, mat2, beta=beta, alpha=alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    if mat.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.dim()}, "
                           f"{mat.dim()}, {vec.dim()}")
    if mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.dim() else 1})"
                           f", mat ({_shape_str(mat.shape)}), vec ({vec.shape[0]})")
    return _out(apply(Addmv, input, mat, vec, beta=beta, alpha=alpha), out)


def _bmm_check(b1, b2):
    if b1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    a, b = b1.shape, b2.shape
    if b[0] != a[0] or b[1] != a[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}].")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _bmm_check(batch1, batch2)
    return _out(apply(Baddbmm, input, batch1, batch2, beta=beta, alpha=alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _bmm_check(batch1, batch2)
    return _out(apply(Addbmm, input, batch1, batch2, beta=beta, alpha=alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.dim()}-D")
    return _out(apply(Addr, input, vec1, vec2, beta=beta, alpha=alpha), out)


# --- einsum -------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(eq, shapes):
    """Explicit subscripts (ellipsis expanded to fresh letters); returns (ins, out, ell)."""
    eq = eq.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    ins = lhs.split(",")
    if len(ins) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(ins) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    ell_nd = 0
    for sub, shp in zip(ins, shapes):
        if "..." in sub:
            ell_nd = max(ell_nd, len(shp) - (len(sub) - 3))
    ell = "".join(free[:ell_nd])
    out_ins = []
    for k, (sub, shp) in enumerate(zip(ins, shapes)):
        if "..." in sub:
            n = len(shp) - (len(sub) - 3)
            if n < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(sub) - 3}) is more than the number of dimensions "
                                   f"({len(shp)}) for operand {k}")
            sub = sub.replace("...", ell[ell_nd - n:])
        elif len(sub) != len(shp):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(sub)}) does not match the number of dimensions "
                               f"({len(shp)}) for operand {k} and no ellipsis was given")
        out_ins.append(sub)
    if rhs is None:
        cnt = {}
        for sub in out_ins:
            for c in sub:
                cnt[c] = cnt.get(c, 0) + 1
        rhs_s = ell + "".join(sorted(c for c, n in cnt.items() if n == 1 and c not in ell))
    else:
        rhs_s = rhs.replace("...", ell)
    return out_ins, rhs_s, ell


class Einsum(Op):
    name = "einsum"
    promote = staticmethod(promote_same)
    save = ()

    def forward(self, *arrays, ins, out):
        self.ins, self.out = ins, out
        eq = ",".join(ins) + "->" + out
        low = arrays[0].dtype in _LOW
        arrs = [a.astype(np.float32) for a in arrays] if low else arrays
        big = len(arrs) > 2 or (len(arrs) == 2 and arrs[0].size * arrs[1].size > 4096)
        try:
            r = np.einsum(eq, *arrs, optimize="greedy" if big else False)
        except ValueError as e:
            raise RuntimeError(f"einsum(): {e}") from None
        r = np.asarray(r)
        return r.astype(arrays[0].dtype) if low else r

    def backward(self, g):
        ops = self._ops
        res = []
        for i, sub in enumerate(self.ins):
            if self.next_functions[i][0] is None:
                res.append(None)
                continue
            others = [(s, t) for j, (s, t) in enumerate(zip(self.ins, ops)) if j != i]
            avail = set(self.out)
            for s, _ in others:
                avail.update(s)
            uniq = "".join(dict.fromkeys(sub))
            keep = "".join(c for c in uniq if c in avail)
            gsubs = [self.out] + [s for s, _ in others]
            gops = [g] + [t for _, t in others]
            shape = self._in_meta[i][0]
            sizes = {c: shape[k] for k, c in enumerate(sub)}
            r = _einsum_explicit(gsubs, keep, gops)
            # letters summed only within this operand: broadcast the gradient over them
            if len(keep) != len(uniq):
                r = _insert_axes(r, keep, uniq).expand(*[sizes[c] for c in uniq])
            if len(uniq) != len(sub):  # repeated letters: embed on the diagonal
                r = _embed_diag(r, uniq, sub, sizes)
            res.append(r)
        return tuple(res)


def _insert_axes(r, keep, uniq):
    shape = []
    k = 0
    for c in uniq:
        if c in keep:
            shape.append(r.shape[k])
            k += 1
        else:
            shape.append(1)
    return r.reshape(*shape)


def _embed_diag(r, uniq, sub, sizes):
    from .creation import eye
    used = set(sub) | set(uniq)
    free = iter(c for c in _LETTERS if c not in used)
    out = []
    seen = set()
    subs = [uniq]
    ops = [r]
    for c in sub:
        if c in seen:
            n = next(free)
            out.append(n)
            subs.append(c + n)
            ops.append(eye(sizes[c], dtype=r.dtype, device=r.device))
        else:
            seen.add(c)
            out.append(c)
    return _einsum_explicit(subs, "".join(out), ops)


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    shapes = [tuple(o.shape) for o in operands]
    ins, out, ell = _parse_einsum(equation, shapes)
    sizes = {}
    for k, (sub, o) in enumerate(zip(ins, operands)):
        for j, c in enumerate(sub):
            n = o.shape[j]
            prev = sizes.get(c)
            if prev is None or prev == 1:
                if prev == 1 and n != 1 and c not in ell:
                    _bad_size(c, n, k, prev)
                sizes[c] = n if prev is None or n != 1 else prev
            elif n != prev and not (n == 1 and c in ell):
                if sub.count(c) > 1:
                    raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} "
                                       f"but the sizes don't match, {n} != {prev}")
                _bad_size(c, n, k, prev)
    if ell:
        ops2 = []
        for sub, o in zip(ins, operands):
            target = tuple(sizes[c] for c in sub)
            ops2.append(o.expand(*target) if tuple(o.shape) != target else o)
        operands = ops2
    for c in out:
        if c not in sizes:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                               "equation for any input operand")
    return _einsum_apply(*operands, ins=tuple(ins), out=out)


def _bad_size(c, n, k, prev):
    raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which does not "
                       f"broadcast with previously seen size {prev}")


# Einsum keeps its operands for backward (list of tensors, version-checked like saves)
def _einsum_apply(*ops, ins, out):
    r = apply(Einsum, *ops, ins=ins, out=out)
    if r._grad_fn is not None:
        r._grad_fn._ops = tuple(ops)
    return r


def _einsum_explicit(ins, out, ops):
    return _einsum_apply(*ops, ins=tuple(ins), out=out)


# --- tensordot / kron / chain_matmul / cross ----------------------------------------------

def tensordot(a, b, dims=2, out=None):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = list(range(a.dim() - dims, a.dim()))
        db = list(range(dims))
    else:
        da, db = dims
        if isinstance(da, int):
            da = [da]
        if isinstance(db, int):
            db = [db]
        da = [_wrap_dim(d, a.dim()) for d in da]
        db = [_wrap_dim(d, b.dim()) for d in db]
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} "
                               f"in dim {y}")
    ra = [i for i in range(a.dim()) if i not in da]
    rb = [i for i in range(b.dim()) if i not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    sa = [a.shape[i] for i in ra]
    sb = [b.shape[i] for i in rb]
    m = int(np.prod(sa)) if sa else 1
    n = int(np.prod(sb)) if sb else 1
    am = a.permute(*(ra + da)).reshape(m, k)
    bm = b.permute(*(db + rb)).reshape(k, n)
    return _out(matmul(am, bm).reshape(*(sa + sb)), out)


def kron(input, other, *, out=None):
    nd = max(input.dim(), other.dim())
    a = input.reshape(*([1] * (nd - input.dim()) + list(input.shape)))
    b = other.reshape(*([1] * (nd - other.dim()) + list(other.shape)))
    sa, sb = list(a.shape), list(b.shape)
    ia, ib = [], []
    for x, y in zip(sa, sb):
        ia += [x, 1]
        ib += [1, y]
    r = a.reshape(*ia) * b.reshape(*ib)
    return _out(r.reshape(*[x * y for x, y in zip(sa, sb)]), out)


def _multi_dot(tensors, name="multi_dot"):
    n = len(tensors)
    if n == 0:
        raise RuntimeError(f"{name}(): expected at least 2 tensors but got 0")
    if n == 1:
        return tensors[0]
    first, last = tensors[0], tensors[-1]
    ts = list(tensors)
    if first.dim() == 1:
        ts[0] = first.reshape(1, -1)
    if last.dim() == 1:
        ts[-1] = last.reshape(-1, 1)
    for i, t in enumerate(ts):
        if t.dim() != 2:
            raise RuntimeError(f"{name}(): tensor {i} must be 2D but got {t.dim()}D")
    for i in range(n - 1):
        if ts[i].shape[1] != ts[i + 1].shape[0]:
            raise RuntimeError(f"{name}(): tensors {i} and {i + 1} with shapes "
                               f"{list(ts[i].shape)} and {list(ts[i + 1].shape)} cannot be "
                               "multiplied")
    if n == 2:
        r = mm(ts[0], ts[1])
    else:
        dims = [ts[0].shape[0]] + [t.shape[1] for t in ts]
        cost = [[0] * n for _ in range(n)]
        split = [[0] * n for _ in range(n)]
        for ln in range(1, n):
            for i in range(n - ln):
                j = i + ln
                cost[i][j] = None
                for k in range(i, j):
                    c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                    if cost[i][j] is None or c < cost[i][j]:
                        cost[i][j] = c
                        split[i][j] = k

        def build(i, j):
            if i == j:
                return ts[i]
            k = split[i][j]
            return mm(build(i, k), build(k + 1, j))
        r = build(0, n - 1)
    if first.dim() == 1 and last.dim() == 1:
        return r.reshape(())
    if first.dim() == 1:
        return r.reshape(-1)
    if last.dim() == 1:
        return r.reshape(-1)
    return r


def chain_matmul(*matrices, out=None):
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    for t in matrices:
        if t.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {t.dim()}, expected 2 instead.")
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    return _out(_multi_dot(matrices, "chain_matmul"), out)


class Cross(Op):
    name = "linalg_cross"
    _bw_name = "LinalgCrossBackward0"
    promote = staticmethod(promote_same)
    save = (0, 1)

    def forward(self, a, b, dim):
        self.dim = dim
        if a.shape[dim] != 3 or b.shape[dim] != 3:
            raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                               f"{a.shape[dim]} and {b.shape[dim]}")
        return np.cross(a, b, axis=dim)

    def backward(self, g):
        a, b = self._unpack()
        nf = self.next_functions
        ga = apply(Cross, b, g, dim=self.dim) if nf[0][0] is not None else None
        gb = apply(Cross, g, a, dim=self.dim) if nf[1][0] is not None else None
        return ga, gb


def _cross(input, other, dim):
    if input.dim() != other.dim():
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions. Got "
                           f"{input.dim()} and {other.dim()}")
    nd = input.dim()
    d = _wrap_dim(dim, nd)
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    except ValueError:
        raise RuntimeError(f"The size of tensor a must match the size of tensor b, got "
                           f"{list(input.shape)} and {list(other.shape)}") from None
    return apply(Cross, input, other, dim=d - nd)


def cross(input, other, dim=None, *, out=None):
    if dim is None:
        d = None
        for i, (x, y) in enumerate(zip(input.shape, other.shape)):
            if x == 3 and y == 3:
                d = i
                break
        if d is None:
            raise RuntimeError("no dimension of size 3 in input")
        dim = d
    return _out(_cross(input, other, dim), out)


# --- top-level aliases of ember.linalg ------------------------------------------------------

def det(input):
    from .. import linalg as L
    return L.det(input)


def logdet(input):
    from .. import linalg as L
    sign, lad = L.slogdet(input)
    if input.is_complex():  # log det = log|det| + i angle(det)
        return lad.to(input.dtype) + sign.angle().to(input.dtype) * 1j
    bad = sign._data < 0
    if bad.any():
        lad = lad + Tensor._make(np.where(bad, np.nan, 0).astype(sign._data.dtype),
                                 input._device)
    return lad


def slogdet(input):
    from .. import linalg as L
    from .reduction import return_types
    s, la = L.slogdet(input)
    return return_types.slogdet(s, la)


def inverse(input, *, out=None):
    from .. import linalg as L
    return L.inv(input, out=out)


def matrix_power(input, n):
    from .. import linalg as L
    return L.matrix_power(input, n)


@autocast_composite("pinverse")
def pinverse(input, rcond=1e-15):
    from .. import linalg as L
    return L.pinv(input, rtol=rcond)


# --- legacy decompositions and solvers (torch's top-level names) ------------------------------

# torch warns once per process that these names are deprecated (TORCH_WARN_ONCE)
_DEPRECATED = {
    "cholesky": "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be "
                "replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, "
                "upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis "
                "transform will produce equivalent results for all valid (symmetric positive "
                "definite) inputs.",
    "qr": "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
          "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string "
          "parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = "
          "torch.linalg.qr(A, 'reduced' if some else 'complete')",
    "triangular_solve": "torch.triangular_solve is deprecated in favor of "
                        "torch.linalg.solve_triangularand will be removed in a future PyTorch "
                        "release.\ntorch.linalg.solve_triangular has its arguments reversed and "
                        "does not return a copy of one of the inputs.\nX = "
                        "torch.triangular_solve(B, A).solution\nshould be replaced with\nX = "
                        "torch.linalg.solve_triangular(A, B).",
    "lu": "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
          "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
          "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
          "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, "
          "get_infos=True)\nshould be replaced with\nLU, pivots, info = "
          "torch.linalg.lu_factor_ex(A, compute_pivots)",
    "lu_solve": "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be "
                "removed in a future PyTorch release.\nNote that torch.linalg.lu_solve has its "
                "arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\nshould be replaced "
                "with\nX = torch.linalg.lu_solve(LU, pivots, B)",
}
_WARNED: set = set()


def _deprecated(name: str) -> None:
    if name not in _WARNED:
        _WARNED.add(name)
        import warnings
        warnings.warn(_DEPRECATED[name], UserWarning, stacklevel=4)


@autocast_composite("cholesky")
def cholesky(input, upper=False, *, out=None):
    """torch.cholesky (deprecated in torch for linalg.cholesky), with ``cholesky:`` errors."""
    _deprecated("cholesky")
    from .. import linalg as L
    L._lowp_kernel("cholesky_cpu", input)
    L._check_square("cholesky", input)
    try:
        return L.cholesky(input, upper=upper, out=out)
    except L.LinAlgError as e:
        raise L.LinAlgError(str(e).replace("linalg.cholesky:", "cholesky:", 1)) from None


@autocast_composite("qr")
def qr(input, some=True, *, out=None):
    """torch.qr: linalg.qr with ``mode='reduced'`` (``some``) or ``'complete'``."""
    _deprecated("qr")
    from .. import linalg as L
    from .reduction import return_types
    Q, R = L.qr(input, mode="reduced" if some else "complete")
    res = return_types.qr(Q, R)
    return res if out is None else return_types.qr(_out(Q, out[0]), _out(R, out[1]))


@autocast_composite("svd")
def svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V = Vh^H (not Vh); without ``compute_uv`` U and V are zero
    matrices of sizes m x m and n x n."""
    from .. import linalg as L
    from .reduction import return_types
    if input.dim() < 2:
        raise RuntimeError(f"linalg.svd: input should have at least 2 dimensions, but has "
                           f"{input.dim()} dimensions instead")
    if compute_uv:
        U, S, Vh = L.svd(input, full_matrices=not some)
        V = Vh.mH
    else:
        S = L.svdvals(input)
        m, n = input.shape[-2:]
        z = np.zeros
        U = Tensor._make(z(tuple(input.shape[:-2]) + (m, m), input._data.dtype), input._device)
        V = Tensor._make(z(tuple(input.shape[:-2]) + (n, n), input._data.dtype), input._device)
    if out is not None:
        U, S, V = _out(U, out[0]), _out(S, out[1]), _out(V, out[2])
    return return_types.svd(U, S, V)


@autocast_composite("triangular_solve")
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    _deprecated("triangular_solve")
    from .. import linalg as L
    return L.triangular_solve(input, A, upper, transpose, unitriangular, out=out)


@autocast_composite("cholesky_solve")
def cholesky_solve(input, input2, upper=False, *, out=None):
    from .. import linalg as L
    return L.cholesky_solve(input, input2, upper, out=out)


@autocast_composite("cholesky_inverse")
def cholesky_inverse(input, upper=False, *, out=None):
    from .. import linalg as L
    return L.cholesky_inverse(input, upper, out=out)


@autocast_composite("_lu_with_info")
def lu(A, pivot=True, get_infos=False, out=None):
    """torch.lu: (LU, pivots) or, with ``get_infos``, (LU, pivots, infos); never raises for
    a singular matrix."""
    _deprecated("lu")
    from .. import linalg as L
    LU, piv, info = L.lu_factor_ex(A, pivot=pivot)
    if get_infos:
        return L._rt("_lu_with_info", ("LU", "pivots", "info"))(LU, piv, info)
    return LU, piv


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):  # noqa: N803
    from .. import linalg as L
    return L.lu_unpack(LU_data, LU_pivots, unpack_data, unpack_pivots, out=out)


@autocast_composite("lu_solve")
def lu_solve(input, LU_data, LU_pivots, *, out=None):  # noqa: N803
    """torch.lu_solve(b, LU, pivots) = linalg.lu_solve(LU, pivots, b)."""
    _deprecated("lu_solve")
    from .. import linalg as L
    return L.lu_solve(LU_data, LU_pivots, input, out=out)


@autocast_composite("geqrf")
def geqrf(input, *, out=None):
    from .. import linalg as L
    return L.geqrf(input, out=out)


@autocast_composite("orgqr")
def orgqr(input, tau):
    from .. import linalg as L
    return L.householder_product(input, tau)


@autocast_composite("ormqr")
def ormqr(input, input2, input3, left=True, transpose=False, *, out=None):
    from .. import linalg as L
    return L.ormqr(input, input2, input3, left, transpose, out=out)


def matrix_exp(input):
    from .. import linalg as L
    return L.matrix_exp(input)


def vander(x, N=None, increasing=False):  # noqa: N803
    """torch.vander: columns x^(N-1) ... x^0 (or increasing powers) of a 1-D ``x``."""
    from .. import linalg as L
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if not (x._dtype.is_floating_point or x._dtype.is_complex):
        x = x.to(_dt.int64)  # torch promotes integers and bools to long
    if n <= 1:  # x^0 only, or no column
        v = Tensor._make(np.ones((x.shape[0], n), x._data.dtype), x._device)
    else:
        v = L._vander(x, n)
    return v if increasing else v.flip(-1)


def _bind() -> None:
    for n in ("matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm",
              "addmv", "addbmm", "baddbmm", "addr", "kron", "cross", "det", "logdet",
              "slogdet", "inverse", "matrix_power", "pinverse", "cholesky", "cholesky_solve",
              "cholesky_inverse", "qr", "svd", "triangular_solve", "lu", "lu_solve", "geqrf",
              "orgqr", "ormqr", "matrix_exp"):
        setattr(Tensor, n, globals()[n])
    Tensor.addmm_ = lambda self, mat1, mat2, *, beta=1, alpha=1: apply_inplace(
        Addmm, self, mat1, mat2, beta=beta, alpha=alpha)
    Tensor.baddbmm_ = lambda self, b1, b2, *, beta=1, alpha=1: apply_inplace(
        Baddbmm, self, b1, b2, beta=beta, alpha=alpha)
    Tensor.tensordot = tensordot


_bind()


for _c in (_AddProd, Einsum, Cross):  # multilinear: complex grads conjugated around the formula
    _c.backward = holomorphic_backward(_c.backward)
