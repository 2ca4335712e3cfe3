"""ember.vision.transforms against torchvision's formulas (PIL path: Pillow's own ops; tensor
path: torch ops as the oracle where torchvision's transform is a torch op)."""

import colorsys
import math

import numpy as np
import pytest

pytest.importorskip("PIL")
from PIL import Image, ImageEnhance, ImageOps  # noqa: E402

import ember  # noqa: E402
from ember.vision import transforms as T  # noqa: E402
from ember.vision.transforms import InterpolationMode  # noqa: E402
from ember.vision.transforms import functional as F  # noqa: E402

torch = pytest.importorskip("torch")
tF = torch.nn.functional


def _rgb(h=9, w=11, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _pil(arr):
    return Image.fromarray(arr)


def _t(arr):  # HWC uint8 -> ember CHW uint8
    return ember.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def _tt(arr):  # HWC uint8 -> torch CHW uint8
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def _np(x):
    return x.numpy() if isinstance(x, ember.Tensor) else np.asarray(x)


def _chw(img):
    return np.asarray(img).transpose(2, 0, 1) if np.asarray(img).ndim == 3 else np.asarray(img)


# --- conversions ----------------------------------------------------------------------------

def test_to_tensor_pil_and_ndarray():
    a = _rgb()
    x = T.ToTensor()(_pil(a))
    ref = torch.from_numpy(a).permute(2, 0, 1).float().div(255)
    assert x.dtype == ember.float32 and tuple(x.shape) == (3, 9, 11)
    np.testing.assert_array_equal(x.numpy(), ref.numpy())
    np.testing.assert_array_equal(F.to_tensor(a).numpy(), ref.numpy())
    f = np.random.default_rng(1).random((4, 5)).astype(np.float32)
    np.testing.assert_array_equal(F.to_tensor(f).numpy(), f[None])  # non-uint8: no scaling
    x1 = F.to_tensor(_pil(a).convert("1"))
    assert set(np.unique(x1.numpy())) <= {0.0, 1.0}
    xi = F.to_tensor(Image.fromarray(np.arange(12, dtype=np.int32).reshape(3, 4), mode="I"))
    assert xi.dtype == ember.int32 and xi.numpy()[0, 2, 3] == 11


def test_pil_to_tensor_and_back():
    a = _rgb()
    x = T.PILToTensor()(_pil(a))
    assert x.dtype == ember.uint8 and tuple(x.shape) == (3, 9, 11)
    np.testing.assert_array_equal(x.numpy(), a.transpose(2, 0, 1))
    back = T.ToPILImage()(x)
    assert back.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(back), a)
    g = F.to_pil_image(ember.from_numpy(a[:, :, 0].copy()))
    assert g.mode == "L"
    # floats are scaled by 255 and truncated
    f = ember.tensor([[[0.0, 0.5, 1.0]]])
    assert np.asarray(F.to_pil_image(f)).tolist() == [[0, 127, 255]]
    assert F.to_pil_image(ember.zeros(4, 2, 2, dtype=ember.uint8)).mode == "RGBA"
    assert F.to_pil_image(ember.zeros(1, 2, 2), mode="F").mode == "F"
    assert F.to_pil_image(_t(a), mode="HSV").mode == "HSV"
    with pytest.raises(ValueError):
        F.to_pil_image(ember.zeros(5, 2, 2))


def test_convert_image_dtype():
    u = ember.tensor([[[0, 128, 255]]], dtype=ember.uint8)
    f = T.ConvertImageDtype(ember.float32)(u)
    np.testing.assert_allclose(f.numpy(), [[[0, 128 / 255, 1.0]]], rtol=1e-6)
    back = F.convert_image_dtype(ember.tensor([[[0.0, 0.5, 1.0]]]), ember.uint8)
    assert back.numpy().tolist() == [[[0, 127, 255]]]  # x * (255 + 1 - 1e-3), truncated
    assert F.convert_image_dtype(u, ember.int16).numpy().tolist() == [[[0, 128 * 128, 255 * 128]]]
    assert F.convert_image_dtype(ember.tensor([[[32767]]], dtype=ember.int16),
                                 ember.uint8).numpy().item() == 255
    with pytest.raises(RuntimeError):
        F.convert_image_dtype(ember.zeros(1, 1, 1), ember.int64)


