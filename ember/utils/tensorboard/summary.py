"""Summary protocol buffers, built with the ``tensorboard`` package's protos (as torch)."""

from __future__ import annotations

import io
import logging
import struct
import wave

import numpy as np
from google.protobuf import struct_pb2
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ._convert import convert_to_HWC, encode_png, make_np

__all__ = ["scalar", "histogram", "histogram_raw", "make_histogram", "image", "make_image",
           "text", "hparams", "pr_curve", "pr_curve_raw", "compute_curve", "custom_scalars",
           "audio", "tensor_proto", "half_to_int", "image_boxes", "draw_boxes", "video",
           "make_video", "mesh"]

logger = logging.getLogger(__name__)


def half_to_int(f: float) -> int:
    """The float32 bit pattern of ``f`` as an int (torch's ``half_val`` encoding)."""
    return struct.unpack("i", struct.pack("f", f))[0]


def _is_tensor(x) -> bool:
    from ..._tensor import Tensor
    return isinstance(x, Tensor)


# --- scalars ------------------------------------------------------------------------------

def scalar(name, tensor, collections=None, new_style=False, double_precision=False):
    """A ``Summary`` with one scalar: ``simple_value``, or (``new_style``) a float/double
    ``TensorProto`` with the ``scalars`` plugin metadata."""
    arr = make_np(tensor).squeeze()
    if arr.ndim != 0:
        raise AssertionError("Tensor should contain one element (0 dimensions). Was given "
                             f"size: {arr.size} and {arr.ndim} dimensions.")
    value = float(arr)
    if new_style:
        if double_precision:
            tp = TensorProto(double_val=[value], dtype="DT_DOUBLE")
        else:
            tp = TensorProto(float_val=[value], dtype="DT_FLOAT")
        smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
        return Summary(value=[Summary.Value(tag=name, tensor=tp, metadata=smd)])
    return Summary(value=[Summary.Value(tag=name, simple_value=value)])


_TENSOR_TYPES = {
    "float16": ("DT_HALF", "half_val"), "bfloat16": ("DT_BFLOAT16", "half_val"),
    "float32": ("DT_FLOAT", "float_val"), "float64": ("DT_DOUBLE", "double_val"),
    "int8": ("DT_INT8", "int_val"), "uint8": ("DT_UINT8", "uint32_val"),
    "int16": ("DT_INT16", "int_val"), "int32": ("DT_INT32", "int_val"),
    "int64": ("DT_INT64", "int64_val"), "bool": ("DT_BOOL", "bool_val"),
    "complex64": ("DT_COMPLEX64", "scomplex_val"),
    "complex128": ("DT_COMPLEX128", "dcomplex_val"),
}


def tensor_proto(tag, tensor):
    """A ``Summary`` holding the full tensor (``tensor`` plugin), as torch's ``add_tensor``."""
    if _is_tensor(tensor):
        name = tensor.dtype.name if hasattr(tensor.dtype, "name") else str(tensor.dtype)
        arr = np.asarray(tensor.detach()._np())
    else:
        arr = np.asarray(tensor)
        name = arr.dtype.name
    name = str(name).replace("torch.", "").replace("ember.", "")
    if arr.size * arr.itemsize >= (1 << 31):
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    if name not in _TENSOR_TYPES:
        raise ValueError(f"{tag} has unsupported tensor dtype {name}")
    dtype, field = _TENSOR_TYPES[name]
    flat = arr.reshape(-1)
    if field == "half_val":
        vals = [half_to_int(float(v)) for v in flat.astype(np.float32)]
    elif field in ("scomplex_val", "dcomplex_val"):
        vals = np.stack([flat.real, flat.imag], -1).reshape(-1).tolist()
    else:
        vals = flat.tolist()
    tp = TensorProto(dtype=dtype, tensor_shape=TensorShapeProto(
        dim=[TensorShapeProto.Dim(size=d) for d in arr.shape]), **{field: vals})
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="tensor"))
    return Summary(value=[Summary.Value(tag=tag, metadata=smd, tensor=tp)])


# --- histograms ---------------------------------------------------------------------------

