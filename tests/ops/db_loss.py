"""Registry entries for the losses (ember/ops/loss.py, ember.nn.functional.*_loss).

Targets are never differentiated unless torch differentiates them: integer targets are
int64 positional arrays (never require grad), float targets go through ``kwargs`` (the
harness builds them with ``lib.tensor`` without grad; the float64 gradcheck passes raw
arrays, which ``_kw`` turns into tensors of the input's dtype).  A few ``*_tgrad`` entries
pass a float target positionally to compare torch's target gradient too.
"""

import numpy as np

from tests.ops.opinfo import ErrorSample, OpInfo, Sample, r, ri

REDS = ("mean", "sum", "none")


def S(*a, noncontig=False, name="", grad=True, **kw):
    return Sample(a, kw, grad=grad, noncontig=noncontig, name=name)


def E(*a, exc=RuntimeError, **kw):
    return ErrorSample(a, kw, exc=exc)


def _kw(lib, ref, kw):
    out = {}
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            t = lib.tensor(v)
            if v.dtype.kind == "f" and ref is not None:
                t = t.to(ref.dtype)
            v = t
        out[k] = v
    return out


def F(name):
    """fn(lib, *tensors, **kw) -> lib.nn.functional.<name>(*tensors, **kw)."""
    def fn(lib, *a, **k):
        return getattr(lib.nn.functional, name)(*a, **_kw(lib, a[0], k))
    return fn


def u01(*shape, dtype=np.float32):
    return np.random.uniform(0.05, 0.95, size=shape).astype(dtype)


def pm1(*shape, dtype=np.float32):
    return np.random.choice([-1.0, 1.0], size=shape).astype(dtype)


def away(*shape, dtype=np.float32, lo=0.1):
    x = np.random.uniform(lo, 2.0, size=shape) * np.random.choice([-1, 1], size=shape)
    return np.asarray(x).astype(dtype)


def probs(*shape, axis=1, dtype=np.float32):
    p = np.random.uniform(0.1, 1.0, size=shape)
    return (p / p.sum(axis=axis, keepdims=True)).astype(dtype)


OPS = []


def _tag(kw):
    return "".join(f"_{k}" if isinstance(v, np.ndarray) else f"_{k}={v}" for k, v in kw.items())


# --- regression losses ---------------------------------------------------------------------

def _reg_samples(extra=({},), kink=None):
    def gen():
        out = []
        for kw in extra:
            for red in REDS:
                x = r(3, 4)
                t = x + away(3, 4, lo=0.05) if kink is None else x + kink(3, 4)
                out.append(S(x, target=t, reduction=red, name=f"{red}{_tag(kw)}", **kw))
        x = r(2, 3, 4)
        out += [S(x, target=x + away(2, 3, 4), noncontig=True, name="nc"),
                S(r(3, 4, dtype=np.float64), target=r(3, 4, dtype=np.float64), name="f64"),
                S(r(0, 3), target=r(0, 3), reduction="sum", name="empty"),
                S(r(), target=r(), name="0d"),
                S(r(3, 4), target=r(4), name="bcast", reduction="none"),
                S(r(3, 4), target=r(3, 4), reduce=False, name="legacy_none"),
                S(r(3, 4), target=r(3, 4), size_average=False, name="legacy_sum")]
        return out
    return gen


def _smooth_kink(*shape):
    # |x - t| kept away from 0.5 and 1 (the beta/delta values used below)
    d = np.random.uniform(0.05, 2.0, size=shape)
    d = np.where(np.abs(d - 0.5) < 0.05, d + 0.1, d)
    d = np.where(np.abs(d - 1.0) < 0.05, d + 0.1, d)
    return (d * np.random.choice([-1, 1], size=shape)).astype(np.float32)


def _weighted_samples():
    return [S(r(3, 4), target=r(3, 4), weight=np.random.uniform(0.5, 2, (3, 4)).astype(
        np.float32), reduction=red, name=red) for red in REDS]


