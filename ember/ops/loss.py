"""Loss functions (``ember.nn.functional.*_loss``, torch.nn.functional semantics).

``cross_entropy`` (class-index targets) and ``nll_loss`` are each ONE fused op: the
forward does log-softmax + gather (+ weights / ignore_index / label smoothing) in a few
NumPy passes; the backward is itself a registered op (``softmax * S - Q`` scaled, one
pass over the input) whose own backward is written in ember ops, so double backward
works.  ``binary_cross_entropy`` is fused with torch's hand-written gradients (including
the target gradient).  ``ctc_loss`` runs the log-space alpha/beta recursions vectorised
over the batch and returns torch's gradient formula.  The remaining losses are short
compositions of ember ops, as in torch.
"""

from __future__ import annotations

import math as _m
import warnings

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from .activation import log_softmax, logsigmoid, softmax
from .math import _const, _need, _no_half
from .registry import Op, apply

__all__ = [
    "l1_loss", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "smooth_l1_loss", "huber_loss",
    "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
    "multilabel_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
    "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
    "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss",
]

_HALF_DT = _dt.HALF_NP
_I64 = np.dtype(np.int64)
_U8 = np.dtype(np.uint8)
_REDUCTIONS = ("none", "mean", "sum")


# --- reduction helpers ---------------------------------------------------------------------