def test_normalize_matches_torch():
    x = np.random.default_rng(3).random((3, 5, 6)).astype(np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    ref = (torch.from_numpy(x) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    ex = ember.from_numpy(x.copy())
    out = T.Normalize(mean, std)(ex)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(ex.numpy(), x)  # not in place
    T.Normalize(mean, std, inplace=True)(ex)
    np.testing.assert_allclose(ex.numpy(), ref.numpy(), rtol=1e-6, atol=1e-6)
    batch = F.normalize(ember.from_numpy(np.stack([x, x])), mean, std)
    np.testing.assert_allclose(batch.numpy()[1], ref.numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(TypeError):
        F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), mean, std)
    with pytest.raises(ValueError):
        F.normalize(ember.zeros(3, 2, 2), mean, (1.0, 0.0, 1.0))


# --- resize ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size,expected", [(6, (6, 7)), ((5, 4), (5, 4)), ([8], (8, 9))])
def test_resize_output_size_rules(size, expected):
    a = _rgb(9, 11)
    out = T.Resize(size)(_pil(a))
    assert out.size[::-1] == expected
    assert tuple(T.Resize(size)(_t(a)).shape[-2:]) == expected
    wide = _rgb(10, 20)
    assert F.resize(_pil(wide), 8, max_size=12).size == (12, 6)
    assert tuple(F.resize(_t(wide), 8, max_size=12).shape) == (3, 6, 12)
    with pytest.raises(ValueError):
        F.resize(_pil(a), 20, max_size=15)


@pytest.mark.parametrize("mode", [InterpolationMode.BILINEAR, InterpolationMode.BICUBIC,
                                  InterpolationMode.NEAREST, InterpolationMode.LANCZOS,
                                  InterpolationMode.BOX])
def test_resize_pil_is_pillow(mode):
    a = _rgb(16, 20)
    pil_mode = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "nearest": Image.NEAREST,
                "lanczos": Image.LANCZOS, "box": Image.BOX}[mode.value]
    out = T.Resize((7, 9), interpolation=mode)(_pil(a))
    np.testing.assert_array_equal(np.asarray(out), np.asarray(_pil(a).resize((9, 7), pil_mode)))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("hw", [(7, 9), (20, 30), (13, 5)])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_tensor_matches_torch_interpolate(mode, hw, antialias):
    x = np.random.default_rng(4).random((2, 3, 16, 12)).astype(np.float32)
    out = F.resize(ember.from_numpy(x), list(hw), InterpolationMode(mode), antialias=antialias)
    ref = tF.interpolate(torch.from_numpy(x), size=hw, mode=mode, align_corners=False,
                         antialias=antialias)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_resize_tensor_uint8_rounds_like_torchvision(mode):
    a = _rgb(16, 12)
    out = F.resize(_t(a), [7, 9], InterpolationMode(mode))
    xf = _tt(a).float()[None]
    kw = {} if mode == "nearest" else {"align_corners": False, "antialias": True}
    ref = tF.interpolate(xf, size=(7, 9), mode=mode, **kw)
    if mode == "bicubic":
        ref = ref.clamp(0, 255)
    ref = torch.round(ref).to(torch.uint8)[0]
    assert out.dtype == ember.uint8
    assert np.abs(out.numpy().astype(int) - ref.numpy().astype(int)).max() <= 1
    assert (out.numpy() == ref.numpy()).mean() > 0.97


def test_resize_pil_vs_tensor_close():
    a = _rgb(32, 24)
    p = np.asarray(F.resize(_pil(a), [12, 10])).transpose(2, 0, 1).astype(float)
    t = F.resize(_t(a), [12, 10]).numpy().astype(float)
    assert np.abs(p - t).mean() < 1.0


# --- crops, flips, pad ----------------------------------------------------------------------

