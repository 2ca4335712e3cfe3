"""``ember.vision``: torchvision's datasets, transforms and image utilities for ember.

Pillow is needed for images (``pip install ember[vision]``).  Nothing here imports torch.
"""

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils", "get_image_backend", "set_image_backend"]

_image_backend = "PIL"


def get_image_backend() -> str:
    return _image_backend


def set_image_backend(backend: str) -> None:
    if backend != "PIL":
        raise ValueError(f"Invalid backend '{backend}'. ember.vision supports only 'PIL'")
