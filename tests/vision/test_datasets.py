"""ember.vision.datasets: shipped MNIST sample, IDX reading, download path against a local
HTTP server, CIFAR restricted unpickler, ImageFolder, FakeData."""

import contextlib
import gzip
import hashlib
import http.server
import os
import pickle
import shutil
import threading

import numpy as np
import pytest

pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

import ember  # noqa: E402
from ember.vision import datasets as D  # noqa: E402
from ember.vision import transforms as T  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "data")
RAW = os.path.join(DATA, "MNIST", "raw")
FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


# --- shipped MNIST --------------------------------------------------------------------------

def test_mnist_shipped_sizes_and_class_counts():
    tr = D.MNIST(DATA, train=True)
    te = D.MNIST(DATA, train=False)
    assert len(tr) == 8000 and len(te) == 2000
    assert tr.data.dtype == ember.uint8 and tuple(tr.data.shape) == (8000, 28, 28)
    assert tr.targets.dtype == ember.int64 and tuple(tr.targets.shape) == (8000,)
    counts = np.bincount(tr.targets.numpy(), minlength=10) + np.bincount(te.targets.numpy(),
                                                                          minlength=10)
    assert counts.tolist() == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert tr.classes[3] == "3 - three" and tr.class_to_idx["9 - nine"] == 9


def test_mnist_image0_equals_raw_idx_bytes():
    raw = gzip.open(os.path.join(RAW, "train-images-idx3-ubyte.gz")).read()
    assert int.from_bytes(raw[:4], "big") == 0x803
    img0 = np.frombuffer(raw[16:16 + 784], np.uint8).reshape(28, 28)
    lab = gzip.open(os.path.join(RAW, "train-labels-idx1-ubyte.gz")).read()
    ds = D.MNIST(DATA)
    img, target = ds[0]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(img), img0)
    np.testing.assert_array_equal(ds.data[0].numpy(), img0)
    assert isinstance(target, int) and target == lab[8]


def test_mnist_totensor_matches_torch_formula():
    torch = pytest.importorskip("torch")
    ds = D.MNIST(DATA, train=False)
    img, _ = ds[5]
    x = T.ToTensor()(img)
    ref = torch.from_numpy(np.asarray(img).copy()).float().div(255)
    assert x.dtype == ember.float32 and tuple(x.shape) == (1, 28, 28)
    np.testing.assert_array_equal(x.numpy()[0], ref.numpy())
    assert 0.0 <= x.numpy().min() and x.numpy().max() <= 1.0


def test_mnist_repr_and_transforms():
    ds = D.MNIST(DATA, train=True, transform=T.ToTensor())
    assert repr(ds) == ("Dataset MNIST\n    Number of datapoints: 8000\n    Root location: "
                        f"{DATA}\n    Split: Train\n    StandardTransform\nTransform: ToTensor()")
    te = D.MNIST(DATA, train=False, target_transform=lambda t: t + 100)
    assert "Split: Test" in repr(te)
    assert te[0][1] >= 100