def default_bins() -> list:
    """TensorFlow's default histogram bucket edges (torch's ``SummaryWriter.default_bins``)."""
    v = 1e-12
    buckets, neg = [], []
    while v < 1e20:
        buckets.append(v)
        neg.append(-v)
        v *= 1.1
    return neg[::-1] + [0] + buckets


def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    hist = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                          bucket_limit=bucket_limits, bucket=bucket_counts)
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def histogram(name, values, bins, max_bins=None):
    values = make_np(values)
    hist = make_histogram(values.astype(float), bins, max_bins)
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def make_histogram(values, bins, max_bins=None):
    """``np.histogram`` of ``values`` as a ``HistogramProto`` (torch's logic: optional
    subsampling to ``max_bins``, then trimmed to the support plus one empty left bin)."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    num_bins = len(counts)
    if max_bins is not None and num_bins > max_bins:
        sub = num_bins // max_bins
        rem = num_bins % sub
        if rem != 0:
            counts = np.pad(counts, pad_width=[[0, sub - rem]], mode="constant",
                            constant_values=0)
        counts = counts.reshape(-1, sub).sum(axis=-1)
        new_limits = np.empty((counts.size + 1,), limits.dtype)
        new_limits[:-1] = limits[:-1:sub]
        new_limits[-1] = limits[-1]
        limits = new_limits
    cum = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum, [0, cum[-1] - 1], side="right")
    start, end = int(start), int(end) + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start:end + 1]
    if counts.size == 0 or limits.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    return HistogramProto(min=values.min(), max=values.max(), num=len(values),
                          sum=values.sum(), sum_squares=values.dot(values),
                          bucket_limit=limits.tolist(), bucket=counts.tolist())


# --- images -------------------------------------------------------------------------------

def _scale_factor(arr: np.ndarray) -> int:
    return 1 if arr.dtype == np.uint8 else 255


def make_image(tensor: np.ndarray, rescale=1):
    """HWC uint8 array -> ``Summary.Image`` (PNG)."""
    height, width, channel = tensor.shape
    return Summary.Image(height=height, width=width, colorspace=channel,
                         encoded_image_string=encode_png(tensor, rescale))


def image(tag, tensor, rescale=1, dataformats="NCHW"):
    """An image summary: float images in [0, 1] are scaled by 255, uint8 kept; clipped."""
    arr = convert_to_HWC(make_np(tensor), dataformats)
    scale = _scale_factor(arr)
    arr = (arr.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    return Summary(value=[Summary.Value(tag=tag, image=make_image(arr, rescale=rescale))])


# --- audio --------------------------------------------------------------------------------

def audio(tag, tensor, sample_rate=44100):
    array = make_np(tensor).squeeze()
    if abs(array).max() > 1:
        print("warning: audio amplitude out of range, auto clipped.")
        array = array.clip(-1, 1)
    if array.ndim != 1:
        raise AssertionError("input tensor should be 1 dimensional.")
    array = (array * np.iinfo(np.int16).max).astype("<i2")
    fio = io.BytesIO()
    with wave.open(fio, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(array.data)
    snd = Summary.Audio(sample_rate=sample_rate, num_channels=1,
                        length_frames=array.shape[-1], encoded_audio_string=fio.getvalue(),
                        content_type="audio/wav")
    return Summary(value=[Summary.Value(tag=tag, audio=snd)])


# --- text, custom scalars -----------------------------------------------------------------

def text(tag, text):
    """A text-plugin summary (markdown), under ``<tag>/text_summary`` as torch."""
    plugin_data = SummaryMetadata.PluginData(
        plugin_name="text", content=TextPluginData(version=0).SerializeToString())
    tp = TensorProto(dtype="DT_STRING", string_val=[text.encode(encoding="utf_8")],
                     tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary",
                                        metadata=SummaryMetadata(plugin_data=plugin_data),
                                        tensor=tp)])


def custom_scalars(layout):
    """``{category: {title: ['Multiline'|'Margin', tags]}}`` -> custom-scalars layout summary."""
    categories = []
    for k, v in layout.items():
        charts = []
        for chart_name, meta in v.items():
            tags = meta[1]
            if meta[0] == "Margin":
                if len(tags) != 3:
                    raise AssertionError("len(tags) != 3")
                content = layout_pb2.MarginChartContent(series=[
                    layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1],
                                                         upper=tags[2])])
                chart = layout_pb2.Chart(title=chart_name, margin=content)
            else:
                content = layout_pb2.MultilineChartContent(tag=tags)
                chart = layout_pb2.Chart(title=chart_name, multiline=content)
            charts.append(chart)
        categories.append(layout_pb2.Category(title=k, chart=charts))
    layout = layout_pb2.Layout(category=categories)
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="custom_scalars"))
    tp = TensorProto(dtype="DT_STRING", string_val=[layout.SerializeToString()],
                     tensor_shape=TensorShapeProto())
    return Summary(value=[Summary.Value(tag="custom_scalars__config__", tensor=tp,
                                        metadata=smd)])


# --- hparams ------------------------------------------------------------------------------

def hparams(hparam_dict=None, metric_dict=None, hparam_domain_discrete=None):
    """The three hparams-plugin summaries ``(experiment, session_start, session_end)``."""
    from tensorboard.plugins.hparams.api_pb2 import (
        DataType,
        Experiment,
        HParamInfo,
        MetricInfo,
        MetricName,
        Status,
    )
    from tensorboard.plugins.hparams.metadata import (
        EXPERIMENT_TAG,
        PLUGIN_DATA_VERSION,
        PLUGIN_NAME,
        SESSION_END_INFO_TAG,
        SESSION_START_INFO_TAG,
    )
    from tensorboard.plugins.hparams.plugin_data_pb2 import (
        HParamsPluginData,
        SessionEndInfo,
        SessionStartInfo,
    )

    if not isinstance(hparam_dict, dict):
        logger.warning("parameter: hparam_dict should be a dictionary, nothing logged.")
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        logger.warning("parameter: metric_dict should be a dictionary, nothing logged.")
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    hparam_domain_discrete = hparam_domain_discrete or {}
    if not isinstance(hparam_domain_discrete, dict):
        raise TypeError(
            "parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, v in hparam_domain_discrete.items():
        if (k not in hparam_dict or not isinstance(v, list)
                or not all(isinstance(d, type(hparam_dict[k])) for d in v)):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same "
                            f"type as hparam_dict[{k}].")

    def discrete(k, field):
        if k not in hparam_domain_discrete:
            return None
        return struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d})
                                            for d in hparam_domain_discrete[k]])

    hps = []
    ssi = SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        # same order as torch: bools are ints, so they are logged as numbers
        if isinstance(v, (int, float)):
            ssi.hparams[k].number_value = v
            hps.append(HParamInfo(name=k, type=DataType.Value("DATA_TYPE_FLOAT64"),
                                  domain_discrete=discrete(k, "number_value")))
        elif isinstance(v, str):
            ssi.hparams[k].string_value = v
            hps.append(HParamInfo(name=k, type=DataType.Value("DATA_TYPE_STRING"),
                                  domain_discrete=discrete(k, "string_value")))
        elif _is_tensor(v) or isinstance(v, np.ndarray):
            ssi.hparams[k].number_value = float(make_np(v).reshape(-1)[0])
            hps.append(HParamInfo(name=k, type=DataType.Value("DATA_TYPE_FLOAT64")))
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")

    def wrap(tag, **content):
        data = HParamsPluginData(version=PLUGIN_DATA_VERSION, **content)
        smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name=PLUGIN_NAME, content=data.SerializeToString()))
        return Summary(value=[Summary.Value(tag=tag, metadata=smd)])

    ssi_summary = wrap(SESSION_START_INFO_TAG, session_start_info=ssi)
    exp = Experiment(hparam_infos=hps,
                     metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    exp_summary = wrap(EXPERIMENT_TAG, experiment=exp)
    sei = SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))
    sei_summary = wrap(SESSION_END_INFO_TAG, session_end_info=sei)
    return exp_summary, ssi_summary, sei_summary


# --- PR curves ----------------------------------------------------------------------------

def _pr_summary(tag, data, num_thresholds):
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="pr_curves",
                                                                 content=content))
    tp = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(),
                     tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=data.shape[0]),
                                                        TensorShapeProto.Dim(size=data.shape[1])]))
    return Summary(value=[Summary.Value(tag=tag, metadata=smd, tensor=tp)])


def pr_curve_raw(tag, tp, fp, tn, fn, precision, recall, num_thresholds=127, weights=None):
    num_thresholds = min(num_thresholds, 127)
    data = np.stack([make_np(a) if not isinstance(a, (list, tuple)) else np.asarray(a)
                     for a in (tp, fp, tn, fn, precision, recall)])
    return _pr_summary(tag, data, num_thresholds)


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    num_thresholds = min(num_thresholds, 127)
    data = compute_curve(labels, predictions, num_thresholds=num_thresholds, weights=weights)
    return _pr_summary(tag, data, num_thresholds)


def compute_curve(labels, predictions, num_thresholds=None, weights=None):
    """(tp, fp, tn, fn, precision, recall) at ``num_thresholds`` thresholds (TensorBoard's)."""
    minimum = 1e-7
    if weights is None:
        weights = 1.0
    bucket_indices = np.int32(np.floor(predictions * (num_thresholds - 1)))
    float_labels = labels.astype(np.float64)
    rng = (0, num_thresholds - 1)
    tp_b, _ = np.histogram(bucket_indices, bins=num_thresholds, range=rng,
                           weights=float_labels * weights)
    fp_b, _ = np.histogram(bucket_indices, bins=num_thresholds, range=rng,
                           weights=(1.0 - float_labels) * weights)
    tp = np.cumsum(tp_b[::-1])[::-1]
    fp = np.cumsum(fp_b[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(minimum, tp + fp)
    recall = tp / np.maximum(minimum, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))



# --- images with boxes, video, mesh ---------------------------------------------------------

def _draw_single_box(image, xmin, ymin, xmax, ymax, display_str, color="black",
                     color_text="black", thickness=2):
    """torch's box drawing (Pillow): the rectangle outline and a filled label tab."""
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default()
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = xmin, xmax, ymin, ymax
    draw.line([(left, top), (left, bottom), (right, bottom), (right, top), (left, top)],
              width=thickness, fill=color)
    if display_str:
        text_bottom = bottom
        _left, _top, _right, _bottom = font.getbbox(display_str)
        text_width, text_height = _right - _left, _bottom - _top
        margin = np.ceil(0.05 * text_height)
        draw.rectangle([(left, text_bottom - text_height - 2 * margin),
                        (left + text_width, text_bottom)], fill=color)
        draw.text((left + margin, text_bottom - text_height - margin), display_str,
                  fill=color_text, font=font)
    return image


def draw_boxes(disp_image, boxes, labels=None):
    """Draws ``boxes`` (N x 4, xyxy) in red on a PIL image, with optional labels."""
    for i in range(boxes.shape[0]):
        disp_image = _draw_single_box(disp_image, boxes[i, 0], boxes[i, 1], boxes[i, 2],
                                      boxes[i, 3],
                                      display_str=None if labels is None else labels[i],
                                      color="Red")
    return disp_image


def image_boxes(tag, tensor_image, tensor_boxes, rescale=1, dataformats="CHW", labels=None):
    """An image summary with bounding boxes drawn on it (needs Pillow, as torch)."""
    import io as _io

    from PIL import Image

    arr = convert_to_HWC(make_np(tensor_image), dataformats)
    boxes = make_np(tensor_boxes)
    arr = (arr.astype(np.float32) * _scale_factor(arr)).clip(0, 255).astype(np.uint8)
    height, width, channel = arr.shape
    im = draw_boxes(Image.fromarray(arr), boxes, labels=labels)
    im = im.resize((int(width * rescale), int(height * rescale)), Image.Resampling.LANCZOS)
    buf = _io.BytesIO()
    im.save(buf, format="PNG")
    img = Summary.Image(height=height, width=width, colorspace=channel,
                        encoded_image_string=buf.getvalue())
    return Summary(value=[Summary.Value(tag=tag, image=img)])


def _prepare_video(v: np.ndarray) -> np.ndarray:
    """(N, T, C, H, W) -> (T, H', W', C): the batch tiled into a grid per frame (torch's
    layout: the batch padded to a power of two, ``2**((bits(N)-1)//2)`` rows)."""
    b, t, c, h, w = v.shape
    if v.dtype == np.uint8:
        v = np.float32(v) / 255.0

    def is_power2(num):
        return num != 0 and ((num & (num - 1)) == 0)

    if not is_power2(v.shape[0]):
        len_addition = int(2 ** v.shape[0].bit_length() - v.shape[0])
        v = np.concatenate((v, np.zeros(shape=(len_addition, t, c, h, w))), axis=0)
    n_rows = 2 ** ((b.bit_length() - 1) // 2)
    n_cols = v.shape[0] // n_rows
    v = np.reshape(v, (n_rows, n_cols, t, c, h, w))
    v = np.transpose(v, axes=(2, 0, 4, 1, 5, 3))
    return np.reshape(v, (t, n_rows * h, n_cols * w, c))


def make_video(tensor: np.ndarray, fps):
    """(T, H, W, C) uint8 frames -> ``Summary.Image`` holding an animated GIF.

    torch encodes through moviepy; this uses Pillow (frame duration ``1000/fps`` ms,
    looping forever).  Pillow merges consecutive identical frames into one longer one."""
    import io as _io

    from PIL import Image

    _t, h, w, c = tensor.shape
    if c == 1:
        frames = [Image.fromarray(f[:, :, 0], mode="L") for f in tensor]
    elif c in (3, 4):
        frames = [Image.fromarray(np.ascontiguousarray(f[:, :, :3])) for f in tensor]
    else:
        raise ValueError(f"video frames need 1, 3 or 4 channels, got {c}")
    buf = _io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                   duration=1000.0 / fps, loop=0)
    return Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=buf.getvalue())


def video(tag, tensor, fps=4):
    """A video summary: (N, T, C, H, W) floats in [0, 1] or uint8, as an animated GIF."""
    arr = _prepare_video(make_np(tensor))
    scale = _scale_factor(arr)
    arr = (arr.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    return Summary(value=[Summary.Value(tag=tag, image=make_video(arr, fps))])


def _get_json_config(config_dict) -> str:
    import json
    return "{}" if config_dict is None else json.dumps(config_dict, sort_keys=True)


def _get_tensor_summary(name, display_name, description, tensor, content_type, components,
                        json_config):
    from tensorboard.plugins.mesh import metadata

    arr = make_np(tensor)
    tensor_metadata = metadata.create_summary_metadata(
        name, display_name, content_type, components, list(arr.shape), description,
        json_config=json_config)
    proto = TensorProto(
        dtype="DT_FLOAT", float_val=arr.reshape(-1).tolist(),
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=arr.shape[0]),
                                           TensorShapeProto.Dim(size=arr.shape[1]),
                                           TensorShapeProto.Dim(size=arr.shape[2])]))
    return Summary.Value(tag=metadata.get_instance_name(name, content_type), tensor=proto,
                         metadata=tensor_metadata)


def mesh(tag, vertices, colors, faces, config_dict, display_name=None, description=None):
    """Mesh plugin summaries: one tensor value per given part (vertices, faces, colors),
    each of shape (batch, n, 3), with the parts bitmask and the JSON ThreeJS config."""
    from tensorboard.plugins.mesh import metadata
    from tensorboard.plugins.mesh.plugin_data_pb2 import MeshPluginData

    json_config = _get_json_config(config_dict)
    tensors = [(vertices, MeshPluginData.VERTEX), (faces, MeshPluginData.FACE),
               (colors, MeshPluginData.COLOR)]
    tensors = [t for t in tensors if t[0] is not None]
    components = metadata.get_components_bitmask([ct for (_t, ct) in tensors])
    return Summary(value=[
        _get_tensor_summary(tag, display_name, description, t, ct, components, json_config)
        for t, ct in tensors])