@pytest.mark.parametrize("size", [4, (3, 6), (9, 11), (6, 5)])
def test_center_crop_rounding(size):
    a = _rgb(9, 11)
    th, tw = (size, size) if isinstance(size, int) else size
    top, left = int(round((9 - th) / 2.0)), int(round((11 - tw) / 2.0))
    exp = a[top:top + th, left:left + tw]
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(size)(_pil(a))), exp)
    np.testing.assert_array_equal(T.CenterCrop(size)(_t(a)).numpy(), exp.transpose(2, 0, 1))


def test_center_crop_larger_than_image_pads_with_zero():
    a = _rgb(3, 4)
    p = np.asarray(F.center_crop(_pil(a), [6, 7]))
    t = F.center_crop(_t(a), [6, 7]).numpy().transpose(1, 2, 0)
    exp = np.zeros((6, 7, 3), np.uint8)
    exp[1:4, 1:5] = a
    np.testing.assert_array_equal(p, exp)
    np.testing.assert_array_equal(t, exp)


def test_crop_out_of_bounds():
    a = _rgb(5, 6)
    t = F.crop(_t(a), -1, 2, 4, 6).numpy()
    p = np.asarray(F.crop(_pil(a), -1, 2, 4, 6)).transpose(2, 0, 1)
    exp = np.zeros((3, 4, 6), np.uint8)
    exp[:, 1:, :4] = a[:3, 2:].transpose(2, 0, 1)
    np.testing.assert_array_equal(t, exp)
    np.testing.assert_array_equal(p, exp)


def test_flips():
    a = _rgb()
    np.testing.assert_array_equal(np.asarray(F.hflip(_pil(a))), a[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.vflip(_pil(a))), a[::-1])
    np.testing.assert_array_equal(F.hflip(_t(a)).numpy(), torch.flip(_tt(a), [-1]).numpy())
    np.testing.assert_array_equal(F.vflip(_t(a)).numpy(), torch.flip(_tt(a), [-2]).numpy())
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(_t(a)).numpy(),
                                  F.hflip(_t(a)).numpy())
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=0.0)(_t(a)).numpy(), _t(a).numpy())
    ember.manual_seed(0)
    flips = [np.array_equal(np.asarray(T.RandomHorizontalFlip()(_pil(a))), a[:, ::-1])
             for _ in range(40)]
    assert 5 < sum(flips) < 35


@pytest.mark.parametrize("padding", [2, [1, 3], [1, 2, 3, 0]])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_pil_and_tensor(padding, mode):
    a = _rgb(5, 6)
    if isinstance(padding, int):
        l = r = t = b = padding
    elif len(padding) == 2:
        l = r = padding[0]
        t = b = padding[1]
    else:
        l, t, r, b = padding
    np_mode = {"constant": "constant", "edge": "edge", "reflect": "reflect",
               "symmetric": "symmetric"}[mode]
    kw = {"constant_values": 7} if mode == "constant" else {}
    exp = np.pad(a, ((t, b), (l, r), (0, 0)), mode=np_mode, **kw)
    np.testing.assert_array_equal(np.asarray(T.Pad(padding, fill=7, padding_mode=mode)(_pil(a))),
                                  exp)
    out = T.Pad(padding, fill=7, padding_mode=mode)(_t(a))
    assert out.dtype == ember.uint8
    np.testing.assert_array_equal(out.numpy(), exp.transpose(2, 0, 1))
    if mode != "symmetric":
        tm = {"constant": "constant", "edge": "replicate", "reflect": "reflect"}[mode]
        x = torch.from_numpy(a.transpose(2, 0, 1).astype(np.float32))[None]
        ref = tF.pad(x, [l, r, t, b], mode=tm, **({"value": 7.0} if mode == "constant" else {}))
        np.testing.assert_array_equal(out.numpy(), ref[0].numpy().astype(np.uint8))


def test_pad_fill_tuple_pil_and_negative_padding():
    a = _rgb(4, 4)
    out = np.asarray(F.pad(_pil(a), 1, fill=(1, 2, 3)))
    assert out[0, 0].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(np.asarray(F.pad(_pil(a), [-1, 1], padding_mode="edge")),
                                  np.pad(a[:, 1:3], ((1, 1), (0, 0), (0, 0)), mode="edge"))
    np.testing.assert_array_equal(F.pad(_t(a), [-1, 1], padding_mode="symmetric").numpy(),
                                  np.pad(a[:, 1:3], ((1, 1), (0, 0), (0, 0)),
                                         mode="symmetric").transpose(2, 0, 1))


