"""Registry entries for interpolate / pixel_shuffle / grid_sample ... (ember/ops/vision.py)."""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r


def _f(name):
    def fn(lib, *a, **k):
        return getattr(lib.nn.functional, name)(*a, **k)
    return fn


def _interp(mode, nd):
    def samples():
        s2 = (2, 3) + (5, 7, 4)[:nd]
        out = [Sample((r(*((1, 2) + (3, 4, 3)[:nd])),), {"scale_factor": 2, "mode": mode})]
        ac = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
        for a in ac:
            kw = {} if a is None else {"align_corners": a}
            out += [Sample((r(*s2),), {"scale_factor": 1.7, "mode": mode, **kw}),
                    Sample((r(*s2),), {"size": (3, 11, 2)[:nd], "mode": mode, **kw}),
                    Sample((r(*s2),), {"scale_factor": 0.6, "mode": mode,
                                       "recompute_scale_factor": True, **kw})]
        out.append(Sample((r(*s2),), {"scale_factor": 2.5, "mode": mode}, noncontig=True))
        return out
    return samples


OPS = [OpInfo(f"interpolate_{m}_{nd}d", _f("interpolate"), _interp(m, nd))
       for m, nds in (("nearest", (1, 2, 3)), ("nearest-exact", (1, 2)), ("linear", (1,)),
                      ("bilinear", (2,)), ("bicubic", (2,)), ("trilinear", (3,)),
                      ("area", (1, 2)))
       for nd in nds]

def _interp_aa(mode):
    def samples():
        return [Sample((r(1, 2, 5, 6),), {"size": (3, 4), "mode": mode, "antialias": True}),
                Sample((r(2, 3, 9, 7),), {"size": (4, 12), "mode": mode, "antialias": True}),
                Sample((r(2, 3, 8, 8),), {"scale_factor": 0.5, "mode": mode,
                                          "antialias": True}),
                Sample((r(2, 3, 9, 7),), {"size": (5, 5), "mode": mode, "antialias": True},
                       noncontig=True)]
    return samples


OPS += [OpInfo(f"interpolate_{m}_antialias", _f("interpolate"), _interp_aa(m))
        for m in ("bilinear", "bicubic")]

OPS += [
    OpInfo("interpolate_errors", _f("interpolate"), lambda: [
        Sample((r(1, 2, 4, 4),), {"size": (8, 3), "mode": "bilinear"})],
        errors=lambda: [
            ErrorSample((r(1, 3, 5),), {"scale_factor": 2, "mode": "bilinear"},
                        NotImplementedError),
            ErrorSample((r(1, 3, 5),), {"size": 4, "scale_factor": 2}, ValueError),
            ErrorSample((r(1, 3, 5),), {"size": 4, "mode": "nearest", "align_corners": True},
                        ValueError),
            ErrorSample((r(1, 3, 5),), {"size": 4, "mode": "foo"}, NotImplementedError),
            ErrorSample((r(1, 3, 5, 5),), {"size": 4, "mode": "nearest", "antialias": True},
                        ValueError)]),
    OpInfo("pixel_shuffle", _f("pixel_shuffle"), lambda: [
        Sample((r(1, 4, 2, 2), 2)), Sample((r(2, 18, 3, 4), 3)), Sample((r(8, 3, 2), 2)),
        Sample((r(2, 3, 8, 3, 2), 2)), Sample((r(2, 8, 3, 4), 2), noncontig=True)],
        errors=lambda: [ErrorSample((r(1, 3, 5, 5), 2))]),
    OpInfo("pixel_unshuffle", _f("pixel_unshuffle"), lambda: [
        Sample((r(1, 1, 4, 4), 2)), Sample((r(2, 2, 6, 9), 3)), Sample((r(2, 4, 6), 2))],
        errors=lambda: [ErrorSample((r(1, 3, 5, 4), 2))]),
    OpInfo("channel_shuffle", _f("channel_shuffle"), lambda: [
        Sample((r(1, 4, 2, 2), 2)), Sample((r(2, 6, 3, 4), 3)), Sample((r(2, 6, 5), 2))],
        errors=lambda: [ErrorSample((r(1, 3, 5, 4), 2))]),
    OpInfo("affine_grid", _f("affine_grid"), lambda: [
        Sample((r(1, 2, 3), (1, 1, 3, 4))),
        Sample((r(2, 2, 3), (2, 3, 5, 4)), {"align_corners": True}),
        Sample((r(2, 3, 4), (2, 3, 4, 3, 5)), {"align_corners": False}),
    ], errors=lambda: [ErrorSample((r(2, 2, 3), (2, 3, 4, 3, 5)), exc=ValueError)]),
]


def _gs(mode, pm, ac):
    def samples():
        f64 = np.float64
        return [Sample((r(1, 2, 3, 4), r(1, 2, 3, 2, low=-1.1, high=1.1)),
                       {"mode": mode, "padding_mode": pm, "align_corners": ac}),
                Sample((r(2, 3, 5, 6, dtype=f64), r(2, 4, 3, 2, dtype=f64, low=-1.3, high=1.3)),
                       {"mode": mode, "padding_mode": pm, "align_corners": ac}),
                Sample((r(1, 2, 3, 4, 3, dtype=f64),
                        r(1, 2, 3, 2, 3, dtype=f64, low=-1.2, high=1.2)),
                       {"mode": mode, "padding_mode": pm, "align_corners": ac})]
    return samples


OPS += [OpInfo(f"grid_sample_{m}_{pm}_{ac}", _f("grid_sample"), _gs(m, pm, ac),
               gradgrad=False)  # torch: grid_sampler backward is not twice differentiable
        for m in ("bilinear", "nearest") for pm in ("zeros", "border", "reflection")
        for ac in (False, True)]


def _gs_bicubic(pm, ac):
    def samples():
        f64 = np.float64
        kw = {"mode": "bicubic", "padding_mode": pm, "align_corners": ac}
        return [Sample((r(1, 2, 3, 4), r(1, 2, 3, 2, low=-1.1, high=1.1)), kw),
                Sample((r(2, 3, 5, 6, dtype=f64), r(2, 4, 3, 2, dtype=f64, low=-1.6, high=1.6)),
                       kw),
                Sample((r(1, 1, 1, 4), r(1, 3, 2, 2, low=-1.4, high=1.4)), kw),
                Sample((r(2, 2, 4, 5), r(2, 3, 4, 2, low=-1.2, high=1.2)), kw, noncontig=True)]
    return samples


def _gs_bicubic_errors():
    return [ErrorSample((r(1, 1, 3, 3, 3), r(1, 2, 2, 2, 3)), {"mode": "bicubic", "align_corners": False})]


OPS += [OpInfo(f"grid_sample_bicubic_{pm}_{ac}", _f("grid_sample"), _gs_bicubic(pm, ac),
               errors=_gs_bicubic_errors,
               gradgrad=False)  # torch: grid_sampler backward is not twice differentiable
        for pm in ("zeros", "border", "reflection") for ac in (False, True)]
