"""Every op of torch's CPU autocast lists that ember has, against torch's CPU autocast.

Each case calls the op through a public API (``torch.*``, Tensor methods,
``nn.functional``, ``linalg``, ``nn`` modules) in both libraries under
``autocast("cpu", dtype=bfloat16)`` and ``dtype=float16``, with float32 inputs for
"lower" ops, lower-precision inputs for "fp32" ops and mixed inputs for "promote" ops,
and checks ember's output dtype against torch's and the values within the
lower-precision tolerance.  ``test_every_listed_op_is_covered`` walks the category
lists of ``ember.amp._lists``: each name is covered by a case here or is listed in
``NOT_IN_EMBER`` with the reason.
"""

import numpy as np
import pytest
import torch

import ember
from ember.amp import _lists

R = np.random.RandomState(0)


def _a(*shape, lo=0.1, hi=1.0):
    return R.uniform(lo, hi, size=shape).astype(np.float32)


def _spd(n, batch=()):
    m = R.randn(*batch, n, n).astype(np.float32)
    return (m @ np.swapaxes(m, -1, -2) + n * np.eye(n)).astype(np.float32)


def _chol(n):
    return np.linalg.cholesky(_spd(n)).astype(np.float32)


def _wellcond(n):
    return (R.uniform(-0.5, 0.5, (n, n)) + n * np.eye(n)).astype(np.float32)


def _raw_qr(m, n):
    """geqrf's (reflectors, tau) for a random m x n matrix, from NumPy's LAPACK."""
    h, tau = np.linalg.qr(_a(m, n).astype(np.float64), mode="raw")
    return h.T.astype(np.float32), tau.astype(np.float32)


def _i(L, *vals):
    return L.tensor(np.array(vals, dtype=np.int64))


def _module(L, cls, *args, **kw):
    """``L.nn.<cls>(*args, **kw)`` with the same deterministic parameters in both libraries."""
    m = getattr(L.nn, cls)(*args, **kw)
    rs = np.random.RandomState(1)
    with L.no_grad():
        for p in m.parameters():
            p.copy_(L.tensor(rs.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))
    return m


def _mha(L, x, train):
    m = _module(L, "MultiheadAttention", 4, 2, batch_first=True).train(train)
    with L.set_grad_enabled(train):
        return m(x, x, x)


def _unpool(L, x, nd):
    F = L.nn.functional
    pooled, idx = getattr(F, f"max_pool{nd}d")(x, 2, return_indices=True)
    return getattr(F, f"max_unpool{nd}d")(pooled, idx, 2)


F_ = "nn.functional"
IDX = (0, 2, 1, 3)

