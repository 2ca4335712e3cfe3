"""``ember.nn.parallel``: :class:`DistributedDataParallel` (and, until ``ember.nn``
exports it, :class:`SyncBatchNorm`)."""

from ._sync_batchnorm import SyncBatchNorm
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel", "SyncBatchNorm"]