def test_random_crop_params_and_padding():
    a = _rgb(10, 12)
    ember.manual_seed(5)
    out = T.RandomCrop((4, 5))(_t(a))
    ember.manual_seed(5)
    i, j, h, w = T.RandomCrop.get_params(_t(a), (4, 5))
    np.testing.assert_array_equal(out.numpy(), a[i:i + h, j:j + w].transpose(2, 0, 1))
    ember.manual_seed(5)
    p = T.RandomCrop((4, 5))(_pil(a))
    np.testing.assert_array_equal(np.asarray(p), a[i:i + h, j:j + w])
    padded = T.RandomCrop(12, padding=1, fill=9)(_t(a))
    assert tuple(padded.shape) == (3, 12, 12)
    small = T.RandomCrop((14, 15), pad_if_needed=True, padding_mode="edge")(_pil(a))
    assert small.size == (15, 14)
    with pytest.raises(ValueError):
        T.RandomCrop(20)(_t(a))
    assert T.RandomCrop.get_params(_t(a), (10, 12)) == (0, 0, 10, 12)


def test_random_resized_crop():
    a = _rgb(20, 30)
    ember.manual_seed(7)
    out = T.RandomResizedCrop(8)(_t(a))
    assert tuple(out.shape) == (3, 8, 8) and out.dtype == ember.uint8
    ember.manual_seed(7)
    i, j, h, w = T.RandomResizedCrop.get_params(_t(a), (0.08, 1.0), (3 / 4, 4 / 3))
    assert 0 <= i <= 20 - h and 0 <= j <= 30 - w and 0 < h <= 20 and 0 < w <= 30
    assert 0.08 * 600 * 0.8 <= h * w <= 600 and 3 / 4 * 0.8 <= w / h <= 4 / 3 * 1.25
    np.testing.assert_array_equal(
        out.numpy(), F.resized_crop(_t(a), i, j, h, w, [8, 8]).numpy())
    ember.manual_seed(7)
    p = T.RandomResizedCrop((6, 9))(_pil(a))
    assert p.size == (9, 6)
    # impossible scale -> central-crop fallback clamps to the ratio bounds
    assert T.RandomResizedCrop.get_params(_t(a), (5.0, 6.0), (1.0, 1.0)) == (0, 5, 20, 20)


# --- rotation -------------------------------------------------------------------------------

def _torch_rotate_ref(x, angle, mode="nearest", expand=False, fill=None):
    """torchvision's tensor rotate written with torch ops (inverse affine matrix, the
    pixel-centre base grid, grid_sample, fill mask)."""
    matrix = F._get_inverse_affine_matrix([0.0, 0.0], -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    h, w = x.shape[-2:]
    ow, oh = F._compute_affine_output_size(matrix, w, h) if expand else (w, h)
    theta = torch.tensor(matrix, dtype=torch.float32).reshape(1, 2, 3)
    base = torch.empty(1, oh, ow, 3)
    base[..., 0].copy_(torch.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, steps=ow))
    base[..., 1].copy_(torch.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, steps=oh).unsqueeze(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, oh * ow, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h]))
    grid = grid.view(1, oh, ow, 2)
    img = x.float()[None]
    if fill is not None:
        img = torch.cat([img, torch.ones(1, 1, h, w)], 1)
    out = tF.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = out[:, -1:].expand_as(out[:, :-1])
        out = out[:, :-1]
        fimg = torch.tensor(fill, dtype=torch.float32).view(1, -1, 1, 1).expand_as(out)
        out = torch.where(mask < 0.5, fimg, out) if mode == "nearest" else \
            out * mask + (1 - mask) * fimg
    return out[0]


