"""Vision ops: ``interpolate``/``upsample*``, ``pixel_shuffle``/``pixel_unshuffle``,
``channel_shuffle``, ``grid_sample`` and ``affine_grid``.

Every ``interpolate`` mode is separable: one (out, in) weight matrix per spatial dim built
with torch's exact index/weight formulas (in the kernel's opmath precision: float32 for
float32 input), applied by ``pooling.SepLinear`` (nearest modes gather with an index
array instead), so the backward is the transposed map and double backward is free.
``grid_sample`` is composed of ember ops (gathers and arithmetic) and is differentiable
in both ``input`` and ``grid``.
"""

from __future__ import annotations

import math as _m

import numpy as np

from .. import dtypes as _dt
from ..amp.autocast_mode import autocast_composite
from .pooling import SepLinear, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
from .registry import Op, apply

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "grid_sample",
           "affine_grid"]


# --- interpolation weight matrices ----------------------------------------------------------

def _scale_value(ft, scale, insz, outsz):
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(insz) / ft(outsz)


def _area_scale(ft, insz, outsz, align_corners, scale):
    if align_corners:
        return ft(insz - 1) / ft(outsz - 1) if outsz > 1 else ft(0)
    return _scale_value(ft, scale, insz, outsz)


def _src_index(ft, scale, dst, align_corners, cubic):
    if align_corners:
        return scale * dst
    src = scale * (dst + ft(0.5)) - ft(0.5)
    if not cubic:
        src = np.where(src < 0, ft(0), src)
    return src


def _nearest_index(insz, outsz, scale, exact):
    f32 = np.float32
    dst = np.arange(outsz, dtype=np.int64)
    if not exact:
        if outsz == insz:
            return dst
        if outsz == 2 * insz:
            return dst >> 1
        s = _scale_value(f32, scale, insz, outsz)
        src = np.floor(dst.astype(f32) * s).astype(np.int64)
    else:
        s = _scale_value(f32, scale, insz, outsz)
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(f32)).astype(np.int64)
    return np.minimum(src, insz - 1)


def _linear_mat(ft, insz, outsz, align_corners, scale):
    M = np.zeros((outsz, insz), ft)
    if outsz == insz:
        M[np.arange(outsz), np.arange(outsz)] = 1
        return M
    s = _area_scale(ft, insz, outsz, align_corners, scale)
    real = _src_index(ft, s, np.arange(outsz).astype(ft), align_corners, False).astype(ft)
    i0 = np.minimum(np.floor(real).astype(np.int64), insz - 1)
    lam1 = np.clip(real - i0.astype(ft), 0, 1).astype(ft)
    lam0 = (ft(1) - lam1).astype(ft)
    i1 = i0 + (i0 < insz - 1)
    r = np.arange(outsz)
    np.add.at(M, (r, i0), lam0)
    np.add.at(M, (r, i1), lam1)
    return M


def _cubic_mat(ft, insz, outsz, align_corners, scale):
    M = np.zeros((outsz, insz), ft)
    s = _area_scale(ft, insz, outsz, align_corners, scale)
    real = _src_index(ft, s, np.arange(outsz).astype(ft), align_corners, True).astype(ft)
    i0 = np.minimum(np.floor(real).astype(np.int64), insz - 1)
    t = np.clip(real - i0.astype(ft), 0, 1).astype(ft)
    A = ft(-0.75)

    def c1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def c2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    one = ft(1)
    coeffs = [c2(t + one), c1(t), c1(one - t), c2((one - t) + one)]
    r = np.arange(outsz)
    for j in range(4):
        idx = np.clip(i0 - 1 + j, 0, insz - 1)
        np.add.at(M, (r, idx), coeffs[j].astype(ft))
    return M


class Gather1d(Op):
    """Nearest interpolation: ``np.take`` per spatial dim; backward: the 0/1 matrices'
    transposes (``SepLinear``)."""

    name = "_upsample_nearest"

    def forward(self, x, idxs, bw_name=None):
        if bw_name is not None:
            self._bw_name = bw_name
        self.idxs = idxs
        nd = len(idxs)
        out = x
        for i, idx in enumerate(idxs):
            out = np.take(out, idx, axis=x.ndim - nd + i)
        return out

    def backward(self, g):
        sp = self._in_meta[0][0][-len(self.idxs):]
        mats = []
        for idx, s in zip(self.idxs, sp):
            M = np.zeros((s, idx.shape[0]))
            M[idx, np.arange(idx.shape[0])] = 1
            mats.append(M)
        return (apply(SepLinear, g, mats=tuple(mats)),)


