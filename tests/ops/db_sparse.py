"""Registry entries for embedding, embedding_bag and one_hot (ember/ops/sparse.py)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r, ri


def S(*a, noncontig=False, name="", grad=True, **kw):
    return Sample(a, kw, grad=grad, noncontig=noncontig, name=name)


def _emb(lib, i, w, **kw):
    return lib.nn.functional.embedding(i, w, **kw)


def _emb_renorm(lib, i, w, **kw):
    w2 = w.detach().clone()
    out = lib.nn.functional.embedding(i, w2, **kw)
    return out, w2


def _bag(lib, i, w, *rest, **kw):
    off = rest[0] if rest else None
    psw = rest[1] if len(rest) > 1 else None
    return lib.nn.functional.embedding_bag(i, w, off, per_sample_weights=psw, **kw)


_IDX = np.array([1, 2, 3, 2, 2, 9, 4, 0])


def _bag_samples():
    out = []
    for mode in ("sum", "mean", "max"):
        out += [S(_IDX, r(10, 3), np.array([0, 2, 2, 5]), mode=mode, name=mode),
                S(ri(3, 4, low=0, high=6), r(6, 2), mode=mode, name=mode + "_2d"),
                S(_IDX, r(10, 3), np.array([0, 3, 3, 8]), mode=mode, include_last_offset=True,
                  name=mode + "_last"),
                S(_IDX, r(10, 3), np.array([0, 2, 5]), mode=mode, padding_idx=2,
                  name=mode + "_pad")]
    out.insert(0, out.pop(0))
    out += [S(_IDX, r(10, 3), np.array([0, 2, 2, 5]), r(8), mode="sum", name="psw"),
            S(ri(2, 3, low=0, high=5), r(5, 4), None, r(2, 3), mode="sum", name="psw_2d"),
            S(_IDX, r(10, 3, dtype=np.float64), np.array([0, 4]), mode="mean", name="f64")]
    return out


OPS = [
    OpInfo("embedding", _emb, lambda: [
        S(np.array([[1, 2, 3], [2, 2, 9]]), r(10, 3), name="2d"),
        S(np.array([1, 2, 3, 2]), r(5, 4), padding_idx=2, name="pad"),
        S(np.array([1, 4, 3, 4]), r(5, 4), padding_idx=-1, name="pad_neg"),
        S(np.array([[1, 2], [2, 2]]), r(5, 4), scale_grad_by_freq=True, name="freq"),
        S(np.array([[0, 2], [2, 3]], dtype=np.int32), r(5, 4), noncontig=True, name="i32_nc"),
        S(np.array(3), r(5, 2), name="0d"),
        S(np.zeros((0, 2), np.int64), r(5, 2), name="empty"),
        S(np.array([1, 0, 1]), r(3, 2, dtype=np.float64), padding_idx=0,
          scale_grad_by_freq=True, name="f64")],
        errors=lambda: [ErrorSample((np.array([5]), r(3, 2)), {}, IndexError),
                        ErrorSample((np.array([1.0]), r(3, 2)), {}),
                        ErrorSample((np.array([1]), r(3, 2)), {"padding_idx": 3},
                                    AssertionError)]),
    OpInfo("embedding_renorm", _emb_renorm, lambda: [
        S(np.array([[1, 2, 3], [2, 2, 9]]), r(10, 3), max_norm=1.0, name="l2"),
        S(np.array([1, 2, 3]), r(10, 3), max_norm=1.5, norm_type=1.0, name="l1"),
        S(np.array([1, 2, 3]), r(10, 3), max_norm=0.5, norm_type=float("inf"), name="inf")],
        grad=False),
    OpInfo("embedding_bag", _bag, _bag_samples, errors=lambda: [
        ErrorSample((_IDX, r(10, 3)), {}, ValueError),
        ErrorSample((_IDX, r(10, 3), np.array([0, 2])), {"mode": "foo"}, ValueError),
        ErrorSample((_IDX, r(10, 3), np.array([0, 2]), r(8)), {"mode": "mean"},
                    NotImplementedError),
        ErrorSample((ri(2, 3, low=0, high=5), r(5, 4), np.array([0, 2])), {}, ValueError)]),
    OpInfo("one_hot", lambda lib, x, **kw: lib.nn.functional.one_hot(x, **kw), lambda: [
        S(np.array([[1, 2, 3], [0, 2, 4]]), name="infer"),
        S(np.array([1, 0]), num_classes=4, name="n"),
        S(np.array(2), num_classes=3, name="0d"),
        S(np.zeros((0,), np.int64), num_classes=3, name="empty")], grad=False,
        errors=lambda: [ErrorSample((np.array([1, -1]),), {}),
                        ErrorSample((np.array([1, 3]),), {"num_classes": 2}),
                        ErrorSample((np.zeros((0,), np.int64),), {}),
                        ErrorSample((np.array([1.0]),), {})]),
]