@pytest.mark.parametrize("angle,expand", [(30.0, False), (-45.0, True), (90.0, False),
                                          (17.5, True)])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotate_tensor_matches_torch_composition(angle, expand, mode):
    x = np.random.default_rng(8).random((3, 9, 13)).astype(np.float32)
    out = F.rotate(ember.from_numpy(x), angle, InterpolationMode(mode), expand=expand,
                   fill=[0.5, 0.25, 1.0])
    ref = _torch_rotate_ref(torch.from_numpy(x), angle, mode, expand, fill=[0.5, 0.25, 1.0])
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_rotate_90_equals_rot90_and_pil():
    a = _rgb(7, 7)
    out = F.rotate(_t(a), 90.0)
    np.testing.assert_array_equal(out.numpy(), np.rot90(a, 1).transpose(2, 0, 1))
    np.testing.assert_array_equal(np.asarray(F.rotate(_pil(a), 90.0)), np.rot90(a, 1))
    pe = F.rotate(_pil(_rgb(6, 10)), 90.0, expand=True)
    te = F.rotate(_t(_rgb(6, 10)), 90.0, expand=True)
    assert pe.size == (6, 10) and tuple(te.shape) == (3, 10, 6)
    np.testing.assert_array_equal(te.numpy(), np.asarray(pe).transpose(2, 0, 1))


def test_rotate_pil_is_pillow_and_random_rotation():
    a = _rgb(12, 12)
    exp = _pil(a).rotate(33.0, Image.BILINEAR, False, (3, 4), fillcolor=(9, 9, 9))
    got = F.rotate(_pil(a), 33.0, InterpolationMode.BILINEAR, center=[3, 4], fill=9)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(exp))
    ember.manual_seed(11)
    r = T.RandomRotation((10, 40), fill=5)(_t(a))
    ember.manual_seed(11)
    angle = T.RandomRotation.get_params([10.0, 40.0])
    assert 10 <= angle <= 40
    np.testing.assert_array_equal(r.numpy(), F.rotate(_t(a), angle, fill=[5.0] * 3).numpy())
    # PIL vs tensor nearest rotation agree on almost every pixel
    p = np.asarray(F.rotate(_pil(a), angle, fill=5)).transpose(2, 0, 1)
    assert (p == r.numpy()).mean() > 0.9


# --- colour ---------------------------------------------------------------------------------

def test_grayscale_pil_and_tensor():
    a = _rgb(6, 7)
    g = T.Grayscale()(_pil(a))
    assert g.mode == "L"
    ref601 = a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114
    assert np.abs(np.asarray(g).astype(float) - ref601).max() <= 1.0
    np.testing.assert_array_equal(np.asarray(g), np.asarray(_pil(a).convert("L")))
    g3 = T.Grayscale(3)(_pil(a))
    assert g3.mode == "RGB" and (np.asarray(g3)[..., 2] == np.asarray(g)).all()
    x = _tt(a)
    ref = (0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]).to(torch.uint8)
    np.testing.assert_array_equal(T.Grayscale()(_t(a)).numpy()[0], ref.numpy())
    xf = x.float() / 255
    reff = 0.2989 * xf[0] + 0.587 * xf[1] + 0.114 * xf[2]
    gf = F.rgb_to_grayscale(ember.from_numpy(xf.numpy()), 3)
    assert tuple(gf.shape) == (3, 6, 7)
    np.testing.assert_allclose(gf.numpy()[1], reff.numpy(), rtol=1e-6)
    ember.manual_seed(0)
    assert T.RandomGrayscale(p=1.0)(_pil(a)).mode == "RGB"


def _torch_blend(img1, img2, r, bound):
    return (r * img1 + (1.0 - r) * img2).clamp(0, bound).to(img1.dtype)


def _torch_gray(x):
    return (0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]).to(x.dtype)[None]


@pytest.mark.parametrize("factor", [0.0, 0.3, 1.0, 1.7])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_adjust_brightness_contrast_saturation_tensor(factor, dtype):
    a = _rgb(8, 9)
    x = _tt(a) if dtype == "uint8" else _tt(a).float() / 255
    e = ember.from_numpy(x.numpy().copy())
    bound = 255 if dtype == "uint8" else 1
    ref_b = _torch_blend(x, torch.zeros_like(x), factor, bound)
    mean = torch.mean(_torch_gray(x).float(), dim=(-3, -2, -1), keepdim=True)
    ref_c = _torch_blend(x, mean, factor, bound)
    ref_s = _torch_blend(x, _torch_gray(x), factor, bound)
    for fn, ref in ((F.adjust_brightness, ref_b), (F.adjust_contrast, ref_c),
                    (F.adjust_saturation, ref_s)):
        out = fn(e, factor)
        assert out.dtype == e.dtype
        if dtype == "uint8":
            assert np.abs(out.numpy().astype(int) - ref.numpy().astype(int)).max() <= 1
            assert (out.numpy() == ref.numpy()).mean() > 0.99
        else:
            np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("factor", [0.0, 0.5, 1.5])