_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd_in = input._data.ndim
    dim = nd_in - 2
    shape = input._data.shape
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            if not all(isinstance(s, (int, np.integer)) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                "or Tuple[int, int, int], but got size with types "
                                f"{[type(s) for s in size]}")
            osz = [int(s) for s in size]
        else:
            osz = [int(size)] * dim
    elif scale_factor is not None:
        osz = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and osz is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        osz = [int(shape[i + 2] * scales[i]) for i in range(dim)]
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic") and nd_in == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if antialias and align_corners:
        raise NotImplementedError("interpolate: antialias=True with align_corners=True is not "
                                  "supported by ember")
    need = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
    if nd_in not in (3, 4, 5) or mode not in _MODES:
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported"
            f" (got {nd_in}D) for the modes: nearest | linear | bilinear | bicubic | trilinear "
            f"| lanczos | area | nearest-exact (got {mode})")
    if mode in need and need[mode] != nd_in:
        raise NotImplementedError(
            f"Got {nd_in}D input, but {mode} mode needs {need[mode]}D input")
    if osz is None:
        osz = [int(shape[i + 2] * scales[i]) for i in range(dim)]
    if any(o <= 0 for o in osz) or any(s <= 0 for s in shape[2:]):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(str(s) for s in shape[2:])}) and output "
                           f"({', '.join(str(o) for o in osz)})")
    sp = shape[2:]
    sc = scales if scales is not None else [None] * dim
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](
            input, tuple(osz))
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        idxs = tuple(_nearest_index(s, o, c, exact) for s, o, c in zip(sp, osz, sc))
        pre = "UpsampleNearestExact" if exact else "UpsampleNearest"
        return apply(Gather1d, input, idxs=idxs, bw_name=f"{pre}{dim}DBackward0")
    dt = input._data.dtype
    if not _dt.np_is_floating(dt):
        from .math import _not_impl
        _not_impl(f"upsample_{mode}{dim}d_out_frame", input._data)
    ft = np.float64 if dt == np.float64 else np.float32
    if antialias:
        from .math import _no_half
        _no_half("compute_index_ranges_weights", input)
        mats = tuple(_aa_matrix(s, o, mode, ft, c) for s, o, c in zip(sp, osz, sc))
        name = f"Upsample{'Bicubic' if mode == 'bicubic' else 'Bilinear'}2DAaBackward0"
    elif mode == "bicubic":
        mats = tuple(_cubic_mat(ft, s, o, align_corners, c) for s, o, c in zip(sp, osz, sc))
        name = "UpsampleBicubic2DBackward0"
    else:
        mats = tuple(_linear_mat(ft, s, o, align_corners, c) for s, o, c in zip(sp, osz, sc))
        name = {"linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
                "trilinear": "UpsampleTrilinear3DBackward0"}[mode]
    return apply(SepLinear, input, mats=mats, bw_name=name)


def _aa_filter(mode: str):
    if mode == "bilinear":
        def tri(x):
            x = np.abs(x)
            return np.where(x < 1.0, 1.0 - x, 0.0)
        return tri, 2
    a = -0.5  # torch's antialiased bicubic uses a = -0.5 (as PIL)

    def cubic(x):
        x = np.abs(x)
        return np.where(x < 1.0, ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0,
                        np.where(x < 2.0, (((x - 5.0) * x + 8.0) * x - 4.0) * a, 0.0))
    return cubic, 4


def _aa_matrix(in_size: int, out_size: int, mode: str, dtype, scale_factor=None):
    """The ``(out, in)`` weights of torch's separable antialiased interpolation
    (``_upsample_{bilinear,bicubic}2d_aa``, align_corners=False)."""
    filt, interp_size = _aa_filter(mode)
    scale = 1.0 / scale_factor if scale_factor else in_size / out_size
    support = (interp_size * 0.5) * scale if scale >= 1.0 else interp_size * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    m = np.zeros((out_size, in_size), np.float64)
    for i in range(out_size):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        w = filt((np.arange(lo, hi) - center + 0.5) * invscale)
        total = w.sum()
        m[i, lo:hi] = w / total if total != 0 else w
    return m.astype(dtype)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --- pixel / channel shuffle ------------------------------------------------------------------

