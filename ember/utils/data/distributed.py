"""``DistributedSampler``: each of ``num_replicas`` processes reads a disjoint slice.

Partitioning and padding are torch's: the index list (a permutation seeded with
``seed + epoch`` when shuffling, else ``range(n)``) is padded by repeating its head up
to ``num_samples * num_replicas`` (or truncated with ``drop_last``), then rank ``r``
takes every ``num_replicas``-th index starting at ``r``.  The permutation comes from an
ember generator, so shuffled orders differ from torch's numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]

_NO_PG = ("Default process group has not been initialized, please make sure to call "
          "init_process_group.")


def _dist_attr(name: str) -> int:
    """``ember.distributed.<name>()`` when the package exists and is initialised."""
    try:
        import importlib
        dist = importlib.import_module("ember.distributed")
    except ImportError:
        raise ValueError(_NO_PG) from None
    is_init = getattr(dist, "is_initialized", None)
    if is_init is None or not is_init():
        raise ValueError(_NO_PG)
    return int(getattr(dist, name)())


class DistributedSampler(Sampler):
    def __init__(self, dataset: Dataset, num_replicas: int | None = None,
                 rank: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = _dist_attr("get_world_size")
        if rank is None:
            rank = _dist_attr("get_rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            from ...ops.creation import randperm
            from ...random import Generator
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        indices = indices[self.rank:self.total_size:self.num_replicas]
        assert len(indices) == self.num_samples
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch; with ``shuffle=True`` each epoch gets a different order."""
        self.epoch = epoch