# (names in the lists this case covers, category of the case, input arrays (float32),
#  fn(lib, *tensors) -> Tensor or tuple of Tensors).  Category: 'lower' -> inputs float32,
#  output in the autocast dtype; 'fp32' -> lower-precision inputs, output float32;
#  'promote' -> mixed lower/float32 inputs, output float32; 'none' -> not autocast on CPU
#  (lower-precision inputs keep their dtype): calls close to listed ops that must not match.
C = [
    # ---- lower ------------------------------------------------------------------------
    ("matmul", "lower", [_a(3, 4), _a(4, 5)], lambda L, a, b: L.matmul(a, b)),
    ("matmul", "lower", [_a(2, 3, 4), _a(4, 5)], lambda L, a, b: a @ b),
    ("matmul", "lower", [_a(4), _a(2, 4, 3)], lambda L, a, b: a.matmul(b)),
    ("mm", "lower", [_a(3, 4), _a(4, 5)], lambda L, a, b: L.mm(a, b)),
    ("mm", "lower", [_a(3, 4), _a(4, 5)], lambda L, a, b: a.mm(b)),
    ("bmm", "lower", [_a(2, 3, 4), _a(2, 4, 5)], lambda L, a, b: L.bmm(a, b)),
    ("addmm", "lower", [_a(3, 5), _a(3, 4), _a(4, 5)],
     lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2)),
    ("addmm", "lower", [_a(5), _a(3, 4), _a(4, 5)], lambda L, c, a, b: c.addmm(a, b)),
    ("addbmm", "lower", [_a(3, 5), _a(2, 3, 4), _a(2, 4, 5)],
     lambda L, c, a, b: L.addbmm(c, a, b)),
    ("baddbmm", "lower", [_a(2, 3, 5), _a(2, 3, 4), _a(2, 4, 5)],
     lambda L, c, a, b: L.baddbmm(c, a, b)),
    ("einsum", "lower", [_a(3, 4), _a(4, 5)], lambda L, a, b: L.einsum("ij,jk->ik", a, b)),
    ("einsum", "lower", [_a(2, 3, 4), _a(2, 4)], lambda L, a, b: L.einsum("bij,bj->bi", a, b)),
    ("linear", "lower", [_a(3, 4), _a(5, 4), _a(5)],
     lambda L, x, w, b: L.nn.functional.linear(x, w, b)),
    ("linear", "lower", [_a(2, 3, 4)], lambda L, x: _module(L, "Linear", 4, 5)(x)),
    ("convolution", "lower", [_a(2, 3, 8), _a(4, 3, 3), _a(4)],
     lambda L, x, w, b: L.nn.functional.conv1d(x, w, b, padding=1)),
    ("convolution", "lower", [_a(2, 3, 6, 6), _a(4, 3, 3, 3), _a(4)],
     lambda L, x, w, b: L.nn.functional.conv2d(x, w, b, stride=2)),
    ("convolution", "lower", [_a(2, 4, 5, 5), _a(4, 2, 3, 3)],
     lambda L, x, w: L.nn.functional.conv2d(x, w, padding="same", groups=2)),
    ("convolution", "lower", [_a(1, 2, 4, 4, 4), _a(3, 2, 2, 2, 2)],
     lambda L, x, w: L.nn.functional.conv3d(x, w)),
    ("convolution", "lower", [_a(2, 3, 6, 6)], lambda L, x: _module(L, "Conv2d", 3, 4, 3)(x)),
    ("convolution_transpose", "lower", [_a(2, 3, 5), _a(3, 2, 3)],
     lambda L, x, w: L.nn.functional.conv_transpose1d(x, w)),
    ("convolution_transpose", "lower", [_a(2, 3, 4, 4), _a(3, 2, 3, 3), _a(2)],
     lambda L, x, w, b: L.nn.functional.conv_transpose2d(x, w, b, stride=2)),
    ("convolution_transpose", "lower", [_a(1, 2, 3, 3, 3), _a(2, 2, 2, 2, 2)],
     lambda L, x, w: L.nn.functional.conv_transpose3d(x, w)),
    ("convolution_transpose", "lower", [_a(2, 3, 4, 4)],
     lambda L, x: _module(L, "ConvTranspose2d", 3, 2, 3)(x)),
    ("prelu", "lower", [_a(3, 4, lo=-1), _a(1)], lambda L, x, w: L.nn.functional.prelu(x, w)),
    ("prelu", "lower", [_a(2, 3, 4, lo=-1)], lambda L, x: _module(L, "PReLU", 3)(x)),
    ("linalg_vecdot", "lower", [_a(3, 4), _a(3, 4)], lambda L, a, b: L.linalg.vecdot(a, b)),
    ("scaled_dot_product_attention", "lower", [_a(2, 3, 4), _a(2, 5, 4), _a(2, 5, 4)],
     lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v)),
    ("scaled_dot_product_attention", "lower", [_a(1, 2, 4, 4), _a(1, 2, 4, 4), _a(1, 2, 4, 4)],
     lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)),
    # torch's MultiheadAttention under autocast runs the composite path (its fast path,
    # _native_multi_head_attention, is off under autocast); both give the autocast dtype
    ("_native_multi_head_attention", "lower", [_a(2, 3, 4)], lambda L, x: _mha(L, x, True)),
    ("_native_multi_head_attention", "lower", [_a(2, 3, 4)], lambda L, x: _mha(L, x, False)),
    # ---- fp32: pooling / padding ------------------------------------------------------
    ("avg_pool3d", "fp32", [_a(1, 2, 4, 4, 4)], lambda L, x: L.nn.functional.avg_pool3d(x, 2)),
    ("avg_pool3d", "fp32", [_a(1, 2, 4, 5, 4)],
     lambda L, x: _module(L, "AvgPool3d", 3, stride=2, padding=1)(x)),
    ("adaptive_avg_pool3d", "fp32", [_a(1, 2, 4, 5, 3)],
     lambda L, x: L.nn.functional.adaptive_avg_pool3d(x, (2, 3, 2))),
    ("max_pool3d", "fp32", [_a(1, 2, 4, 4, 4)], lambda L, x: L.nn.functional.max_pool3d(x, 2)),
    ("max_pool3d", "fp32", [_a(2, 5, 4, 6)],
     lambda L, x: _module(L, "MaxPool3d", 3, stride=2, padding=1)(x)),
    ("adaptive_max_pool3d", "fp32", [_a(1, 2, 4, 5, 3)],
     lambda L, x: L.nn.functional.adaptive_max_pool3d(x, 2)),
    ("adaptive_max_pool3d", "fp32", [_a(2, 4, 5, 3)],
     lambda L, x: L.nn.functional.adaptive_max_pool3d(x, 2, return_indices=True)),
    ("max_unpool2d", "fp32", [_a(1, 2, 4, 4)], lambda L, x: _unpool(L, x, 2)),
    ("max_unpool3d", "fp32", [_a(1, 2, 4, 4, 4)], lambda L, x: _unpool(L, x, 3)),
    ("reflection_pad1d", "fp32", [_a(2, 3, 5)],
     lambda L, x: L.nn.functional.pad(x, (2, 1), mode="reflect")),
    ("reflection_pad2d", "fp32", [_a(2, 3, 4, 5)],
     lambda L, x: L.nn.functional.pad(x, (1, 2, 2, 1), mode="reflect")),
    ("reflection_pad2d", "fp32", [_a(3, 4, 5)], lambda L, x: _module(L, "ReflectionPad2d", 1)(x)),
    ("replication_pad1d", "fp32", [_a(3, 5)],
     lambda L, x: L.nn.functional.pad(x, (2, 1), mode="replicate")),
    ("replication_pad2d", "fp32", [_a(2, 3, 4, 5)],
     lambda L, x: L.nn.functional.pad(x, (1, 2, 0, 1), mode="replicate")),
    ("replication_pad3d", "fp32", [_a(1, 2, 3, 4, 5)],
     lambda L, x: _module(L, "ReplicationPad3d", (1, 0, 2, 1, 1, 1))(x)),
    # ---- fp32: spectral ---------------------------------------------------------------
    # (.resolve_conj(): torch's ihfft result carries the conjugate bit, which .numpy() rejects)
    *[(f"fft_{n}", "fp32", [_a(4, 8)],
       lambda L, x, n=n: getattr(L.fft, n)(x).resolve_conj())
      for n in ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
                "irfft2", "rfftn", "irfftn", "hfft", "ihfft")],
    ("stft", "fp32", [_a(64), _a(16)],
     lambda L, x, w: L.stft(x, 16, window=w, return_complex=True)),
    # ---- fp32: linear algebra and quantiles --------------------------------------------
    ("quantile", "fp32", [_a(3, 8)], lambda L, x: L.quantile(x, 0.3, dim=1)),
    ("quantile", "fp32", [_a(10)], lambda L, x: x.quantile(0.75, interpolation="midpoint")),
    ("nanquantile", "fp32", [_a(3, 8)], lambda L, x: L.nanquantile(x, 0.6, dim=0)),
    ("cholesky", "fp32", [_spd(3)], lambda L, a: L.cholesky(a)),
    ("cholesky_inverse", "fp32", [_chol(3)], lambda L, c: L.cholesky_inverse(c)),
    ("cholesky_solve", "fp32", [_a(3, 2), _chol(3)], lambda L, b, c: L.cholesky_solve(b, c)),
    ("_lu_with_info", "fp32", [_wellcond(3)], lambda L, a: L.lu(a)),
    ("lu_solve", "fp32", [_a(3, 2), _wellcond(3)],
     lambda L, b, a: L.lu_solve(b, *L.linalg.lu_factor(a.float()))),
    ("geqrf", "fp32", [_a(4, 3)], lambda L, a: L.geqrf(a)),
    ("orgqr", "fp32", [*_raw_qr(4, 3)], lambda L, h, tau: L.orgqr(h, tau)),
    ("ormqr", "fp32", [*_raw_qr(4, 3), _a(4, 2)], lambda L, h, tau, c: L.ormqr(h, tau, c)),
    ("linalg_householder_product", "fp32", [*_raw_qr(4, 3)],
     lambda L, h, tau: L.linalg.householder_product(h, tau)),
    ("qr", "fp32", [_wellcond(3)], lambda L, a: L.qr(a)),
    ("svd", "fp32", [_a(4, 3)], lambda L, a: L.svd(a)[1]),    # singular values: no sign choice
    ("triangular_solve", "fp32", [_a(3, 2), np.triu(_wellcond(3))],
     lambda L, b, a: L.triangular_solve(b, a)),
    ("linalg_cond", "fp32", [_wellcond(3)], lambda L, a: L.linalg.cond(a)),
    ("linalg_eig", "fp32", [_spd(3)], lambda L, a: L.linalg.eig(a)[0]),
    ("linalg_eigvals", "fp32", [_spd(3)], lambda L, a: L.linalg.eigvals(a)),
    ("linalg_tensorinv", "fp32", [_wellcond(4)],
     lambda L, a: L.linalg.tensorinv(a.reshape(4, 2, 2), ind=1)),
    ("linalg_tensorsolve", "fp32", [_wellcond(6).reshape(2, 3, 6), _a(2, 3)],
     lambda L, a, b: L.linalg.tensorsolve(a, b)),
    ("linalg_lstsq", "fp32", [_wellcond(4)[:, :3], _a(4, 2)],
     lambda L, a, b: L.linalg.lstsq(a, b).solution),
    # ---- fp32: losses -----------------------------------------------------------------
    ("binary_cross_entropy", "fp32", [_a(4, 5, lo=0.05, hi=0.95), _a(4, 5, lo=0, hi=1)],
     lambda L, x, y: L.nn.functional.binary_cross_entropy(x, y)),
    ("binary_cross_entropy_with_logits", "fp32", [_a(4, 5, lo=-2, hi=2), _a(4, 5, lo=0)],
     lambda L, x, y: L.nn.functional.binary_cross_entropy_with_logits(x, y)),
    ("mse_loss", "fp32", [_a(3, 4), _a(3, 4)], lambda L, a, b: L.nn.functional.mse_loss(a, b)),
    ("l1_loss", "fp32", [_a(3, 4), _a(3, 4)],
     lambda L, a, b: L.nn.functional.l1_loss(a, b, reduction="sum")),
    ("smooth_l1_loss", "fp32", [_a(3, 4, hi=3), _a(3, 4)],
     lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b)),
    ("huber_loss", "fp32", [_a(3, 4, hi=3), _a(3, 4)],
     lambda L, a, b: L.nn.functional.huber_loss(a, b, delta=0.5)),
    ("soft_margin_loss", "fp32", [_a(3, 4, lo=-1), _a(3, 4, lo=-1)],
     lambda L, a, b: L.nn.functional.soft_margin_loss(a, b.sign())),
    ("kl_div", "fp32", [_a(3, 4, lo=-2, hi=-0.1), _a(3, 4)],
     lambda L, a, b: L.nn.functional.kl_div(a, b, reduction="batchmean")),
    ("poisson_nll_loss", "fp32", [_a(3, 4), _a(3, 4, hi=3)],
     lambda L, a, b: L.nn.functional.poisson_nll_loss(a, b)),
    ("hinge_embedding_loss", "fp32", [_a(3, 4), _a(3, 4, lo=-1)],
     lambda L, a, y: L.nn.functional.hinge_embedding_loss(a, y.sign())),
    ("margin_ranking_loss", "fp32", [_a(5), _a(5), _a(5, lo=-1)],
     lambda L, a, b, y: L.nn.functional.margin_ranking_loss(a, b, y.sign(), margin=0.1)),
    ("cosine_embedding_loss", "fp32", [_a(3, 4), _a(3, 4), _a(3, lo=-1)],
     lambda L, a, b, y: L.nn.functional.cosine_embedding_loss(a, b, y.sign())),
    ("triplet_margin_loss", "fp32", [_a(3, 4), _a(3, 4), _a(3, 4)],
     lambda L, a, p, n: L.nn.functional.triplet_margin_loss(a, p, n, margin=0.5)),
    ("multi_margin_loss", "fp32", [_a(4, 5)],
     lambda L, x: L.nn.functional.multi_margin_loss(x, _i(L, *IDX))),
    (("multilabel_margin_loss", "multilabel_margin_loss_forward"), "fp32", [_a(2, 4)],
     lambda L, x: L.nn.functional.multilabel_margin_loss(x, _i(L, 3, 0, -1, 1, 1, 2, 3, -1)
                                                         .reshape(2, 4))),
    ("nll_loss", "fp32", [_a(4, 5, lo=-2, hi=0)],
     lambda L, x: L.nn.functional.nll_loss(x, _i(L, *IDX))),
    ("nll_loss2d", "fp32", [_a(2, 3, 2, 2, lo=-2, hi=0)],
     lambda L, x: L.nn.functional.nll_loss(x, _i(L, 0, 2, 1, 1, 2, 0, 0, 1).reshape(2, 2, 2))),
    ("cross_entropy_loss", "fp32", [_a(4, 5, lo=-2, hi=2)],
     lambda L, x: L.nn.functional.cross_entropy(x, _i(L, *IDX), label_smoothing=0.1)),
    ("cross_entropy_loss", "fp32", [_a(4, 5, lo=-2, hi=2)],
     lambda L, x: _module(L, "CrossEntropyLoss")(x, _i(L, *IDX))),
    (("ctc_loss", "_ctc_loss"), "fp32", [_a(6, 2, 4, lo=-3, hi=-0.5)],
     lambda L, x: L.nn.functional.ctc_loss(x.log_softmax(2), _i(L, 1, 2, 3, 1, 2),
                                           _i(L, 6, 5), _i(L, 3, 2))),
    # ---- fp32: math / linalg ----------------------------------------------------------
    ("prod", "fp32", [_a(3, 4, lo=0.5, hi=1.5)], lambda L, x: L.prod(x, 1)),
    ("prod", "fp32", [_a(3, 4, lo=0.5, hi=1.5)], lambda L, x: x.prod()),
    ("grid_sampler", "fp32", [_a(1, 2, 4, 5), _a(1, 3, 3, 2, lo=-1)],
     lambda L, x, g: L.nn.functional.grid_sample(x, g, align_corners=False)),
    ("grid_sampler", "fp32", [_a(1, 2, 3, 4, 4), _a(1, 2, 2, 3, 3, lo=-1)],
     lambda L, x, g: L.nn.functional.grid_sample(x, g, mode="nearest", align_corners=True)),
    ("cdist", "fp32", [_a(2, 3, 4), _a(2, 5, 4)], lambda L, a, b: L.cdist(a, b)),
    ("trace", "fp32", [_a(4, 4)], lambda L, x: L.trace(x)),
    ("trace", "fp32", [_a(3, 5)], lambda L, x: x.trace()),
    ("inverse", "fp32", [_spd(4)], lambda L, x: L.inverse(x)),
    ("inverse", "fp32", [_spd(3, (2,))], lambda L, x: x.inverse()),
    ("pinverse", "fp32", [_a(4, 3)], lambda L, x: L.pinverse(x)),
    ("pinverse", "fp32", [_a(3, 4)], lambda L, x: x.pinverse()),
    ("polar", "fp32", [_a(3, 4), _a(3, 4, lo=-3, hi=3)], lambda L, a, b: L.polar(a, b)),
    ("view_as_complex", "fp32", [_a(3, 2)], lambda L, x: L.view_as_complex(x)),
    ("linalg_inv", "fp32", [_spd(4)], lambda L, x: L.linalg.inv(x)),
    ("linalg_inv_ex", "fp32", [_spd(4)], lambda L, x: tuple(L.linalg.inv_ex(x))),
    ("linalg_solve", "fp32", [_spd(4), _a(4, 2)], lambda L, a, b: L.linalg.solve(a, b)),
    ("linalg_cholesky", "fp32", [_spd(4)], lambda L, x: L.linalg.cholesky(x)),
    ("linalg_cholesky_ex", "fp32", [_spd(4)], lambda L, x: tuple(L.linalg.cholesky_ex(x))),
    ("linalg_matrix_rank", "fp32", [_a(4, 3)], lambda L, x: L.linalg.matrix_rank(x)),
    ("linalg_svdvals", "fp32", [_a(4, 3)], lambda L, x: L.linalg.svdvals(x)),
    ("linalg_eigvalsh", "fp32", [_spd(4)], lambda L, x: L.linalg.eigvalsh(x)),
    # eigenvectors, singular vectors and QR factors are unique up to sign (ill-conditioned
    # to compare as they are): compare their magnitudes
    ("linalg_eigh", "fp32", [_spd(4)],
     lambda L, x: (lambda r: (r[0], r[1].abs()))(L.linalg.eigh(x))),
    ("linalg_svd", "fp32", [_a(4, 3)],
     lambda L, x: (lambda r: (r[0].abs(), r[1], r[2].abs()))(L.linalg.svd(x, False))),
    ("linalg_qr", "fp32", [_spd(4)], lambda L, x: tuple(t.abs() for t in L.linalg.qr(x))),
    # ---- promote (mixed lower-precision / float32 inputs) ------------------------------
    ("cat", "promote", [_a(2, 3), _a(2, 3)], lambda L, a, b: L.cat([a, b])),
    ("cat", "promote", [_a(2, 3), _a(2, 1), _a(2, 2)], lambda L, a, b, c: L.cat((a, b, c), 1)),
    ("stack", "promote", [_a(2, 3), _a(2, 3)], lambda L, a, b: L.stack([a, b], 1)),
    ("index_copy", "promote", [_a(4, 3), _a(2, 3)],
     lambda L, a, b: a.index_copy(0, _i(L, 2, 0), b)),
    ("index_copy", "promote", [_a(4, 3), _a(4, 2)],
     lambda L, a, b: L.index_copy(a, 1, _i(L, 2, 0), b)),
    # ---- none: not autocast on CPU (torch's CPU lists differ from CUDA's) ---------------
    ("-", "none", [_a(1, 2, 4, 4, 4)],
     lambda L, x: L.nn.functional.max_pool3d(x, 2, return_indices=True)),
    ("-", "none", [_a(1, 2, 4, 4)], lambda L, x: L.nn.functional.max_pool2d(x, 2)),
    ("-", "none", [_a(1, 2, 4, 4)], lambda L, x: L.nn.functional.avg_pool2d(x, 2)),
    ("-", "none", [_a(1, 2, 4, 4)], lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, 3)),
    ("-", "none", [_a(1, 2, 4, 4)], lambda L, x: L.nn.functional.adaptive_max_pool2d(x, 3)),
    ("-", "none", [_a(1, 2, 3, 4, 4)],
     lambda L, x: L.nn.functional.pad(x, (1, 1, 1, 1, 1, 1), mode="reflect")),
    ("-", "none", [_a(2, 3, 4)], lambda L, x: L.nn.functional.pad(x, (1, 2), mode="circular")),
    ("-", "none", [_a(2, 3, 4)], lambda L, x: L.nn.functional.pad(x, (1, 2), value=1.0)),
    ("-", "none", [_a(1, 2, 4, 4)],
     lambda L, x: L.nn.functional.interpolate(x, scale_factor=2, mode="bilinear")),
    ("-", "none", [_a(3, 4)], lambda L, x: L.softmax(x, -1)),
    ("-", "none", [_a(3, 4)], lambda L, x: L.log_softmax(x, -1)),
    ("-", "none", [_a(3, 4)], lambda L, x: L.exp(x)),
    ("-", "none", [_a(3, 4)], lambda L, x: L.log(x)),
    ("-", "none", [_a(3, 4)], lambda L, x: L.pow(x, 2)),
    ("-", "none", [_a(3, 4)], lambda L, x: x.sum(0)),
    ("-", "none", [_a(3, 4)], lambda L, x: x.cumsum(1)),
    ("-", "none", [_a(3, 4)], lambda L, x: L.nn.functional.layer_norm(x, (4,))),
    ("-", "none", [_a(3, 4)], lambda L, x: L.nn.functional.gelu(x)),
    ("-", "none", [_a(3, 4), _a(4)], lambda L, a, b: L.mv(a, b)),
    ("-", "none", [_a(4), _a(4)], lambda L, a, b: L.dot(a, b)),
]

