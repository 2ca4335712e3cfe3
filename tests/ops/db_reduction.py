"""Registry entries for reductions, scans and order statistics."""

import numpy as np

import ember
from tests.ops.opinfo import ErrorSample, OpInfo, Sample, Tol, pos, r, ri


def _distinct(*shape, dtype=np.float32):
    """Random floats with no ties (a permutation of a spread grid, plus noise)."""
    n = int(np.prod(shape)) if shape else 1
    v = (np.random.permutation(n) - n / 2) * 0.37 + np.random.uniform(-0.1, 0.1, n)
    return v.reshape(shape).astype(dtype)


def _red_samples(ints=True, bools=False, empty=True):
    s = [
        Sample((r(3, 4),), name="full"),
        Sample((r(3, 4),), {"dim": 1}, name="dim1"),
        Sample((r(3, 4, 2),), {"dim": (0, 2), "keepdim": True}, name="tuple_keep"),
        Sample((r(3, 4),), {"dim": -1, "keepdim": False}, name="neg"),
        Sample((r(2, 3, 4),), {"dim": -2, "keepdim": True}, name="neg_keep"),
        Sample((r(),), name="zerodim"),
        Sample((r(),), {"dim": 0}, name="zerodim_dim"),
        Sample((r(3, 4),), {"dim": 0}, noncontig=True, name="noncontig"),
        Sample((r(3, 4, dtype=np.float64),), {"dim": 1}, name="f64"),
    ]
    if empty:
        s.append(Sample((r(0, 3),), {"dim": 0}, name="empty"))
        s.append(Sample((r(0, 3),), name="empty_full"))
    if ints:
        s.append(Sample((ri(3, 4),), {"dim": 0}, name="int"))
        s.append(Sample((ri(3, 4, dtype=np.int32),), name="int32"))
    if bools:
        s.append(Sample((ri(3, 4, low=0, high=2).astype(bool),), {"dim": 1}, name="bool"))
    return s


def _sorted_samples():
    return [
        Sample((_distinct(3, 5),), name="last"),
        Sample((_distinct(3, 5),), {"dim": 0}, name="dim0"),
        Sample((_distinct(2, 3, 4),), {"dim": -2}, name="neg"),
        Sample((_distinct(4, 3),), {"dim": 0}, noncontig=True, name="noncontig"),
        Sample((_distinct(5, dtype=np.float64),), name="f64"),
        Sample((r(),), name="zerodim"),
        Sample((ri(3, 6),), {"dim": 1}, name="int"),
    ]


def _mm_fn(name):
    def fn(lib, a, **k):
        return getattr(lib, name)(a, **k)
    return fn


def _max_dim(lib, a, dim, keepdim=False):
    return lib.max(a, dim, keepdim)


def _min_dim(lib, a, dim, keepdim=False):
    res = a.min(dim, keepdim=keepdim)
    _, i = res  # tuple unpacking
    return res.values, i


def _tie(*shape):
    x = np.round(np.random.uniform(-2, 2, shape)).astype(np.float32)
    x.reshape(-1)[[1, 4]] = 5.0
    return x


def _dim_samples():
    return [
        Sample((_distinct(3, 4), 1), name="dim1"),
        Sample((_distinct(3, 4), 0, True), name="keep"),
        Sample((_distinct(2, 3, 4), -1), name="neg"),
        Sample((_distinct(3, 4), 1), noncontig=True, name="noncontig"),
        Sample((r(), 0), name="zerodim"),
        Sample((ri(3, 4), 1), name="int"),
        Sample((_distinct(3, 4, dtype=np.float64), 0), name="f64"),
        Sample((r(0, 3), 1), name="empty_other_dim"),
    ]