def test_mnist_uncompressed_files_and_missing(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in FILES:
        (raw / f[:-3]).write_bytes(gzip.open(os.path.join(RAW, f)).read())
    ds = D.MNIST(str(tmp_path), train=False)
    ref = D.MNIST(DATA, train=False)
    np.testing.assert_array_equal(ds.data.numpy(), ref.data.numpy())
    with pytest.raises(RuntimeError, match="download=True"):
        D.MNIST(str(tmp_path / "nowhere"))


def _write_idx(path, arr):
    typ = {np.uint8: 0x08}[arr.dtype.type]
    head = bytes([0, 0, typ, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    with open(path, "wb") as f:
        f.write(head + arr.tobytes())


def test_fashion_kmnist_emnist_layouts(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 3, 4], np.uint8)
    for cls in ("FashionMNIST", "KMNIST"):
        raw = tmp_path / cls / "raw"
        raw.mkdir(parents=True)
        for split in ("train", "t10k"):  # all four files must be present, as torchvision
            _write_idx(raw / f"{split}-images-idx3-ubyte", imgs)
            _write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
    fm = D.FashionMNIST(str(tmp_path), train=False)
    assert len(fm) == 5 and fm.classes[9] == "Ankle boot"
    np.testing.assert_array_equal(np.asarray(fm[2][0]), imgs[2])
    assert D.KMNIST(str(tmp_path), train=False)[4][1] == 4
    raw = tmp_path / "EMNIST" / "raw"
    raw.mkdir(parents=True)
    _write_idx(raw / "emnist-letters-train-images-idx3-ubyte", imgs)
    _write_idx(raw / "emnist-letters-train-labels-idx1-ubyte", labels)
    em = D.EMNIST(str(tmp_path), split="letters")
    assert len(em) == 5 and em.classes[:3] == ["N/A", "a", "b"]
    with pytest.raises(ValueError, match="split"):
        D.EMNIST(str(tmp_path), split="nope")


# --- download path against a local HTTP server ----------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _serve(directory):
    handler = lambda *a, **k: _QuietHandler(*a, directory=str(directory), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _local_mnist(base_url, mirrors_sub, corrupt=None):
    class LocalMNIST(D.MNIST):
        mirrors = [f"{base_url}/{s}/" for s in mirrors_sub]
        resources = [(f, _md5(os.path.join(RAW, f))) for f in FILES]
    return LocalMNIST


@pytest.fixture
def served(tmp_path):
    srv = tmp_path / "srv"
    (srv / "good").mkdir(parents=True)
    (srv / "bad").mkdir()
    for f in FILES:
        shutil.copy(os.path.join(RAW, f), srv / "good" / f)
        data = bytearray(open(os.path.join(RAW, f), "rb").read())
        data[len(data) // 2] ^= 0xFF
        (srv / "bad" / f).write_bytes(bytes(data))
    with _serve(srv) as url:
        yield url, tmp_path / "root"


def _dir_files(path):
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


def test_download_good(served):
    url, root = served
    cls = _local_mnist(url, ["good"])
    ds = cls(str(root), train=True, download=True)
    assert len(ds) == 8000
    raw = root / "LocalMNIST" / "raw"
    assert _dir_files(raw) == sorted(FILES)  # no temporary files left behind
    for f in FILES:
        assert _md5(raw / f) == _md5(os.path.join(RAW, f))
    np.testing.assert_array_equal(ds.data.numpy(), D.MNIST(DATA).data.numpy())
    # present files are not downloaded again (even from a mirror that would now fail)
    mtimes = {f: os.stat(raw / f).st_mtime_ns for f in FILES}
    cls.mirrors = [f"{url}/missing/"]
    cls(str(root), train=False, download=True)
    assert {f: os.stat(raw / f).st_mtime_ns for f in FILES} == mtimes


def test_download_checksum_mismatch_leaves_nothing(served):
    url, root = served
    cls = _local_mnist(url, ["bad"])
    with pytest.raises(RuntimeError) as ei:
        cls(str(root), download=True)
    msg = str(ei.value)
    assert "checksum mismatch" in msg and "place it at" in msg
    assert os.path.join("LocalMNIST", "raw", FILES[0]) in msg
    assert _dir_files(root / "LocalMNIST" / "raw") == []


def test_download_404_then_good_mirror(served):
    url, root = served
    cls = _local_mnist(url, ["missing", "bad", "good"])
    ds = cls(str(root), train=False, download=True)
    assert len(ds) == 2000
    assert _dir_files(root / "LocalMNIST" / "raw") == sorted(FILES)


def test_download_all_mirrors_fail_message(served):
    url, root = served
    cls = _local_mnist(url, ["missing", "alsomissing"])
    with pytest.raises(RuntimeError) as ei:
        cls(str(root), download=True)
    msg = str(ei.value)
    assert "404" in msg and "missing/train-images-idx3-ubyte.gz" in msg
    assert "alsomissing/train-images-idx3-ubyte.gz" in msg
    assert _dir_files(root / "LocalMNIST" / "raw") == []


def test_download_keeps_partial_progress_and_skips_present(served, tmp_path):
    url, root = served
    raw = root / "LocalMNIST" / "raw"
    raw.mkdir(parents=True)
    # a present file with a "wrong" md5 (like the shipped sample) is used as-is
    (raw / "train-images-idx3-ubyte").write_bytes(
        gzip.open(os.path.join(RAW, FILES[0])).read())
    cls = _local_mnist(url, ["good"])
    cls.resources = [(f, "0" * 32 if i == 0 else m) for i, (f, m) in enumerate(cls.resources)]
    ds = cls(str(root), download=True)
    assert len(ds) == 8000
    assert "train-images-idx3-ubyte.gz" not in _dir_files(raw)


# --- CIFAR ----------------------------------------------------------------------------------

def _write_cifar(root, n=4, protocol=2, cifar100=False):
    rng = np.random.default_rng(1)
    folder = root / ("cifar-100-python" if cifar100 else "cifar-10-batches-py")
    folder.mkdir(parents=True)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, n)]
    key = "fine_labels" if cifar100 else "labels"
    names = ["train"] if cifar100 else [f"data_batch_{i}" for i in range(1, 6)]
    for name in names + (["test"] if cifar100 else ["test_batch"]):
        with open(folder / name, "wb") as f:
            pickle.dump({"batch_label": "x", key: labels, "data": data,
                         "filenames": [f"{i}.png" for i in range(n)]}, f, protocol=protocol)
    meta_name, meta_key = ("meta", "fine_label_names") if cifar100 else ("batches.meta",
                                                                          "label_names")
    with open(folder / meta_name, "wb") as f:
        pickle.dump({meta_key: [f"c{i}" for i in range(10)], "num_vis": 3072}, f,
                    protocol=protocol)
    return data, labels


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar10_synthetic(tmp_path, protocol):
    data, labels = _write_cifar(tmp_path, protocol=protocol)

    class C10(D.CIFAR10):
        check_md5 = False

    ds = C10(str(tmp_path), train=True)
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3) and ds.data.dtype == np.uint8
    assert ds.targets[:4] == labels and ds.classes[2] == "c2" and ds.class_to_idx["c9"] == 9
    img, t = ds[1]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and t == labels[1]
    np.testing.assert_array_equal(np.asarray(img), data[1].reshape(3, 32, 32).transpose(1, 2, 0))
    te = C10(str(tmp_path), train=False, transform=T.ToTensor())
    assert len(te) == 4 and tuple(te[0][0].shape) == (3, 32, 32)
    assert "Split: Test" in repr(te)


def test_cifar100_synthetic(tmp_path):
    data, labels = _write_cifar(tmp_path, cifar100=True)

    class C100(D.CIFAR100):
        check_md5 = False

    ds = C100(str(tmp_path))
    assert len(ds) == 4 and ds.targets == labels and ds.classes[0] == "c0"


def test_cifar_tar_gz_download(tmp_path):
    import tarfile
    src = tmp_path / "src"
    data, labels = _write_cifar(src)
    srv = tmp_path / "srv"
    srv.mkdir()
    with tarfile.open(srv / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    md5 = _md5(srv / "cifar-10-python.tar.gz")
    with _serve(srv) as url:
        class C10(D.CIFAR10):
            check_md5 = False
            tgz_md5 = md5
        C10.url = f"{url}/cifar-10-python.tar.gz"
        ds = C10(str(tmp_path / "root"), train=False, download=True)
        assert len(ds) == 4 and ds.targets == labels
        C10.tgz_md5 = "0" * 32
        with pytest.raises(RuntimeError, match="checksum"):
            C10(str(tmp_path / "root2"), download=True)
    assert not any(p.name.endswith(".part") for p in (tmp_path / "root2").iterdir())


def test_no_torch_import():
    import subprocess
    import sys
    code = ("import sys, ember.vision, ember.vision.datasets, ember.vision.transforms, "
            "ember.vision.utils; assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_cifar_md5_checked_by_default(tmp_path):
    _write_cifar(tmp_path)
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        D.CIFAR10(str(tmp_path))


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > " + _Evil.marker,))


def test_cifar_restricted_unpickler_rejects_malicious(tmp_path):
    from ember.vision.datasets.cifar import restricted_load
    marker = tmp_path / "pwned"
    _Evil.marker = str(marker)
    payload = pickle.dumps({"data": _Evil(), "labels": [1]}, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system|nt.system"):
        restricted_load(payload)
    assert not marker.exists()
    # and through the dataset itself
    _write_cifar(tmp_path / "r")
    with open(tmp_path / "r" / "cifar-10-batches-py" / "test_batch", "wb") as f:
        f.write(payload)

    class C10(D.CIFAR10):
        check_md5 = False

    with pytest.raises(pickle.UnpicklingError):
        C10(str(tmp_path / "r"), train=False)
    assert not marker.exists()
    for bad in (pickle.dumps(eval), pickle.dumps(np.array([object()], dtype=object)),
                b"cbuiltins\nexec\n(S'import os'\ntR."):
        with pytest.raises(pickle.UnpicklingError):
            restricted_load(bad)
    ok = restricted_load(pickle.dumps({"a": np.arange(6, dtype=np.int32).reshape(2, 3),
                                       "b": (1, 2.5, "s", b"x", [None, True])}, protocol=2))
    np.testing.assert_array_equal(ok["a"], np.arange(6).reshape(2, 3))
    assert ok["b"] == (1, 2.5, "s", b"x", [None, True])


# --- ImageFolder / DatasetFolder ------------------------------------------------------------

@pytest.fixture
def image_tree(tmp_path):
    rng = np.random.default_rng(2)
    arrays = {}
    for cls, n in (("cat", 2), ("dog", 3)):
        d = tmp_path / cls
        (d / "sub").mkdir(parents=True)
        for i in range(n):
            a = rng.integers(0, 256, (5 + i, 7, 3), dtype=np.uint8)
            p = (d / "sub" if i == 2 else d) / f"img{i}.png"
            Image.fromarray(a).save(p)
            arrays[str(p)] = a
        (d / "notes.txt").write_text("not an image")
    (tmp_path / "empty").mkdir()
    return tmp_path, arrays


def test_image_folder(image_tree):
    root, arrays = image_tree
    ds = D.ImageFolder(str(root), allow_empty=True)
    assert ds.classes == ["cat", "dog", "empty"]
    assert ds.class_to_idx == {"cat": 0, "dog": 1, "empty": 2}
    assert len(ds) == 5 and ds.targets == [0, 0, 1, 1, 1] and ds.imgs == ds.samples
    assert [os.path.relpath(p, root) for p, _ in ds.samples] == [
        "cat/img0.png", "cat/img1.png", "dog/img0.png", "dog/img1.png", "dog/sub/img2.png"]
    for i, (path, target) in enumerate(ds.samples):
        img, t = ds[i]
        assert img.mode == "RGB" and t == target
        np.testing.assert_array_equal(np.asarray(img), arrays[path])
    with pytest.raises(FileNotFoundError, match="empty"):
        D.ImageFolder(str(root))
    tds = D.ImageFolder(str(root), transform=T.ToTensor(), allow_empty=True,
                        is_valid_file=lambda p: p.endswith("img0.png"))
    assert len(tds) == 2 and tuple(tds[1][0].shape) == (3, 5, 7)


def test_dataset_folder_extensions_and_find_classes(image_tree):
    root, _ = image_tree
    ds = D.DatasetFolder(str(root), loader=lambda p: open(p).read(), extensions=(".txt",),
                         allow_empty=True)
    assert len(ds) == 2 and ds[0] == ("not an image", 0)
    with pytest.raises(ValueError):
        D.DatasetFolder(str(root), loader=str, extensions=(".png",), is_valid_file=bool)

    class OnlyDogs(D.ImageFolder):
        def find_classes(self, directory):
            return ["dog"], {"dog": 0}

    assert len(OnlyDogs(str(root))) == 3
    assert "Number of datapoints: 3" in repr(OnlyDogs(str(root)))


# --- FakeData -------------------------------------------------------------------------------

def test_fakedata_deterministic_and_rng_untouched():
    ds = D.FakeData(size=6, image_size=(3, 8, 10), num_classes=4, transform=T.PILToTensor())
    ember.manual_seed(123)
    before = ember.rand(3).numpy()
    ember.manual_seed(123)
    a = [ds[i] for i in range(6)]
    after = ember.rand(3).numpy()
    np.testing.assert_array_equal(before, after)  # global stream untouched
    b = [ds[i] for i in reversed(range(6))][::-1]
    for (x, t), (y, u) in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
        assert t == u and isinstance(t, int) and 0 <= t < 4
    assert tuple(a[0][0].shape) == (3, 8, 10) and a[0][0].dtype == ember.uint8
    assert not np.array_equal(a[0][0].numpy(), a[1][0].numpy())
    off = D.FakeData(size=6, image_size=(3, 8, 10), num_classes=4, random_offset=1,
                     transform=T.PILToTensor())
    np.testing.assert_array_equal(off[0][0].numpy(), a[1][0].numpy())
    with pytest.raises(IndexError):
        ds[6]
    img, _ = D.FakeData(size=1, image_size=(1, 4, 4))[0]
    assert img.mode == "L" and img.size == (4, 4)


def test_dataloader_over_mnist():
    from ember.utils.data import DataLoader
    ds = D.MNIST(DATA, train=False, transform=T.Compose([T.ToTensor(),
                                                        T.Normalize((0.1307,), (0.3081,))]))
    x, y = next(iter(DataLoader(ds, batch_size=16)))
    assert tuple(x.shape) == (16, 1, 28, 28) and x.dtype == ember.float32
    assert y.dtype == ember.int64 and y.numpy().tolist() == ds.targets.numpy()[:16].tolist()