def test_adjust_colour_pil_is_imageenhance(factor):
    img = _pil(_rgb(8, 9))
    for fn, enh in ((F.adjust_brightness, ImageEnhance.Brightness),
                    (F.adjust_contrast, ImageEnhance.Contrast),
                    (F.adjust_saturation, ImageEnhance.Color)):
        np.testing.assert_array_equal(np.asarray(fn(img, factor)),
                                      np.asarray(enh(img).enhance(factor)))


@pytest.mark.parametrize("hue", [-0.5, -0.2, 0.0, 0.13, 0.5])
def test_adjust_hue_tensor_vs_colorsys(hue):
    x = np.random.default_rng(9).random((3, 5, 6)).astype(np.float32)
    x[:, 0, 0] = 0.4  # a grey pixel
    out = F.adjust_hue(ember.from_numpy(x.copy()), hue).numpy()
    ref = np.empty_like(x)
    for i in range(5):
        for j in range(6):
            h, s, v = colorsys.rgb_to_hsv(*x[:, i, j].astype(float))
            ref[:, i, j] = colorsys.hsv_to_rgb((h + hue) % 1.0, s, v)
    np.testing.assert_allclose(out, ref, atol=2e-5)
    u = F.adjust_hue(_t(_rgb(4, 4)), hue)
    assert u.dtype == ember.uint8


def test_adjust_hue_pil_formula():
    a = _rgb(6, 6)
    out = np.asarray(F.adjust_hue(_pil(a), 0.25))
    h, s, v = _pil(a).convert("HSV").split()
    nh = (np.asarray(h).astype(np.int64) + int(0.25 * 255)) % 256
    exp = Image.merge("HSV", (Image.fromarray(nh.astype(np.uint8)), s, v)).convert("RGB")
    np.testing.assert_array_equal(out, np.asarray(exp))
    np.testing.assert_array_equal(np.asarray(F.adjust_hue(_pil(a).convert("L"), 0.3)),
                                  np.asarray(_pil(a).convert("L")))
    with pytest.raises(ValueError):
        F.adjust_hue(_pil(a), 0.7)


def test_color_jitter_reproducible_and_equivalent():
    a = _rgb(8, 8)
    cj = T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
    ember.manual_seed(21)
    out = cj(_t(a))
    ember.manual_seed(21)
    fn_idx, b, c, s, h = T.ColorJitter.get_params(cj.brightness, cj.contrast, cj.saturation,
                                                  cj.hue)
    assert sorted(fn_idx.tolist()) == [0, 1, 2, 3]
    assert 0.6 <= b <= 1.4 and 0.6 <= c <= 1.4 and 0.6 <= s <= 1.4 and -0.1 <= h <= 0.1
    ref = _t(a)
    for i in fn_idx.tolist():
        ref = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation,
               F.adjust_hue][i](ref, [b, c, s, h][i])
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    ember.manual_seed(21)
    p1 = np.asarray(cj(_pil(a)))
    ember.manual_seed(21)
    p2 = np.asarray(cj(_pil(a)))
    np.testing.assert_array_equal(p1, p2)
    assert T.ColorJitter().brightness is None
    assert T.ColorJitter(brightness=(0.5, 2)).brightness == (0.5, 2.0)
    with pytest.raises(ValueError):
        T.ColorJitter(hue=0.6)


# --- blur -----------------------------------------------------------------------------------