# listed names ember has no public API for (torch-internal ops, or ops ember lacks)
NOT_IN_EMBER = {
    "conv_tbc": "ember has no torch.conv_tbc (time-batch-channel convolution)",
    "mkldnn_rnn_layer": "oneDNN's fused LSTM kernel; ember's LSTM runs its generic recurrence",
    "_addmm_activation": "torch-internal fused addmm+relu/gelu, no public API",
    "fractional_max_pool2d": "ember has no fractional max pooling",
    "fractional_max_pool3d": "ember has no fractional max pooling",
    "fake_quantize_per_tensor_affine": "ember has no quantization ops",
}

# the public path each NOT_IN_EMBER name would have (None: torch-internal only)
_PUBLIC = {"conv_tbc": "conv_tbc",
           "fractional_max_pool2d": "nn.functional.fractional_max_pool2d",
           "fractional_max_pool3d": "nn.functional.fractional_max_pool3d",
           "fake_quantize_per_tensor_affine": "fake_quantize_per_tensor_affine"}

LOW = {"bfloat16": (torch.bfloat16, ember.bfloat16, 1e-2),
       "float16": (torch.float16, ember.float16, 1e-3)}


def _names(case):
    return (case[0],) if isinstance(case[0], str) else case[0]


def _ids():
    seen = {}
    out = []
    for c in C:
        base = _names(c)[0] if c[1] != "none" else "none"
        seen[base] = seen.get(base, 0) + 1
        out.append(f"{base}-{seen[base]}")
    return out


