"""``ember.vision.transforms.functional``: torchvision's functional transforms.

Every function takes a PIL image or an ember tensor image ``(..., C, H, W)`` and follows
torchvision's algorithm for each: PIL inputs go through Pillow's own operations
(``resize``, ``rotate``, ``crop``, ``ImageEnhance``, ``convert``), tensor inputs through
ember ops (``interpolate``, ``pad``, ``grid_sample``, ``conv2d``, elementwise math), with
torchvision's dtype rules (integer images are computed in float32 and rounded back where
torchvision rounds, truncated where it truncates).

The tensor path's antialiased bilinear/bicubic resize is ``interpolate(antialias=True)``
(torch's separable antialias filter, ``ember/ops/vision.py``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from enum import Enum

import numpy as np

import ember
from ember import Tensor

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
           "to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize",
           "resize", "pad", "crop", "center_crop", "resized_crop", "hflip", "vflip", "rotate",
           "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
           "rgb_to_grayscale", "to_grayscale", "gaussian_blur"]


class InterpolationMode(Enum):
    """Interpolation modes (torchvision's values)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _interpolation_modes_from_int(i: int) -> InterpolationMode:
    return {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
            3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
            5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}[i]


def _pil_mode(interpolation: InterpolationMode) -> int:
    from PIL import Image
    R = Image.Resampling
    return {InterpolationMode.NEAREST: R.NEAREST, InterpolationMode.NEAREST_EXACT: R.NEAREST,
            InterpolationMode.BILINEAR: R.BILINEAR, InterpolationMode.BICUBIC: R.BICUBIC,
            InterpolationMode.BOX: R.BOX, InterpolationMode.HAMMING: R.HAMMING,
            InterpolationMode.LANCZOS: R.LANCZOS}[interpolation]


def _as_mode(interpolation) -> InterpolationMode:
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a "
                        "corresponding Pillow integer constant")
    return interpolation


# --- type helpers ---------------------------------------------------------------------------

def _is_pil_image(img) -> bool:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return False
    return isinstance(img, Image.Image)


def _is_tensor(img) -> bool:
    return isinstance(img, Tensor)


def _check_img(img) -> None:
    if not (_is_tensor(img) or _is_pil_image(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def _assert_image_tensor(img) -> None:
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def _pil_num_channels(img) -> int:
    return len(img.getbands())


def get_dimensions(img) -> list[int]:
    """``[channels, height, width]``."""
    if _is_tensor(img):
        _assert_image_tensor(img)
        c = 1 if img.ndim == 2 else img.shape[-3]
        return [c, img.shape[-2], img.shape[-1]]
    if _is_pil_image(img):
        w, h = img.size
        return [_pil_num_channels(img), h, w]
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_size(img) -> list[int]:
    """``[width, height]``."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    return get_dimensions(img)[0]


def _max_value(dtype) -> int:
    return {ember.uint8: 255, ember.int8: 127, ember.int16: 32767, ember.int32: 2147483647,
            ember.int64: 9223372036854775807}.get(dtype, 1) if not dtype.is_floating_point else 1


def _fromarray(arr: np.ndarray, mode: str):
    """``Image.fromarray(arr, mode)`` with the pre-Pillow-11.3 meaning: ``mode`` says how to
    read the bytes (``Image.frombuffer`` with the raw decoder)."""
    from PIL import Image
    arr = np.ascontiguousarray(arr)
    size = (arr.shape[1], arr.shape[0])
    return Image.frombuffer(mode, size, arr.tobytes(), "raw", mode, 0, 1)


# --- conversions ----------------------------------------------------------------------------

def to_tensor(pic) -> Tensor:
    """PIL image / ndarray (HWC) -> tensor CHW; uint8 is scaled to float [0, 1]."""
    if not (_is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray) and pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    default_float_dtype = ember.get_default_dtype()
    if isinstance(pic, np.ndarray):
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = ember.from_numpy(np.ascontiguousarray(pic.transpose((2, 0, 1))))
        if img.dtype == ember.uint8:
            return img.to(dtype=default_float_dtype).div(255)
        return img
    nptype = {"I": np.int32, "I;16": np.int16, "F": np.float32}.get(pic.mode, np.uint8)
    arr = np.array(pic, nptype, copy=True)
    if pic.mode == "1":
        arr = 255 * arr
    arr = arr.reshape(pic.size[1], pic.size[0], _pil_num_channels(pic))
    chw = np.ascontiguousarray(arr.transpose((2, 0, 1)))
    if chw.dtype == np.uint8:
        # the data-loading hot path: one NumPy division, same rounding as .div(255)
        out = np.divide(chw, np.array(255, default_float_dtype.np),
                        dtype=default_float_dtype.np)
        return ember.from_numpy(out)
    return ember.from_numpy(chw)


def pil_to_tensor(pic) -> Tensor:
    """PIL image -> tensor CHW of the image's own dtype (no scaling)."""
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], _pil_num_channels(pic))
    return ember.from_numpy(np.ascontiguousarray(arr.transpose((2, 0, 1))))