def _torch_blur(x, ks, sigma):
    def k1(k, s):
        half = (k - 1) * 0.5
        t = torch.linspace(-half, half, steps=k)
        pdf = torch.exp(-0.5 * (t / s).pow(2))
        return pdf / pdf.sum()
    kx, ky = k1(ks[0], sigma[0]), k1(ks[1], sigma[1])
    k2 = torch.mm(ky[:, None], kx[None, :])
    c = x.shape[-3]
    img = tF.pad(x[None].float(), [ks[0] // 2, ks[0] // 2, ks[1] // 2, ks[1] // 2],
                 mode="reflect")
    return tF.conv2d(img, k2.expand(c, 1, *k2.shape), groups=c)[0]


@pytest.mark.parametrize("ks,sigma", [((3, 3), (0.8, 0.8)), ((5, 3), (1.5, 0.6))])
def test_gaussian_blur_matches_torch(ks, sigma):
    x = np.random.default_rng(10).random((3, 9, 10)).astype(np.float32)
    out = F.gaussian_blur(ember.from_numpy(x), list(ks), list(sigma))
    ref = _torch_blur(torch.from_numpy(x), ks, sigma)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    a = _rgb(9, 10)
    pu = F.gaussian_blur(_pil(a), list(ks), list(sigma))
    refu = torch.round(_torch_blur(_tt(a), ks, sigma)).to(torch.uint8)
    assert pu.mode == "RGB"
    assert np.abs(_chw(pu).astype(int) - refu.numpy().astype(int)).max() <= 1
    ember.manual_seed(3)
    gb = T.GaussianBlur(3, sigma=(0.1, 2.0))
    out2 = gb(ember.from_numpy(x))
    ember.manual_seed(3)
    s = T.GaussianBlur.get_params(0.1, 2.0)
    np.testing.assert_array_equal(out2.numpy(), F.gaussian_blur(ember.from_numpy(x), [3, 3],
                                                                [s, s]).numpy())


# --- containers and randomness --------------------------------------------------------------

def test_compose_lambda_random_apply_choice_order():
    a = _rgb(6, 6)
    c = T.Compose([T.PILToTensor(), T.Lambda(lambda x: x.flip(-1))])
    np.testing.assert_array_equal(c(_pil(a)).numpy(), a[:, ::-1].transpose(2, 0, 1))
    with pytest.raises(TypeError):
        T.Lambda(3)
    add1 = T.Lambda(lambda x: x + 1)
    times2 = T.Lambda(lambda x: x * 2)
    assert T.RandomApply([add1, times2], p=1.0)(1) == 4
    assert T.RandomApply([add1, times2], p=0.0)(1) == 1
    ember.manual_seed(0)
    got = {T.RandomOrder([add1, times2])(1) for _ in range(30)}
    assert got == {3, 4}
    ember.manual_seed(0)
    got = [T.RandomChoice([add1, times2])(1) for _ in range(60)]
    assert set(got) == {2}  # both give 2 for input 1
    ember.manual_seed(0)
    got = [T.RandomChoice([add1, times2], p=[0.0, 1.0])(3) for _ in range(20)]
    assert set(got) == {6}
    ember.manual_seed(1)
    seq1 = [T.RandomChoice([add1, times2])(5) for _ in range(20)]
    ember.manual_seed(1)
    seq2 = [T.RandomChoice([add1, times2])(5) for _ in range(20)]
    assert seq1 == seq2 and set(seq1) == {6, 10}


def test_full_pipeline_reproducible():
    a = _rgb(40, 36)
    tf = T.Compose([T.RandomResizedCrop(24), T.RandomHorizontalFlip(), T.RandomRotation(15),
                    T.ColorJitter(0.2, 0.2, 0.2, 0.05), T.ToTensor(),
                    T.Normalize([0.5] * 3, [0.25] * 3)])
    ember.manual_seed(99)
    x1 = tf(_pil(a))
    ember.manual_seed(99)
    x2 = tf(_pil(a))
    assert tuple(x1.shape) == (3, 24, 24) and x1.dtype == ember.float32
    np.testing.assert_array_equal(x1.numpy(), x2.numpy())
    tt = T.Compose([T.RandomResizedCrop(24), T.RandomHorizontalFlip(), T.RandomRotation(15),
                    T.ColorJitter(0.2, 0.2, 0.2, 0.05), T.ConvertImageDtype(ember.float32),
                    T.Normalize([0.5] * 3, [0.25] * 3)])
    assert tuple(tt(_t(a)).shape) == (3, 24, 24)


# --- reprs ----------------------------------------------------------------------------------

def test_reprs_match_torchvision():
    assert repr(T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])) == \
        "Compose(\n    ToTensor()\n    Normalize(mean=(0.1307,), std=(0.3081,))\n)"
    assert repr(T.PILToTensor()) == "PILToTensor()"
    assert repr(T.ToPILImage()) == "ToPILImage()"
    assert repr(T.ToPILImage("RGB")) == "ToPILImage(mode=RGB)"
    assert repr(T.ConvertImageDtype(ember.float32)) == "ConvertImageDtype()"
    assert repr(T.Resize(32)) == \
        "Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.Resize((3, 4), InterpolationMode.NEAREST, antialias=False)) == \
        "Resize(size=(3, 4), interpolation=nearest, max_size=None, antialias=False)"
    assert repr(T.Resize(8, interpolation=3)) == \
        "Resize(size=8, interpolation=bicubic, max_size=None, antialias=True)"
    assert repr(T.CenterCrop(10)) == "CenterCrop(size=(10, 10))"
    assert repr(T.CenterCrop([3, 4])) == "CenterCrop(size=[3, 4])"
    assert repr(T.RandomCrop(32, padding=4)) == "RandomCrop(size=(32, 32), padding=4)"
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(T.RandomVerticalFlip(0.3)) == "RandomVerticalFlip(p=0.3)"
    assert repr(T.RandomResizedCrop(224)) == ("RandomResizedCrop(size=(224, 224), scale=(0.08, "
                                              "1.0), ratio=(0.75, 1.3333), interpolation="
                                              "bilinear, antialias=True)")
    assert repr(T.RandomRotation(30)) == \
        "RandomRotation(degrees=[-30.0, 30.0], interpolation=nearest, expand=False, fill=0)"
    assert repr(T.RandomRotation((0, 90), center=(1, 2), expand=True)) == (
        "RandomRotation(degrees=[0.0, 90.0], interpolation=nearest, expand=True, "
        "center=(1, 2), fill=0)")
    assert repr(T.ColorJitter(0.4, 0.4, 0.4, 0.1)) == (
        "ColorJitter(brightness=(0.6, 1.4), contrast=(0.6, 1.4), saturation=(0.6, 1.4), "
        "hue=(-0.1, 0.1))")
    assert repr(T.ColorJitter()) == \
        "ColorJitter(brightness=None, contrast=None, saturation=None, hue=None)"
    assert repr(T.Grayscale(3)) == "Grayscale(num_output_channels=3)"
    assert repr(T.RandomGrayscale()) == "RandomGrayscale(p=0.1)"
    assert repr(T.Pad(2)) == "Pad(padding=2, fill=0, padding_mode=constant)"
    assert repr(T.Lambda(abs)) == "Lambda()"
    assert repr(T.RandomApply([T.Grayscale()], p=0.2)) == \
        "RandomApply(\n    p=0.2\n    Grayscale(num_output_channels=1)\n)"
    assert repr(T.RandomChoice([T.ToTensor()])) == "RandomChoice(\n    ToTensor()\n)(p=None)"
    assert repr(T.RandomOrder([T.ToTensor()])) == "RandomOrder(\n    ToTensor()\n)"
    assert repr(T.GaussianBlur(3)) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    assert repr(T.Normalize([0.5], [0.5])) == "Normalize(mean=[0.5], std=[0.5])"


def test_interpolation_ints_and_errors():
    assert T.Resize(4, interpolation=0).interpolation is InterpolationMode.NEAREST
    with pytest.raises(TypeError):
        F.resize(_pil(_rgb()), 4, interpolation="bilinear")
    with pytest.raises(TypeError):
        T.Resize(4.5)
    with pytest.raises(ValueError):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(TypeError):
        F.hflip(np.zeros((3, 3)))
    with pytest.raises(ValueError):
        T.GaussianBlur(4)
    assert math.isclose(F.get_dimensions(_pil(_rgb()))[0], 3)
    assert F.get_image_size(_t(_rgb())) == [11, 9]
    assert F.get_dimensions(ImageOps.grayscale(_pil(_rgb()))) == [1, 9, 11]
