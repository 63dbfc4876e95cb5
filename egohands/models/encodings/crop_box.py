"""The crop box of a data sample, for the crop encodings.

The encodings of :mod:`egohands.models.encodings` need, per sample, the crop
box in full-image px, the full-image ``K`` and the image size. A sample's
metainfo holds the crop as the affine ``crop_from_img`` (full-image px ->
input px) and ``input_size`` ``(w, h)``; the box is where the crop's corner
pixel centres ``(0, 0)`` and ``(w - 1, h - 1)`` come from in the full image,
so a dense encoding at the input size holds each input pixel's own angles.

A flipped sample lives in a mirrored camera frame (``egohands.geometry.
flip``): its box is mirrored about the principal point (``x -> 2 cx - x``
for a horizontal flip), which negates its horizontal view angles under the
unchanged ``K``. A rotated crop is encoded by the axis-aligned bounds of its
corners (exact for the unrotated crops of WildHands).
"""
from typing import Mapping, NamedTuple, Optional, Sequence

import numpy as np
import torch

from egohands.geometry.affine import apply_affine_2d, invert_affine


class CropGeometry(NamedTuple):
    """Batched crop geometry: ``boxes`` (B, 4) x0, y0, x1, y1 full-image px,
    ``K`` (B, 3, 3) full-image intrinsics px, ``image_size`` (B, 2)
    full-image (w, h) px or None when a sample has no ``img_shape``."""
    boxes: torch.Tensor
    K: torch.Tensor
    image_size: Optional[torch.Tensor]


def crop_box_from_metainfo(metainfo: Mapping) -> np.ndarray:
    """(4,) float64 crop box x0, y0, x1, y1 in full-image px of one sample,
    in the (possibly flipped) camera frame of its input.

    Reads ``crop_from_img`` (3, 3), ``input_size`` (w, h), and for flipped
    samples ``flip`` and ``K``.
    """
    width, height = metainfo['input_size']
    corners = np.array([[0, 0], [width - 1, 0], [0, height - 1],
                        [width - 1, height - 1]], np.float64)
    img_from_crop = invert_affine(
        np.asarray(metainfo['crop_from_img'], np.float64))
    points = apply_affine_2d(corners, img_from_crop)
    flip = metainfo.get('flip', 'none') or 'none'
    if flip != 'none':
        K = np.asarray(metainfo['K'], np.float64)
        axis = 0 if flip == 'horizontal' else 1
        points[:, axis] = 2 * K[axis, 2] - points[:, axis]
    return np.concatenate([points.min(0), points.max(0)])


def crop_geometry_from_samples(data_samples: Sequence,
                               device: Optional[torch.device] = None,
                               dtype: torch.dtype = torch.float32
                               ) -> CropGeometry:
    """:class:`CropGeometry` of a batch of ``HandDataSample``s (their
    metainfo: ``crop_from_img``, ``input_size``, ``K``, ``flip``,
    ``img_shape`` (h, w))."""
    metas = [sample.metainfo for sample in data_samples]
    boxes = np.stack([crop_box_from_metainfo(meta) for meta in metas])
    K = np.stack([np.asarray(meta['K'], np.float64) for meta in metas])
    image_size = None
    if all('img_shape' in meta for meta in metas):
        image_size = np.array([meta['img_shape'][1::-1] for meta in metas],
                              np.float64)
        image_size = torch.as_tensor(image_size, dtype=dtype, device=device)
    return CropGeometry(torch.as_tensor(boxes, dtype=dtype, device=device),
                        torch.as_tensor(K, dtype=dtype, device=device),
                        image_size)
