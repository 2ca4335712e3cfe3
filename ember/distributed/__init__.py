"""``ember.distributed``: torch.distributed's process groups and collectives over MPI.

The engine is MPI through mpi4py (``pip install 'ember[distributed]'`` brings mpi4py and
the MPICH wheels).  Start ranks with ``ember-run`` / ``python -m ember.distributed.run``
(torchrun's interface) or directly with ``mpiexec -n N python script.py``.  Backend names
``'mpi'`` and ``'gloo'`` are both served by MPI; ``'nccl'`` warns and falls back to MPI.
MPI itself is only initialised by ``init_process_group``.
"""

from .distributed_c10d import *  # noqa: F403
from .distributed_c10d import __all__ as _c10d_all

__all__ = list(_c10d_all)
