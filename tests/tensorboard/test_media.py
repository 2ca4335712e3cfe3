"""``add_image_with_boxes``, ``add_video`` and ``add_mesh``: the written summaries read
back with tensorboard's EventAccumulator / event-file loader, against torch's writer."""

from __future__ import annotations

import io

import numpy as np
import pytest

import ember

pytest.importorskip("tensorboard")
PIL_Image = pytest.importorskip("PIL.Image")

from tensorboard.plugins.mesh import metadata as mesh_metadata  # noqa: E402
from tensorboard.plugins.mesh.plugin_data_pb2 import MeshPluginData  # noqa: E402

from ember.utils.tensorboard import SummaryWriter  # noqa: E402

from ._util import accumulate, summary_values  # noqa: E402

torch = pytest.importorskip("torch")
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

RNG = np.random.default_rng(5)


def _both(tmp_path, fn):
    dirs = []
    for name, cls, lib in (("ember", SummaryWriter, ember), ("torch", TorchWriter, torch)):
        d = tmp_path / name
        with cls(str(d)) as w:
            fn(w, lib)
        dirs.append(d)
    return dirs


def _decode(img_event):
    return np.asarray(PIL_Image.open(io.BytesIO(img_event.encoded_image_string)))


def _exc_type(tmp_path, fn):
    out = []
    for name, cls, lib in (("ember", SummaryWriter, ember), ("torch", TorchWriter, torch)):
        with cls(str(tmp_path / ("x" + name))) as w:
            try:
                fn(w, lib)
            except Exception as exc:  # noqa: BLE001
                out.append(type(exc))
            else:
                out.append(None)
    return out


# --- image with boxes ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt,shape,uint8,labels,rescale", [
    ("CHW", (3, 40, 50), False, None, 1),
    ("HWC", (40, 50, 3), True, ["cat", "dog"], 1),
    ("CHW", (1, 30, 30), True, "one", 1),          # one label for two boxes: dropped
    ("HW", (32, 48), False, ["a", "b"], 2),
])
def test_image_with_boxes_matches_torch(tmp_path, fmt, shape, uint8, labels, rescale):
    if uint8:
        data = RNG.integers(0, 256, size=shape, dtype=np.uint8)
    else:
        data = RNG.uniform(-0.1, 1.1, size=shape).astype(np.float32)
    boxes = np.array([[2, 3, 20, 25], [10, 5, 28, 18.5]], dtype=np.float32)

    def fn(w, lib):
        w.add_image_with_boxes("boxes", lib.tensor(data), lib.tensor(boxes), 3,
                               rescale=rescale, dataformats=fmt, labels=labels)

    e_dir, t_dir = _both(tmp_path, fn)
    ei = accumulate(e_dir).Images("boxes")[0]
    ti = accumulate(t_dir).Images("boxes")[0]
    assert (ei.step, ei.width, ei.height) == (ti.step, ti.width, ti.height) == (
        3, data.shape[fmt.index("W")], data.shape[fmt.index("H")])
    assert np.array_equal(_decode(ei), _decode(ti))
    assert _decode(ei).shape[:2] == (int(ei.height * rescale), int(ei.width * rescale))


def test_image_with_boxes_errors_match_torch(tmp_path):
    img = RNG.uniform(size=(3, 10, 10)).astype(np.float32)
    for fn in (
        lambda w, lib: w.add_image_with_boxes("b", lib.tensor(img), lib.tensor([1., 2, 5, 6])),
        lambda w, lib: w.add_image_with_boxes("b", lib.tensor(img), lib.tensor([[1., 2, 5, 6]]),
                                              dataformats="HW"),
        lambda w, lib: w.add_image_with_boxes("b", lib.tensor(img), lib.tensor([[1., 2, 5, 6]]),
                                              dataformats="CCW"),
    ):
        e, t = _exc_type(tmp_path, fn)
        assert t is not None and e is t


# --- video ----------------------------------------------------------------------------------

def _gif_frames(img_event):
    im = PIL_Image.open(io.BytesIO(img_event.encoded_image_string))
    assert im.format == "GIF"
    frames = []
    for i in range(im.n_frames):
        im.seek(i)
        frames.append((np.asarray(im.convert("RGB")), im.info.get("duration")))
    return frames