def _var_samples():
    return [
        Sample((r(3, 4),), name="full"),
        Sample((r(3, 4),), {"dim": 1}, name="dim1"),
        Sample((r(3, 4, 2),), {"dim": (0, 2), "keepdim": True}, name="tuple_keep"),
        Sample((r(3, 4),), {"dim": -1, "correction": 0}, name="corr0"),
        Sample((r(3, 4),), {"dim": 0, "unbiased": False}, name="unbiased_false"),
        Sample((r(3, 4),), {"dim": 0, "correction": 2, "keepdim": True}, name="corr2"),
        Sample((r(3, 4),), {"dim": 1}, noncontig=True, name="noncontig"),
        Sample((r(3, 4, dtype=np.float64),), {"dim": 1}, name="f64"),
    ]


def _norm_samples():
    return [
        Sample((r(3, 4),), name="fro"),
        Sample((r(3, 4),), {"p": 2, "dim": 1}, name="p2dim"),
        Sample((r(3, 4),), {"p": 1, "dim": 0, "keepdim": True}, name="p1"),
        Sample((r(3, 4),), {"p": 3, "dim": -1}, name="p3"),
        Sample((_distinct(3, 4),), {"p": float("inf"), "dim": 1}, name="inf"),
        Sample((_distinct(3, 4),), {"p": float("-inf")}, name="neginf"),
        Sample((r(3, 4),), {"p": 0, "dim": 1}, name="p0"),
        Sample((r(2, 3, 4),), {"p": "fro", "dim": (1, 2)}, name="fro_dims"),
        Sample((r(3, 4),), {"p": "nuc"}, name="nuc"),
        Sample((r(3, 4),), {"p": 1.5}, noncontig=True, name="noncontig"),
        Sample((r(3, 4, dtype=np.float64),), name="f64"),
        Sample((r(),), name="zerodim"),
        Sample((r(0, 3),), {"p": 2, "dim": 0}, name="empty"),
    ]


def _cum_samples(ints=True):
    s = [
        Sample((r(3, 4), 1), name="dim1"),
        Sample((r(3, 4), 0), name="dim0"),
        Sample((r(2, 3, 4), -2), name="neg"),
        Sample((r(3, 4), 1), noncontig=True, name="noncontig"),
        Sample((r(), 0), name="zerodim"),
        Sample((r(0, 3), 0), name="empty"),
        Sample((r(3, 4, dtype=np.float64), 1), name="f64"),
    ]
    if ints:
        s.append(Sample((ri(3, 4), 1), name="int"))
        s.append(Sample((ri(3, 4, low=0, high=2).astype(bool), 0), name="bool"))
    return s


def _cumprod_samples():
    z = r(3, 5)
    z[0, 2] = 0.0
    z[1, 0] = 0.0
    z[2, 1] = 0.0
    z[2, 3] = 0.0
    return _cum_samples() + [Sample((z, 1), name="zeros")]


def _prod_samples():
    z = r(3, 4)
    z[0, 1] = 0.0
    z[2, 0] = 0.0
    z[2, 3] = 0.0
    s = [Sample((pos(3, 4),), name="full"),
         Sample((r(3, 4),), {"dim": 1}, name="dim1"),
         Sample((r(3, 4),), {"dim": 0, "keepdim": True}, name="keep"),
         Sample((r(2, 3, 4),), {"dim": -1}, name="neg"),
         Sample((r(),), name="zerodim"),
         Sample((r(0, 3),), {"dim": 0}, name="empty"),
         Sample((r(3, 4),), {"dim": 1}, noncontig=True, name="noncontig"),
         Sample((r(3, 4, dtype=np.float64),), {"dim": 1}, name="f64"),
         Sample((ri(3, 4),), {"dim": 0}, name="int"),
         Sample((ri(3, 4, low=0, high=2).astype(bool),), name="bool"),
         Sample((z,), {"dim": 1}, name="zeros_dim"),
         Sample((z,), name="zeros_full")]
    one = pos(5)
    one[2] = 0
    s.append(Sample((one,), name="one_zero"))
    return s


