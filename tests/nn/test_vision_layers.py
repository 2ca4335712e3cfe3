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