def pixel_shuffle(input, upscale_factor):
    shape = input._data.shape
    r = int(upscale_factor)
    if len(shape) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c, h, w = shape[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    lead = tuple(shape[:-3])
    nl = len(lead)
    oc = c // (r * r)
    x = input.reshape(lead + (oc, r, r, h, w))
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 3, 1, 4, 2))
    return x.permute(perm).reshape(lead + (oc, h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    shape = input._data.shape
    r = int(downscale_factor)
    if len(shape) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    c, h, w = shape[-3:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    lead = tuple(shape[:-3])
    nl = len(lead)
    x = input.reshape(lead + (c, h // r, r, w // r, r))
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 2, 4, 1, 3))
    return x.permute(perm).reshape(lead + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    shape = input._data.shape
    g = int(groups)
    if len(shape) < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    c = shape[1]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {g} groups.")
    x = input.reshape((shape[0], g, c // g) + tuple(shape[2:]))
    return x.transpose(1, 2).reshape(shape)


native_channel_shuffle = channel_shuffle


# --- grid_sample / affine_grid ---------------------------------------------------------------

def _const_like(arr, like):
    from .._tensor import Tensor
    return Tensor._make(np.asarray(arr, dtype=like._data.dtype), like._device)


def _reflect(c, twice_low, twice_high):
    if twice_low == twice_high:
        return c * 0
    mn = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = (c - mn).abs()
    cd = c._data
    flips = np.floor(cd / span)
    extra = c - _const_like(flips * span, c)
    even = (np.fmod(flips, 2) == 0)
    from .math import _where_c
    return _where_c(even, extra + mn, -extra + (span + mn))


def _clip_coord(c, size):
    """``c.clamp(0, size - 1)``, but as torch's clip_coordinates_set_grad the borders count
    as out of bounds for the gradient (zero there, not passed through)."""
    from .math import _where_c
    cd = c._data
    inside = (cd > 0) & (cd < size - 1)
    return _where_c(inside, c, _const_like(np.clip(cd, 0, size - 1), c))


def _grid_coord(c, size, padding_mode, align_corners):
    if align_corners:
        c = (c + 1) * ((size - 1) / 2)
    else:
        c = ((c + 1) * size - 1) / 2
    if padding_mode == "border":
        c = _clip_coord(c, size)
    elif padding_mode == "reflection":
        if align_corners:
            c = _reflect(c, 0, 2 * (size - 1))
        else:
            c = _reflect(c, -1, 2 * size - 1)
        c = _clip_coord(c, size)
    return c


@autocast_composite("grid_sampler")
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        align_corners = False
    x = input._data
    gshape = grid._data.shape
    if x.ndim not in (4, 5) or grid._data.ndim != x.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(x.shape)} and grid "
                           f"with sizes {list(gshape)}")
    nd = x.ndim - 2
    if gshape[0] != x.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(x.shape)} and grid with sizes "
                           f"{list(gshape)}")
    if gshape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, "
                           f"but got grid with sizes {list(gshape)}")
    if input._dtype is not grid._dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but "
                           f"input has {input.dtype} and grid has {grid.dtype}")
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    n, c = x.shape[:2]
    sp = x.shape[2:]
    osp = gshape[1:-1]
    P = _m.prod(osp)
    g = grid.reshape(n, P, nd)
    flat_in = input.reshape(n, c, -1)
    if mode == "bicubic":
        return _grid_sample_bicubic(flat_in, g, sp, osp, padding_mode, align_corners)
    # coordinate along spatial dim d (0 = outermost) is grid[..., nd - 1 - d]
    coords = [_grid_coord(g[:, :, nd - 1 - d], sp[d], padding_mode, align_corners)
              for d in range(nd)]

    def gather(idx_list, valid):
        flat = np.zeros((n, P), np.int64)
        for d in range(nd):
            flat = flat * sp[d] + np.clip(idx_list[d], 0, sp[d] - 1)
        from .._tensor import Tensor
        it = Tensor._make(np.broadcast_to(flat[:, None, :], (n, c, P)).copy(), input._device)
        vals = flat_in.gather(2, it)
        if valid is not None and not valid.all():
            vals = vals * _const_like(valid[:, None, :], vals)
        return vals

    if mode == "nearest":
        idx = [np.rint(cd._data).astype(np.int64) for cd in coords]
        valid = np.ones((n, P), bool)
        for d in range(nd):
            valid &= (idx[d] >= 0) & (idx[d] < sp[d])
        out = gather(idx, valid)
        if grid._requires_grad:  # torch gives grid a zero gradient in nearest mode
            out = out + (g[:, :, :1] * 0).transpose(1, 2)
        return out.reshape((n, c) + tuple(osp))
    i0 = [np.floor(cd._data).astype(np.int64) for cd in coords]
    w1 = [cd - _const_like(i.astype(cd._data.dtype), cd) for cd, i in zip(coords, i0)]
    out = None
    for corner in range(2 ** nd):
        idx = []
        w = None
        valid = np.ones((n, P), bool)
        for d in range(nd):
            bit = (corner >> (nd - 1 - d)) & 1
            ii = i0[d] + bit
            idx.append(ii)
            valid &= (ii >= 0) & (ii < sp[d])
            wd = w1[d] if bit else 1 - w1[d]
            w = wd if w is None else w * wd
        if not valid.any():
            continue
        term = gather(idx, valid) * w.unsqueeze(1)
        out = term if out is None else out + term
    if out is None:
        out = flat_in[:, :, :1].expand(n, c, P) * 0 + (g[:, :, 0] * 0).unsqueeze(1)
    return out.reshape((n, c) + tuple(osp))