def _cummax_fn(name):
    def fn(lib, a, dim):
        res = getattr(lib, name)(a, dim)
        return res.values, res.indices
    return fn


def _median_samples():
    even = _distinct(3, 4)
    return [
        Sample((_distinct(3, 5),), name="full_odd"),
        Sample((even,), name="full_even"),
        Sample((_distinct(3, 5),), {"dim": 1}, name="dim1"),
        Sample((even,), {"dim": 1, "keepdim": True}, name="even_keep"),
        Sample((_distinct(2, 3, 4),), {"dim": -2}, name="neg"),
        Sample((_distinct(3, 4),), {"dim": 0}, noncontig=True, name="noncontig"),
        Sample((r(),), name="zerodim"),
        Sample((ri(3, 5),), name="int_full"),
        Sample((_distinct(3, 5, dtype=np.float64),), {"dim": 1}, name="f64"),
        Sample((_tie(3, 3),), name="ties_full"),
    ]


def _nan_arr():
    x = _distinct(3, 5)
    x[0, 1] = np.nan
    x[2, 0] = np.nan
    x[2, 4] = np.nan
    return x


def _dict_out(res):
    return res.values, res.indices


def _sort_fn(lib, a, **k):
    res = lib.sort(a, **k)
    v, _ = res
    return v, res.indices


def _topk_fn(lib, a, k, **kw):
    res = a.topk(k, **kw)
    if kw.get("sorted", True) is False:
        v, _ = lib.sort(res.values, dim=kw.get("dim", -1), descending=kw.get("largest", True))
        return v
    return res.values, res.indices


def _unique_fn(lib, a, **k):
    return lib.unique(a, **k)


def _mode_samples():
    a = np.random.randint(0, 3, (4, 7)).astype(np.float32)
    return [
        Sample((a,), name="last"),
        Sample((a,), {"dim": 0}, name="dim0"),
        Sample((a, 1, True), name="keep"),
        Sample((ri(3, 6, low=0, high=3),), name="int"),
        Sample((a,), noncontig=True, name="noncontig"),
        Sample((r(),), name="zerodim"),
    ]


def _mode_fn(lib, a, *args, **k):
    res = lib.mode(a, *args, **k)
    return res.values, res.indices


