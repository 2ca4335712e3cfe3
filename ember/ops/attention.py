"""Attention kernels: ``scaled_dot_product_attention`` as one fused op (scores, mask,
softmax, dropout and the value product in one forward; a hand-written backward in ember
ops) and ``multi_head_attention_forward`` (torch.nn.functional's, same semantics).

Fully masked rows give zero output and zero gradients (torch's CPU flash kernel); the
``need_weights`` path of multi-head attention keeps torch's plain softmax (NaN rows).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.grad_mode import _Mode
from .activation import SoftmaxBackward
from .linalg import matmul
from .registry import Op, apply

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_make = Tensor._make
_HALF = _dt.HALF_NP


def _causal(L, S):
    return np.tri(L, S, dtype=np.bool_)


class ScaledDotProductAttention(Op):
    """``softmax(q k^T * scale + mask) @ v`` with optional dropout on the probabilities.

    Positional args: query, key, value, attn_mask (Tensor or None).  With ``weights=True``
    it also returns the (dropped-out) attention probabilities as a second output."""

    name = "scaled_dot_product_attention"
    _bw_name = "ScaledDotProductFlashAttentionForCpuBackward0"
    save = (0, 1, 2)

    def forward(self, q, k, v, mask, dropout_p=0.0, is_causal=False, scale=1.0, rep=1,
                weights=False, safe=True, generator=None):
        half = q.dtype in _HALF
        odt = q.dtype
        if half:
            q, k, v = q.astype(np.float32), k.astype(np.float32), v.astype(np.float32)
        if rep > 1:
            k = np.repeat(k, rep, axis=-3)
            v = np.repeat(v, rep, axis=-3)
        self.scale, self.rep, self.half = scale, rep, half
        L, S = q.shape[-2], k.shape[-2]
        s = np.matmul(q, np.swapaxes(k, -1, -2))
        s *= s.dtype.type(scale)
        self.bool_mask = None
        if mask is not None:
            if mask.dtype == np.bool_:
                self.bool_mask = mask
                s = np.where(mask, s, -np.inf).astype(s.dtype, copy=False)
            else:
                s = s + (mask.astype(s.dtype) if half else mask)
        if is_causal:
            tri = _causal(L, S)
            self.bool_mask = tri if self.bool_mask is None else (self.bool_mask & tri)
            if s.shape[-2:] != (L, S):
                s = np.ascontiguousarray(s)
            np.copyto(s, -np.inf, where=~tri)
        self.is_causal = is_causal
        m = s.max(axis=-1, keepdims=True) if S else np.zeros(s.shape[:-1] + (1,), s.dtype)
        if safe:
            np.copyto(m, 0, where=np.isneginf(m))
        s -= m
        p = np.exp(s, out=s)
        den = p.sum(axis=-1, keepdims=True)
        if safe:
            np.copyto(den, 1, where=den == 0)
        p /= den
        self.p = p
        self.safe = safe
        dmask = None
        if dropout_p > 0.0:
            from ..random import _gen
            keep = _gen(generator).random(p.shape) >= dropout_p
            dmask = keep.astype(p.dtype)
            dmask *= p.dtype.type(1.0 / (1.0 - dropout_p)) if dropout_p < 1 else 0
            pd = p * dmask
        else:
            pd = p
        self.dmask = dmask
        if half:  # torch's CPU kernel rounds the probabilities to the input type
            out = np.matmul(pd, v)
        else:
            out = np.matmul(pd, v)
        if half:
            out = out.astype(odt)
        if weights:
            return out, (pd.astype(odt) if half else pd)
        return out

    def _probs(self, q, k, mask):
        """The probabilities as a differentiable function of q, k (create_graph only)."""
        from .activation import softmax
        from .math import where
        s = matmul(q, k.mT) * self.scale
        if mask is not None and mask._dtype is not _dt.bool:
            s = s + mask
        bm = self.bool_mask
        if bm is not None:
            s = where(_make(np.broadcast_to(bm, s.shape).copy(), s._device), s,
                      _make(np.array(-np.inf, s._data.dtype), s._device))
        if self.safe:
            dead = np.isneginf(s._data).all(axis=-1, keepdims=True)
            if dead.any():
                from .math import where as _w
                s = _w(_make(np.broadcast_to(dead, s.shape).copy(), s._device),
                       _make(np.array(0.0, s._data.dtype), s._device), s)
                return softmax(s, -1) * _make((~dead).astype(s._data.dtype), s._device)
        return softmax(s, -1)

    def backward(self, g, gw=None):
        q, k, v = self._unpack()
        nf = self.next_functions
        if self.half:
            g = g.float()
            gw = gw.float() if gw is not None else None
            q, k, v = q.float(), k.float(), v.float()
        rep = self.rep
        if rep > 1:
            k = k.repeat_interleave(rep, -3)
            v = v.repeat_interleave(rep, -3)
        dev = g._device
        if _Mode.grad_enabled:
            mask = self._saved_mask
            p = self._probs(q, k, mask)
        else:
            p = _make(self.p, dev)
        dmask = None if self.dmask is None else _make(self.dmask, dev)
        pd = p if dmask is None else p * dmask
        gq = gk = gv = gm = None
        if nf[2][0] is not None:
            gv = matmul(pd.mT, g)
            if rep > 1:
                gv = gv.unflatten(-3, (-1, rep)).sum(-3)
        need_s = nf[0][0] is not None or nf[1][0] is not None or (
            len(nf) > 3 and nf[3][0] is not None)
        if need_s:
            gpd = matmul(g, v.mT)
            if gw is not None:
                gpd = gpd + gw
            gp = gpd if dmask is None else gpd * dmask
            gs = apply(SoftmaxBackward, gp, p, dim=-1)
            if nf[3][0] is not None:
                gm = gs
            if nf[0][0] is not None or nf[1][0] is not None:
                gs = gs * self.scale
                if nf[0][0] is not None:
                    gq = matmul(gs, k)
                if nf[1][0] is not None:
                    gk = matmul(gs.mT, q)
                    if rep > 1:
                        gk = gk.unflatten(-3, (-1, rep)).sum(-3)
        return gq, gk, gv, gm


def _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa,
          weights=False, safe=True):
    for t, n in ((query, "query"), (key, "key"), (value, "value")):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{n}' must be Tensor, "
                            f"not {type(t).__name__}")
    qd, kd, vd = query._dtype, key._dtype, value._dtype
    if not (qd is kd and kd is vd):
        raise RuntimeError(
            f"Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_cn(qd)} key.dtype: {_cn(kd)} and value.dtype: {_cn(vd)} instead.")
    if not qd.is_floating_point:
        raise RuntimeError(f"\"scaled_dot_product_attention\" not implemented for '{_cn(qd)}'")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError("scaled_dot_product_attention: query, key and value must be at "
                           "least 2-D")
    if attn_mask is not None:
        md = attn_mask._dtype
        if md is not _dt.bool and md is not qd:
            raise RuntimeError(
                f"Expected attn_mask dtype to be bool or float or to match query dtype, but "
                f"got attn_mask.dtype: {_cn(md)} and  query.dtype: {_cn(qd)} instead.")
    E = query.shape[-1]
    if key.shape[-1] != E:
        raise RuntimeError(f"Expected query and key to have the same embedding dimension, got "
                           f"{E} and {key.shape[-1]}")
    rep = 1
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hq % hk:
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in query")
        rep = hq // hk
    if scale is None:
        scale = 1.0 / math.sqrt(E) if E else 1.0
    return apply(ScaledDotProductAttention, query, key, value, attn_mask,
                 dropout_p=float(dropout_p), is_causal=bool(is_causal), scale=float(scale),
                 rep=rep, weights=weights, safe=safe)


def _cn(dt) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "bool": "bool", "int64": "long int"}.get(
                dt.name, dt.name)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """Fused attention (torch.nn.functional.scaled_dot_product_attention)."""
    out = _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    node = out._grad_fn
    if node is not None:
        node._saved_mask = attn_mask
    return out


def _sdpa_weights(q, k, v, mask, dropout_p):
    """(output, probabilities) with torch's plain softmax (need_weights path of MHA)."""
    out, w = _sdpa(q, k, v, mask, dropout_p, False, None, False, weights=True, safe=False)
    node = out._grad_fn or w._grad_fn
    if node is not None:
        node._saved_mask = mask
    return out, w