OPS += [
    OpInfo("loss_l1", F("l1_loss"), _reg_samples(),
           errors=lambda: [E(r(3), target=r(3), weight=r(4), exc=ValueError),
                           E(r(3), target=r(3), reduction="bad", exc=ValueError)]),
    OpInfo("loss_l1_weight", F("l1_loss"), _weighted_samples),
    OpInfo("loss_mse", F("mse_loss"), _reg_samples(),
           errors=lambda: [E(r(3), target=r(3), weight=r(4), exc=ValueError),
                           E(r(3, 4), target=r(5), exc=RuntimeError),
                           E(ri(3), target=ri(3), exc=NotImplementedError)]),
    OpInfo("loss_mse_weight", F("mse_loss"), _weighted_samples),
    OpInfo("loss_mse_tgrad", F("mse_loss"), lambda: [S(r(3, 4), r(3, 4)),
                                                     S(r(3, 4), r(4), reduction="none")]),
    OpInfo("loss_l1_tgrad", F("l1_loss"), lambda: [S(r(3, 4), r(3, 4) + 3)]),
    OpInfo("loss_smooth_l1", F("smooth_l1_loss"),
           _reg_samples(({}, {"beta": 0.5}, {"beta": 0.0}), kink=_smooth_kink),
           errors=lambda: [E(r(3), target=r(3), beta=-1.0)]),
    OpInfo("loss_huber", F("huber_loss"),
           lambda: [s for s in _reg_samples(({}, {"delta": 0.5}), kink=_smooth_kink)()
                    if "reduce" not in s.kwargs and "size_average" not in s.kwargs],
           errors=lambda: [E(r(3), target=r(3), delta=0.0), E(r(3), target=r(3), delta=-1.0)]),
    OpInfo("loss_huber_weight", F("huber_loss"), _weighted_samples),
    OpInfo("loss_soft_margin", F("soft_margin_loss"),
           lambda: [S(r(3, 4), target=pm1(3, 4), reduction=red, name=red) for red in REDS]
           + [S(r(2, 3), target=pm1(2, 3), noncontig=True, name="nc"),
              S(r(4, dtype=np.float64), target=pm1(4, dtype=np.float64), name="f64"),
              S(r(3, 4), target=pm1(4), name="bcast")]),
]


# --- nll / cross entropy -------------------------------------------------------------------

def _cls(n, c, *spatial, ignore=None):
    t = np.random.randint(0, c, size=(n,) + spatial).astype(np.int64)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


def _w(c, dtype=np.float32):
    return np.random.uniform(0.5, 2.0, c).astype(dtype)


def _class_samples(ce):
    def gen():
        out = []
        ls_opts = ({}, {"label_smoothing": 0.2}) if ce else ({},)
        for ls in ls_opts:
            for red in REDS:
                tag = f"{red}{'_ls' if ls else ''}"
                out += [
                    S(r(4, 5) * 2, _cls(4, 5), reduction=red, name=f"2d_{tag}", **ls),
                    S(r(4, 5), _cls(4, 5), weight=_w(5), reduction=red, name=f"w_{tag}", **ls),
                    S(r(6, 5), _cls(6, 5, ignore=-100), weight=_w(5), reduction=red,
                      name=f"w_ign_{tag}", **ls),
                    S(r(6, 5), _cls(6, 5, ignore=2), ignore_index=2, reduction=red,
                      name=f"ign2_{tag}", **ls),
                    S(r(2, 3, 4, 2), _cls(2, 3, 4, 2, ignore=1), weight=_w(3), ignore_index=1,
                      reduction=red, name=f"4d_{tag}", **ls),
                    S(r(5), np.array(3), reduction=red, name=f"1d_{tag}", **ls),
                ]
        out += [
            S(r(3, 4, 2), _cls(3, 4, 2), name="3d"),
            S(r(2, 3, 2, 2, 2), _cls(2, 3, 2, 2, 2), name="5d"),
            S(r(4, 5), _cls(4, 5), noncontig=True, name="nc"),
            S(r(4, 5, dtype=np.float64), _cls(4, 5), weight=_w(5, np.float64), name="f64"),
            S(r(3, 5), np.array([-100, -100, -100]), name="all_ignored"),
            S(r(0, 5), np.zeros(0, np.int64), reduction="sum", name="empty_sum"),
            S(r(4, 5), _cls(4, 5).astype(np.uint8), name="uint8"),
            # torch's backward rejects a [1] target for a 1-D input; forward only
            S(r(5), np.array([2]), name="1d_t1", grad=False),
            S(r(4, 5), _cls(4, 5), size_average=False, name="legacy_sum"),
            S(r(4, 5), _cls(4, 5), reduce=False, name="legacy_none"),
            S(r(4, 5), _cls(4, 5), reduction="elementwise_mean", name="elementwise_mean"),
        ]
        if ce:
            out += [S(r(4, 5) * 20, _cls(4, 5), name="large_logits"),
                    S(r(6, 5), _cls(6, 5, ignore=-100), weight=_w(5), label_smoothing=1.0,
                      name="ls1")]
        return out
    return gen


