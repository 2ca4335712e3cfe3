"""Upsample / PixelShuffle / ChannelShuffle modules vs torch."""

import pytest

from tests.nn.helpers import check_module
from tests.ops.opinfo import r


@pytest.mark.parametrize("kw,shape", [
    ({"scale_factor": 2}, (2, 3, 4, 5)),
    ({"size": (7, 3), "mode": "bilinear"}, (2, 3, 4, 5)),
    ({"scale_factor": 1.5, "mode": "bilinear", "align_corners": True}, (2, 3, 4, 5)),
    ({"scale_factor": (2, 1.5), "mode": "bicubic"}, (1, 2, 4, 5)),
    ({"scale_factor": 2, "mode": "linear"}, (2, 3, 5)),
    ({"size": (3, 4, 5), "mode": "trilinear"}, (1, 2, 2, 3, 4)),
    ({"scale_factor": 0.5, "mode": "nearest-exact", "recompute_scale_factor": True},
     (2, 3, 6, 6)),
])
def test_upsample(kw, shape):
    check_module(lambda lib: lib.nn.Upsample(**kw), [r(*shape)])


def test_upsampling_aliases():
    check_module(lambda lib: lib.nn.UpsamplingNearest2d(scale_factor=2), [r(2, 3, 3, 4)])
    check_module(lambda lib: lib.nn.UpsamplingNearest2d(size=(5, 7)), [r(2, 3, 3, 4)])
    check_module(lambda lib: lib.nn.UpsamplingBilinear2d(scale_factor=2), [r(2, 3, 3, 4)])


def test_shuffles():
    check_module(lambda lib: lib.nn.PixelShuffle(2), [r(2, 8, 3, 4)])
    check_module(lambda lib: lib.nn.PixelUnshuffle(2), [r(2, 2, 4, 6)])
    check_module(lambda lib: lib.nn.ChannelShuffle(3), [r(2, 6, 3, 4)])


@pytest.mark.parametrize("pm", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("ac", [False, True])
def test_grid_sample_bicubic_vs_torch(pm, ac):
    """Values and both gradients against torch, grid points on pixel centres, corners and
    far outside; float32 and float64 gradcheck in ember."""
    import numpy as np
    import torch

    import ember

    rng = np.random.default_rng(0)
    for dt, tol in ((np.float32, 1e-4), (np.float64, 1e-10)):
        x = rng.standard_normal((2, 3, 5, 4)).astype(dt)
        g = rng.uniform(-2.5, 2.5, (2, 3, 6, 2)).astype(dt)
        g[0, 0, :, 0] = np.linspace(-1, 1, 6)   # exact tap positions
        g[0, 0, :, 1] = [-1, 1, 0, -1, 1, 0.5]
        gout = rng.standard_normal((2, 3, 3, 6)).astype(dt)
        res = []
        for lib in (ember, torch):
            xt = lib.tensor(x, requires_grad=True)
            gt = lib.tensor(g, requires_grad=True)
            out = lib.nn.functional.grid_sample(xt, gt, mode="bicubic", padding_mode=pm,
                                                align_corners=ac)
            out.backward(lib.tensor(gout))
            res.append([out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy()])
        for a, b in zip(*res):
            assert a.dtype == b.dtype
            np.testing.assert_allclose(a, b, atol=tol, rtol=tol * 10)

    def f(xx, gg):
        return ember.nn.functional.grid_sample(xx, gg, mode="bicubic", padding_mode=pm,
                                               align_corners=ac)

    x64 = ember.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    g64 = ember.tensor(rng.uniform(-1.3, 1.3, (1, 3, 2, 2)), requires_grad=True)
    assert ember.autograd.gradcheck(f, (x64, g64))
    x32 = ember.tensor(rng.standard_normal((1, 2, 4, 5)).astype(np.float32),
                       requires_grad=True)
    g32 = ember.tensor(rng.uniform(-1.3, 1.3, (1, 3, 2, 2)).astype(np.float32),
                       requires_grad=True)
    # one float32 input at a time (ember's gradcheck looks inputs up with list.index)
    with pytest.warns(UserWarning, match="not a double precision"):
        assert ember.autograd.gradcheck(lambda xx: f(xx, g32.detach()), (x32,),
                                        eps=1e-2, atol=5e-2, rtol=5e-2)
    with pytest.warns(UserWarning, match="not a double precision"):
        assert ember.autograd.gradcheck(lambda gg: f(x32.detach(), gg), (g32,),
                                        eps=1e-3, atol=5e-2, rtol=5e-2)


def test_grid_sample_bicubic_errors():
    import torch

    import ember

    msgs = []
    for lib in (ember, torch):
        with pytest.raises(RuntimeError) as ei:
            lib.nn.functional.grid_sample(lib.zeros(1, 1, 3, 3, 3), lib.zeros(1, 2, 2, 2, 3),
                                          mode="bicubic", align_corners=False)
        msgs.append(str(ei.value))
    assert msgs[0] == msgs[1]
