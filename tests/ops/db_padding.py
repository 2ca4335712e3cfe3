"""Registry entries for ``pad`` (ember/ops/padding.py) against torch.nn.functional.pad."""

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r, ri


def _pad(lib, x, p, **k):
    return lib.nn.functional.pad(x, p, **k)


def _m(mode, *cases, noncontig=()):
    return [Sample((x, p), {"mode": mode}, noncontig=i in noncontig)
            for i, (x, p) in enumerate(cases)]


OPS = [
    OpInfo("pad_constant", _pad,
           lambda: [Sample((r(3, 4), (1, 2))), Sample((r(3, 4), (1, 2, 0, 3))),
                    Sample((r(3, 4), (-1, 2, 1, -2))), Sample((r(2, 3, 4), (1, 1, 1, 1, 1, 1))),
                    Sample((r(3, 4), (2, 1)), {"value": 1.5}),
                    Sample((ri(3, 4), (1, 1)), {"value": 2}),
                    Sample((r(0, 4), (1, 1))), Sample((r(3, 4), (1, 2)), noncontig=True)],
           errors=lambda: [ErrorSample((r(3, 4), (1,))), ErrorSample((r(3, 4), (-3, -2)))]),
    OpInfo("pad_reflect", _pad,
           lambda: _m("reflect", (r(2, 5), (2, 3)), (r(2, 3, 5), (1, 4)),
                      (r(2, 4, 5), (2, 1, 3, 0)), (r(1, 2, 3, 4, 5), (1, 1, 2, 2, 1, 0)),
                      (r(2, 3, 5), (1, 2)), noncontig=(4,)),
           errors=lambda: [ErrorSample((r(2, 3), (3, 0)), {"mode": "reflect"}),
                           ErrorSample((r(2, 3, 4, 5, 6), (1, 1)), {"mode": "reflect"},
                                       NotImplementedError)]),
    OpInfo("pad_replicate", _pad,
           lambda: _m("replicate", (r(2, 5), (2, 3)), (r(2, 3, 5), (4, 0)),
                      (r(2, 4, 5), (2, 1, 3, 0)), (r(1, 2, 3, 4, 5), (1, 1, 2, 2, 1, 3)))),
    OpInfo("pad_circular", _pad,
           lambda: _m("circular", (r(2, 5), (2, 3)), (r(2, 3, 5), (5, 1)),
                      (r(1, 2, 4, 5), (2, 1, 3, 0)), (r(1, 2, 3, 4, 5), (1, 1, 2, 2, 1, 3)))),
]
