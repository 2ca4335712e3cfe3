"""Registry entries for the distance functions (ember/ops/distance.py)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r


def S(*a, noncontig=False, name="", grad=True, **kw):
    return Sample(a, kw, grad=grad, noncontig=noncontig, name=name)


def _cdist(lib, a, b, **kw):
    import torch
    fn = torch.cdist if lib is torch else lib.nn.functional.cdist
    return fn(a, b, **kw)


OPS = [
    OpInfo("cosine_similarity", lambda lib, a, b, **kw: lib.nn.functional.cosine_similarity(
        a, b, **kw), lambda: [
        S(r(5, 4), r(5, 4), name="2d"),
        S(r(3, 4), r(1, 4), dim=-1, name="bcast"),
        S(r(2, 3, 4), r(2, 3, 4), dim=0, noncontig=True, name="nc"),
        S(r(4), r(4), dim=0, eps=1e-6, name="1d"),
        S(r(3, 2, dtype=np.float64), r(3, 2, dtype=np.float64), name="f64"),
        S(r(3, 4, dtype=np.float16), r(3, 4, dtype=np.float16), name="f16", grad=False)],
        errors=lambda: [ErrorSample((r(3, 4), r(3, 5)), {})]),
    OpInfo("pairwise_distance", lambda lib, a, b, **kw: lib.nn.functional.pairwise_distance(
        a, b, **kw), lambda: [
        S(r(5, 4), r(5, 4), name="2d"),
        S(r(3, 4), r(1, 4), p=1.0, keepdim=True, name="p1_bcast"),
        S(r(2, 3, 4), r(2, 3, 4), p=3.0, noncontig=True, name="p3_nc"),
        S(r(4), r(4), eps=1e-3, name="1d"),
        S(r(3, 2, dtype=np.float64), r(3, 2, dtype=np.float64), p=float("inf"), name="f64")]),
    OpInfo("pdist", lambda lib, a, **kw: lib.nn.functional.pdist(a, **kw), lambda: [
        S(r(5, 4), name="p2"),
        S(r(4, 3), p=1.0, name="p1"),
        S(r(4, 3), p=3.0, noncontig=True, name="p3_nc"),
        S(r(3, 2, dtype=np.float64), p=float("inf"), name="f64")],
        errors=lambda: [ErrorSample((r(2, 3, 4),), {})]),
    OpInfo("cdist", _cdist, lambda: [
        S(r(5, 4), r(3, 4), name="p2"),
        S(r(2, 4, 3), r(2, 5, 3), p=1.0, name="p1_batch"),
        S(r(4, 3), r(2, 3), p=3.0, noncontig=True, name="p3_nc"),
        S(r(3, 2, dtype=np.float64), r(4, 2, dtype=np.float64), p=float("inf"), name="f64")],
        errors=lambda: [ErrorSample((r(3, 4), r(3, 5)), {}),
                        ErrorSample((r(4), r(3, 4)), {})]),
]