def _class_errors(name):
    def gen():
        out = [
            E(r(3, 5), np.array([0, 1, 5]), exc=IndexError),
            E(r(3, 5), np.array([0, -1, 1]), exc=IndexError),
            E(r(3, 5), np.array([0, 1, 1], dtype=np.int32)),
            E(r(3, 5), np.array([0, 1]), exc=ValueError),
            E(r(2, 3, 4), np.zeros((2, 5), np.int64)),
            E(r(2, 3, 4), np.zeros(2, np.int64)),
            E(r(3, 5), np.array([0, 1, 2]), weight=r(3)),
            E(r(3, 5), np.zeros((3, 2), np.int64)),
            E(r(5), np.zeros(3, np.int64), exc=ValueError),
            E(r(3, 5), np.array([0, 1, 2]), reduction="bad", exc=ValueError),
        ]
        if name == "nll_loss":
            out.append(E(r(), np.array(0), exc=ValueError))
        else:
            out += [E(r(3, 5), np.array([0, 1, 2]), label_smoothing=1.5),
                    E(r(3, 5), np.zeros((3, 5), np.int64)),
                    E(r(3, 5), probs(3, 5), ignore_index=1)]
        return out
    return gen


def _ce_prob_samples():
    out = []
    for red in REDS:
        out += [S(r(4, 5), target=probs(4, 5), reduction=red, name=f"prob_{red}"),
                S(r(4, 5), target=probs(4, 5), weight=_w(5), label_smoothing=0.1,
                  reduction=red, name=f"prob_w_ls_{red}"),
                S(r(2, 3, 4), target=probs(2, 3, 4), weight=_w(3), reduction=red,
                  name=f"prob_3d_{red}")]
    out += [S(r(5), target=probs(5, axis=0), name="prob_1d"),
            S(r(0, 5), target=probs(0, 5), name="prob_empty"),
            S(r(4, 5), target=probs(4, 5), noncontig=True, name="prob_nc")]
    return out


OPS += [
    OpInfo("loss_nll", F("nll_loss"), _class_samples(False), errors=_class_errors("nll_loss")),
    OpInfo("loss_cross_entropy", F("cross_entropy"), _class_samples(True),
           errors=_class_errors("cross_entropy")),
    OpInfo("loss_cross_entropy_prob", F("cross_entropy"), _ce_prob_samples),
    # cross entropy after log_softmax-free nonlinearity: double backward through both the
    # fused op and its backward op with the logits live
    OpInfo("loss_cross_entropy_chain", lambda lib, x, t, **k: lib.nn.functional.cross_entropy(
        x * x, t, **_kw(lib, x, k)),
        lambda: [S(r(4, 5), _cls(4, 5, ignore=-100), weight=_w(5), label_smoothing=0.3,
                   reduction="none"),
                 S(r(2, 3, 2), _cls(2, 3, 2, ignore=-100), reduction="mean")]),
    OpInfo("loss_nll_chain", lambda lib, x, t, **k: lib.nn.functional.nll_loss(
        lib.nn.functional.log_softmax(x * x, 1), t, **_kw(lib, x, k)),
        lambda: [S(r(4, 5), _cls(4, 5, ignore=-100), weight=_w(5), reduction="none"),
                 S(r(4, 5), _cls(4, 5), reduction="mean")]),
]


# --- binary cross entropy ------------------------------------------------------------------

def _bce_samples():
    out = []
    for red in REDS:
        out += [S(u01(3, 4), target=u01(3, 4), reduction=red, name=red),
                S(u01(3, 4), target=u01(3, 4), weight=_w(4), reduction=red, name=f"w_{red}")]
    out += [S(u01(2, 3), target=u01(2, 3), weight=_w(1), name="w_bcast"),
            S(u01(2, 3, 4), target=u01(2, 3, 4), noncontig=True, name="nc"),
            S(u01(3, dtype=np.float64), target=u01(3, dtype=np.float64), name="f64"),
            S(np.array([0.0, 1.0, 0.5, 1e-30], np.float32),
              target=np.array([0.0, 1.0, 1.0, 0.5], np.float32), name="edges", grad=False),
            S(u01(0), target=u01(0), name="empty", reduction="sum"),
            S(u01(3, 4), target=u01(3, 4), reduce=False, name="legacy")]
    return out


