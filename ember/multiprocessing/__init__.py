"""``ember.multiprocessing``: placeholder for ``spawn`` (not implemented yet; ranks are
started by ``ember-run``/``mpiexec``)."""

__all__ = ["spawn"]


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    raise NotImplementedError("ember.multiprocessing.spawn is not implemented yet; start "
                              "ranks with `ember-run --nproc-per-node N script.py`")