# --- multi-head attention -----------------------------------------------------------------

def _linear(x, w, b):
    """x @ w^T + b on the last dim with one GEMM (addmm when 2-D)."""
    from .linalg import addmm
    if x.dim() == 2 and b is not None:
        return addmm(b, x, w.t())
    if b is not None and x.dim() > 2:
        lead = tuple(x.shape[:-1])
        return addmm(b, x.reshape(-1, x.shape[-1]), w.t()).reshape(*lead, w.shape[0])
    y = matmul(x, w.t())
    return y + b if b is not None else y


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    if mask is None:
        return None
    md = mask._dtype
    is_float = md.is_floating_point
    if md is not _dt.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and md is not other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if not is_float:
        arr = np.zeros(mask._data.shape, target_type.np)
        arr[mask._data] = -np.inf
        return _make(arr, mask._device)
    return mask


def _none_or_dtype(t):
    if t is None:
        return None
    if isinstance(t, Tensor):
        return t._dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                f"found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                f"but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                    f"but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                exp = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != exp:
                    raise AssertionError(
                        f"Expected `attn_mask` shape to be {exp} but got {attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _pad_last(mask):
    from .padding import pad
    return pad(mask, (0, 1))


def multi_head_attention_forward(
        query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
        bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
        training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
        use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
        v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
        is_causal=False):
    """torch.nn.functional.multi_head_attention_forward (sequence-first layout)."""
    from .indexing import cat
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query._dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query._dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    # in-projection: one GEMM for packed self-attention
    E = embed_dim
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        if key is value and query is key:
            proj = _linear(query, in_proj_weight, in_proj_bias)
            q, k, v = proj.unflatten(-1, (3, E)).unbind(-2)
        elif key is value:
            w_q, w_kv = in_proj_weight.split([E, 2 * E])
            b_q, b_kv = (None, None) if in_proj_bias is None else in_proj_bias.split([E, 2 * E])
            q = _linear(query, w_q, b_q)
            k, v = _linear(key, w_kv, b_kv).unflatten(-1, (2, E)).unbind(-2)
        else:
            w_q, w_k, w_v = in_proj_weight.chunk(3)
            b_q = b_k = b_v = None
            if in_proj_bias is not None:
                b_q, b_k, b_v = in_proj_bias.chunk(3)
            q, k, v = _linear(query, w_q, b_q), _linear(key, w_k, b_k), _linear(value, w_v, b_v)
    else:
        for w, n in ((q_proj_weight, "q"), (k_proj_weight, "k"), (v_proj_weight, "v")):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {n}_proj_weight is "
                                     "None")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        Eq, Ek, Ev = query.shape[-1], key.shape[-1], value.shape[-1]
        for w, shp, n in ((q_proj_weight, (Eq, Eq), "query"), (k_proj_weight, (Eq, Ek), "key"),
                          (v_proj_weight, (Eq, Ev), "value")):
            if tuple(w.shape) != shp:
                raise AssertionError(f"expecting {n} weights shape of {shp}, but got {w.shape}")
        q = _linear(query, q_proj_weight, b_q)
        k = _linear(key, k_proj_weight, b_k)
        v = _linear(value, v_proj_weight, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    # (L, N, E) -> (N, H, L, D) views
    q = q.reshape(tgt_len, bsz, num_heads, head_dim).permute(1, 2, 0, 3)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz, num_heads, head_dim).permute(1, 2, 0, 3)
    else:
        if static_k.size(0) != bsz * num_heads:
            raise AssertionError(f"expecting static_k.size(0) of {bsz * num_heads}, but got "
                                 f"{static_k.size(0)}")
        if static_k.size(2) != head_dim:
            raise AssertionError(f"expecting static_k.size(2) of {head_dim}, but got "
                                 f"{static_k.size(2)}")
        k = static_k.reshape(bsz, num_heads, static_k.shape[1], head_dim)
    if static_v is None:
        v = v.reshape(v.shape[0], bsz, num_heads, head_dim).permute(1, 2, 0, 3)
    else:
        if static_v.size(0) != bsz * num_heads:
            raise AssertionError(f"expecting static_v.size(0) of {bsz * num_heads}, but got "
                                 f"{static_v.size(0)}")
        if static_v.size(2) != head_dim:
            raise AssertionError(f"expecting static_v.size(2) of {head_dim}, but got "
                                 f"{static_v.size(2)}")
        v = static_v.reshape(bsz, num_heads, static_v.shape[1], head_dim)

    if add_zero_attn:
        from .creation import zeros
        zshape = (bsz, num_heads, 1, head_dim)
        k = cat([k, zeros(zshape, dtype=k.dtype)], dim=2)
        v = cat([v, zeros(zshape, dtype=v.dtype)], dim=2)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[2]

    # merged additive mask, broadcastable to (N, H, L, S)
    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else
                     attn_mask.reshape(bsz, num_heads, tgt_len, src_len))
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0

    if need_weights:
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        out, w = _sdpa_weights(q, k, v, attn_mask, dropout_p)
    else:
        out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
        w = None
    # (N, H, L, D) -> (L, N, E)
    out = out.permute(2, 0, 1, 3).reshape(tgt_len * bsz, embed_dim)
    out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if w is not None:
        if w.shape[1] != num_heads or w.shape[0] != bsz:
            w = w.expand(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            w = w.mean(dim=1)
    if not is_batched:
        out = out.squeeze(1)
        if w is not None:
            w = w.squeeze(0)
    return out, w
