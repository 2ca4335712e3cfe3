"""``FakeData``: random images, the same image for the same index every time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """Random images (``torchvision.datasets.FakeData``).

    Item ``i`` seeds ember's default generator with ``i + random_offset``, draws
    ``randn(*image_size)`` and a target in ``[0, num_classes)``, then restores the
    generator's state, so items are deterministic per index and the global stream is
    untouched.  The image goes through ``ToPILImage`` (float -> ``uint8(x * 255)``, values
    outside [0, 1] wrap as in torchvision).
    """

    def __init__(self, size: int = 1000, image_size: tuple[int, int, int] = (3, 224, 224),
                 num_classes: int = 10, transform: Callable | None = None,
                 target_transform: Callable | None = None, random_offset: int = 0) -> None:
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        import ember

        from ..transforms import ToPILImage
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        rng_state = ember.get_rng_state()
        try:
            ember.manual_seed(index + self.random_offset)
            img = ember.randn(*self.image_size)
            target = ember.randint(0, self.num_classes, size=(1,), dtype=ember.int64)[0]
        finally:
            ember.set_rng_state(rng_state)
        img = ToPILImage()(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, int(target.item()) if hasattr(target, "item") else target

    def __len__(self) -> int:
        return self.size