OPS = [
    OpInfo("sum", lambda lib, a, **k: lib.sum(a, **k),
           lambda: _red_samples(bools=True) + [
               Sample((r(3, 4),), {"dtype": ember.float64}, name="dtype"),
               Sample((ri(3, 4),), {"dim": 1, "dtype": ember.float32}, name="int_dtype"),
               Sample((r(3, 4).astype(np.float16),), {"dim": 1}, name="half")],
           errors=lambda: [ErrorSample((r(3, 4),), {"dim": 2}, IndexError),
                           ErrorSample((r(3, 4),), {"dim": (1, 1)}, RuntimeError)]),
    OpInfo("sum_method", lambda lib, a, *d, **k: a.sum(*d, **k),
           lambda: [Sample((r(3, 4), 1)), Sample((r(3, 4), (0, 1), True))]),
    OpInfo("mean", lambda lib, a, **k: lib.mean(a, **k),
           lambda: _red_samples(ints=False) + [
               Sample((r(3, 4).astype(np.float16),), {"dim": 1}, name="half")],
           errors=lambda: [ErrorSample((ri(3, 4),)),
                           ErrorSample((r(3, 4),), {"dim": 3}, IndexError)]),
    OpInfo("nansum", lambda lib, a, **k: lib.nansum(a, **k),
           lambda: _red_samples(empty=True) + [Sample((_nan_arr(),), {"dim": 1}, name="nan"),
                                               Sample((_nan_arr(),), name="nan_full")]),
    OpInfo("nanmean", lambda lib, a, **k: lib.nanmean(a, **k),
           lambda: _red_samples(ints=False, empty=False) + [
               Sample((_nan_arr(),), {"dim": 1}, name="nan"),
               Sample((_nan_arr(),), name="nan_full")],
           errors=lambda: [ErrorSample((ri(3, 4),))]),
    OpInfo("prod", lambda lib, a, **k: lib.prod(a, **k), _prod_samples,
           errors=lambda: [ErrorSample((r(3, 4),), {"dim": 2}, IndexError)]),
    OpInfo("max_full", lambda lib, a: lib.max(a),
           lambda: [Sample((_distinct(3, 4),)), Sample((_tie(3, 4),), name="ties"),
                    Sample((r(),), name="zerodim"), Sample((ri(3, 4),), name="int"),
                    Sample((_distinct(3, 4),), noncontig=True, name="noncontig"),
                    Sample((ri(3, 4, low=0, high=2).astype(bool),), name="bool")],
           errors=lambda: [ErrorSample((r(0, 3),), {}, RuntimeError)]),
    OpInfo("min_full", lambda lib, a: a.min(),
           lambda: [Sample((_distinct(3, 4),)), Sample((-_tie(3, 4),), name="ties"),
                    Sample((ri(3, 4),), name="int")]),
    OpInfo("max_dim", _max_dim, _dim_samples,
           errors=lambda: [ErrorSample((r(0, 3), 0), {}, IndexError),
                           ErrorSample((r(3, 3), 2), {}, IndexError)]),
    OpInfo("min_dim", _min_dim, _dim_samples,
           errors=lambda: [ErrorSample((r(0, 3), 0), {}, IndexError)]),
    OpInfo("max_binary", lambda lib, a, b: lib.max(a, b),
           lambda: [Sample((r(3, 4), r(3, 4))), Sample((r(3, 4), r(4)), name="bcast"),
                    Sample((ri(3, 4), ri(3, 4)), name="int")]),
    OpInfo("min_binary", lambda lib, a, b: lib.min(a, b),
           lambda: [Sample((r(3, 4), r(3, 4))), Sample((r(3, 1), r(4)), name="bcast")]),
    OpInfo("amax", lambda lib, a, **k: lib.amax(a, **k),
           lambda: [s for s in _red_samples(empty=False, bools=True)] + [
               Sample((_tie(3, 4),), {"dim": 1}, name="ties"),
               Sample((_tie(3, 4),), name="ties_full"),
               Sample((r(0, 3),), {"dim": 1}, name="empty_other")],
           errors=lambda: [ErrorSample((r(0, 3),), {"dim": 0}, IndexError),
                           ErrorSample((r(0, 3),), {}, RuntimeError)]),
    OpInfo("amin", lambda lib, a, **k: lib.amin(a, **k),
           lambda: [s for s in _red_samples(empty=False)] + [
               Sample((-_tie(3, 4),), {"dim": (0, 1)}, name="ties")],
           errors=lambda: [ErrorSample((r(0, 3),), {"dim": 0}, IndexError)]),
    OpInfo("argmax", lambda lib, a, **k: lib.argmax(a, **k),
           lambda: [Sample((_distinct(3, 4),)), Sample((_distinct(3, 4),), {"dim": 1}),
                    Sample((_distinct(3, 4),), {"dim": 0, "keepdim": True}),
                    Sample((_distinct(3, 4),), {"keepdim": True}, name="full_keep"),
                    Sample((ri(3, 4),), {"dim": -1}), Sample((r(),)),
                    Sample((_distinct(3, 4),), {"dim": 1}, noncontig=True)],
           errors=lambda: [ErrorSample((r(0, 3),), {}, IndexError),
                           ErrorSample((r(0, 3),), {"dim": 0}, IndexError)]),
    OpInfo("argmin", lambda lib, a, **k: a.argmin(**k),
           lambda: [Sample((_distinct(3, 4),)), Sample((_distinct(3, 4),), {"dim": 1}),
                    Sample((ri(3, 4),), {"dim": 0}, name="int")],
           errors=lambda: [ErrorSample((ri(3, 4, low=0, high=2).astype(bool),), {}, RuntimeError)]),
    OpInfo("aminmax", lambda lib, a, **k: tuple(lib.aminmax(a, **k)),
           lambda: [Sample((_distinct(3, 4),)), Sample((_distinct(3, 4),), {"dim": 1}),
                    Sample((_distinct(3, 4),), {"dim": 0, "keepdim": True}),
                    Sample((ri(3, 4),), {"dim": -1}, name="int"), Sample((r(),))],
           errors=lambda: [ErrorSample((r(0, 3),), {}, RuntimeError)]),
    OpInfo("aminmax_fields", lambda lib, a: (lib.aminmax(a).min, lib.aminmax(a).max),
           lambda: [Sample((_distinct(3, 4),))]),
    OpInfo("var", lambda lib, a, **k: lib.var(a, **k), _var_samples,
           errors=lambda: [ErrorSample((ri(3, 4),))]),
    OpInfo("var_positional", lambda lib, a, *args: a.var(*args),
           lambda: [Sample((r(3, 4), 1, False)), Sample((r(3, 4), False)),
                    Sample((r(3, 4), 0, True, True))]),
    OpInfo("std", lambda lib, a, **k: lib.std(a, **k), _var_samples,
           errors=lambda: [ErrorSample((ri(3, 4),))]),
    OpInfo("var_mean", lambda lib, a, **k: lib.var_mean(a, **k), _var_samples),
    OpInfo("std_mean", lambda lib, a, **k: lib.std_mean(a, **k), _var_samples),
    OpInfo("norm", lambda lib, a, **k: lib.norm(a, **k), _norm_samples,
           errors=lambda: [ErrorSample((ri(3, 4),))]),
    OpInfo("norm_method", lambda lib, a, *args: a.norm(*args),
           lambda: [Sample((r(3, 4), 2, 1)), Sample((r(3, 4),))]),
    OpInfo("logsumexp", lambda lib, a, d, *k: lib.logsumexp(a, d, *k),
           lambda: [Sample((r(3, 4), 1)), Sample((r(3, 4), (0, 1), True)),
                    Sample((r(2, 3, 4), -1)), Sample((r(), 0)),
                    Sample((r(3, 4) * 50, 0), name="large"),
                    Sample((r(3, 4), 1), noncontig=True), Sample((ri(3, 4), 1), name="int"),
                    Sample((r(0, 3), 0), name="empty"),
                    Sample((r(3, 4, dtype=np.float64), 1))]),
    OpInfo("cumsum", lambda lib, a, d: lib.cumsum(a, d), _cum_samples,
           errors=lambda: [ErrorSample((r(3, 4), 2), {}, IndexError)]),
    OpInfo("cumsum_dtype", lambda lib, a, d: a.cumsum(d, dtype=lib.float64),
           lambda: [Sample((r(3, 4), 1)), Sample((ri(3, 4), 0))]),
    OpInfo("cumprod", lambda lib, a, d: lib.cumprod(a, d), _cumprod_samples),
    OpInfo("cummax", _cummax_fn("cummax"),
           lambda: [Sample((_distinct(3, 5), 1)), Sample((_distinct(3, 5), 0)),
                    Sample((np.round(r(3, 6)), 1), grad=False, name="ties"),
                    Sample((ri(3, 5), 1), name="int"), Sample((r(), 0), name="zerodim"),
                    Sample((_distinct(3, 4), -1), noncontig=True)]),
    OpInfo("cummin", _cummax_fn("cummin"),
           lambda: [Sample((_distinct(3, 5), 1)), Sample((_distinct(2, 3, 4), -2)),
                    Sample((np.round(r(3, 6)), 1), grad=False, name="ties"),
                    Sample((ri(3, 5), 0), name="int")]),
    OpInfo("logcumsumexp", lambda lib, a, d: lib.logcumsumexp(a, d),
           lambda: [Sample((r(3, 4), 1)), Sample((r(3, 4), 0)), Sample((r(2, 3, 4), -2)),
                    Sample((r(), 0)), Sample((r(3, 4), 1), noncontig=True),
                    Sample((r(3, 4, dtype=np.float64), 1)), Sample((r(0, 3), 0))]),
    OpInfo("all", lambda lib, a, **k: lib.all(a, **k),
           lambda: [Sample((ri(3, 4, low=0, high=2).astype(bool),)),
                    Sample((ri(3, 4, low=0, high=2).astype(bool),), {"dim": 1}),
                    Sample((ri(3, 4, low=0, high=3),), {"dim": 0, "keepdim": True}),
                    Sample((ri(3, 4, low=0, high=3).astype(np.uint8),)),
                    Sample((r(3, 4),), {"dim": (0, 1)}),
                    Sample((r(0, 3).astype(bool),)), Sample((r(),))]),
    OpInfo("any", lambda lib, a, **k: a.any(**k),
           lambda: [Sample((ri(3, 4, low=0, high=2).astype(bool),)),
                    Sample((ri(3, 4, low=0, high=2).astype(bool),), {"dim": -1}),
                    Sample((np.zeros((3, 4), np.float32),), {"dim": 0}),
                    Sample((ri(3, 4, low=0, high=3).astype(np.uint8),), {"dim": 1})]),
    OpInfo("count_nonzero", lambda lib, a, **k: lib.count_nonzero(a, **k),
           lambda: [Sample((ri(3, 4, low=0, high=2),)), Sample((ri(3, 4, low=0, high=2),),
                                                            {"dim": 1}),
                    Sample((ri(3, 4, low=0, high=2),), {"dim": (0, 1)}),
                    Sample((ri(3, 4, low=0, high=2).astype(np.float32),), {"dim": -1})]),
    OpInfo("median", lambda lib, a, **k: lib.median(a, **k), _median_samples,
           errors=lambda: [ErrorSample((r(0, 3),), {"dim": 0}, IndexError)]),
    OpInfo("median_nan", lambda lib, a, **k: lib.median(a, **k),
           lambda: [Sample((_nan_arr(),), {"dim": 1}, grad=False),
                    Sample((_nan_arr(),), grad=False)]),
    OpInfo("nanmedian", lambda lib, a, **k: lib.nanmedian(a, **k),
           lambda: _median_samples()[:6] + [Sample((_nan_arr(),), {"dim": 1}),
                                            Sample((_nan_arr(),), name="nan_full")]),
    # mode's samples always hold ties, where it is not differentiable: no gradcheck
    OpInfo("mode", _mode_fn, _mode_samples, gradcheck=False,
           errors=lambda: [ErrorSample((r(3, 0),), {}, IndexError)]),
    OpInfo("sort", _sort_fn,
           lambda: _sorted_samples() + [
               Sample((_distinct(3, 5),), {"descending": True}, name="desc"),
               Sample((np.round(r(4, 6)),), {"stable": True}, grad=False, name="stable_ties"),
               Sample((np.round(r(4, 6)),), {"stable": True, "descending": True}, grad=False,
                      name="stable_desc_ties"),
               Sample((_nan_arr(),), {"descending": True}, grad=False, name="nan_desc"),
               Sample((_nan_arr(),), grad=False, name="nan"),
               Sample((ri(3, 4, low=0, high=2).astype(bool),), {"stable": True},
                      name="bool"),
               Sample((r(0, 3),), name="empty")],
           errors=lambda: [ErrorSample((r(3, 4),), {"dim": 2}, IndexError)]),
    OpInfo("argsort", lambda lib, a, **k: lib.argsort(a, **k),
           lambda: [Sample((_distinct(3, 5),)), Sample((_distinct(3, 5),), {"dim": 0}),
                    Sample((_distinct(3, 5),), {"descending": True}),
                    Sample((ri(3, 8, low=0, high=3),), {"stable": True, "dim": 1}),
                    Sample((ri(3, 8, low=0, high=3),), {"stable": True, "descending": True})]),
    OpInfo("msort", lambda lib, a: lib.msort(a),
           lambda: [Sample((_distinct(4, 3),)), Sample((ri(5),))]),
    OpInfo("topk", _topk_fn,
           lambda: [Sample((_distinct(3, 6), 2)), Sample((_distinct(3, 6), 3),
                                                         {"largest": False}),
                    Sample((_distinct(4, 3), 2), {"dim": 0}),
                    Sample((_distinct(2, 40), 3), name="partition"),
                    Sample((_distinct(2, 40), 3), {"largest": False}, name="partition_small"),
                    Sample((_distinct(3, 6), 4), {"sorted": False}, name="unsorted"),
                    Sample((_distinct(3, 6), 0), name="k0"),
                    Sample((np.random.permutation(18).reshape(3, 6), 2), name="int"),
                    Sample((r(), 1), name="zerodim"),
                    Sample((_distinct(3, 6), 2), noncontig=True)],
           errors=lambda: [ErrorSample((r(3, 4), 5), {}, RuntimeError)]),
    OpInfo("kthvalue", lambda lib, a, k, *args, **kw: tuple(lib.kthvalue(a, k, *args, **kw)),
           lambda: [Sample((_distinct(3, 6), 2)), Sample((_distinct(3, 6), 6), {"dim": 1}),
                    Sample((_distinct(4, 3), 1, 0, True)),
                    Sample((np.random.permutation(18).reshape(3, 6), 3)),
                    Sample((r(), 1)), Sample((_distinct(3, 6), 3), noncontig=True)],
           errors=lambda: [ErrorSample((r(3, 4), 5), {}, RuntimeError),
                           ErrorSample((r(3, 0), 1), {}, IndexError)]),
    OpInfo("unique", _unique_fn,
           lambda: [Sample((ri(10, low=0, high=4),)),
                    Sample((ri(3, 4, low=0, high=4),), {"return_inverse": True,
                                                        "return_counts": True}),
                    Sample((ri(3, 4, low=0, high=4),), {"return_counts": True}),
                    Sample((np.round(r(3, 4)),), {"return_inverse": True}),
                    Sample((np.array([[1, 2], [3, 4], [1, 2]]),), {"dim": 0,
                                                                   "return_inverse": True,
                                                                   "return_counts": True}),
                    Sample((np.array([[1, 2, 1], [3, 4, 3]]),), {"dim": 1}),
                    Sample((ri(5, low=0, high=2).astype(bool),)),
                    Sample((r(0),),)],
           grad=False),
    OpInfo("unique_consecutive", lambda lib, a, **k: lib.unique_consecutive(a, **k),
           lambda: [Sample((np.array([1, 1, 2, 2, 3, 1, 1, 2]),)),
                    Sample((np.array([1, 1, 2, 2, 3, 1, 1, 2]),), {"return_inverse": True,
                                                                   "return_counts": True}),
                    Sample((np.array([[1, 1, 2], [1, 1, 2]]),), {"return_counts": True}),
                    Sample((np.array([[1, 2], [1, 2], [3, 4], [1, 2]]),),
                           {"dim": 0, "return_inverse": True, "return_counts": True}),
                    Sample((np.array([[1., 2], [1, 2], [3, 4]]),), {"dim": 0})],
           grad=False),
]

_QMODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q(*vals, dtype=np.float32):
    return np.array(vals, dtype)


def _with_nans(*shape):
    """Distinct values with NaNs: one in row 0, row 1 all NaN (a NaN-free row stays)."""
    a = _distinct(*shape)
    a[0, 1] = np.nan
    a[1, :] = np.nan
    return a


def _quantile_samples(fn_name):
    s = [
        # first float32 sample (gradcheck): no rank falls on an integer, so d/dq is smooth
        Sample((_distinct(4, 5), _q(0.1, 0.35, 0.8)), {"dim": 1}, name="qvec_dim"),
        Sample((_distinct(4, 5), 0.3), name="scalar_q_full"),
        Sample((_distinct(4, 5), _q(0.3, 0.7)), {"dim": 0, "keepdim": True}, name="keep"),
        Sample((_distinct(4, 5), 0.4), {"keepdim": True}, name="full_keep"),
        Sample((_distinct(4, 5), _q(0.2, 0.9)), {"keepdim": True}, name="full_keep_qvec"),
        Sample((_distinct(2, 3, 4), np.array(0.6, np.float32)), {"dim": -2}, name="q0d"),
        Sample((r(), 0.5), name="zerodim"),
        Sample((r(), 0.5), {"dim": 0, "keepdim": True}, name="zerodim_keep"),
        Sample((_distinct(4, 5), _q(0.2, 0.6)), {"dim": 1}, noncontig=True, name="noncontig"),
        Sample((_distinct(4, 5, dtype=np.float64), _q(0.2, 0.6, dtype=np.float64)),
               {"dim": 1}, name="f64"),
        Sample((_distinct(3, 5), _q()), {"dim": 1}, grad=False, name="empty_q"),
        Sample((np.round(r(4, 6)), _q(0.3, 0.5)), {"dim": 1}, grad=False, name="ties"),
        # gradients at NaN results follow the order torch's sort gives equal NaNs (not
        # specified), so only values are compared for quantile's NaN slices
        Sample((_with_nans(3, 5), _q(0.0, 0.3, 1.0)), {"dim": 1},
               grad=fn_name == "nanquantile", name="nan_rows"),
        Sample((_with_nans(3, 5), 0.5), grad=False, name="nan_full"),
    ]
    for m in _QMODES:
        s.append(Sample((_distinct(3, 6), _q(0.0, 0.2, 0.5, 0.9, 1.0)),
                        {"dim": 1, "interpolation": m}, name=m))
        s.append(Sample((_with_nans(3, 6), _q(0.1, 0.5, 0.75)),
                        {"dim": 1, "interpolation": m}, grad=False, name=f"{m}_nan"))
    return s


