"""SummaryWriter: every add_* read back through tensorboard's EventAccumulator, and
compared with torch's SummaryWriter for the same calls."""

import io
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import ember

pytest.importorskip("tensorboard")
from google.protobuf import text_format  # noqa: E402
from PIL import Image  # noqa: E402
from tensorboard.plugins.hparams import metadata as hp_metadata  # noqa: E402
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData  # noqa: E402
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig  # noqa: E402

from ember.utils.tensorboard import SummaryWriter, _convert  # noqa: E402

from ._util import accumulate, raw_events, summary_values  # noqa: E402

torch = pytest.importorskip("torch")
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402


def _both(tmp_path, fn, sub=""):
    """Run ``fn(writer, lib)`` with ember's and torch's writers; return both log dirs."""
    dirs = []
    for name, cls, lib in (("ember", SummaryWriter, ember), ("torch", TorchWriter, torch)):
        d = tmp_path / name / sub if sub else tmp_path / name
        with cls(str(d)) as w:
            fn(w, lib)
        dirs.append(d)
    return dirs


# --- scalars -------------------------------------------------------------------------------

def test_scalars_values_steps_walltime(tmp_path):
    vals = [0.5, 1.25, -3.0, 7.0, 2.5]
    with SummaryWriter(str(tmp_path)) as w:
        w.add_scalar("loss", ember.tensor(vals[0]), 0)
        w.add_scalar("loss", np.float32(vals[1]), 1)
        w.add_scalar("loss", np.array([vals[2]]), 2)
        w.add_scalar("loss", int(vals[3]), 3)
        w.add_scalar("loss", ember.tensor([vals[4]], requires_grad=True) * 1, 4)
        w.add_scalar("fixed_time", 1.0, 0, walltime=123.5)
    ea = accumulate(tmp_path)
    ev = ea.Scalars("loss")
    assert [e.step for e in ev] == [0, 1, 2, 3, 4]
    assert [e.value for e in ev] == pytest.approx(vals)
    walls = [e.wall_time for e in ev]
    assert walls == sorted(walls) and abs(walls[-1] - time.time()) < 60
    assert ea.Scalars("fixed_time")[0].wall_time == 123.5