def to_pil_image(pic, mode: str | None = None):
    """Tensor CHW / ndarray HWC -> PIL image (floats are scaled by 255 and truncated)."""
    if _is_tensor(pic):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 3:
            pic = pic.permute((1, 2, 0))
        pic = pic.detach().numpy()
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = np.expand_dims(pic, 2)
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    npimg = pic
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        with np.errstate(invalid="ignore", over="ignore"):
            npimg = (npimg * 255).astype(np.uint8)
    if npimg.shape[2] == 1:
        expected_mode = None
        npimg = npimg[:, :, 0]
        if npimg.dtype == np.uint8:
            expected_mode = "L"
        elif npimg.dtype == np.int16:
            expected_mode = "I;16"
        elif npimg.dtype == np.int32:
            expected_mode = "I"
        elif npimg.dtype == np.float32:
            expected_mode = "F"
        if mode is not None and mode != expected_mode:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. "
                             f"Should be {expected_mode}")
        mode = expected_mode
    elif npimg.shape[2] == 2:
        if mode is not None and mode not in ["LA"]:
            raise ValueError("Only modes ['LA'] are supported for 2D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "LA"
    elif npimg.shape[2] == 4:
        allowed = ["RGBA", "CMYK", "RGBX"]
        if mode is not None and mode not in allowed:
            raise ValueError(f"Only modes {allowed} are supported for 4D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGBA"
    else:
        allowed = ["RGB", "YCbCr", "HSV"]
        if mode is not None and mode not in allowed:
            raise ValueError(f"Only modes {allowed} are supported for 3D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGB"
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return _fromarray(npimg, mode)


def convert_image_dtype(image: Tensor, dtype=ember.float32) -> Tensor:
    """Convert dtype, rescaling values (``[0, 1]`` floats <-> ``[0, max]`` integers)."""
    if not _is_tensor(image):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or (
                image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed "
                               "safely.")
        eps = 1e-3
        max_val = float(_max_value(dtype))
        return image.mul(max_val + 1.0 - eps).to(dtype)
    input_max = float(_max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return ember.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def _is_seq_tensor(x) -> bool:
    return isinstance(x, Tensor)


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Tensor:
    """``(tensor - mean[c]) / std[c]`` per channel."""
    if not _is_tensor(tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    if not tensor.requires_grad and not _is_seq_tensor(mean) and not _is_seq_tensor(std):
        # no graph to record: normalise the array directly (the data-loading hot path)
        npdt = tensor.dtype.np
        m = np.asarray(mean, dtype=npdt)
        sd = np.asarray(std, dtype=npdt)
        if (sd == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, "
                             "leading to division by zero.")
        if m.ndim == 1:
            m = m.reshape(-1, 1, 1)
        if sd.ndim == 1:
            sd = sd.reshape(-1, 1, 1)
        if inplace:
            arr = tensor._data
            np.subtract(arr, m, out=arr)
            np.divide(arr, sd, out=arr)
            tensor._bump()
            return tensor
        return ember.from_numpy(np.divide(np.subtract(tensor._data, m), sd))
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = ember.as_tensor(mean, dtype=dtype)
    std = ember.as_tensor(std, dtype=dtype)
    if (std == 0).any().item():
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to "
                         "division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


# --- geometry -------------------------------------------------------------------------------

def _compute_resized_output_size(image_size, size, max_size=None) -> list[int]:
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if len(size) == 1:
        requested_new_short = size if isinstance(size, int) else size[0]
        new_short, new_long = requested_new_short, int(requested_new_short * long / short)
        if max_size is not None:
            if max_size <= requested_new_short:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_w, new_h = size[1], size[0]
    return [new_h, new_w]


def _cast_squeeze_in(img: Tensor, req_dtypes):
    need_squeeze = False
    if img.ndim < 4:
        img = img.unsqueeze(0)
        need_squeeze = True
    out_dtype = img.dtype
    need_cast = out_dtype not in req_dtypes
    if need_cast:
        img = img.to(req_dtypes[0])
    return img, need_cast, need_squeeze, out_dtype


def _cast_squeeze_out(img: Tensor, need_cast: bool, need_squeeze: bool, out_dtype) -> Tensor:
    if need_squeeze:
        img = img.squeeze(0)
    if need_cast:
        if not out_dtype.is_floating_point and out_dtype != ember.bool:
            img = ember.round(img)
        img = img.to(out_dtype)
    return img


def _resize_tensor(img: Tensor, size: list[int], interpolation: str, antialias) -> Tensor:
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ("bilinear", "bicubic"):
        antialias = False
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [ember.float32,
                                                                     ember.float64])
    import ember.nn.functional as F
    align_corners = False if interpolation in ("bilinear", "bicubic") else None
    img = F.interpolate(img, size=list(size), mode=interpolation, align_corners=align_corners,
                        antialias=antialias)
    if interpolation == "bicubic" and out_dtype == ember.uint8:
        img = img.clamp(min=0, max=255)
    return _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
           antialias: bool | None = True):
    """Resize to ``size`` ((h, w), or the smaller edge when an int / 1-sequence)."""
    interpolation = _as_mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError("Size must be an int or a 1 or 2 element tuple/list, not a "
                             f"{len(size)} element tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of "
                             "the smaller edge, i.e. size should be an int or a sequence of "
                             "length 1 in torchscript mode.")
    _check_img(img)
    _, image_height, image_width = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    output_size = _compute_resized_output_size((image_height, image_width), size, max_size)
    if [image_height, image_width] == output_size:
        return img
    if not _is_tensor(img):
        return img.resize(tuple(output_size[::-1]), _pil_mode(interpolation))
    return _resize_tensor(img, output_size, interpolation.value, antialias)


def _parse_pil_fill(fill, img, name="fillcolor") -> dict:
    num_channels = _pil_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * num_channels
        elif len(fill) != num_channels:
            raise ValueError("The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def _parse_pad_padding(padding) -> list[int]:
    """-> [left, right, top, bottom]"""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def _pad_symmetric(img: Tensor, padding: list[int]) -> Tensor:
    if min(padding) < 0:
        cl, cr, ct, cb = [-min(x, 0) for x in padding]
        img = img[..., ct:img.shape[-2] - cb, cl:img.shape[-1] - cr]
        padding = [max(x, 0) for x in padding]
    h, w = img.shape[-2], img.shape[-1]
    xi = (list(range(padding[0] - 1, -1, -1)) + list(range(w))
          + [w - 1 - i for i in range(padding[1])])
    yi = (list(range(padding[2] - 1, -1, -1)) + list(range(h))
          + [h - 1 - i for i in range(padding[3])])
    xi = ember.tensor(np.asarray(xi, np.int64) % max(w, 1))
    yi = ember.tensor(np.asarray(yi, np.int64) % max(h, 1))
    return img.index_select(-2, yi).index_select(-1, xi)


def _pad_tensor(img: Tensor, padding, fill=0, padding_mode="constant") -> Tensor:
    import ember.nn.functional as F
    if fill is None:
        fill = 0
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    p = _parse_pad_padding(padding)
    if padding_mode == "symmetric":
        return _pad_symmetric(img, p)
    mode = "replicate" if padding_mode == "edge" else padding_mode
    need_squeeze = img.ndim < 4
    if need_squeeze:
        img = img.unsqueeze(0)
    out_dtype = img.dtype
    need_cast = mode != "constant" and img.dtype not in (ember.float32, ember.float64)
    if need_cast:
        img = img.to(ember.float32)
    if mode in ("reflect", "replicate"):
        img = F.pad(img, p, mode=mode)
    else:
        img = F.pad(img, p, mode="constant", value=float(fill))
    if need_squeeze:
        img = img.squeeze(0)
    if need_cast:
        img = img.to(out_dtype)
    return img


def _pad_pil(img, padding, fill=0, padding_mode="constant"):
    from PIL import Image, ImageOps
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode == "constant":
        opts = _parse_pil_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            image = ImageOps.expand(img, border=padding, **opts)
            image.putpalette(palette)
            return image
        return ImageOps.expand(img, border=padding, **opts)
    if isinstance(padding, int):
        pl = pr = pt = pb = padding
    elif len(padding) == 2:
        pl = pr = padding[0]
        pt = pb = padding[1]
    else:
        pl, pt, pr, pb = padding
    p = [pl, pt, pr, pb]
    cropping = -np.minimum(p, 0)
    if cropping.any():
        cl, ct, cr, cb = (int(v) for v in cropping)
        img = img.crop((cl, ct, img.width - cr, img.height - cb))
    pl, pt, pr, pb = (int(v) for v in np.maximum(p, 0))
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    widths = ((pt, pb), (pl, pr)) + (((0, 0),) if arr.ndim == 3 else ())
    out = Image.fromarray(np.pad(arr, widths, mode=padding_mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad by ``padding`` (int, [lr, tb] or [l, t, r, b]) with a constant ``fill`` or by
    ``edge`` / ``reflect`` / ``symmetric`` extension."""
    _check_img(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if _is_tensor(img):
        return _pad_tensor(img, list(padding) if isinstance(padding, tuple) else padding, fill,
                           padding_mode)
    return _pad_pil(img, padding, fill, padding_mode)


def crop(img, top: int, left: int, height: int, width: int):
    """Crop the box at (top, left) of size (height, width); zero-padded where it leaves the
    image."""
    _check_img(img)
    if not _is_tensor(img):
        return img.crop((left, top, left + width, top + height))
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return _pad_tensor(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, 0)
    return img[..., top:bottom, left:right]


def center_crop(img, output_size):
    """Crop the centre (``int(round((h - th) / 2.0))`` from the top, likewise the left)."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True):
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img):
    _check_img(img)
    if _is_tensor(img):
        return img.flip(-1)
    from PIL import Image
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    _check_img(img)
    if _is_tensor(img):
        return img.flip(-2)
    from PIL import Image
    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def _get_inverse_affine_matrix(center, angle, translate, scale, shear, inverted=True):
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
        m[2] += cx
        m[5] += cy
    else:
        m = [x * scale for x in (a, b, 0.0, c, d, 0.0)]
        m[2] += m[0] * (-cx) + m[1] * (-cy)
        m[5] += m[3] * (-cx) + m[4] * (-cy)
        m[2] += cx + tx
        m[5] += cy + ty
    return m


def _compute_affine_output_size(matrix, w: int, h: int) -> tuple[int, int]:
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], np.float32)
    theta = np.asarray(matrix, np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    min_vals = new_pts.min(axis=0) + np.array([w * 0.5, h * 0.5], np.float32)
    max_vals = new_pts.max(axis=0) + np.array([w * 0.5, h * 0.5], np.float32)
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def _gen_affine_grid(theta: np.ndarray, w: int, h: int, ow: int, oh: int) -> Tensor:
    dt = theta.dtype
    d = 0.5
    base = np.empty((oh, ow, 3), dt)
    base[..., 0] = np.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, ow, dtype=np.float32).astype(dt)
    base[..., 1] = np.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, oh,
                               dtype=np.float32).astype(dt)[:, None]
    base[..., 2] = 1
    rescaled = theta.T / np.array([0.5 * w, 0.5 * h], dt)
    grid = base.reshape(oh * ow, 3) @ rescaled
    return ember.from_numpy(np.ascontiguousarray(grid.reshape(1, oh, ow, 2).astype(dt)))


def _apply_grid_transform(img: Tensor, grid: Tensor, mode: str, fill) -> Tensor:
    import ember.nn.functional as F
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [grid.dtype])
    if img.shape[0] > 1:
        grid = grid.expand(img.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:
        mask = ember.ones((img.shape[0], 1, img.shape[2], img.shape[3]), dtype=img.dtype)
        img = ember.cat((img, mask), dim=1)
    img = F.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = img[:, -1:, :, :]
        img = img[:, :-1, :, :]
        mask = mask.expand_as(img)
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = ember.tensor(fill_list, dtype=img.dtype).view(1, len(fill_list), 1, 1)
        fill_img = fill_img.expand_as(img)
        if mode == "nearest":
            img = ember.where(mask < 0.5, fill_img, img)
        else:
            img = img * mask + (1.0 - mask) * fill_img
    return _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False,
           center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image
    centre); ``expand`` grows the canvas to hold the whole rotated image."""
    interpolation = _as_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _check_img(img)
    if not _is_tensor(img):
        opts = _parse_pil_fill(fill, img)
        return img.rotate(angle, _pil_mode(interpolation), expand, center, **opts)
    if interpolation.value not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation.value}' is unsupported with "
                         "Tensor input")
    if isinstance(fill, (int, float)):
        fill = [float(fill)]
    if fill is not None and len(fill) not in (1, img.shape[-3]):
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fill)} != {img.shape[-3]})")
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    w, h = img.shape[-1], img.shape[-2]
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    npdt = np.float64 if img.dtype == ember.float64 else np.float32
    theta = np.asarray(matrix, npdt).reshape(2, 3)
    grid = _gen_affine_grid(theta, w=w, h=h, ow=ow, oh=oh)
    return _apply_grid_transform(img, grid, interpolation.value, fill)


# --- colour ---------------------------------------------------------------------------------

def _assert_channels(img: Tensor, permitted) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but "
                        f"found {c}")


def _blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def _rgb_to_grayscale_tensor(img: Tensor, num_output_channels: int = 1) -> Tensor:
    if img.ndim < 3:
        raise TypeError("Input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)
    else:
        l_img = img.clone()
    if num_output_channels == 3:
        return l_img.expand(img.shape)
    return l_img


def to_grayscale(img, num_output_channels: int = 1):
    """PIL image -> grayscale PIL image (``convert('L')``, ITU-R 601-2 luma)."""
    if not _is_pil_image(img):
        raise TypeError("Input should be PIL Image")
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        g = np.array(img.convert("L"), dtype=np.uint8)
        return _fromarray(np.dstack([g, g, g]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma: PIL ``convert('L')`` (299/587/114 per mille) or, on tensors,
    ``0.2989 R + 0.587 G + 0.114 B`` cast back to the input dtype."""
    if not _is_tensor(img):
        return to_grayscale(img, num_output_channels)
    return _rgb_to_grayscale_tensor(img, num_output_channels)


def adjust_brightness(img, brightness_factor: float):
    if not _is_tensor(img):
        from PIL import ImageEnhance
        _check_img(img)
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_channels(img, [1, 3])
    return _blend(img, ember.zeros_like(img), brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    if not _is_tensor(img):
        from PIL import ImageEnhance
        _check_img(img)
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_channels(img, [3, 1])
    c = get_dimensions(img)[0]
    dtype = img.dtype if img.is_floating_point() else ember.float32
    src = _rgb_to_grayscale_tensor(img) if c == 3 else img
    mean = ember.mean(src.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    if not _is_tensor(img):
        from PIL import ImageEnhance
        _check_img(img)
        return ImageEnhance.Color(img).enhance(saturation_factor)
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    return _blend(img, _rgb_to_grayscale_tensor(img), saturation_factor)


def _rgb2hsv(img: Tensor) -> Tensor:
    r, g, b = img.unbind(dim=-3)
    maxc = ember.max(img, dim=-3).values
    minc = ember.min(img, dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = ember.ones_like(maxc)
    s = cr / ember.where(eqc, ones, maxc)
    cr_divisor = ember.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = hr + hg + hb
    h = ember.fmod(h / 6.0 + 1.0, 1.0)
    return ember.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(dim=-3)
    i = ember.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(dtype=ember.int32)
    p = ember.clamp(v * (1.0 - s), 0.0, 1.0)
    q = ember.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = ember.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == ember.arange(6).view(-1, 1, 1)
    a1 = ember.stack((v, q, p, p, t, v), dim=-3)
    a2 = ember.stack((t, v, v, q, p, p), dim=-3)
    a3 = ember.stack((p, p, t, v, v, q), dim=-3)
    a4 = ember.stack((a1, a2, a3), dim=-4)
    return ember.einsum("...ijk, ...xijk -> ...xjk", mask.to(dtype=img.dtype), a4)


def adjust_hue(img, hue_factor: float):
    """Shift the hue by ``hue_factor`` (in [-0.5, 0.5] turns).  PIL: in Pillow's uint8 HSV
    space (h += uint8(int32(hue_factor * 255)), wrapping); tensors: float HSV, h mod 1."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not _is_tensor(img):
        _check_img(img)
        input_mode = img.mode
        if input_mode in {"L", "1", "I", "F"}:
            return img
        from PIL import Image
        h, s, v = img.convert("HSV").split()
        np_h = np.array(h, dtype=np.uint8)
        np_h += np.int32(hue_factor * 255).astype(np.uint8)
        h = _fromarray(np_h, "L")
        return Image.merge("HSV", (h, s, v)).convert(input_mode)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig_dtype = img.dtype
    img = convert_image_dtype(img, ember.float32)
    img = _rgb2hsv(img)
    h, s, v = img.unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    img = _hsv2rgb(ember.stack((h, s, v), dim=-3))
    return convert_image_dtype(img, orig_dtype)


# --- blur -----------------------------------------------------------------------------------

def _gaussian_kernel1d(kernel_size: int, sigma: float, npdt) -> np.ndarray:
    half = (kernel_size - 1) * 0.5
    x = np.linspace(-half, half, kernel_size, dtype=np.float32).astype(npdt)
    pdf = np.exp(-0.5 * (x / npdt(sigma)) ** 2)
    return (pdf / pdf.sum()).astype(npdt)


def gaussian_blur(img, kernel_size, sigma=None):
    """Gaussian blur with reflect padding (PIL images go through the tensor path, as in
    torchvision)."""
    import ember.nn.functional as F
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError("kernel_size should be int or a sequence of integers. Got "
                        f"{type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError("If kernel_size is a sequence its length should be 2. Got "
                         f"{len(kernel_size)}")
    for ks in kernel_size:
        if ks % 2 == 0 or ks < 0:
            raise ValueError("kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [ks * 0.15 + 0.35 for ks in kernel_size]
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    t_img = img
    if not _is_tensor(img):
        _check_img(img)
        t_img = pil_to_tensor(img)
    dtype = t_img.dtype if t_img.is_floating_point() else ember.float32
    npdt = np.float64 if dtype == ember.float64 else np.float32
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0], npdt)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1], npdt)
    k2 = (ky[:, None] @ kx[None, :]).astype(npdt)
    c = t_img.shape[-3]
    kernel = ember.from_numpy(np.ascontiguousarray(np.broadcast_to(k2, (c, 1) + k2.shape)))
    x, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(t_img, [dtype])
    padding = [kernel_size[0] // 2, kernel_size[0] // 2, kernel_size[1] // 2, kernel_size[1] // 2]
    x = F.pad(x, padding, mode="reflect")
    x = F.conv2d(x, kernel, groups=c)
    out = _cast_squeeze_out(x, need_cast, need_squeeze, out_dtype)
    if not _is_tensor(img):
        out = to_pil_image(out, mode=img.mode)
    return out
