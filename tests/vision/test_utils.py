"""ember.vision.utils.make_grid / save_image (torchvision's layout and scaling)."""

import io

import numpy as np
import pytest

pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

import ember  # noqa: E402
from ember.vision.utils import make_grid, save_image  # noqa: E402


def _batch(n=5, c=1, h=3, w=4, seed=0):
    return np.random.default_rng(seed).random((n, c, h, w)).astype(np.float32)


def _expected_grid(x, nrow, padding, pad_value):
    n, c, h, w = x.shape
    if c == 1:
        x = np.concatenate([x, x, x], 1)
        c = 3
    xmaps = min(nrow, n)
    ymaps = -(-n // xmaps)
    H, W = h + padding, w + padding
    g = np.full((c, H * ymaps + padding, W * xmaps + padding), pad_value, np.float32)
    for k in range(n):
        y, xx = divmod(k, xmaps)
        g[:, y * H + padding:y * H + padding + h, xx * W + padding:xx * W + padding + w] = x[k]
    return g


@pytest.mark.parametrize("n,nrow,padding,pad_value", [(5, 2, 1, 0.5), (8, 8, 2, 0.0),
                                                       (3, 8, 0, 1.0), (7, 3, 3, 0.25)])
def test_make_grid_layout(n, nrow, padding, pad_value):
    x = _batch(n)
    g = make_grid(ember.from_numpy(x), nrow=nrow, padding=padding, pad_value=pad_value)
    np.testing.assert_array_equal(g.numpy(), _expected_grid(x, nrow, padding, pad_value))


def test_make_grid_list_single_and_2d():
    x = _batch(4, c=3)
    g = make_grid([ember.from_numpy(t) for t in x], nrow=2)
    np.testing.assert_array_equal(g.numpy(), _expected_grid(x, 2, 2, 0.0))
    one = make_grid(ember.from_numpy(x[:1]))
    np.testing.assert_array_equal(one.numpy(), x[0])  # single image: returned unpadded
    gray = make_grid(ember.from_numpy(x[0, 0]))
    assert tuple(gray.shape) == (3, 3, 4)
    with pytest.raises(TypeError):
        make_grid([ember.from_numpy(x[0]), x[1]])
    with pytest.raises(TypeError):
        make_grid(x)


def test_make_grid_normalize():
    x = _batch(4, c=3) * 6 - 2
    g = make_grid(ember.from_numpy(x), nrow=4, padding=1, normalize=True)
    xn = (x - x.min()) / (x.max() - x.min())
    np.testing.assert_allclose(g.numpy(), _expected_grid(xn, 4, 1, 0.0), rtol=1e-5, atol=1e-6)
    each = make_grid(ember.from_numpy(x), nrow=4, padding=1, normalize=True, scale_each=True)
    xe = np.stack([(t - t.min()) / (t.max() - t.min()) for t in x])
    np.testing.assert_allclose(each.numpy(), _expected_grid(xe, 4, 1, 0.0), rtol=1e-5,
                               atol=1e-6)
    vr = make_grid(ember.from_numpy(x), nrow=4, padding=1, normalize=True, value_range=(0, 2))
    xr = (np.clip(x, 0, 2) - 0) / 2
    np.testing.assert_allclose(vr.numpy(), _expected_grid(xr, 4, 1, 0.0), rtol=1e-6)
    np.testing.assert_array_equal(x, _batch(4, c=3) * 6 - 2)  # input untouched
    with pytest.raises(TypeError):
        make_grid(ember.from_numpy(x), normalize=True, value_range=[0, 1])
    const = make_grid(ember.ones(2, 1, 2, 2), normalize=True)
    assert np.isfinite(const.numpy()).all()  # max - min == 0 -> divides by 1e-5


def test_make_grid_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    x = _batch(6, c=3, seed=3)
    g = make_grid(ember.from_numpy(x), nrow=4, padding=2, pad_value=0.3).numpy()
    # torchvision's loop, with torch's narrow/copy_
    t = torch.from_numpy(x)
    H, W = 3 + 2, 4 + 2
    grid = t.new_full((3, H * 2 + 2, W * 4 + 2), 0.3)
    for k in range(6):
        y, xx = divmod(k, 4)
        grid.narrow(1, y * H + 2, H - 2).narrow(2, xx * W + 2, W - 2).copy_(t[k])
    np.testing.assert_array_equal(g, grid.numpy())


@pytest.mark.parametrize("fmt", ["png", "bmp"])
def test_save_image_round_trip(tmp_path, fmt):
    x = _batch(5, c=3, seed=4)
    path = tmp_path / f"grid.{fmt}"
    save_image(ember.from_numpy(x), str(path), nrow=3, padding=1)
    back = np.asarray(Image.open(path))
    g = _expected_grid(x, 3, 1, 0.0)
    exp = np.clip(g * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(back, exp)
    buf = io.BytesIO()
    save_image(ember.from_numpy(x[0]), buf, format="png")
    buf.seek(0)
    np.testing.assert_array_equal(
        np.asarray(Image.open(buf)),
        np.clip(x[0] * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0))


def test_save_image_requires_grad_input(tmp_path):
    x = ember.from_numpy(_batch(2, c=3)).requires_grad_()
    save_image(x * 2 - 0.5, str(tmp_path / "g.png"))
    assert Image.open(tmp_path / "g.png").size == (2 * 6 + 2, 3 + 4)