def _inputs(cat, arrays, tdt, edt):
    """float32 inputs for 'lower'; lower-precision for 'fp32'/'none'; for 'promote' the
    first input is lower-precision, the others float32."""
    ti, ei = [], []
    for i, arr in enumerate(arrays):
        t, e = torch.tensor(arr), ember.tensor(arr)
        if cat in ("fp32", "none") or (cat == "promote" and i == 0):
            t, e = t.to(tdt), e.to(edt)
        ti.append(t)
        ei.append(e)
    return ti, ei


def _flat(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


@pytest.mark.parametrize("low", list(LOW))
@pytest.mark.parametrize("case", C, ids=_ids())
def test_autocast_op_matches_torch(case, low):
    _, cat, arrays, fn = case
    tdt, edt, rtol = LOW[low]
    ti, ei = _inputs(cat, arrays, tdt, edt)
    with torch.autocast("cpu", dtype=tdt):
        to = _flat(fn(torch, *ti))
    with ember.autocast("cpu", dtype=edt):
        eo = _flat(fn(ember, *ei))
    # the case table states torch's category (for the first output)
    expect = {"lower": tdt, "fp32": torch.float32, "promote": torch.float32, "none": tdt}[cat]
    assert to[0].dtype == expect or not to[0].is_floating_point(), (to[0].dtype, expect)
    assert len(eo) == len(to)
    for e, t in zip(eo, to):
        assert str(e.dtype) == str(t.dtype).replace("torch", "ember"), (e.dtype, t.dtype)
        np.testing.assert_allclose(_arr(e), _arr(t), rtol=rtol, atol=rtol)


def _arr(x):  # complex outputs (polar, view_as_complex) compared as complex
    return x.detach().numpy() if x.is_complex() else x.detach().double().numpy()


def _listed():
    return {"lower": _lists.CPU_LOWER, "fp32": _lists.CPU_FP32, "promote": _lists.CPU_PROMOTE}


def test_every_listed_op_is_covered():
    covered = {}
    for c in C:
        for n in _names(c):
            covered.setdefault(n, set()).add(c[1])
    listed = _listed()
    for cat, names in listed.items():
        for n in sorted(names):
            assert (n in covered) != (n in NOT_IN_EMBER), f"{n}: cover it or say why not"
            if n in covered:
                assert covered[n] == {cat}, (n, covered[n], cat)
    every = set().union(*listed.values())
    assert set(NOT_IN_EMBER) <= every
    assert set(covered) - {"-"} <= every


@pytest.mark.parametrize("name", sorted(_PUBLIC))
def test_not_in_ember_is_missing(name):
    # when ember gains one of these, move it from NOT_IN_EMBER to a case above
    obj = ember
    for part in _PUBLIC[name].split("."):
        if not hasattr(obj, part):
            return
        obj = getattr(obj, part)
    pytest.fail(f"ember has {_PUBLIC[name]}: cover '{name}' by a case")


def test_lists_mirror_torch_registrations():
    """ember's CPU lists hold every op torch registers for AutocastCPU (in ember's names)."""
    ember_name = {"conv1d": "convolution", "conv2d": "convolution", "conv3d": "convolution",
                  "_convolution": "convolution", "conv_transpose1d": "convolution_transpose",
                  "conv_transpose2d": "convolution_transpose",
                  "conv_transpose3d": "convolution_transpose",
                  "grid_sampler_2d": "grid_sampler", "grid_sampler_3d": "grid_sampler",
                  "_grid_sampler_2d_cpu_fallback": "grid_sampler"}
    regs = torch._C._dispatch_get_registrations_for_dispatch_key("AutocastCPU")
    names = {ember_name.get(n, n) for n in (r.split("::")[1].split(".")[0] for r in regs)}
    every = set().union(*_listed().values())
    assert names - every == set()
    # ember-only entries: einsum is one op in ember (torch's decomposes to bmm, also
    # lower); _ctc_loss is ember's op behind ctc_loss
    assert every - names == {"einsum", "_ctc_loss"}


def test_category_counts():
    counts = {}
    for c in C:
        for n in _names(c):
            if c[1] != "none":
                counts.setdefault(c[1], set()).add(n)
    assert {k: len(v) for k, v in counts.items()} == {"lower": 14, "fp32": 86, "promote": 3}


def test_int_and_double_args_not_cast():
    a = ember.tensor(np.arange(6).reshape(2, 3))
    d = ember.tensor(_a(3, 2)).double()
    with ember.autocast("cpu"):
        assert (a @ ember.tensor(np.ones((3, 2), dtype=np.int64))).dtype == ember.int64
        assert (d @ d.T).dtype == ember.float64
        assert ember.cat([a.float().bfloat16(), a.float()]).dtype == ember.float32
        assert ember.cat([a.float().bfloat16(), a.float().bfloat16()]).dtype == ember.bfloat16
        assert ember.nn.functional.mse_loss(d, d).dtype == ember.float64


def test_composite_runs_without_autocast_inside():
    # a listed op ember composes from several ops runs its parts as torch's single kernel
    # does: pinverse in float32 throughout (its inner matmuls are not lowered)
    x = ember.tensor(_a(4, 3), requires_grad=True)
    with ember.autocast("cpu"):
        y = ember.pinverse(x.bfloat16())
        assert ember.is_autocast_enabled("cpu")
    assert y.dtype == ember.float32
    np.testing.assert_allclose(y.detach().numpy(),
                               np.linalg.pinv(x.detach().bfloat16().float().numpy()),
                               rtol=1e-5, atol=1e-5)
