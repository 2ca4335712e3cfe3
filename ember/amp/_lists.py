"""Autocast op categories, per device type, keyed by ember op name (``Op.op_name``).

The categories follow torch's "Automatic Mixed Precision - Op-Specific Behavior"
lists, translated to ember's op names (e.g. torch's conv1d/2d/3d and
``_convolution`` are ember's ``convolution``; ``layer_norm``/``group_norm`` are
``native_layer_norm``).  Categories:

* ``lower``: floating inputs are cast to the autocast dtype (float16/bfloat16);
* ``fp32``: floating inputs in a lower precision are cast to float32;
* ``fp32_opt_dtype``: as ``fp32`` (torch's "fp32_set_opt_dtype": the op runs in
  float32 unless the caller gave an explicit ``dtype``);
* ``promote``: floating inputs are cast to the widest floating dtype among them.

float64 inputs are never cast.  An ``Op`` subclass's own ``autocast`` attribute
(set on the class) is used when its name is not listed here for the device.  An op that
is several torch ops looks up the torch name of each call (``Op.amp_name``, e.g.
``max_pool3d`` for ember's ``max_pool`` on 3-d input).  Functions that ember builds
from several ops where torch has one listed op (e.g. ``mse_loss``, ``cdist``,
``linalg_vecdot``) are decorated with ``autocast_mode.autocast_composite(name)``.
"""

from __future__ import annotations

# ---- CUDA (float16 by default) ------------------------------------------------------
CUDA_LOWER = frozenset({
    "matmul", "mm", "bmm", "mv", "addmm", "addmv", "addr", "addbmm", "baddbmm", "einsum",
    "linear", "convolution", "convolution_transpose", "prelu", "chain_matmul",
    "linalg_multi_dot", "linalg_vecdot", "scaled_dot_product_attention",
    "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell", "_recurrence",
})
CUDA_FP32 = frozenset({
    "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p",
    "reciprocal", "rsqrt", "sinh", "tan", "pow", "pow_scalar", "pow_tensor", "softplus",
    "native_layer_norm", "native_group_norm", "group_norm", "frobenius_norm", "nuclear_norm",
    "cosine_similarity", "poisson_nll_loss", "cosine_embedding_loss", "nll_loss",
    "nll_loss2d", "hinge_embedding_loss", "kl_div", "l1_loss", "smooth_l1_loss",
    "huber_loss", "mse_loss", "margin_ranking_loss", "multilabel_margin_loss",
    "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss",
    "binary_cross_entropy_with_logits", "dist", "pdist", "cdist", "renorm", "logsumexp",
    "_upsample_nearest", "upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
    "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d",
    "upsample_bicubic2d", "cross_entropy_loss", "_ctc_loss", "ctc_loss",
})
CUDA_FP32_OPT_DTYPE = frozenset({
    "prod", "softmax", "log_softmax", "cumprod", "cumsum", "linalg_vector_norm",
    "linalg_matrix_norm", "norm", "sum", "nansum",
})
CUDA_PROMOTE = frozenset({
    "addcdiv", "addcmul", "atan2", "bilinear", "cross", "linalg_cross", "dot",
    "grid_sampler", "index_put", "scatter_add", "tensordot", "cat", "stack",
})

# ---- CPU (bfloat16 by default; float16 uses the same lists) --------------------------
CPU_LOWER = frozenset({
    "matmul", "mm", "bmm", "addmm", "addbmm", "baddbmm", "einsum", "linear",
    "convolution", "convolution_transpose", "prelu", "linalg_vecdot",
    "scaled_dot_product_attention", "conv_tbc", "mkldnn_rnn_layer",
    "_native_multi_head_attention", "_addmm_activation",
})
CPU_FP32 = frozenset({
    "avg_pool3d", "binary_cross_entropy", "grid_sampler", "polar", "prod", "quantile",
    "nanquantile", "stft", "cdist", "trace", "view_as_complex", "cholesky",
    "cholesky_inverse", "cholesky_solve", "inverse", "lu_solve", "orgqr", "ormqr",
    "pinverse", "max_pool3d", "max_unpool2d", "max_unpool3d", "adaptive_avg_pool3d",
    "reflection_pad1d", "reflection_pad2d", "replication_pad1d", "replication_pad2d",
    "replication_pad3d", "mse_loss", "cosine_embedding_loss", "nll_loss", "nll_loss2d",
    "hinge_embedding_loss", "poisson_nll_loss", "smooth_l1_loss", "cross_entropy_loss",
    "l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss",
    "triplet_margin_loss", "multi_margin_loss", "ctc_loss", "_ctc_loss", "kl_div",
    "multilabel_margin_loss", "binary_cross_entropy_with_logits", "fft_fft", "fft_ifft",
    "fft_fft2", "fft_ifft2", "fft_fftn", "fft_ifftn", "fft_rfft", "fft_irfft",
    "fft_rfft2", "fft_irfft2", "fft_rfftn", "fft_irfftn", "fft_hfft", "fft_ihfft",
    "linalg_cond", "linalg_matrix_rank", "linalg_solve", "linalg_cholesky",
    "linalg_svdvals", "linalg_eigvals", "linalg_eigvalsh", "linalg_inv",
    "linalg_householder_product",
    "linalg_tensorinv", "linalg_tensorsolve", "fake_quantize_per_tensor_affine", "geqrf",
    "_lu_with_info", "qr", "svd", "triangular_solve", "fractional_max_pool2d",
    "fractional_max_pool3d", "adaptive_max_pool3d", "multilabel_margin_loss_forward",
    "linalg_qr", "linalg_cholesky_ex", "linalg_svd", "linalg_eig", "linalg_eigh",
    "linalg_lstsq", "linalg_inv_ex",
})
CPU_PROMOTE = frozenset({"stack", "cat", "index_copy"})


def _table(lower, fp32, opt, promote):
    t = {}
    for names, cat in ((lower, "lower"), (fp32, "fp32"), (opt, "fp32_opt"), (promote, "promote")):
        for n in names:
            t[n] = cat
    return t


# device type -> {op name: category}
CATEGORIES: dict[str, dict[str, str]] = {
    "cpu": _table(CPU_LOWER, CPU_FP32, (), CPU_PROMOTE),
    "cuda": _table(CUDA_LOWER, CUDA_FP32, CUDA_FP32_OPT_DTYPE, CUDA_PROMOTE),
}


def category(cls, params, device_type: str):
    """The autocast category of a call of op class ``cls`` with keyword ``params`` on
    ``device_type`` (or None).  An op that stands for several torch ops (ember's one
    ``max_pool`` for torch's ``max_pool1d``/``2d``/``3d``) gives the torch name of the call
    with its ``amp_name(params)``."""
    name = cls.op_name if cls.amp_name is None else cls.amp_name(params)
    return CATEGORIES[device_type].get(name) or cls.autocast