def _bcel_samples():
    out = []
    for red in REDS:
        out += [S(r(3, 4) * 3, target=u01(3, 4), reduction=red, name=red),
                S(r(3, 4), target=u01(3, 4), weight=_w(4), pos_weight=_w(4), reduction=red,
                  name=f"w_pw_{red}")]
    out += [S(np.array([100.0, -100.0, 30.0, -30.0], np.float32),
              target=np.array([0.0, 1.0, 0.5, 0.2], np.float32), name="extreme"),
            S(r(2, 3, 4), target=u01(2, 3, 4), pos_weight=_w(4), noncontig=True, name="nc"),
            S(r(3, dtype=np.float64), target=u01(3, dtype=np.float64), name="f64")]
    return out


OPS += [
    OpInfo("loss_bce", F("binary_cross_entropy"), _bce_samples,
           errors=lambda: [E(u01(3), target=u01(4), exc=ValueError),
                           E(np.array([1.5], np.float32), target=u01(1)),
                           E(u01(3), target=np.array([1, 0, 1]))]),
    OpInfo("loss_bce_tgrad", F("binary_cross_entropy"),
           lambda: [S(u01(3, 4), u01(3, 4)), S(u01(3, 4), u01(3, 4), weight=_w(4),
                                                reduction="none")]),
    OpInfo("loss_bce_logits", F("binary_cross_entropy_with_logits"), _bcel_samples,
           errors=lambda: [E(r(3), target=u01(4), exc=ValueError)]),
    OpInfo("loss_bce_logits_tgrad", F("binary_cross_entropy_with_logits"),
           lambda: [S(r(3, 4), u01(3, 4), pos_weight=_w(4))]),
]


# --- kl / poisson / gaussian ---------------------------------------------------------------

def _kl_samples():
    out = []
    for red in REDS + ("batchmean",):
        out += [S(np.log(probs(3, 4)), target=probs(3, 4), reduction=red, name=red),
                S(np.log(probs(3, 4)), target=np.log(probs(3, 4)), log_target=True,
                  reduction=red, name=f"logt_{red}")]
    z = probs(2, 3)
    z[0, 0] = 0.0
    out += [S(np.log(probs(2, 3)), target=z, name="zero_target", reduction="sum"),
            S(r(), target=np.array(0.5, np.float32), reduction="batchmean", name="0d_bm"),
            S(r(2, 3, 4), target=probs(2, 3, 4), noncontig=True, name="nc"),
            S(r(3, dtype=np.float64), target=probs(3, axis=0, dtype=np.float64), name="f64"),
            S(r(3, 4), target=probs(3, 4), reduce=False, name="legacy")]
    return out


def _poisson_samples():
    out = []
    for red in REDS:
        for kw in ({}, {"full": True}, {"log_input": False}, {"log_input": False, "full": True,
                                                              "eps": 1e-4}):
            x = r(3, 4) if kw.get("log_input", True) else u01(3, 4) * 3
            tgt = np.random.randint(0, 5, (3, 4)).astype(np.float32)
            out.append(S(x, target=tgt, reduction=red, name=f"{red}{_tag(kw)}", **kw))
    out += [S(r(2, 3), target=np.random.randint(0, 5, (2, 3)).astype(np.float32),
              noncontig=True, name="nc"),
            S(r(3, dtype=np.float64), target=np.array([0.0, 2.0, 5.0]), full=True, name="f64")]
    return out


def _gauss_samples():
    out = []
    for red in REDS:
        out += [S(r(3, 4), target=r(3, 4), var=u01(3, 4) + 0.1, reduction=red, name=red),
                S(r(3, 4), target=r(3, 4), var=u01(3), full=True, reduction=red,
                  name=f"homo_{red}"),
                S(r(3, 4), target=r(3, 4), var=u01(3, 1), reduction=red, name=f"bc_{red}")]
    out += [S(r(3, 4), target=r(3, 4), var=0.5, name="float_var"),
            S(r(3, 4), target=r(3, 4), var=np.array([[1e-9] * 4] * 3, np.float32),
              eps=1e-3, name="clamped"),
            S(r(2, 3, dtype=np.float64), target=r(2, 3, dtype=np.float64),
              var=u01(2, 3, dtype=np.float64), name="f64")]
    return out


