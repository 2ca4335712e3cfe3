"""Registry entries for scaled_dot_product_attention (ember/ops/attention.py)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r


def S(*a, name="", noncontig=False, grad=True, **kw):
    return Sample(a, kw, grad=grad, noncontig=noncontig, name=name)


def _sdpa(lib, q, k, v, mask=None, **kw):
    return lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kw)


def _bool_mask(L, S_, dead_row=None):
    m = np.random.rand(L, S_) > 0.3
    m[:, 0] = True
    if dead_row is not None:
        m[dead_row] = False
    return m


def _samples():
    out = [
        S(r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4), name="4d"),
        S(r(3, 4), r(5, 4), r(5, 6), name="2d"),
        S(r(2, 3, 4), r(2, 5, 4), r(2, 5, 3), name="3d"),
        S(r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4), is_causal=True, name="causal"),
        S(r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4), mask=_bool_mask(3, 5), name="boolmask"),
        S(r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4), mask=_bool_mask(3, 5, dead_row=1),
          name="deadrow"),
        S(r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4), mask=r(2, 1, 3, 5), name="floatmask"),
        S(r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4), mask=_bool_mask(3, 5), is_causal=True,
          name="mask_causal"),
        S(r(2, 4, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4), enable_gqa=True, scale=0.25, name="gqa"),
        S(r(2, 2, 3, 4), r(2, 1, 5, 4), r(2, 1, 5, 4), name="bcast_heads"),
        S(r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4), noncontig=True, name="nc"),
        S(r(2, 2, 3, 4, dtype=np.float64), r(2, 2, 5, 4, dtype=np.float64),
          r(2, 2, 5, 4, dtype=np.float64), name="f64"),
        S(r(1, 2, 0, 4), r(1, 2, 5, 4), r(1, 2, 5, 4), name="empty"),
    ]
    return out


def _errors():
    return [
        ErrorSample((r(2, 3, 4), r(2, 5, 4, dtype=np.float64), r(2, 5, 4))),
        ErrorSample((r(2, 3, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4)), {"enable_gqa": True}),
    ]


OPS = [
    OpInfo("scaled_dot_product_attention", _sdpa, _samples, errors=_errors),
    OpInfo("scaled_dot_product_attention_half",
           _sdpa, lambda: [S(r(2, 2, 3, 4, dtype=np.float16), r(2, 2, 5, 4, dtype=np.float16),
                             r(2, 2, 5, 4, dtype=np.float16))], gradcheck=False),
]
