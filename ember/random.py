"""Random number generation: ``Generator``, ``manual_seed``, RNG state.

ember draws from NumPy's PCG64.  The streams differ from torch's (Philox/MT19937), but
the contract is torch's: the same seed gives the same numbers on every run, a
``Generator`` can be passed as ``generator=``, and the state round-trips through a
``uint8`` tensor (``get_rng_state`` / ``set_rng_state``).
"""

from __future__ import annotations

import numpy as np

_DEFAULT_SEED = 67280421310721  # torch's default_generator initial seed


class Generator:
    """A random generator (``torch.Generator``)."""

    def __init__(self, device="cpu") -> None:
        from .device import device as _device
        self.device = _device(device)
        self._seed = _DEFAULT_SEED
        self._gen = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if seed < 0:
            seed &= (1 << 64) - 1
        self._seed = seed
        self._gen = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        from ._tensor import Tensor
        st = self._gen.bit_generator.state
        inner = st["state"]
        parts = [inner["state"].to_bytes(16, "little"), inner["inc"].to_bytes(16, "little"),
                 int(st["has_uint32"]).to_bytes(1, "little"),
                 int(st["uinteger"]).to_bytes(4, "little"), self._seed.to_bytes(8, "little")]
        return Tensor._make(np.frombuffer(b"".join(parts), dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        raw = bytes(np.asarray(new_state._data if hasattr(new_state, "_data") else new_state,
                               dtype=np.uint8))
        if len(raw) != 45:
            raise RuntimeError(f"RNG state is wrong size: expected 45 bytes, got {len(raw)}")
        bg = np.random.PCG64()
        bg.state = {"bit_generator": "PCG64",
                    "state": {"state": int.from_bytes(raw[0:16], "little"),
                              "inc": int.from_bytes(raw[16:32], "little")},
                    "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}
        self._gen = np.random.Generator(bg)
        self._seed = int.from_bytes(raw[37:45], "little")
        return self

    def clone_state(self) -> Generator:
        g = Generator(self.device)
        g.set_state(self.get_state())
        return g


default_generator = Generator()


class RandomHooks:
    """Extension point for ``ember.compile``'s capture (NOTE [how compile works] in
    ``ember/_dynamo/eval_frame.py``): ``draw``, when set, is called on every random draw, so
    a draw that no recorded op makes (``randn`` & co. build arrays directly) is seen."""

    draw = None


def _gen(generator: Generator | None) -> np.random.Generator:
    if RandomHooks.draw is not None:
        RandomHooks.draw()
    return (generator or default_generator)._gen


def manual_seed(seed: int) -> Generator:
    """Seeds the default generator (and CUDA generators, as torch)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)