@pytest.mark.parametrize("shape,uint8,fps", [
    ((1, 5, 3, 8, 10), True, 4),
    ((3, 4, 3, 6, 5), False, 10),     # batch of 3 padded to 4: a 2 x 2 grid
    ((2, 3, 1, 7, 9), True, 2),       # grayscale; 2 clips side by side
])
def test_video_gif(tmp_path, shape, uint8, fps):
    n, t, c, h, w = shape
    # a few distinct colors per frame, so the GIF palette holds them exactly
    levels = np.array([0, 64, 128, 255], dtype=np.uint8)
    data = levels[RNG.integers(0, 4, size=shape)]
    data[:, :, :, 0, 0] = np.arange(t, dtype=np.uint8)[None, :, None] * 40  # frames differ
    vid = data if uint8 else data.astype(np.float32) / 255
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_video("vid", ember.tensor(vid), 7, fps=fps, walltime=123.0)
    (ev,) = accumulate(tmp_path).Images("vid")
    rows = 2 ** ((n.bit_length() - 1) // 2)
    padded = 1 << (n - 1).bit_length()
    cols = padded // rows
    assert (ev.step, ev.wall_time) == (7, 123.0)
    assert (ev.height, ev.width) == (rows * h, cols * w)
    frames = _gif_frames(ev)
    assert len(frames) == t
    grid = np.zeros((t, rows * h, cols * w, c), np.uint8)
    for b in range(n):
        r, col = divmod(b, cols)
        grid[:, r * h:(r + 1) * h, col * w:(col + 1) * w] = data[b].transpose(0, 2, 3, 1)
    for i, (frame, duration) in enumerate(frames):
        assert frame.shape == (rows * h, cols * w, 3)
        assert duration == pytest.approx(1000 / fps, abs=10)
        expect = np.repeat(grid[i], 3, axis=2) if c == 1 else grid[i]
        assert np.array_equal(frame, expect)


def test_video_errors_match_torch(tmp_path):
    four_d = np.zeros((2, 3, 4, 4), np.float32)
    e, t = _exc_type(tmp_path, lambda w, lib: w.add_video("v", lib.tensor(four_d)))
    assert t is not None and e is t


# --- mesh ---------------------------------------------------------------------------------

def _mesh_inputs(lib):
    vertices = lib.tensor([[[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]],
                          dtype=lib.float)
    colors = lib.tensor([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255]]],
                        dtype=lib.int)
    faces = lib.tensor([[[0, 2, 3], [0, 3, 1], [0, 1, 2], [1, 3, 2]]], dtype=lib.int)
    return vertices, colors, faces


@pytest.mark.parametrize("parts,config", [
    ("vcf", None),
    ("v", {"camera": {"cls": "PerspectiveCamera", "fov": 75}}),
    ("vc", {"material": {"cls": "PointsMaterial", "size": 0.5}}),
    ("vf", None),
])
def test_mesh_matches_torch(tmp_path, parts, config):
    def fn(w, lib):
        v, c, f = _mesh_inputs(lib)
        w.add_mesh("my_mesh", vertices=v, colors=c if "c" in parts else None,
                   faces=f if "f" in parts else None, config_dict=config, global_step=2,
                   walltime=10.0)
        w.add_mesh("my_mesh", vertices=v * 2, colors=c if "c" in parts else None,
                   faces=f if "f" in parts else None, config_dict=config, global_step=3,
                   walltime=11.0)

    e_dir, t_dir = _both(tmp_path, fn)
    ev, tv = summary_values(e_dir), summary_values(t_dir)
    assert len(ev) == len(tv) == 2 * len(parts)
    for (es, e), (ts, t) in zip(ev, tv):
        assert es == ts
        assert e == t      # tag, plugin metadata (shape, components, json config), tensor
    ea, ta = accumulate(e_dir), accumulate(t_dir)
    assert sorted(ea.Tags()["tensors"]) == sorted(ta.Tags()["tensors"])
    for tag in ea.Tags()["tensors"]:
        md = ea.SummaryMetadata(tag)
        assert md.plugin_data.plugin_name == mesh_metadata.PLUGIN_NAME
        data = mesh_metadata.parse_plugin_metadata(md.plugin_data.content)
        assert data.name == "my_mesh"
        assert list(data.shape) == [1, 4, 3]
        assert data.components == mesh_metadata.get_components_bitmask(
            [{"v": MeshPluginData.VERTEX, "c": MeshPluginData.COLOR,
              "f": MeshPluginData.FACE}[p] for p in parts])
        for e, t in zip(ea.Tensors(tag), ta.Tensors(tag)):
            assert (e.step, e.wall_time) == (t.step, t.wall_time)
            assert e.tensor_proto == t.tensor_proto


def test_mesh_errors_match_torch(tmp_path):
    for fn in (
        lambda w, lib: w.add_mesh("m", vertices=lib.tensor([[1.0, 2, 3]])),
        lambda w, lib: w.add_mesh("m", vertices=lib.tensor([[[1.0, 2, 3]]]),
                                  config_dict={"bad": object()}),
    ):
        e, t = _exc_type(tmp_path, fn)
        assert t is not None and e is t
