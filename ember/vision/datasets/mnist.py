"""MNIST-family datasets read from IDX files (``MNIST``, ``FashionMNIST``, ``KMNIST``,
``EMNIST``) with torchvision's layout: ``root/<ClassName>/raw/<file>`` where each file may be
gzip-compressed (``.gz``, as downloaded) or already decompressed.

Presence check: as torchvision's ``_check_exists`` for MNIST, a file that is present is used
as-is, without an md5 check; the md5s in ``resources`` guard downloads only.  (That is what
lets the 10,000-digit sample shipped in ``data/MNIST/raw`` load: its md5s differ from the
full data set's.)  Files already present are never downloaded again.
"""

from __future__ import annotations

import gzip
import os
import string
from collections.abc import Callable
from typing import Any

import numpy as np

from .utils import download_from_mirrors, download_url, extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "read_sn3_pascalvincent_tensor",
           "read_image_file", "read_label_file"]

# IDX type byte -> big-endian numpy dtype
_IDX_TYPES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}


def _open_maybe_gz(path: str):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _read_idx_array(path: str) -> np.ndarray:
    """An IDX file (the MNIST format) as a native-endian numpy array."""
    with _open_maybe_gz(path) as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number)")
    typ, nd = data[2], data[3]
    if typ not in _IDX_TYPES:
        raise RuntimeError(f"{path}: unknown IDX data type 0x{typ:02x}")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    dt = _IDX_TYPES[typ]
    off = 4 + 4 * nd
    n = int(np.prod(dims)) if dims else 1
    if len(data) - off != n * dt.itemsize:
        raise RuntimeError(f"{path}: expected {n * dt.itemsize} data bytes for shape {dims}, "
                           f"found {len(data) - off}")
    arr = np.frombuffer(data, dtype=dt, count=n, offset=off).reshape(dims)
    return arr.astype(dt.newbyteorder("="))


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True):
    """An IDX file as an ember tensor (torchvision's name for the reader)."""
    from ember import from_numpy
    return from_numpy(np.ascontiguousarray(_read_idx_array(path)))


def _resolve(path: str) -> str:
    """``path`` or ``path + '.gz'`` (whichever exists; the uncompressed one first)."""
    if os.path.isfile(path):
        return path
    if os.path.isfile(path + ".gz"):
        return path + ".gz"
    if path.endswith(".gz") and os.path.isfile(path[:-3]):
        return path[:-3]
    raise FileNotFoundError(path)


def read_label_file(path: str):
    from ember import from_numpy
    x = _read_idx_array(_resolve(path))
    if x.dtype != np.uint8 or x.ndim != 1:
        raise RuntimeError(f"{path}: expected a 1-d uint8 label file, got {x.dtype} {x.shape}")
    return from_numpy(x.astype(np.int64))


def read_image_file(path: str):
    from ember import from_numpy
    x = _read_idx_array(_resolve(path))
    if x.dtype != np.uint8 or x.ndim != 3:
        raise RuntimeError(f"{path}: expected a 3-d uint8 image file, got {x.dtype} {x.shape}")
    return from_numpy(np.ascontiguousarray(x))


def _exists(path: str) -> bool:
    try:
        _resolve(path)
        return True
    except FileNotFoundError:
        return False


class MNIST(VisionDataset):
    """The MNIST digits (``torchvision.datasets.MNIST``).

    ``data`` is a uint8 tensor ``(N, 28, 28)``, ``targets`` an int64 tensor ``(N,)``;
    ``dataset[i]`` is ``(PIL.Image mode 'L', int)`` before ``transform``/``target_transform``.
    ``download=True`` fetches each missing file of ``resources`` from the first working
    entry of ``mirrors`` (md5-checked, atomic); present files are used as they are.
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(
                f"Dataset not found in {self.raw_folder}. You can use download=True to "
                f"download it, or place the files "
                f"{', '.join(f for f, _ in self.resources)} there")
        self.data, self.targets = self._load_data()

    def _load_data(self):
        prefix = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"))
        if len(data) != len(targets):
            raise RuntimeError(f"{len(data)} images but {len(targets)} labels in {self.raw_folder}")
        return data, targets

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        from PIL import Image
        if hasattr(index, "item"):  # an ember/numpy integer scalar
            index = index.item()
        img, target = self.data.numpy()[index], int(self.targets.numpy()[index])
        img = Image.fromarray(img)  # mode 'L'
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {_class: i for i, _class in enumerate(self.classes)}

    def _check_exists(self) -> bool:
        return all(_exists(os.path.join(self.raw_folder, os.path.splitext(f)[0]))
                   for f, _ in self.resources)

    def download(self) -> None:
        """Download the files of ``resources`` that are missing (kept gzip-compressed)."""
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if _exists(os.path.join(self.raw_folder, os.path.splitext(filename)[0])):
                continue
            download_from_mirrors(self.mirrors, filename, self.raw_folder, md5)

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (``torchvision.datasets.FashionMNIST``)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (``torchvision.datasets.KMNIST``)."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """EMNIST (``torchvision.datasets.EMNIST``): ``split`` is one of ``splits``; files
    ``raw/emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte[.gz]``.  As in
    torchvision, images are returned as stored in the IDX files (transposed)."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root: str | os.PathLike, split: str, **kwargs: Any) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @property
    def _file_prefix(self) -> str:
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _load_data(self):
        return read_image_file(self.images_file), read_label_file(self.labels_file)

    def _check_exists(self) -> bool:
        return _exists(self.images_file) and _exists(self.labels_file)

    def download(self) -> None:
        """Download ``gzip.zip`` (md5-checked) and unpack its ``.gz`` files into ``raw``."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        archive = download_url(self.url, self.raw_folder, md5=self.md5)
        tmp = os.path.join(self.raw_folder, "_extract")
        extract_archive(archive, tmp)
        gz_folder = os.path.join(tmp, "gzip")
        src = gz_folder if os.path.isdir(gz_folder) else tmp
        for name in os.listdir(src):
            if name.endswith(".gz"):
                os.replace(os.path.join(src, name), os.path.join(self.raw_folder, name))
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
        os.remove(archive)