def _legacy(size_average, reduce, emit_warning=True) -> str:
    """torch's ``_Reduction.legacy_get_string``."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _red(reduction, size_average=None, reduce=None) -> str:
    """The effective reduction string (legacy args first), validated as ``get_enum``."""
    if size_average is not None or reduce is not None:
        return _legacy(size_average, reduce)
    if reduction in _REDUCTIONS:
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use "
                      "reduction='mean' instead.", stacklevel=3)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _size_warn(input, target) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


def _tname(a) -> str:
    from .registry import _type_name
    return _type_name(_dt._BY_NP[a.dtype])


def _cdt(a):
    """The dtype the kernel computes in (half types in float32, torch's CPU numerics)."""
    return np.float32 if a.dtype in _HALF_DT else a.dtype


def _weighted(loss, weight, reduction):
    """l1/mse/huber with torch's ``weight=`` argument."""
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    wl = loss * weight
    if reduction == "none":
        return wl
    if reduction == "sum":
        return wl.sum()
    if reduction == "mean":
        return wl.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


# --- regression losses ---------------------------------------------------------------------

def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _size_warn(input, target)
    reduction = _red(reduction, size_average, reduce)
    loss = (input - target).abs()
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        return _weighted(loss, weight, reduction)
    return _reduce(loss, reduction)


def _check_float_loss(kernel, input, target):
    for a in (input, target):
        if not a.dtype.is_floating_point:
            from .math import _not_impl
            _not_impl(kernel, a._data)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _size_warn(input, target)
    reduction = _red(reduction, size_average, reduce)
    if weight is None:
        _check_float_loss("mse_cpu", input, target)
    d = input - target
    loss = d * d
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        return _weighted(loss, weight, reduction)
    return _reduce(loss, reduction)


def _where(cond, a, b):
    from .math import where
    return where(cond, a, b)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _size_warn(input, target)
    reduction = _red(reduction, size_average, reduce)
    if beta == 0.0:
        return _reduce((input - target).abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    z = d.abs()
    loss = _where(z < beta, d * d * 0.5 / beta, z - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _size_warn(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    red = reduction if weight is not None else _red(reduction)
    d = input - target
    z = d.abs()
    loss = _where(z < delta, d * d * 0.5, (z - 0.5 * delta) * delta)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        if red not in _REDUCTIONS:
            raise ValueError(f"Invalid reduction mode: {red}. Expected one of 'none', 'mean', "
                             "'sum'.")
        return _reduce(loss * weight, red)
    return _reduce(loss, red)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    loss = (-input * target).exp().log1p()
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        td = target.detach() if target.requires_grad else target
        st = target * target.log() - target + (target * (2 * _m.pi)).log() * 0.5
        mask = _const(td._data <= 1, td)
        loss = loss + st.masked_fill(mask, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    from ..autograd.grad_mode import no_grad
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.new_ones(input.shape) * var if hasattr(input, "new_ones") else var
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(
                y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * _m.log(2 * _m.pi)
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        red = _legacy(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the "
                "support size.'batchmean' divides only by the batch size, and aligns with the "
                "KL div math definition.'mean' will be changed to behave the same as "
                "'batchmean' in the next major release.", stacklevel=2)
        red = "sum" if reduction == "batchmean" else _red(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        from .math import xlogy
        loss = xlogy(target, target) - target * input
    out = _reduce(loss, red)
    if reduction == "batchmean" and input.dim() != 0:
        out = out / input.shape[0]
    return out


# --- binary cross entropy ------------------------------------------------------------------

class BinaryCrossEntropy(Op):
    """Elementwise ``-w (t log x + (1 - t) log(1 - x))`` with logs clamped at -100;
    torch's gradients for input and target, written in ember ops (double backward)."""

    name = "binary_cross_entropy"
    save = (0, 1, 2)

    def forward(self, x, t, w):
        if x.size and not bool(((x >= 0) & (x <= 1)).all()):
            raise RuntimeError("all elements of input should be between 0 and 1")
        xc = x.astype(np.float32) if x.dtype in _HALF_DT else x
        tc = t.astype(xc.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            l1 = np.maximum(np.log1p(-xc), -100)
            l0 = np.maximum(np.log(xc), -100)
        out = (tc - 1) * l1 - tc * l0
        if w is not None:
            out = out * w
        return out.astype(x.dtype, copy=False)

    def backward(self, g):
        x, t, w = self._unpack()
        gw = g * w if w is not None else g
        gx = gt = None
        if _need(self, 0):
            gx = gw * (x - t) / ((1 - x) * x).clamp_min(1e-12)
        if _need(self, 1):
            gt = -gw * (x.log() - (-x).log1p())
        return gx, gt, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_tname(target._data)} but expected "
                           f"{_tname(input._data)}")
    if weight is not None and weight.shape != target.shape:
        weight = weight.expand(np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))
    return _reduce(apply(BinaryCrossEntropy, input, target, weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _red(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    ls = logsigmoid(input)
    if pos_weight is not None:
        ls = ls * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - ls
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# --- nll / cross entropy (fused) -----------------------------------------------------------

def _class_prep(x, t, weight, ignore_index):
    """Validates an (input, class-index target) pair as torch's nll_loss_nd and returns
    (x2, tc, valid, wt, w): input with a batch axis, clipped int64 targets (rows shape),
    the non-ignored mask, per-row weights and the class-weight array (or None)."""
    nd = x.ndim
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if t.dtype != _I64 and t.dtype != _U8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_tname(t)}")
    if nd == 1:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{t.shape[0]}")
        x2 = x.reshape(1, -1)
        t = t.reshape(1)
    else:
        if t.ndim == 0 or x.shape[0] != t.shape[0]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({t.shape[0] if t.ndim else 0}).")
        if nd == 2:
            if t.ndim != 1:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        else:
            exp = (x.shape[0],) + x.shape[2:]
            if t.shape != exp:
                raise RuntimeError(f"Expected target size {list(exp)}, got {list(t.shape)}")
        x2 = x
    C = x2.shape[1]
    if t.dtype == _U8:
        t = t.astype(np.int64)
    w = None
    if weight is not None:
        wd = weight._data
        if wd.ndim != 1 or wd.shape[0] != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes or "
                               f"no classes but got weight tensor of shape: {list(wd.shape)}")
        if wd.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {_tname(x)} but found {_tname(wd)}")
        w = wd.astype(_cdt(x), copy=False)
    dt = _cdt(x)
    if t.size and ignore_index < 0 and t.min() >= 0 and t.max() < C:
        # fast path: nothing ignored, every target in range; wt is a 0-d array
        wt = np.ones((), dt) if w is None else w[t]
        return x2, t, None, wt, w
    valid = t != ignore_index
    tv = t[valid]
    if tv.size and (tv.min() < 0 or tv.max() >= C):
        bad = tv[(tv < 0) | (tv >= C)][0]
        raise IndexError(f"Target {bad} is out of bounds.")
    tc = np.where(valid, t, 0)
    if w is None:
        wt = valid.astype(dt)
    else:
        wt = w[tc] * valid
    return x2, tc, valid, wt, w


def _gather_rows(a, tc):
    """a[r, tc[r]] along axis 1 (rows = every axis but 1)."""
    if a.ndim == 2:
        return a[np.arange(a.shape[0]), tc]
    return np.take_along_axis(a, tc[:, None], 1)[:, 0]


def _wshape(w, nd):
    return w.reshape((1, -1) + (1,) * (nd - 2))


class _ClassLoss(Op):
    """Shared state of the fused nll / cross-entropy ops."""

    def _finish(self, loss_r, x, reduction, wt):
        self.reduction = reduction
        if reduction == "none":
            return loss_r.reshape(self.tshape).astype(x.dtype, copy=False)
        s = loss_r.sum()
        if reduction == "mean":
            W = wt.sum() if wt.ndim else wt * self.tc.size
            self.invW = 1.0 / W if W != 0 else 0.0
            with np.errstate(divide="ignore", invalid="ignore"):
                s = s / W
        else:
            self.invW = 1.0
        return np.asarray(s, dtype=x.dtype)

    def _rows_g(self, g):
        """Upstream gradient as a per-row array (or a scalar) with reduction scaling."""
        if self.reduction == "none":
            return g.reshape(self.tc.shape)
        return g * self.invW if self.reduction == "mean" else g


class NllLoss(_ClassLoss):
    name = "nll_loss"
    _bw_name = "NllLossBackward0"

    def forward(self, x, target, weight, ignore_index, reduction):
        self.tshape = target.shape
        x2, tc, valid, wt, w = _class_prep(x, target, weight, ignore_index)
        self.tc, self.wt, self.xshape, self.x1d = tc, wt, x.shape, x.ndim == 1
        xt = _gather_rows(x2, tc).astype(_cdt(x), copy=False)
        return self._finish(-(xt * wt), x, reduction, wt)

    def backward(self, g):
        return (apply(NllLossBackward, g, ctx=self),)


class NllLossBackward(Op):
    """Scatter of ``-w[t] * g`` at the targets (linear in g)."""

    name = "nll_loss_backward"
    _bw_name = "NllLossBackwardBackward0"

    def forward(self, g, ctx):
        self.ctx = ctx
        G = ctx._rows_g(g)
        tc = ctx.tc
        shape = ctx.xshape if not ctx.x1d else (1,) + ctx.xshape
        out = np.zeros(shape, g.dtype)
        v = (-(G * ctx.wt)).astype(g.dtype, copy=False)
        if out.ndim == 2:
            out[np.arange(shape[0]), tc] = v
        else:
            np.put_along_axis(out, tc[:, None], np.broadcast_to(v, tc.shape)[:, None], 1)
        return out.reshape(ctx.xshape)

    def backward(self, gy):
        ctx = self.ctx
        gy2 = gy.reshape((1,) + ctx.xshape) if ctx.x1d else gy
        idx = _const(ctx.tc[:, None], gy)
        h = gy2.gather(1, idx).squeeze(1) * _const(-ctx.wt.astype(ctx.wt.dtype), gy)
        return (_reduce_rows(h, ctx),)


def _reduce_rows(h, ctx):
    if ctx.reduction == "none":
        return h.reshape(ctx.tshape)
    s = h.sum()
    return s * ctx.invW if ctx.reduction == "mean" else s


class CrossEntropy(_ClassLoss):
    """log_softmax + nll (+ label smoothing) over class axis 1, as one op.

    Per row r: ``loss_r = -(a_r logp[r, t_r] + b_r sum_c w_c logp[r, c])`` with
    ``a_r = (1 - eps) w[t_r] valid_r`` and ``b_r = eps / C valid_r``; the gradient wrt the
    logits is ``G_r (S_r softmax - a_r onehot - b_r w)`` with ``S_r = a_r + b_r sum(w)``."""

    name = "cross_entropy_loss"
    _bw_name = "NllLossBackward0"
    save = (0,)

    def forward(self, x, target, weight, ignore_index, reduction, label_smoothing):
        self.tshape = target.shape
        x2, tc, valid, wt, w = _class_prep(x, target, weight, ignore_index)
        self.x1d, self.xshape, self.tc, self.w = x.ndim == 1, x.shape, tc, w
        dt = _cdt(x)
        xc = x2.astype(dt, copy=False)
        C = xc.shape[1]
        if xc.size == 0:
            m = np.zeros(tc.shape, dt)[:, None]
        else:
            m = xc.max(axis=1, keepdims=True)
        e = np.subtract(xc, m)
        np.exp(e, out=e)
        s = e.sum(axis=1, keepdims=True)
        mlse = np.log(s)
        mlse += m                                    # max + logsumexp(x - max), (N, 1, *)
        self.e, self.s = e, s
        lpt = _gather_rows(xc, tc) - mlse[:, 0]      # log-prob of the target
        eps = label_smoothing
        if eps > 0:
            va = np.ones((), dt) if valid is None else valid.astype(dt)
            a = wt * (1 - eps)
            b = va * (eps / C)
            if w is None:
                sl = xc.sum(axis=1) - mlse[:, 0] * C
                sw = C
            else:
                sl = xc @ w if xc.ndim == 2 else (xc * _wshape(w, xc.ndim)).sum(axis=1)
                sw = w.sum()
                sl = sl - mlse[:, 0] * sw
            loss_r = -(a * lpt) - b * sl
            self.a, self.b, self.S = a, b, a + b * sw
        else:
            loss_r = -(wt * lpt)
            self.a, self.b, self.S = wt, None, wt
        return self._finish(loss_r, x, reduction, wt)

    def backward(self, g):
        (x,) = self._unpack()
        return (apply(CrossEntropyBackward, g, x, ctx=self),)

    def _release(self):
        self.e = self.s = None


class CrossEntropyBackward(Op):
    """``G_r (S_r p - a_r onehot - b_r w)`` in one pass; its backward in ember ops."""

    name = "cross_entropy_loss_backward"
    _bw_name = "CrossEntropyLossBackwardBackward0"
    save = (0, 1)

    def forward(self, g, x, ctx):
        self.ctx = ctx
        G = ctx._rows_g(g.astype(ctx.e.dtype, copy=False))
        e = ctx.e
        coef = (G * ctx.S) / ctx.s[:, 0]
        nd = e.ndim
        if nd == 2:
            out = e * coef[:, None]
            out[np.arange(e.shape[0]), ctx.tc] -= G * ctx.a
        else:
            out = e * np.expand_dims(coef, 1)
            tc1 = ctx.tc[:, None]
            cur = np.take_along_axis(out, tc1, 1)
            cur -= np.expand_dims(np.broadcast_to(G * ctx.a, ctx.tc.shape), 1)
            np.put_along_axis(out, tc1, cur, 1)
        if ctx.b is not None:
            gb = np.expand_dims(np.broadcast_to(G * ctx.b, ctx.tc.shape), 1)
            wb = _wshape(ctx.w, nd) if ctx.w is not None else 1.0
            out -= gb * wb
        return out.reshape(ctx.xshape).astype(x.dtype, copy=False)

    def backward(self, gy):
        from .reduction import sum as rsum
        g, x = self._unpack()
        ctx = self.ctx
        if ctx.x1d:
            x = x.reshape((1,) + ctx.xshape)
            gy = gy.reshape((1,) + ctx.xshape)
        nd = x.dim()
        p = softmax(x, 1)
        S = _const(ctx.S.astype(ctx.e.dtype), gy)
        gg = gx = None
        if _need(self, 0):
            h = rsum(gy * p, 1) * S
            idx = _const(ctx.tc[:, None], gy)
            h = h - gy.gather(1, idx).squeeze(1) * _const(ctx.a, gy)
            if ctx.b is not None:
                gw = rsum(gy * _const(_wshape(ctx.w, nd), gy), 1) if ctx.w is not None \
                    else rsum(gy, 1)
                h = h - gw * _const(ctx.b, gy)
            gg = _reduce_rows(h, ctx)
        if _need(self, 1):
            if ctx.reduction == "none":
                G = g.reshape(ctx.tc.shape)
            else:
                G = g * ctx.invW if ctx.reduction == "mean" else g
            GS = G * S
            if GS.dim():
                GS = GS.unsqueeze(1)
            v = gy * GS
            gx = p * (v - rsum(v * p, 1, True))
            if ctx.x1d:
                gx = gx.reshape(ctx.xshape)
        return gg, gx


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    return apply(NllLoss, input, target=target._data, weight=weight,
                 ignore_index=ignore_index, reduction=reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    reduction = _red(reduction, size_average, reduce)
    if input.shape == target.shape:
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {_tname(target._data)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _ce_prob(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    return apply(CrossEntropy, input, target=target._data, weight=weight,
                 ignore_index=ignore_index, reduction=reduction,
                 label_smoothing=max(label_smoothing, 0.0))


def _ce_prob(input, target, weight, reduction, label_smoothing):
    cd = 0 if input.dim() == 1 else 1
    C = input.shape[cd]
    if weight is not None and (weight.dim() != 1 or weight.numel() != C):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {C} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    logp = log_softmax(input, cd)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        target = target * (1 - label_smoothing) + label_smoothing / C
    prod = logp * target
    if weight is not None:
        shape = [1] * input.dim()
        shape[cd] = C
        prod = prod * weight.view(*shape)
    if reduction == "mean":
        if input.numel() == 0:
            return -(prod.sum()) * float("nan")
        return -prod.sum() / (input.numel() // C)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(cd)


# --- margin / embedding losses -------------------------------------------------------------

def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    cd = input.dim() - 1
    C = input.shape[cd]
    loss = loss.sum(cd) / C
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    nd = input.dim()
    shape = tuple(input.shape)
    if not ((nd == 2 and shape[1] != 0) or (nd == 1 and shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(shape)}")
    nframe = shape[0] if nd == 2 else 1
    dim = 1 if nd == 0 else shape[-1]
    td = target._data
    if not (td.ndim <= 1 and td.size == nframe):
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{nframe}], but got {list(td.shape)}. Input has shape "
                           f"{list(shape)}.")
    if weight is not None and weight.numel() != dim:
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got "
                           f"{list(weight.shape)}")
    t = td.reshape(nframe).astype(np.int64)
    if t.size and (t.min() < 0 or t.max() >= dim):
        raise RuntimeError("target out of range")
    _no_half("multi_margin_loss_cpu_kernel", input, "multi_margin_loss")
    x = input.reshape(nframe, dim)
    xt = x.gather(1, _const(t[:, None], input))
    z = x - xt + margin
    mask = np.ones((nframe, dim), bool)
    mask[np.arange(nframe), t] = False
    h = z.clamp_min(0) if p == 1 else z.clamp_min(0) ** 2
    if weight is not None:
        h = h * _const(weight._data[t][:, None], input)
    h = h * _const(mask.astype(_cdt(input._data)), input)
    loss = h.sum(1) / dim
    if reduction == "none":
        return loss if (nd == 2 or td.ndim == 1) else loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    nd = input.dim()
    shape = tuple(input.shape)
    td = target._data
    if nd > 2 or (nd == 2 and shape[1] == 0) or (nd == 1 and shape[0] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(shape)}")
    if td.shape != shape:
        raise RuntimeError(f"inconsistent target size: {list(td.shape)} for input of size: "
                           f"{list(shape)}")
    nframe = shape[0] if nd == 2 else 1
    dim = 1 if nd == 0 else shape[-1]
    t = td.reshape(nframe, dim).astype(np.int64)
    if t.size and (t.min() < -1 or t.max() >= dim):
        raise RuntimeError("argument #2 'target' is out of range")
    _no_half("multilabel_margin_loss_forward_out_frame", input,
             "multilabel_margin_loss")
    # a target row is read up to its first -1
    stop = np.cumsum(t < 0, axis=1) > 0
    valid = ~stop                               # (n, j) target slot j is used
    tcl = np.where(valid, t, 0)
    is_t = np.zeros((nframe, dim), bool)
    rows = np.repeat(np.arange(nframe), dim)
    is_t[rows[valid.ravel()], tcl.ravel()[valid.ravel()]] = True
    x = input.reshape(nframe, dim)
    xt = x.gather(1, _const(tcl, input))        # (n, j)
    z = x.unsqueeze(1) - xt.unsqueeze(2) + 1    # (n, j, k)
    m = valid[:, :, None] & ~is_t[:, None, :]
    h = z.clamp_min(0) * _const(m.astype(_cdt(input._data)), input)
    loss = h.sum((1, 2)) / dim
    if reduction == "none":
        return loss if nd == 2 else loss.reshape(())
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    zeros = input.new_zeros(()) if hasattr(input, "new_zeros") else 0.0
    margin_clamp = (margin - input).clamp_min(0)
    out_margin = _where(target != 1, margin_clamp, zeros)
    out_self = _where(target != -1, input, zeros)
    return _reduce(out_margin + out_self, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1:
        if input1.dim() != 2 or input2.dim() != 2:
            raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                               f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    elif input1.dim() != 1 or input2.dim() != 1:
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + 1e-12
    mag2 = (input2 * input2).sum(td) + 1e-12
    cos = prod_sum / (mag1 * mag2).sqrt()
    zeros = cos.new_zeros(())
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    out = _where(target == 1, pos, zeros) + _where(target == -1, neg, zeros)
    return _reduce(out, reduction)


def _pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    from ..linalg import vector_norm
    nd = max(x1.dim(), x2.dim())
    return vector_norm(x1 - x2 + eps, p, nd - 1, keepdim)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    reduction = _red(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pd}D, "
                           f"and negative {n}D inputs")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        from .math import minimum
        d_neg = minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pd}D, "
                           f"and negative {n}D inputs")
    dist = distance_function if distance_function is not None else _pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        from .math import minimum
        d_neg = minimum(d_neg, dist(positive, negative))
    loss = (margin + d_pos - d_neg).clamp_min(0)
    return _reduce(loss, reduction)


# --- CTC -----------------------------------------------------------------------------------

def _lse3(a, b, c):
    m = np.maximum(np.maximum(a, b), c)
    ms = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(a - ms) + np.exp(b - ms) + np.exp(c - ms)) + ms


class CtcLoss(Op):
    """Per-batch negative log-likelihood (N,) by the log-space alpha recursion; the beta
    recursion and torch's gradient formula run in the backward op."""

    name = "_ctc_loss"
    _bw_name = "CtcLossBackward0"

    def forward(self, lp, targets, in_len, tg_len, blank, zero_infinity):
        T, N, C = lp.shape
        S = int(tg_len.max()) if N else 0
        L = 2 * S + 1
        lpd = lp.astype(np.float64)
        ext = np.full((N, L), blank, np.int64)
        if S:
            ext[:, 1::2] = targets[:, :S]
        sidx = np.arange(L)
        valid_s = sidx[None, :] < (2 * tg_len + 1)[:, None]
        em = lpd[:, np.arange(N)[:, None], ext]                      # (T, N, L)
        em = np.where(valid_s[None], em, -np.inf)
        skip = np.zeros((N, L), bool)
        if L > 2:
            skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        ninf = np.full((N, 1), -np.inf)
        ninf2 = np.full((N, 2), -np.inf)
        alpha = np.full((T, N, L), -np.inf)
        if T:
            alpha[0, :, :min(2, L)] = em[0, :, :min(2, L)]
        for t in range(1, T):
            prev = alpha[t - 1]
            a2 = np.concatenate([ninf, prev[:, :-1]], 1)
            a3 = np.where(skip, np.concatenate([ninf2, prev[:, :-2]], 1), -np.inf) \
                if L > 2 else np.full_like(prev, -np.inf)
            alpha[t] = em[t] + _lse3(prev, a2, a3)
        nb = np.arange(N)
        tl = np.maximum(in_len - 1, 0)
        end = 2 * tg_len
        a_end = alpha[tl, nb, end]
        a_end1 = np.where(tg_len > 0, alpha[tl, nb, np.maximum(end - 1, 0)], -np.inf)
        ll = _lse3(a_end, a_end1, np.full_like(a_end, -np.inf))
        nll = -ll
        self.st = (lpd, ext, em, skip, alpha, nll, in_len, tg_len, zero_infinity)
        return nll.astype(lp.dtype)

    def backward(self, g):
        return (apply(CtcLossBackward, g, ctx=self), None)

    def _release(self):
        self.st = None


class CtcLossBackward(Op):
    """torch's CTC gradient: ``(exp(lp) - exp(log(sum alpha*beta) + nll - lp)) * g``.
    torch implements no derivative for it (no double backward)."""

    name = "_ctc_loss_backward"

    def forward(self, g, ctx):
        lpd, ext, em, skip, alpha, nll, in_len, tg_len, zinf = ctx.st
        T, N, L = alpha.shape
        C = lpd.shape[2]
        beta = np.full((T, N, L), -np.inf)
        nb = np.arange(N)
        sidx = np.arange(L)
        end = 2 * tg_len
        is_end = (sidx[None, :] == end[:, None]) | \
            ((sidx[None, :] == (end - 1)[:, None]) & (tg_len > 0)[:, None])
        ninf = np.full((N, 1), -np.inf)
        ninf2 = np.full((N, 2), -np.inf)
        skip_b = np.zeros((N, L), bool)   # s -> s + 2 allowed
        if L > 2:
            skip_b[:, :-2] = skip[:, 2:]
        nxt = np.full((N, L), -np.inf)
        for t in range(T - 1, -1, -1):
            b2 = np.concatenate([nxt[:, 1:], ninf], 1)
            b3 = np.where(skip_b, np.concatenate([nxt[:, 2:], ninf2], 1), -np.inf) \
                if L > 2 else np.full_like(nxt, -np.inf)
            rec = em[t] + _lse3(nxt, b2, b3)
            init = np.where(is_end, em[t], -np.inf)
            last = (t == in_len - 1)[:, None]
            inside = (t < in_len - 1)[:, None]
            cur = np.where(last, init, np.where(inside, rec, -np.inf))
            beta[t] = cur
            nxt = cur
        lab = alpha + beta                                           # (T, N, L)
        m = lab.max(axis=2, keepdims=True)
        ms = np.where(np.isfinite(m), m, 0.0)
        ex = np.exp(lab - ms)
        onehot = np.zeros((N, L, C))
        onehot[nb[:, None], sidx[None, :], ext] = 1.0
        acc = np.einsum("tns,nsc->tnc", ex, onehot)
        with np.errstate(divide="ignore", invalid="ignore"):
            lcab = np.log(acc) + ms
            gr = np.asarray(g, np.float64).reshape(1, N, 1)
            res = (np.exp(lpd) - np.exp(lcab + nll[None, :, None] - lpd)) * gr
        tmask = np.arange(T)[:, None] < in_len[None, :]
        res = np.where(tmask[:, :, None], res, 0.0)
        if zinf:
            res = np.where(np.isinf(nll)[None, :, None], 0.0, res)
        return res.astype(g.dtype)


def _as_lengths(v, name):
    if isinstance(v, Tensor):
        return v._data.reshape(-1).astype(np.int64)
    return np.asarray(v, dtype=np.int64).reshape(-1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    red = _red(reduction)
    lp = log_probs
    unbatched = lp.dim() == 2
    if unbatched:
        lp = lp.unsqueeze(1)
    T, N, C = lp.shape
    if not (0 <= blank < C):
        raise RuntimeError("blank must be in label range")
    il = _as_lengths(input_lengths, "input_lengths")
    tl = _as_lengths(target_lengths, "target_lengths")
    if il.shape[0] != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.shape[0] != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    for b in range(N):
        if il[b] > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                               f"{il[b]} (while checking arguments for ctc_loss_allocate_outputs)")
    _no_half("ctc_loss_cpu", lp, "ctc_loss")
    td = targets._data.astype(np.int64)
    S = int(tl.max()) if N else 0
    if unbatched:
        td = td.reshape(1, -1)
    if td.ndim == 1:
        pad = np.zeros((N, max(S, 1)), np.int64)
        off = 0
        for b in range(N):
            pad[b, :tl[b]] = td[off:off + tl[b]]
            off += tl[b]
        td = pad
    elif td.shape[1] < S:
        raise RuntimeError(f"Expected tensor to have size at least {S} at dimension 1, but got "
                           f"size {td.shape[1]} for argument #2 'targets' (while checking "
                           f"arguments for ctc_loss_allocate_outputs)")
    nll = apply(CtcLoss, lp, targets=td, in_len=il, tg_len=tl, blank=blank,
                zero_infinity=zero_infinity)
    if zero_infinity:
        nll = _where(_const(np.isinf(nll._data), nll), nll.new_zeros(()), nll)
    if red == "mean":
        den = _const(np.maximum(tl, 1).astype(nll._data.dtype), nll)
        out = (nll / den).mean()
    elif red == "sum":
        out = nll.sum()
    else:
        out = nll
    if unbatched and red == "none":
        out = out.squeeze(0)
    return out


def _amp_composites() -> None:
    """Losses composed of several ops run in float32 under autocast, as torch's kernels
    do (NOTE: the single-op losses are handled by the dispatch hook itself)."""
    from ..amp.autocast_mode import autocast_composite
    names = {"l1_loss": "l1_loss", "mse_loss": "mse_loss", "smooth_l1_loss": "smooth_l1_loss",
             "huber_loss": "huber_loss", "soft_margin_loss": "soft_margin_loss",
             "poisson_nll_loss": "poisson_nll_loss", "gaussian_nll_loss": "gaussian_nll_loss",
             "kl_div": "kl_div",
             "binary_cross_entropy_with_logits": "binary_cross_entropy_with_logits",
             "multilabel_soft_margin_loss": "multilabel_soft_margin_loss",
             "multi_margin_loss": "multi_margin_loss",
             "multilabel_margin_loss": "multilabel_margin_loss",
             "margin_ranking_loss": "margin_ranking_loss",
             "hinge_embedding_loss": "hinge_embedding_loss",
             "cosine_embedding_loss": "cosine_embedding_loss",
             "triplet_margin_loss": "triplet_margin_loss"}
    g = globals()
    for fn_name, op in names.items():
        g[fn_name] = autocast_composite(op)(g[fn_name])


_amp_composites()