def _quantile_errors():
    return [ErrorSample((r(3, 4), 1.5)), ErrorSample((ri(3, 4), 0.5)),
            ErrorSample((r(3, 4), _q(1.5))), ErrorSample((r(3, 4), _q(-0.1, 0.5))),
            ErrorSample((r(3, 4), np.zeros((1, 1), np.float32))),
            ErrorSample((r(3, 4), _q(0.5, dtype=np.float64))),
            ErrorSample((r(0, 3), 0.5)), ErrorSample((r(0, 3), 0.5, 1)),
            ErrorSample((r(3, 4), 0.5), {"interpolation": "foo"}),
            ErrorSample((r(3, 4), 0.5, 3), exc=IndexError)]


OPS += [
    OpInfo(name, (lambda n: lambda lib, a, q, *args, **k: getattr(lib, n)(a, q, *args, **k))(
        name), (lambda n: lambda: _quantile_samples(n))(name), errors=_quantile_errors)
    for name in ("quantile", "nanquantile")
] + [
    OpInfo("quantile_method", lambda lib, a, q, **k: a.quantile(q, **k),
           lambda: [Sample((_distinct(3, 4), _q(0.25, 0.4)), {"dim": 0})]),
    OpInfo("nanquantile_method", lambda lib, a, q, **k: a.nanquantile(q, **k),
           lambda: [Sample((_distinct(3, 4), 0.4), {"dim": 1}),
                    Sample((_with_nans(3, 4), 0.4), {"dim": 1})]),
]

_ = Tol  # tolerances: defaults suffice for these entries
