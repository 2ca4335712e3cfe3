"""Conversions for the summary writers: any input to NumPy, image layouts, PNG encoding."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def make_np(x) -> np.ndarray:
    """An ember Tensor (any device), NumPy array or Python number as a NumPy array.

    As torch's ``make_np``: scalars become 1-element arrays, bfloat16 becomes float16."""
    from ..._tensor import Tensor
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, Tensor):
        arr = np.asarray(x.detach()._np())
        if arr.dtype.name == "bfloat16":
            arr = arr.astype(np.float16)
        return arr
    raise NotImplementedError(
        f"Got {type(x)}, but numpy array, ember tensor or Python number are expected.")


def make_grid(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Tile N images (N1HW or N3HW) into one 3HW canvas, ``ncols`` per row (as torch)."""
    if not isinstance(images, np.ndarray):
        raise AssertionError("plugin error, should pass numpy array here")
    if images.shape[1] == 1:
        images = np.concatenate([images, images, images], 1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, _, h, w = images.shape
    ncols = min(n, ncols)
    nrows = int(np.ceil(float(n) / ncols))
    canvas = np.zeros((3, h * nrows, w * ncols), dtype=images.dtype)
    for i in range(n):
        y, x = divmod(i, ncols)
        canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = images[i]
    return canvas


def convert_to_HWC(tensor: np.ndarray, input_format: str) -> np.ndarray:  # noqa: N802
    """Bring an image (or a batch, tiled into a grid) in ``input_format`` to HWC."""
    if len(set(input_format)) != len(input_format):
        raise AssertionError("You can not use the same dimension shorthand twice. "
                             f"input_format: {input_format}")
    if len(tensor.shape) != len(input_format):
        raise AssertionError("size of input tensor and input format are different. "
                             f"tensor shape: {tensor.shape}, input_format: {input_format}")
    input_format = input_format.upper()
    if len(input_format) == 4:
        index = [input_format.find(c) for c in "NCHW"]
        return make_grid(tensor.transpose(index)).transpose(1, 2, 0)
    if len(input_format) == 3:
        index = [input_format.find(c) for c in "HWC"]
        hwc = tensor.transpose(index)
        if hwc.shape[2] == 1:
            hwc = np.concatenate([hwc, hwc, hwc], 2)
        return hwc
    if len(input_format) == 2:
        index = [input_format.find(c) for c in "HW"]
        t = tensor.transpose(index)
        return np.stack([t, t, t], 2)
    raise AssertionError(f"unsupported dataformats {input_format!r}")


def figure_to_image(figures, close: bool = True) -> np.ndarray:
    """Render a matplotlib figure (CHW uint8) or a list of figures (NCHW)."""
    import matplotlib.backends.backend_agg as plt_backend_agg
    import matplotlib.pyplot as plt

    def render(figure):
        canvas = plt_backend_agg.FigureCanvasAgg(figure)
        canvas.draw()
        data = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8)
        w, h = figure.canvas.get_width_height()
        chw = np.moveaxis(data.reshape([h, w, 4])[:, :, 0:3], 2, 0)
        if close:
            plt.close(figure)
        return chw

    if isinstance(figures, list):
        return np.stack([render(f) for f in figures])
    return render(figures)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png_zlib(img: np.ndarray) -> bytes:
    """A minimal PNG encoder (8-bit gray, RGB or RGBA; filter 0) for when Pillow is absent."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    h, w, c = img.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = np.zeros((h, 1 + w * c), dtype=np.uint8)
    raw[:, 1:] = img.reshape(h, w * c)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + _png_chunk(b"IEND", b""))


def _have_pillow() -> bool:
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


def encode_png(img: np.ndarray, rescale: float = 1) -> bytes:
    """HWC uint8 -> PNG bytes: Pillow (LANCZOS resize by ``rescale``, as torch) if
    installed, else the zlib encoder (no resize unless ``rescale`` is 1)."""
    h, w = img.shape[:2]
    if _have_pillow():
        import io

        from PIL import Image
        im = Image.fromarray(img)
        im = im.resize((int(w * rescale), int(h * rescale)), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, format="PNG")
        return buf.getvalue()
    if rescale != 1:
        sh, sw = max(1, int(h * rescale)), max(1, int(w * rescale))
        ys = (np.arange(sh) * h // sh).clip(0, h - 1)
        xs = (np.arange(sw) * w // sw).clip(0, w - 1)
        img = img[ys][:, xs]
    return encode_png_zlib(img)
