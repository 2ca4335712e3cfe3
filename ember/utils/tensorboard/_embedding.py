"""Projector (embedding) files: tensors.tsv, metadata.tsv, sprite.png, projector_config."""

from __future__ import annotations

import math
import os

import numpy as np
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo

from ._convert import encode_png, make_grid, make_np


def make_tsv(metadata, save_path, metadata_header=None) -> None:
    if not metadata_header:
        lines = [str(x) for x in metadata]
    else:
        if len(metadata_header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in "
                                 "metadata")
        lines = ["\t".join(str(e) for e in row) for row in [metadata_header] + list(metadata)]
    with open(os.path.join(save_path, "metadata.tsv"), "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))


def make_sprite(label_img, save_path) -> None:
    """Tile the label images into a square sprite (as torch, float images in [0, 1])."""
    imgs = make_np(label_img)
    nrow = math.ceil(imgs.shape[0] ** 0.5)
    grid_chw = make_grid(imgs, ncols=nrow)
    square = np.zeros((grid_chw.shape[2], grid_chw.shape[2], 3))
    hwc = grid_chw.transpose(1, 2, 0)
    square[:hwc.shape[0], :, :] = hwc
    png = encode_png(np.uint8((square * 255).clip(0, 255)))
    with open(os.path.join(save_path, "sprite.png"), "wb") as f:
        f.write(png)


def get_embedding_info(metadata, label_img, subdir, global_step, tag):
    info = EmbeddingInfo()
    info.tensor_name = f"{tag}:{str(global_step).zfill(5)}"
    info.tensor_path = os.path.join(subdir, "tensors.tsv")
    if metadata is not None:
        info.metadata_path = os.path.join(subdir, "metadata.tsv")
    if label_img is not None:
        shape = make_np(label_img).shape
        info.sprite.image_path = os.path.join(subdir, "sprite.png")
        info.sprite.single_image_dim.extend([shape[3], shape[2]])
    return info


def write_pbtxt(save_path, contents: str) -> None:
    with open(os.path.join(save_path, "projector_config.pbtxt"), "wb") as f:
        f.write(contents.encode("utf-8"))


def make_mat(matlist, save_path) -> None:
    with open(os.path.join(save_path, "tensors.tsv"), "wb") as f:
        for row in matlist:
            f.write(("\t".join(str(v.item()) for v in row) + "\n").encode("utf-8"))