def _gauss_var_grad(lib, x, v, **k):
    """var differentiable too (torch passes the gradient through the clamp)."""
    return lib.nn.functional.gaussian_nll_loss(x, lib.tensor(np.zeros(3, np.float32)).to(
        x.dtype), v, **k)


OPS += [
    OpInfo("loss_kl_div", F("kl_div"), _kl_samples,
           errors=lambda: [E(r(3), target=r(3), reduction="bad", exc=ValueError)]),
    OpInfo("loss_kl_div_tgrad", F("kl_div"),
           lambda: [S(r(3, 4), probs(3, 4), reduction="batchmean"),
                    S(r(3, 4), r(3, 4), log_target=True, reduction="sum")]),
    OpInfo("loss_poisson_nll", F("poisson_nll_loss"), _poisson_samples,
           errors=lambda: [E(r(3), target=r(3), reduction="x", exc=ValueError)]),
    OpInfo("loss_gaussian_nll", F("gaussian_nll_loss"), _gauss_samples,
           errors=lambda: [E(r(3, 4), target=r(3, 4), var=-u01(3, 4), exc=ValueError),
                           E(r(3, 4), target=r(3, 4), var=u01(2, 4), exc=ValueError),
                           E(r(3, 4), target=r(3, 4), var=-1.0, exc=ValueError),
                           E(r(3, 4), target=r(3, 4), var=u01(3, 4), reduction="x",
                             exc=ValueError)]),
    OpInfo("loss_gaussian_nll_vargrad", _gauss_var_grad,
           # the second sample hits the clamp: torch's gradient passes straight through it
           # (not the numerical derivative), so gradcheck runs on the first one only
           lambda: [S(r(3), np.array([0.5, 0.3, 2.0], np.float32), eps=1e-3),
                    S(r(3), np.array([0.5, 1e-4, 2.0], np.float32), eps=1e-3)]),
]


# --- margin / embedding losses -------------------------------------------------------------

def _msm_samples():
    out = []
    for red in REDS:
        out += [S(r(3, 4), target=np.random.randint(0, 2, (3, 4)).astype(np.float32),
                  reduction=red, name=red),
                S(r(3, 4), target=u01(3, 4), weight=_w(4), reduction=red, name=f"w_{red}")]
    out += [S(r(2, 3, 4), target=u01(2, 3, 4), noncontig=True, name="3d_nc"),
            S(r(4, dtype=np.float64), target=u01(4, dtype=np.float64), name="f64")]
    return out


def _mm_samples():
    out = []
    for red in REDS:
        for kw in ({}, {"p": 2}, {"margin": 0.5, "weight": _w(5)}):
            out.append(S(r(4, 5), _cls(4, 5), reduction=red, name=f"{red}{_tag(kw)}", **kw))
    out += [S(r(5), np.array(2), name="1d"), S(r(5), np.array([2]), reduction="none",
                                                name="1d_t1"),
            S(r(), np.array(0), name="0d"),
            S(r(3, 5), _cls(3, 5), noncontig=True, name="nc"),
            S(r(3, 5, dtype=np.float64), _cls(3, 5), p=2, name="f64"),
            S(r(3, 5), _cls(3, 5), reduce=False, name="legacy")]
    return out


def _mlm_target(n, c):
    t = np.full((n, c), -1, np.int64)
    for i in range(n):
        k = np.random.randint(0, c + 1)
        t[i, :k] = np.random.choice(c, k, replace=False)
        if c > 1 and k < c - 1:
            t[i, k + 1] = np.random.randint(0, c)  # garbage after the first -1
    return t


def _mlm_samples():
    out = [S(r(4, 5), _mlm_target(4, 5), reduction=red, name=red) for red in REDS]
    out += [S(r(5), _mlm_target(1, 5)[0], name="1d"),
            S(r(5), _mlm_target(1, 5)[0], name="1d_none", reduction="none"),
            S(r(3, 4), np.array([[0, 0, 1, -1], [3, 2, 1, 0], [-1, 0, 0, 0]]), name="dups"),
            S(r(), np.array(0), name="0d"),
            S(r(3, 5), _mlm_target(3, 5), noncontig=True, name="nc"),
            S(r(3, 5, dtype=np.float64), _mlm_target(3, 5), name="f64")]
    return out


