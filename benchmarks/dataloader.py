"""DataLoader throughput over the shipped MNIST sample (the data issue's benchmark).

ember: ``ember.vision.datasets.MNIST`` + ``transforms.Compose([ToTensor(), Normalize])``
through ``ember.utils.data.DataLoader``.  torch: torchvision is not importable beside
torch 2.13.0 on this machine, so the torch side uses torch's own ``DataLoader`` over a
dataset written exactly as torchvision's ``MNIST.__getitem__`` / ``ToTensor`` /
``Normalize`` do it (PIL image from the uint8 array, ``from_numpy(np.array(pic))``,
``permute``, ``div(255)``, ``sub_(mean).div_(std)``), on the same decoded IDX arrays.
One epoch, batch 64, shuffle, ``num_workers`` 0 and 2; median of ``--repeat`` epochs.

    python benchmarks/dataloader.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch  # noqa: E402
from PIL import Image  # noqa: E402

import ember  # noqa: E402

TARGET = 1.2


class TorchMNIST(torch.utils.data.Dataset):
    """torchvision's MNIST item path, written with torch ops only."""

    def __init__(self, data: np.ndarray, targets: np.ndarray) -> None:
        self.data = torch.from_numpy(data)
        self.targets = torch.from_numpy(targets)
        self.mean = torch.tensor([0.1307]).view(-1, 1, 1)
        self.std = torch.tensor([0.3081]).view(-1, 1, 1)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        pic = Image.fromarray(img.numpy(), mode="L")
        t = torch.from_numpy(np.array(pic, np.uint8, copy=True))
        t = t.view(pic.size[1], pic.size[0], 1).permute((2, 0, 1)).contiguous()
        t = t.to(dtype=torch.get_default_dtype()).div(255)
        return t.sub_(self.mean).div_(self.std), target


def _epoch(loader) -> float:
    t0 = time.perf_counter()
    n = 0
    for x, _ in loader:
        n += x.shape[0]
    assert n == len(loader.dataset)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    from ember.vision import datasets, transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    eds = datasets.MNIST(os.path.join(ROOT, "data"), train=True, transform=tf)
    tds = TorchMNIST(eds.data.numpy(), eds.targets.numpy())
    torch.set_num_threads(1)
    ember.set_num_threads(1)
    print(f"{'workers':>8s} {'ember s/epoch':>14s} {'torch s/epoch':>14s} {'ratio':>6s}  target")
    for workers in (0, 2):
        el = ember.utils.data.DataLoader(eds, batch_size=64, shuffle=True,
                                         num_workers=workers, persistent_workers=workers > 0)
        tl = torch.utils.data.DataLoader(tds, batch_size=64, shuffle=True,
                                         num_workers=workers, persistent_workers=workers > 0)
        _epoch(el), _epoch(tl)  # warm-up (starts persistent workers)
        e_times, t_times = [], []
        for _ in range(args.repeat):
            e_times.append(_epoch(el))
            t_times.append(_epoch(tl))
        e, t = statistics.median(e_times), statistics.median(t_times)
        ok = "yes" if e / t <= TARGET else "NO"
        print(f"{workers:8d} {e:14.3f} {t:14.3f} {e / t:6.2f}  <= {TARGET} {ok}")
        del el, tl
    return 0


if __name__ == "__main__":
    sys.exit(main())