def _cubic_coeffs(t):
    """torch's 4-tap cubic convolution weights (A = -0.75) for the fractional offset ``t``
    (taps at floor - 1 .. floor + 2)."""
    A = -0.75

    def conv1(x):  # |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def conv2(x):  # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    return [conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t)]


def _bounded_tap(idx, size, padding_mode, align_corners, ft):
    """Tap index after torch's compute_coordinates (integer-valued, so no gradient flows
    through the padding) and whether it lies inside the input."""
    c = idx.astype(ft)
    if padding_mode == "reflection":
        lo, hi = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        if lo == hi:
            c = np.zeros_like(c)
        else:
            mn = lo / 2
            span = (hi - lo) / 2
            c = np.abs(c - mn)
            flips = np.floor(c / span)
            extra = c - flips * span
            c = np.where(np.fmod(flips, 2) == 0, extra + mn, span - extra + mn)
        c = np.clip(c, 0, size - 1)
    elif padding_mode == "border":
        c = np.clip(c, 0, size - 1)
    i = c.astype(np.int64)  # static_cast<int64_t>: truncation, as torch
    return i, (i >= 0) & (i < size)


def _grid_sample_bicubic(flat_in, g, sp, osp, padding_mode, align_corners):
    """2-D bicubic grid_sample as torch's kernel: the unnormalized (unpadded) coordinate
    gives the floor and fractional offset; each of the 16 taps is mapped through the
    padding mode and gathered (zero outside for ``zeros``)."""
    from .._tensor import Tensor
    n, c, _ = flat_in.shape
    P = g.shape[1]
    H, W = sp
    ft = flat_in._data.dtype
    xs = []
    for d, size in ((1, H), (0, W)):  # (y, x)
        v = g[:, :, d]
        v = (v + 1) * ((size - 1) / 2) if align_corners else ((v + 1) * size - 1) / 2
        fl = np.floor(v._data)
        t = v - _const_like(fl, v)
        xs.append((fl.astype(np.int64), _cubic_coeffs(t), size))
    (iy0, cy, _), (ix0, cx, _) = xs
    ty = [_bounded_tap(iy0 - 1 + i, H, padding_mode, align_corners, ft) for i in range(4)]
    tx = [_bounded_tap(ix0 - 1 + j, W, padding_mode, align_corners, ft) for j in range(4)]
    out = None
    for i in range(4):
        yi, yv = ty[i]
        row = None
        for j in range(4):
            xi, xv = tx[j]
            valid = yv & xv
            flat = np.where(valid, yi * W + xi, 0)
            it = Tensor._make(np.broadcast_to(flat[:, None, :], (n, c, P)).copy(),
                              flat_in._device)
            vals = flat_in.gather(2, it)
            if not valid.all():
                vals = vals * _const_like(valid[:, None, :], vals)
            term = vals * cx[j].unsqueeze(1)
            row = term if row is None else row + term
        term = row * cy[i].unsqueeze(1)
        out = term if out is None else out + term
    return out.reshape((n, c) + tuple(osp))


def _linspace_neg1(num, align_corners, ft):
    if num <= 1:
        return np.zeros(max(num, 1) if num == 1 else 0, ft)
    r = np.linspace(-1, 1, num, dtype=ft)
    if not align_corners:
        r = r * ft((num - 1) / num)
    return r.astype(ft)


def affine_grid(theta, size, align_corners=None):
    from .._tensor import Tensor
    if align_corners is None:
        align_corners = False
    if not theta._dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    tshape = list(theta._data.shape)
    if len(size) == 4:
        if theta._data.ndim != 3 or tshape[-2:] != [2, 3]:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {tshape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta._data.ndim != 3 or tshape[-2:] != [3, 4]:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {tshape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if tshape[0] != size[0]:
        raise RuntimeError(f"Expected size[0] ({size[0]}) to match theta.size(0) ({tshape[0]})")
    ft = theta._data.dtype.type
    nd = len(spatial)
    lins = [_linspace_neg1(s, align_corners, ft) for s in spatial]
    # base[..., 0] = x (last dim), [1] = y, [2] = z, last = 1
    grids = np.meshgrid(*lins, indexing="ij")
    comps = [grids[nd - 1 - i] for i in range(nd)] + [np.ones(spatial, ft)]
    base = np.stack(comps, axis=-1).reshape(1, -1, nd + 1)
    base = Tensor._make(np.ascontiguousarray(base.astype(ft)), theta._device)
    out = base.matmul(theta.transpose(1, 2))
    return out.reshape([size[0]] + spatial + [nd])