def _three(fn_name, tdom):
    def gen():
        out = []
        for red in REDS:
            for kw in ({}, {"margin": 0.3}):
                out.append(S(r(4, 3), r(4, 3), target=tdom(4), reduction=red,
                             name=f"{red}{_tag(kw)}", **kw))
        out += [S(r(3, 2), r(3, 2), target=tdom(3), noncontig=True, name="nc"),
                S(r(3, 2, dtype=np.float64), r(3, 2, dtype=np.float64),
                  target=tdom(3, dtype=np.float64), name="f64")]
        return out
    return gen


def _mrl_samples():
    out = []
    for red in REDS:
        for kw in ({}, {"margin": 0.3}):
            out.append(S(r(5), r(5), target=pm1(5), reduction=red, name=f"{red}{_tag(kw)}", **kw))
    out += [S(r(3, 2), r(3, 2), target=pm1(3, 2), noncontig=True, name="nc"),
            S(r(4, dtype=np.float64), r(4, dtype=np.float64), target=pm1(4, dtype=np.float64),
              name="f64")]
    return out


def _cos_samples():
    out = _three("cosine_embedding_loss", pm1)()
    out += [S(r(4), r(4), target=np.array(1.0, np.float32), name="1d_pos"),
            S(r(4), r(4), target=np.array(-1.0, np.float32), margin=-0.5, name="1d_neg")]
    return out


def _hinge_samples():
    out = []
    for red in REDS:
        for kw in ({}, {"margin": 0.5}):
            out.append(S(away(3, 4), target=pm1(3, 4), reduction=red, name=f"{red}{_tag(kw)}", **kw))
    out += [S(away(2, 3), target=pm1(2, 3), noncontig=True, name="nc"),
            S(away(4, dtype=np.float64), target=pm1(4, dtype=np.float64), name="f64")]
    return out


def _triplet_samples():
    out = []
    for red in REDS:
        for kw in ({}, {"margin": 0.5, "p": 1}, {"swap": True}, {"p": 3, "eps": 1e-3}):
            out.append(S(r(4, 3), r(4, 3), r(4, 3), reduction=red, name=f"{red}{_tag(kw)}", **kw))
    out += [S(r(5), r(5), r(5), name="1d"),
            S(r(2, 3, 4), r(2, 3, 4), r(2, 3, 4), noncontig=True, name="3d_nc"),
            S(r(3, 4, dtype=np.float64), r(3, 4, dtype=np.float64), r(3, 4, dtype=np.float64),
              swap=True, name="f64")]
    return out


def _twd_fn(lib, a, p, n, dist=None, **k):
    if dist == "l1":
        k["distance_function"] = lambda x, y: (x - y).abs().sum(-1)
    return lib.nn.functional.triplet_margin_with_distance_loss(a, p, n, **k)


def _twd_samples():
    out = []
    for red in REDS:
        for kw in ({}, {"margin": 0.5, "swap": True}, {"dist": "l1"}):
            out.append(S(r(4, 3), r(4, 3), r(4, 3), reduction=red, name=f"{red}{_tag(kw)}", **kw))
    return out


OPS += [
    OpInfo("loss_multilabel_soft_margin", F("multilabel_soft_margin_loss"), _msm_samples,
           errors=lambda: [E(r(3, 5), target=r(3, 4)),
                           E(r(3, 5), target=r(3, 5), reduction="x", exc=ValueError)]),
    # torch has no double backward for multi_margin_loss / multilabel_margin_loss
    OpInfo("loss_multi_margin", F("multi_margin_loss"), _mm_samples, gradgrad=False,
           errors=lambda: [E(r(3, 5), np.array([0, 1, 2]), p=3, exc=ValueError),
                           E(r(3, 5), np.array([0, 1, 7])),
                           E(r(3, 5), np.array([0, 1])),
                           E(r(2, 3, 4), np.array([0, 1])),
                           E(r(3, 5), np.array([0, 1, 2]), weight=_w(4))]),
    OpInfo("loss_multilabel_margin", F("multilabel_margin_loss"), _mlm_samples, gradgrad=False,
           errors=lambda: [E(r(3, 5), np.array([0, 1, 2])),
                           E(r(1, 5), np.array([[5, 0, 0, 0, 0]])),
                           E(r(1, 5), np.array([[-2, 0, 0, 0, 0]]))]),
    OpInfo("loss_margin_ranking", F("margin_ranking_loss"), _mrl_samples,
           errors=lambda: [E(r(3, 5), r(3, 5), target=pm1(3))]),
    OpInfo("loss_hinge_embedding", F("hinge_embedding_loss"), _hinge_samples),
    OpInfo("loss_cosine_embedding", F("cosine_embedding_loss"), _cos_samples,
           errors=lambda: [E(r(3, 5), r(3, 5), target=pm1(3, 1)),
                           E(r(5), r(5), target=pm1(3)),
                           E(r(3, 5), r(3, 5), target=np.array(1.0, np.float32))]),
    OpInfo("loss_triplet_margin", F("triplet_margin_loss"), _triplet_samples,
           errors=lambda: [E(r(3, 5), r(3, 5), r(3, 5), margin=0.0, exc=ValueError),
                           E(r(3, 5), r(3, 5), r(5))]),
    OpInfo("loss_triplet_margin_with_distance", _twd_fn, _twd_samples,
           errors=lambda: [E(r(3, 5), r(3, 5), r(3, 5), margin=-1.0, exc=ValueError),
                           E(r(3, 5), r(3, 5), r(3, 5), reduction="x", exc=ValueError),
                           E(r(3, 5), r(3, 5), r(5))]),
]


