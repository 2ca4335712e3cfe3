"""Registry entries for indexing ops (ember/ops/indexing.py): __getitem__/__setitem__,
joins, gather/scatter, index_*, masked_*, take/put, triangles, nonzero."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r, ri


def S(*a, **k):
    return Sample(a, **k)


def _gi(key):
    return lambda lib, x: x[key(lib) if callable(key) else key]


_GET = [
    ("int", 1), ("neg_int", -1), ("slice", slice(1, None)), ("step", slice(None, None, 2)),
    ("none", (None, 1)), ("ellipsis", (Ellipsis, 1)), ("ell_none", (Ellipsis, None)),
    ("mixed", (1, slice(None), None, slice(0, 3, 2))), ("list", [0, 2]),
    ("dup_list", [1, 1, 0]), ("slice_list", (slice(1, None), None, [0, 2])),
    ("two_lists", ([0, 1], [2, 0])), ("sep_adv", ([0, 1], slice(None), [1, 2])),
    ("adv_mid", (slice(None), [0, 2, 1])), ("nested_list", [[0, 1], [1, 2]]),
    ("bool_list", [True, False, True]), ("np_idx", np.array([[0, 1], [2, 0]])),
    ("int_adv", (1, [0, 2], slice(None))), ("empty_list", ([],)), ("true", True),
    ("neg_adv", [-1, -3]), ("full", slice(None)), ("int_ell_int", (0, Ellipsis, 1)),
]


def _get_cases():
    out = []
    for name, key in _GET:
        out.append(OpInfo(f"getitem_{name}", _gi(key),
                          lambda: [S(r(3, 4, 5)), S(r(3, 4, 5), noncontig=True)]))
    out += [
        OpInfo("getitem_tensor_idx", lambda lib, x, i: x[i],
               lambda: [S(r(4, 3), np.array([3, 0, 3])), S(r(4, 3), np.array([[1], [2]])),
                        S(ri(4, 3), np.array([1, 2])), S(r(4, 3), np.array(2))]),
        OpInfo("getitem_tensor_idx2", lambda lib, x, i, j: x[i, :, j],
               lambda: [S(r(4, 3, 5), np.array([3, 0]), np.array([[1], [4]]))]),
        OpInfo("getitem_mask", lambda lib, x, m: x[m],
               lambda: [S(r(3, 4), r(3, 4) > 0), S(r(3, 4), r(3) > 0), S(r(3, 4, 2), r(3, 4) > 0),
                        S(ri(3, 4), r(3, 4) > 0)]),
        OpInfo("getitem_mask_slice", lambda lib, x, m: x[1:, m],
               lambda: [S(r(3, 4), np.array([True, False, True, True]))]),
        OpInfo("getitem_0d", lambda lib, x: x[...], lambda: [S(r())]),
        OpInfo("getitem_0d_none", lambda lib, x: x[None], lambda: [S(r())]),
    ]
    return out


def _getitem_errors():
    return [ErrorSample((r(3, 4), 3), exc=IndexError),
            ErrorSample((r(3, 4), (0, 0, 0)), exc=IndexError),
            ErrorSample((r(3, 4), [0, 5]), exc=IndexError),
            ErrorSample((r(3, 4), [True, False]), exc=IndexError),
            ErrorSample((r(3, 4), ([0, 1], [0, 1, 2])), exc=IndexError)]


def _set(key):
    def fn(lib, x, v):
        y = x * 1
        y[key] = v
        return y
    return fn


def _set_scalar(key, val):
    def fn(lib, x):
        y = x * 1
        y[key] = val
        return y
    return fn


def _setitem_cases():
    return [
        OpInfo("setitem_int", _set(1), lambda: [S(r(3, 4), r(4)), S(r(3, 4), r(1)),
                                                S(r(3, 4), r(1, 4)), S(r(3, 4), r())]),
        OpInfo("setitem_slice", _set((slice(None), slice(1, 3))),
               lambda: [S(r(3, 4), r(3, 2)), S(r(3, 4), r(2)), S(r(3, 4), r(3, 2), noncontig=True)]),
        OpInfo("setitem_step_none", _set((slice(None, None, 2), None)),
               lambda: [S(r(3, 4), r(2, 1, 4))]),
        OpInfo("setitem_adv", _set([0, 2]), lambda: [S(r(3, 4), r(2, 4)), S(r(3, 4), r(4))]),
        OpInfo("setitem_adv2", _set(([0, 2], slice(None), [1, 0])),
               lambda: [S(r(3, 4, 2), r(2, 4))]),
        OpInfo("setitem_mask", lambda lib, x, m, v: _set(m)(lib, x, v),
               lambda: [S(r(3, 4), np.eye(3, 4, dtype=bool), r(3)),
                        S(r(3, 4), np.eye(3, 4, dtype=bool), r())]),
        OpInfo("setitem_scalar", _set_scalar((Ellipsis, 0), 2.5),
               lambda: [S(r(3, 4)), S(ri(3, 4)), S(r(3, 4), noncontig=True)]),
        OpInfo("setitem_scalar_adv", _set_scalar([1, 1], -1), lambda: [S(r(3, 4)), S(ri(3))]),
        OpInfo("setitem_cast", _set(0), lambda: [S(ri(3, 4), ri(4)), S(r(3, 4, dtype=np.float64),
                                                                       r(4))]),
        OpInfo("setitem_mask_scalar", lambda lib, x, m: _set_scalar(m, 0.0)(lib, x),
               lambda: [S(r(3, 4), r(3, 4) > 0), S(r(3, 4), r(3) > 0)]),
    ]


def _setitem_errors():
    def f(lib, x, key, v):
        x[key] = v
    return [ErrorSample((r(3, 4), 5, 1.0), exc=IndexError),
            ErrorSample((r(3, 4), 0, r(3)), exc=RuntimeError)], f


_se, _sf = _setitem_errors()

_I = np.array


def _scatter_idx():
    return _I([[0, 1, 2, 0], [1, 2, 0, 1]])


def _uniq_idx():
    return _I([[0, 1, 2, 3], [1, 2, 0, 3]])


OPS = _get_cases() + _setitem_cases() + [
    OpInfo("getitem_errors", lambda lib, x, k: x[k], lambda: [S(r(3, 4), 0)],
           errors=_getitem_errors),
    OpInfo("setitem_errors", lambda lib, x, k, v: _sf(lib, x, k, v),
           lambda: [S(r(3, 4), 0, 1.0)], grad=False, errors=lambda: _se),
    OpInfo("cat", lambda lib, *ts: lib.cat(ts[:2], *ts[2:]) if not isinstance(ts[0], list)
           else lib.cat(ts[0], *ts[1:]),
           lambda: [S([r(2, 3), r(4, 3)]), S([r(2, 3), r(2, 1)], 1), S([r(2, 3), r(2, 2)], -1),
                    S([r(2, 3), r(0)]), S([r(2, 3, dtype=np.float64), r(1, 3)]),
                    S([ri(2, 3), r(1, 3)]), S([ri(2), ri(3)]), S([r(0, 3), r(2, 3)]),
                    S([r(2, 3), r(2, 3)], 1, noncontig=True)],
           errors=lambda: [ErrorSample((r(2, 3), r(2, 4))),
                           ErrorSample((r(2, 3), r(2, 3), 2), exc=IndexError),
                           ErrorSample((r(), r()))]),
    OpInfo("concat", lambda lib, ts: lib.concat(ts, dim=1), lambda: [S([r(2, 3), r(2, 1)])]),
    OpInfo("stack", lambda lib, ts, *d: lib.stack(ts, *d),
           lambda: [S([r(2, 3), r(2, 3)]), S([r(2, 3), r(2, 3)], 2), S([r(2, 3)], -1),
                    S([r(), r()]), S([ri(2), ri(2)], 1), S([r(2, 3), r(2, 3)], noncontig=True)],
           errors=None),
    OpInfo("hstack", lambda lib, ts: lib.hstack(ts),
           lambda: [S([r(2, 3), r(2, 1)]), S([r(3), r(2)]), S([r(), r(2)])]),
    OpInfo("vstack", lambda lib, ts: lib.vstack(ts), lambda: [S([r(3), r(2, 3)]),
                                                              S([r(), r()])]),
    OpInfo("dstack", lambda lib, ts: lib.dstack(ts), lambda: [S([r(3), r(3)]),
                                                              S([r(2, 3), r(2, 3, 2)])]),
    OpInfo("column_stack", lambda lib, ts: lib.column_stack(ts),
           lambda: [S([r(3), r(3, 2)]), S([r(), r()])]),
    OpInfo("atleast", lambda lib, a: (lib.atleast_1d(a), lib.atleast_2d(a), lib.atleast_3d(a)),
           lambda: [S(r()), S(r(3)), S(r(2, 3)), S(r(2, 3, 4))]),
    OpInfo("flip", lambda lib, a, d: lib.flip(a, d),
           lambda: [S(r(3, 4), (0,)), S(r(3, 4), (0, 1)), S(r(3, 4, 2), (-1, 0)), S(r(), ()),
                    S(ri(3), (0,)), S(r(3, 4), (1,), noncontig=True)],
           errors=lambda: [ErrorSample((r(3, 4), (0, 0))),
                           ErrorSample((r(3, 4), (2,)), exc=IndexError)]),
    OpInfo("fliplr_ud", lambda lib, a: (lib.fliplr(a), lib.flipud(a)), lambda: [S(r(3, 4))]),
    OpInfo("roll", lambda lib, a, s, *d: lib.roll(a, s, *d),
           lambda: [S(r(3, 4), 1), S(r(3, 4), -2, 1), S(r(3, 4), (1, 2), (0, 1)),
                    S(r(3, 4), 5, 0, noncontig=True), S(ri(5), 2)],
           errors=lambda: [ErrorSample((r(3, 4), (1, 2), 0))]),
    OpInfo("rot90", lambda lib, a, *p: lib.rot90(a, *p),
           lambda: [S(r(3, 4)), S(r(3, 4), 2), S(r(3, 4), -1), S(r(2, 3, 4), 3, (1, 2)),
                    S(r(3, 4), 4)],
           errors=lambda: [ErrorSample((r(3),)), ErrorSample((r(3, 4), 1, (0, 0)))]),
    OpInfo("repeat", lambda lib, a, *s: a.repeat(*s),
           lambda: [S(r(2, 3), 2, 1), S(r(2, 3), 2, 1, 3), S(r(3), 2, 2), S(r(), 3),
                    S(r(2, 3), 0, 1), S(ri(2), 2), S(r(2, 3), 2, 2, noncontig=True)],
           errors=lambda: [ErrorSample((r(2, 3), 2))]),
    OpInfo("tile", lambda lib, a, d: lib.tile(a, d),
           lambda: [S(r(2, 3), (2,)), S(r(2, 3), (2, 1, 2)), S(r(3), (2, 2))]),
    OpInfo("repeat_interleave", lambda lib, a, *p, **k: lib.repeat_interleave(a, *p, **k),
           lambda: [S(r(2, 3), 2), S(r(2, 3), 2, 1), S(r(2, 3), _I([1, 3]), 0),
                    Sample((r(2, 3), _I([1, 0, 2])), {"dim": -1}), S(r(), 3), S(ri(3), 2)],
           errors=lambda: [ErrorSample((r(2, 3), _I([1, 2, 3]), 0))]),
    OpInfo("repeat_interleave_t", lambda lib, a: lib.repeat_interleave(a),
           lambda: [S(_I([1, 0, 3]))]),
    OpInfo("gather", lambda lib, a, d, i: lib.gather(a, d, i),
           lambda: [S(r(3, 4), 1, _scatter_idx().T[:3] % 4), S(r(3, 4), 0, _scatter_idx() % 3),
                    S(r(3, 5), 1, _I([[0, 0], [4, 1]])), S(r(3, 4), -1, _I([[1], [2], [0]])),
                    S(ri(3, 4), 0, _I([[2, 1]])),
                    S(r(3), 0, _I([2, 2, 0, 1]))],
           errors=lambda: [ErrorSample((r(3, 4), 1, _I([[4]]))),
                           ErrorSample((r(3, 4), 1, _I([0, 1]))),
                           ErrorSample((r(3, 4), 2, _I([[0]])), exc=IndexError)]),
    OpInfo("take_along_dim", lambda lib, a, i, *d: lib.take_along_dim(a, i, *d),
           lambda: [S(r(3, 4), _I([[0, 3], [1, 1], [2, 0]]), 1), S(r(3, 4), _I([5, 0, 11])),
                    S(r(3, 4), _I([[0, 2, 1, 0]]), 0), S(r(3, 1), _I([[0, 0, 0]]), 0)]),
    OpInfo("scatter", lambda lib, a, d, i, s: lib.scatter(a, d, i, s),
           lambda: [S(r(3, 4), 1, _I([[0, 1], [2, 3], [3, 0]]), r(3, 2)),
                    Sample((r(4, 3), 0, _uniq_idx().T[:2], r(3, 4)), grad=False),
                    S(r(3, 4), 1, _I([[2], [0]]), 1.5), S(ri(3, 4), 0, _I([[1, 2]]), ri(1, 2)),
                    ],
           errors=lambda: [ErrorSample((r(3, 4), 1, _I([[0, 4]]), r(1, 2))),
                           ErrorSample((r(3, 4), 1, _I([[0, 1]]), r(1, 2, dtype=np.float64)))]),
    OpInfo("scatter_value_kw", lambda lib, a, i: a.scatter(1, i, value=-2.0),
           lambda: [S(r(3, 4), _I([[0, 1], [3, 3]]))]),
    OpInfo("scatter_reduce_legacy", lambda lib, a, i, s: lib.scatter(a, 1, i, s, reduce="add"),
           lambda: [S(r(3, 4), _I([[0, 0], [1, 3]]), r(2, 2))], grad=False),
    OpInfo("scatter_add", lambda lib, a, d, i, s: lib.scatter_add(a, d, i, s),
           lambda: [S(r(3, 4), 1, _I([[0, 0, 1], [3, 3, 3]]), r(2, 3)),
                    S(r(3, 4), 0, _scatter_idx() % 3, r(2, 4)),
                    Sample((r(3, 4), 0, _I([[1, 1]]), r(2, 3)), grad=False), S(ri(5), 0, _I([0, 0, 4]), ri(3)),
                    ]),
    *[OpInfo(f"scatter_reduce_{red}_{inc}",
             (lambda lib, a, d, i, s, red=red, inc=inc: lib.scatter_reduce(
                 a, d, i, s, red, include_self=inc)),
             lambda: [S(r(3, 4), 1, _I([[0, 0, 1], [3, 3, 3]]), r(2, 3)),
                      Sample((r(4, 3), 0, _I([[0, 1, 2], [0, 1, 0], [3, 3, 3]]), r(3, 4)),
                             grad=False),
                      S(r(5), 0, _I([0, 0, 4]), r(3)), S(ri(5), 0, _I([0, 0, 4]), ri(3))])
      for red in ("sum", "mean", "prod", "amax", "amin") for inc in (True, False)],
    OpInfo("scatter_reduce_ties", lambda lib, a, i, s: lib.scatter_reduce(a, 0, i, s, "amax"),
           lambda: [S(np.ones(3, np.float32), _I([0, 0, 1]), np.ones(3, np.float32))],
           gradcheck=False),  # ties make amax non-differentiable for finite differences
    OpInfo("index_select", lambda lib, a, d, i: lib.index_select(a, d, i),
           lambda: [S(r(3, 4), 0, _I([2, 0, 2])), S(r(3, 4), -1, _I([3])), S(r(3, 4), 1, _I([], dtype=np.int64)),
                    S(ri(3, 4), 0, _I([1])), S(r(5), 0, _I([4, 1])), S(r(), 0, _I([0])),
                    ],
           errors=lambda: [ErrorSample((r(3, 4), 0, _I([3])), exc=IndexError),
                           ErrorSample((r(3, 4), 0, _I([[0]])), exc=IndexError)]),
    OpInfo("index_add", lambda lib, a, d, i, s, **k: lib.index_add(a, d, i, s, **k),
           lambda: [S(r(3, 4), 0, _I([2, 0, 2]), r(3, 4)), S(r(3, 4), 1, _I([3, 3]), r(3, 2)),
                    Sample((r(3, 4), 1, _I([0]), r(3, 1)), {"alpha": 2.5}),
                    S(ri(3, 4), 0, _I([1]), ri(1, 4)),
                    ],
           errors=lambda: [ErrorSample((r(3, 4), 0, _I([0, 1]), r(3, 4))),
                           ErrorSample((r(3, 4), 0, _I([0]), r(1, 4, dtype=np.float64)))]),
    OpInfo("index_copy", lambda lib, a, d, i, s: lib.index_copy(a, d, i, s),
           lambda: [S(r(3, 4), 0, _I([2, 0]), r(2, 4)), S(r(3, 4), -1, _I([3, 1]), r(3, 2)),
                    S(ri(3, 4), 0, _I([1]), ri(1, 4))]),
    OpInfo("index_fill", lambda lib, a, d, i, v: lib.index_fill(a, d, i, v),
           lambda: [S(r(3, 4), 0, _I([2, 0]), -1.0), S(r(3, 4), 1, _I([3, 3]), 2),
                    S(r(3, 4), 1, _I([1]), r()), S(ri(3, 4), 0, _I([1]), 7)]),
    OpInfo("index_put", lambda lib, a, i, v, **k: lib.index_put(a, (i,), v, **k),
           lambda: [S(r(4, 3), _I([0, 2]), r(2, 3)), S(r(4, 3), _I([0, 2]), r(3)),
                    Sample((r(4, 3), _I([1, 1, 3]), r(3, 3)), {"accumulate": True}),
                    Sample((r(4, 3), r(4, 3) > 0, r()), {}),
                    ]),
    OpInfo("masked_fill", lambda lib, a, m, v: lib.masked_fill(a, m, v),
           lambda: [S(r(3, 4), r(3, 4) > 0, -1.5), S(r(3, 4), r(4) > 0, 2), S(r(4), r(3, 4) > 0, 0.5),
                    S(r(3, 4), r(3, 4) > 0, r()), S(ri(3, 4), r(3, 4) > 0, 3),
                    ],
           errors=lambda: [ErrorSample((r(3, 4), r(3, 4) > 0, r(2))),
                           ErrorSample((r(3, 4), ri(3, 4), 1.0))]),
    OpInfo("masked_select", lambda lib, a, m: lib.masked_select(a, m),
           lambda: [S(r(3, 4), r(3, 4) > 0), S(r(3, 4), r(4) > 0), S(r(4), r(3, 4) > 0),
                    S(ri(3, 4), r(3, 4) > 0)],
           errors=lambda: [ErrorSample((r(3, 4), r(3) > 0))]),
    OpInfo("masked_scatter", lambda lib, a, m, s: lib.masked_scatter(a, m, s),
           lambda: [S(r(3, 4), r(3, 4) > 0, r(3, 4)), S(r(3, 4), r(4) > 0, r(20)),
                    ]),
    OpInfo("take", lambda lib, a, i: lib.take(a, i),
           lambda: [S(r(3, 4), _I([0, 11, 5])), S(r(3, 4), _I([[-1, 2]])), S(r(), _I([0])),
                    ],
           errors=lambda: [ErrorSample((r(3, 4), _I([12])), exc=IndexError)]),
    OpInfo("put", lambda lib, a, i, s, **k: lib.put(a, i, s, **k),
           lambda: [S(r(3, 4), _I([0, 11, 5]), r(3)), S(r(3, 4), _I([[-1, 2]]), r(2)),
                    Sample((r(3, 4), _I([1, 1, 2]), r(3)), {"accumulate": True})],
           errors=lambda: [ErrorSample((r(3, 4), _I([0, 1]), r(3)), exc=IndexError)]),
    OpInfo("tril", lambda lib, a, *d: lib.tril(a, *d),
           lambda: [S(r(4, 5)), S(r(4, 5), 1), S(r(4, 5), -2), S(r(2, 3, 3)), S(ri(3, 3)),
                    S(r(4, 5), noncontig=True)],
           errors=lambda: [ErrorSample((r(3),))]),
    OpInfo("triu", lambda lib, a, *d: lib.triu(a, *d),
           lambda: [S(r(4, 5)), S(r(4, 5), 1), S(r(4, 5), -2), S(r(2, 3, 3))]),
    OpInfo("diag", lambda lib, a, *d: lib.diag(a, *d),
           lambda: [S(r(3)), S(r(3), 1), S(r(3), -2), S(r(3, 4)), S(r(3, 4), 1), S(r(3, 4), -1),
                    S(ri(3))],
           errors=lambda: [ErrorSample((r(2, 3, 4),))]),
    OpInfo("diag_embed", lambda lib, a, *p: lib.diag_embed(a, *p),
           lambda: [S(r(3)), S(r(2, 3)), S(r(2, 3), 1), S(r(2, 3), -1, 0, 2),
                    S(r(2, 3), 0, 1, 0)]),
    OpInfo("diagflat", lambda lib, a, *p: lib.diagflat(a, *p),
           lambda: [S(r(3)), S(r(2, 2), 1), S(r(3), -1)]),
    OpInfo("trace", lambda lib, a: lib.trace(a),
           lambda: [S(r(3, 3)), S(r(3, 5)), S(ri(3, 3))], errors=lambda: [ErrorSample((r(3),))]),
    OpInfo("meshgrid", lambda lib, a, b, **k: lib.meshgrid(a, b, **k),
           lambda: [Sample((r(3), r(4)), {"indexing": "ij"}),
                    Sample((r(3), r(4)), {"indexing": "xy"}), Sample((r(), r(2)), {"indexing": "ij"})]),
    OpInfo("meshgrid3", lambda lib, a, b, c: lib.meshgrid(a, b, c, indexing="xy"),
           lambda: [S(r(2), r(3), r(4))]),
    OpInfo("broadcast_tensors", lambda lib, a, b: lib.broadcast_tensors(a, b),
           lambda: [S(r(3, 1), r(4)), S(r(), r(2, 2))],
           errors=lambda: [ErrorSample((r(3), r(4)))]),
    OpInfo("broadcast_shapes", lambda lib, *s: tuple(lib.broadcast_shapes(*s)),
           lambda: [S((3, 1), (4,)), S((2, 1, 3), (5, 1), ())], grad=False,
           errors=lambda: [ErrorSample(((3,), (4,)))]),
    OpInfo("nonzero", lambda lib, a, **k: lib.nonzero(a, **k),
           lambda: [S(r(3, 4) > 0), S(ri(5)), S(r(3, 4)), Sample((r(3, 4) > 0,), {"as_tuple": True}),
                    S(np.zeros((0, 2), np.float32)), S(np.array(3.0))]),
    OpInfo("argwhere", lambda lib, a: lib.argwhere(a), lambda: [S(r(3, 4) > 0), S(ri(5))]),
    OpInfo("where_cond", lambda lib, a: lib.where(a) if lib.__name__ == "torch" else
           __import__("ember.ops.indexing", fromlist=["x"])._where_cond(a),
           lambda: [S(r(3, 4) > 0), S(ri(4))]),
    OpInfo("masked_fill_", lambda lib, a, m: (a * 1).masked_fill_(m, 0.5),
           lambda: [S(r(3, 4), r(3, 4) > 0), S(r(3, 4), r(4) > 0)]),
    OpInfo("index_add_", lambda lib, a, s: (a * 1).index_add_(0, lib.tensor([2, 0, 2]), s),
           lambda: [S(r(3, 4), r(3, 4))]),
    OpInfo("index_copy_", lambda lib, a, s: (a * 1).index_copy_(1, lib.tensor([2, 0]), s),
           lambda: [S(r(3, 4), r(3, 2))]),
    OpInfo("index_fill_", lambda lib, a: (a * 1).index_fill_(1, lib.tensor([2, 0]), -3.0),
           lambda: [S(r(3, 4))]),
    OpInfo("index_put_", lambda lib, a, v: (a * 1).index_put_((lib.tensor([1, 1]),), v,
                                                                accumulate=True),
           lambda: [S(r(3, 4), r(2, 4))]),
    OpInfo("scatter_", lambda lib, a, s: (a * 1).scatter_(1, lib.tensor([[0, 2]]), s),
           lambda: [S(r(3, 4), r(1, 2))]),
    OpInfo("scatter_add_", lambda lib, a, s: (a * 1).scatter_add_(1, lib.tensor([[0, 0]]), s),
           lambda: [S(r(3, 4), r(1, 2))]),
    OpInfo("scatter_reduce_", lambda lib, a, s: (a * 1).scatter_reduce_(
        1, lib.tensor([[0, 0]]), s, "amax"), lambda: [S(r(3, 4), r(1, 2))]),
    OpInfo("put_", lambda lib, a, s: (a * 1).put_(lib.tensor([0, 5]), s),
           lambda: [S(r(3, 4), r(2))]),
    OpInfo("masked_scatter_", lambda lib, a, m, s: (a * 1).masked_scatter_(m, s),
           lambda: [S(r(3, 4), r(3, 4) > 0, r(12))]),
    OpInfo("inplace_on_view", lambda lib, a, s: _inplace_view(lib, a, s),
           lambda: [S(r(3, 4), r(2))]),
]


def _inplace_view(lib, a, s):
    y = a * 1
    y[1].index_copy_(0, lib.tensor([0, 3]), s)
    return y