def test_scalar_new_style_and_double_precision(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_scalar("f", 1.0 / 3, 0, new_style=True)
        w.add_scalar("d", 1.0 / 3, 0, new_style=True, double_precision=True)
    ea = accumulate(tmp_path)
    f = ea.Tensors("f")[0].tensor_proto
    d = ea.Tensors("d")[0].tensor_proto
    assert f.dtype == 1 and f.float_val[0] == pytest.approx(1 / 3, rel=1e-7)  # DT_FLOAT
    assert d.dtype == 2 and d.double_val[0] == 1.0 / 3  # DT_DOUBLE, exact
    md = ea.SummaryMetadata("f")
    assert md.plugin_data.plugin_name == "scalars"


def test_scalar_rejects_non_scalar(tmp_path):
    with SummaryWriter(str(tmp_path)) as w, pytest.raises(AssertionError):
        w.add_scalar("x", ember.ones(3), 0)


def test_add_scalars_sub_runs(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        for step in range(3):
            w.add_scalars("run/loss", {"train": step * 1.0, "val": step * 2.0}, step)
    for tag, mult in (("train", 1.0), ("val", 2.0)):
        sub = tmp_path / f"run_loss_{tag}"
        assert sub.is_dir()
        ev = accumulate(sub).Scalars("run/loss")
        assert [e.step for e in ev] == [0, 1, 2]
        assert [e.value for e in ev] == [0.0, mult, 2 * mult]
    assert accumulate(tmp_path).Tags()["scalars"] == []


# --- histograms ----------------------------------------------------------------------------

def _hist_fields(h):
    return [h.min, h.max, h.num, h.sum, h.sum_squares, *h.bucket_limit, *h.bucket]


@pytest.mark.parametrize("bins", ["tensorflow", "auto", "fd", "sturges", 10, 64,
                                  [-3.0, -1.0, 0.0, 0.5, 1.0, 3.0]])
def test_histogram_matches_torch(tmp_path, bins):
    data = np.random.default_rng(0).normal(size=2000).astype(np.float32)

    def fn(w, lib):
        w.add_histogram("h", lib.tensor(data), 3, bins=bins)

    e_dir, t_dir = _both(tmp_path, fn)
    eh = accumulate(e_dir).Histograms("h")[0]
    th = accumulate(t_dir).Histograms("h")[0]
    assert eh.step == 3
    e_vals, t_vals = eh.histogram_value, th.histogram_value
    assert _hist_fields(e_vals) == pytest.approx(_hist_fields(t_vals))
    # against numpy directly: the buckets are np.histogram's, trimmed to the support
    if bins != "tensorflow":
        counts, edges = np.histogram(data.astype(float), bins=bins)
        assert sum(e_vals.bucket) == counts.sum()  # values outside explicit edges drop out
        nz = np.nonzero(counts)[0]
        assert list(e_vals.bucket)[1:] == counts[nz[0]:nz[-1] + 1].tolist()
        assert list(e_vals.bucket_limit) == pytest.approx(edges[nz[0]:nz[-1] + 2].tolist())
    assert e_vals.min == data.min() and e_vals.max == data.max()
    assert e_vals.num == 2000
    assert e_vals.sum == pytest.approx(float(data.astype(float).sum()))


def test_histogram_max_bins_matches_torch(tmp_path):
    data = np.random.default_rng(1).uniform(-2, 5, size=500)

    def fn(w, lib):
        w.add_histogram("h", data, 0, bins=100, max_bins=7)

    e_dir, t_dir = _both(tmp_path, fn)
    eh = accumulate(e_dir).Histograms("h")[0].histogram_value
    th = accumulate(t_dir).Histograms("h")[0].histogram_value
    assert _hist_fields(eh) == pytest.approx(_hist_fields(th))
    assert len(eh.bucket) <= 8 + 1 and sum(eh.bucket) == 500


def test_histogram_raw(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_histogram_raw("raw", min=0.0, max=3.0, num=6, sum=9.0, sum_squares=19.0,
                            bucket_limits=[1.0, 2.0, 3.0], bucket_counts=[1, 2, 3],
                            global_step=2)
        with pytest.raises(ValueError):
            w.add_histogram_raw("bad", 0, 1, 1, 1, 1, [1.0, 2.0], [1])
    h = accumulate(tmp_path).Histograms("raw")[0]
    assert h.step == 2
    assert _hist_fields(h.histogram_value) == [0.0, 3.0, 6, 9.0, 19.0, 1.0, 2.0, 3.0, 1, 2, 3]


# --- images --------------------------------------------------------------------------------

def _decode(img_event):
    return np.asarray(Image.open(io.BytesIO(img_event.encoded_image_string)))


@pytest.mark.parametrize("fmt,shape,uint8,method", [
    ("CHW", (3, 6, 5), False, "add_image"),
    ("HWC", (6, 5, 3), True, "add_image"),
    ("HWC", (6, 5, 1), False, "add_image"),
    ("HW", (6, 5), False, "add_image"),
    ("CHW", (4, 6, 5), True, "add_image"),
    ("NCHW", (5, 3, 4, 3), False, "add_images"),
    ("NHWC", (3, 4, 3, 1), True, "add_images"),
])
def test_images_match_torch(tmp_path, fmt, shape, uint8, method):
    rng = np.random.default_rng(2)
    if uint8:
        data = rng.integers(0, 256, size=shape, dtype=np.uint8)
    else:
        data = rng.uniform(-0.1, 1.1, size=shape).astype(np.float32)  # clipped to [0, 1]

    def fn(w, lib):
        getattr(w, method)("img", lib.tensor(data), 1, dataformats=fmt)

    e_dir, t_dir = _both(tmp_path, fn)
    ei = accumulate(e_dir).Images("img")[0]
    ti = accumulate(t_dir).Images("img")[0]
    assert (ei.step, ei.width, ei.height) == (ti.step, ti.width, ti.height)
    assert np.array_equal(_decode(ei), _decode(ti))
    h = shape[fmt.index("H")]
    w = shape[fmt.index("W")]
    if "N" in fmt:
        n = shape[0]
        cols = min(n, 8)
        h, w = h * int(np.ceil(n / cols)), w * cols
    assert _decode(ei).shape[:2] == (h, w)


def test_image_float_scaling_exact(tmp_path):
    img = np.zeros((3, 2, 2), np.float32)
    img[0] = 1.0
    img[1, 0, 0] = 0.5
    with SummaryWriter(str(tmp_path)) as w:
        w.add_image("x", img, 0)
    px = _decode(accumulate(tmp_path).Images("x")[0])
    assert px.shape == (2, 2, 3)
    assert px[0, 0].tolist() == [255, 127, 0] and px[1, 1].tolist() == [255, 0, 0]


def test_png_fallback_encoder(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    for c in (3, 4):
        img = rng.integers(0, 256, size=(7, 9, c), dtype=np.uint8)
        png = _convert.encode_png_zlib(img)
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), img)
    monkeypatch.setattr(_convert, "_have_pillow", lambda: False)
    data = rng.uniform(size=(3, 5, 4)).astype(np.float32)
    with SummaryWriter(str(tmp_path)) as w:
        w.add_image("x", data, 0)
    px = _decode(accumulate(tmp_path).Images("x")[0])
    expect = (data.transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8)
    assert np.array_equal(px, expect)


def test_add_figure(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    fig = plt.figure(figsize=(2, 1), dpi=50)
    plt.plot([0, 1], [1, 0])
    with SummaryWriter(str(tmp_path)) as w:
        w.add_figure("fig", fig, 0)
    im = accumulate(tmp_path).Images("fig")[0]
    assert (im.width, im.height) == (100, 50)


# --- text, hparams, pr curves, custom scalars -----------------------------------------------

def test_text(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_text("notes", "**bold** _text_ ünïcode", 4)
    ea = accumulate(tmp_path)
    t = ea.Tensors("notes/text_summary")[0]
    assert t.step == 4
    assert t.tensor_proto.string_val[0].decode() == "**bold** _text_ ünïcode"
    assert ea.SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"


def _hp_content(logdir, tag):
    for _step, v in summary_values(logdir):
        if v.tag == tag:
            assert v.metadata.plugin_data.plugin_name == hp_metadata.PLUGIN_NAME
            return v.metadata.plugin_data.content
    raise AssertionError(tag)


def test_hparams_match_torch(tmp_path):
    hp = {"lr": 0.01, "layers": 3, "opt": "adam", "skip": None}
    metrics = {"hparam/accuracy": 0.9, "hparam/loss": 0.25}

    def fn(w, lib):
        w.add_hparams(hp, metrics, hparam_domain_discrete={"opt": ["adam", "sgd"]},
                      run_name="trial")

    e_dir, t_dir = _both(tmp_path, fn)
    e_run, t_run = e_dir / "trial", t_dir / "trial"
    assert e_run.is_dir()
    for tag in (hp_metadata.EXPERIMENT_TAG, hp_metadata.SESSION_START_INFO_TAG,
                hp_metadata.SESSION_END_INFO_TAG):
        assert _hp_content(e_run, tag) == _hp_content(t_run, tag)
    start = HParamsPluginData.FromString(_hp_content(e_run, hp_metadata.SESSION_START_INFO_TAG))
    hps = start.session_start_info.hparams
    assert hps["lr"].number_value == 0.01 and hps["layers"].number_value == 3
    assert hps["opt"].string_value == "adam" and "skip" not in hps
    exp = HParamsPluginData.FromString(_hp_content(e_run, hp_metadata.EXPERIMENT_TAG))
    assert [i.name for i in exp.experiment.hparam_infos] == ["lr", "layers", "opt"]
    assert [m.name.tag for m in exp.experiment.metric_infos] == list(metrics)
    end = HParamsPluginData.FromString(_hp_content(e_run, hp_metadata.SESSION_END_INFO_TAG))
    assert end.session_end_info.status == 1  # STATUS_SUCCESS
    ea = accumulate(e_run)
    assert ea.Scalars("hparam/accuracy")[0].value == pytest.approx(0.9)
    assert ea.Scalars("hparam/loss")[0].value == pytest.approx(0.25)


def test_hparams_type_errors(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        with pytest.raises(TypeError):
            w.add_hparams([("lr", 1)], {})
        with pytest.raises(TypeError):
            w.add_hparams({"lr": 1.0}, {}, hparam_domain_discrete={"lr": ["a"]})


def test_pr_curve_matches_torch(tmp_path):
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, size=200)
    preds = rng.uniform(size=200).astype(np.float32)

    def fn(w, lib):
        w.add_pr_curve("pr", lib.tensor(labels), lib.tensor(preds), 5, num_thresholds=50)

    e_dir, t_dir = _both(tmp_path, fn)
    e, t = accumulate(e_dir), accumulate(t_dir)
    ep, tp = e.Tensors("pr")[0].tensor_proto, t.Tensors("pr")[0].tensor_proto
    assert [d.size for d in ep.tensor_shape.dim] == [6, 50]
    assert list(ep.float_val) == pytest.approx(list(tp.float_val))
    assert e.SummaryMetadata("pr") == t.SummaryMetadata("pr")
    data = np.array(ep.float_val).reshape(6, 50)
    assert data[0, 0] == labels.sum() and data[1, 0] == (1 - labels).sum()  # tp, fp at 0


def test_pr_curve_raw(tmp_path):
    n = 4
    with SummaryWriter(str(tmp_path)) as w:
        w.add_pr_curve_raw("raw", [4, 3, 2, 1], [4, 2, 1, 0], [0, 2, 3, 4], [0, 1, 2, 3],
                           [0.5, 0.6, 0.66, 1.0], [1.0, 0.75, 0.5, 0.25], 1, num_thresholds=n)
    tp = accumulate(tmp_path).Tensors("raw")[0].tensor_proto
    assert np.array(tp.float_val).reshape(6, n)[0].tolist() == [4, 3, 2, 1]


def test_custom_scalars_match_torch(tmp_path):
    layout = {"Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
              "USA": {"dow": ["Margin", ["dow/aaa", "dow/bbb", "dow/ccc"]]}}

    def fn(w, lib):
        w.add_custom_scalars(layout)

    e_dir, t_dir = _both(tmp_path, fn)
    from tensorboard.plugins.custom_scalar import layout_pb2
    ev = summary_values(e_dir)[0][1]
    tv = summary_values(t_dir)[0][1]
    assert ev.tag == "custom_scalars__config__" == tv.tag
    assert ev == tv
    lay = layout_pb2.Layout.FromString(ev.tensor.string_val[0])
    assert [c.title for c in lay.category] == ["Taiwan", "USA"]
    assert lay.category[1].chart[0].margin.series[0].upper == "dow/ccc"


def test_add_tensor_and_audio(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_tensor("t", ember.arange(6).reshape(2, 3).float(), 0)
        w.add_audio("snd", np.sin(np.linspace(0, 20, 800)), 0, sample_rate=8000)
    ea = accumulate(tmp_path)
    tp = ea.Tensors("t")[0].tensor_proto
    assert list(tp.float_val) == [0, 1, 2, 3, 4, 5]
    assert [d.size for d in tp.tensor_shape.dim] == [2, 3]
    a = ea.Audio("snd")[0]
    assert a.sample_rate == 8000 and a.length_frames == 800


# --- embeddings ----------------------------------------------------------------------------

def test_embedding_matches_torch(tmp_path):
    rng = np.random.default_rng(5)
    mat = rng.normal(size=(6, 4)).astype(np.float32)
    meta = [["a", 1], ["b", 2], ["c", 3], ["d", 4], ["e", 5], ["f", 6]]
    imgs = rng.uniform(size=(6, 3, 4, 4)).astype(np.float32)

    def fn(w, lib):
        w.add_embedding(lib.tensor(mat), metadata=meta, label_img=lib.tensor(imgs),
                        global_step=7, tag="emb/x", metadata_header=["name", "id"])
        w.add_embedding(lib.tensor(mat[:, :2]), metadata=[r[0] for r in meta], global_step=8)

    e_dir, t_dir = _both(tmp_path, fn)
    sub = "00007/emb%2fx"
    for f in ("tensors.tsv", "metadata.tsv", "sprite.png"):
        assert (e_dir / sub / f).read_bytes() == (t_dir / sub / f).read_bytes(), f
    rows = [r.split("\t") for r in (e_dir / sub / "tensors.tsv").read_text().splitlines()]
    assert np.allclose(np.array(rows, dtype=np.float32), mat)
    assert (e_dir / sub / "metadata.tsv").read_text().splitlines()[:2] == ["name\tid", "a\t1"]
    sprite = Image.open(e_dir / sub / "sprite.png")
    assert sprite.size == (12, 12)
    cfg = text_format.Parse((e_dir / "projector_config.pbtxt").read_text(), ProjectorConfig())
    assert (e_dir / "projector_config.pbtxt").read_text() == \
        (t_dir / "projector_config.pbtxt").read_text()
    assert [e.tensor_name for e in cfg.embeddings] == ["emb/x:00007", "default:00008"]
    assert list(cfg.embeddings[0].sprite.single_image_dim) == [4, 4]
    assert (e_dir / "00008/default/metadata.tsv").read_text() == "a\nb\nc\nd\ne\nf\n"


# --- graph ---------------------------------------------------------------------------------

class Net(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU())
        self.head = ember.nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.features(x)) * 2


def test_graph(tmp_path):
    net = Net()
    net.train()
    with SummaryWriter(str(tmp_path)) as w:
        w.add_graph(net, ember.randn(3, 4))
    assert net.training
    ea = accumulate(tmp_path)
    assert ea.Tags()["graph"]
    g = ea.Graph()
    names = [n.name for n in g.node]
    assert len(set(names)) == len(names)
    by_name = {n.name: n for n in g.node}
    assert "input/input.0" in names and "output/output.0" in names
    for mod in ("Net/Sequential[features]/Linear[0]", "Net/Sequential[features]/ReLU[1]",
                "Net/Linear[head]"):
        assert any(n.startswith(mod + "/") for n in names), mod
    assert "Net/Sequential[features]/Linear[0]/weight" in names
    assert "Net/Linear[head]/bias" in names
    head_op = [n for n in g.node if n.name.startswith("Net/Linear[head]/")
               and n.op.startswith("aten::")][0]
    shp = head_op.attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shp.dim] == [3, 2]
    mul = [n for n in g.node if n.op == "aten::mul"][0]
    assert mul.name.startswith("Net/") and head_op.name in list(mul.input)
    out = by_name["output/output.0"]
    assert list(out.input) == [mul.name]
    relu = [n for n in g.node if n.op == "aten::relu"][0]
    assert relu.name.startswith("Net/Sequential[features]/ReLU[1]/")
    assert ea.RunMetadata("step1") is not None


# --- lifecycle -----------------------------------------------------------------------------

def test_context_manager_close_and_flush(tmp_path):
    w = SummaryWriter(str(tmp_path), flush_secs=1000, max_queue=1000)
    w.add_scalar("a", 1.0, 0)
    w.flush()
    assert [e.value for e in accumulate(tmp_path).Scalars("a")] == [1.0]
    w.close()
    w.close()  # double close is a no-op
    assert w.all_writers is None
    w.add_scalar("a", 2.0, 1)  # writes reopen a new file, as torch
    w.close()
    with SummaryWriter(str(tmp_path / "cm"), flush_secs=1000, max_queue=1000) as w2:
        w2.add_scalar("b", 3.0, 0)
    assert w2.all_writers is None
    assert accumulate(tmp_path / "cm").Scalars("b")[0].value == 3.0
    # Two event files: their names sort by (second, pid, writer counter as a string), so
    # file order is not write order when the counter crosses a digit (9 -> 10), as in torch.
    assert sorted((e.step, e.value) for e in accumulate(tmp_path).Scalars("a")) == [
        (0, 1.0), (1, 2.0)]


def test_filename_suffix_and_logdir(tmp_path):
    with SummaryWriter(str(tmp_path), filename_suffix=".ember") as w:
        assert w.get_logdir() == str(tmp_path)
        w.add_scalar("a", 1.0)
    files = os.listdir(tmp_path)
    assert len(files) == 1 and files[0].endswith(".ember")


def test_default_logdir(tmp_path, monkeypatch):
    import socket
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_exp") as w:
        d = w.get_logdir()
    assert d.startswith("runs" + os.sep) and d.endswith("_" + socket.gethostname() + "_exp")
    assert os.path.isdir(tmp_path / d)


def test_purge_step(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        for s in range(10):
            w.add_scalar("x", float(s), s)
    time.sleep(1.05)  # event files are ordered by their creation second
    with SummaryWriter(str(tmp_path), purge_step=5) as w:
        for s in range(5, 8):
            w.add_scalar("x", 100.0 + s, s)
    ev = accumulate(tmp_path).Scalars("x")
    assert [e.step for e in ev] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [e.value for e in ev][5:] == [105.0, 106.0, 107.0]
    events = raw_events(tmp_path)
    starts = [e for e in events if e.HasField("session_log")]
    assert len(starts) == 1 and starts[0].step == 5


def test_missing_tensorboard_message():
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "try:\n    import ember.utils.tensorboard\nexcept ImportError as e:\n"
            "    print('MSG', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert "pip install ember[tensorboard]" in out.stdout, out.stderr