# --- CTC -----------------------------------------------------------------------------------

def _ctc_fn(lib, x, targets, il, tl, norm=True, **k):
    lp = lib.nn.functional.log_softmax(x, -1) if norm else x
    return lib.nn.functional.ctc_loss(lp, targets, il, tl, **k)


def _ctc_targets(n, s, c, blank=0):
    t = np.random.randint(1, c, (n, s)).astype(np.int64)
    if blank:
        t = np.where(t == blank, 0, t)
    t[0, 1] = t[0, 0]  # a repeated label (no skip allowed)
    return t


def _ctc_samples():
    out = []
    T, N, C, Smax = 8, 3, 5, 3
    for red in REDS:
        for kw in ({}, {"blank": 2}):
            tg = _ctc_targets(N, Smax, C, kw.get("blank", 0))
            out.append(S(r(T, N, C), tg, np.array([8, 6, 7]), np.array([3, 2, 0]),
                         reduction=red, name=f"{red}{_tag(kw)}", **kw))
    out += [
        S(r(T, N, C), _ctc_targets(N, Smax, C), np.array([8, 5, 8]), np.array([3, 1, 2]),
          norm=False, name="raw_log_probs"),
        S(r(T, N, C), _ctc_targets(N, Smax, C), np.array([2, 5, 8]), np.array([3, 1, 2]),
          reduction="none", name="infeasible"),
        S(r(T, N, C), _ctc_targets(N, Smax, C), np.array([2, 5, 8]), np.array([3, 1, 2]),
          zero_infinity=True, name="zero_inf"),
        S(r(T, N, C), _ctc_targets(N, Smax, C)[:, :2].reshape(-1)[:4], np.array([8, 8, 8]),
          np.array([2, 0, 2]), name="concat_targets"),
        S(r(T, N, C), _ctc_targets(N, Smax, C), [8, 7, 6], [3, 2, 1], name="list_lengths"),
        S(r(T, C), _ctc_targets(1, Smax, C)[0], np.array(7), np.array(3), name="unbatched"),
        S(r(T, C), _ctc_targets(1, Smax, C)[0], np.array(7), np.array(3), reduction="none",
          name="unbatched_none"),
        S(r(T, N, C, dtype=np.float64), _ctc_targets(N, Smax, C).astype(np.int32),
          np.array([8, 8, 8]), np.array([3, 3, 3]), name="f64_int32"),
        S(r(T, N, C), _ctc_targets(N, Smax, C), np.array([8, 8, 8]), np.array([3, 3, 3]),
          noncontig=True, name="nc"),
    ]
    return out


OPS += [
    # torch implements no derivative for _ctc_loss_backward: no double backward
    OpInfo("loss_ctc", _ctc_fn, _ctc_samples, gradgrad=False,
           errors=lambda: [E(r(6, 2, 4), _ctc_targets(2, 2, 4), [6, 5], [2, 2], blank=4),
                           E(r(6, 2, 4), _ctc_targets(2, 2, 4), [7, 5], [2, 2]),
                           E(r(6, 2, 4), _ctc_targets(2, 2, 4), [6], [2, 2])]),
]
