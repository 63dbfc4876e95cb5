"""Perspective Crop Layers (PCL, Yu et al., CVPR'21).

Instead of cutting an axis-aligned crop, PCL turns a virtual camera (same
centre as the real one) to look straight at the crop centre and renders
what it sees: the hand is then seen as if it were on the optical axis,
without the off-centre perspective distortion. The network predicts the
global orientation in the virtual camera's frame; it is turned back with
the same rotation.

* :func:`virtual_camera_rotation` ``R`` (B, 3, 3): its columns are the
  virtual camera's axes in the real camera frame; ``z`` is the unit ray of
  the crop centre, ``x`` is horizontal (``x = unit(e_y x z)``), ``y = z x x``
  (the transpose of :func:`egohands.geometry.look_at.look_at_rotation`).
  A virtual-frame point ``X_v`` is ``R @ X_v`` in the camera frame, so
  ``R^T`` maps the crop-centre ray onto the optical axis.
* :func:`virtual_intrinsics` ``K_v``: principal point at the output centre;
  focal lengths that show the box's extent at the crop centre (the box side
  shrunk by the slant of the image plane there, as the reference's
  ``slant_compensation``).
* :func:`perspective_crop_homography` ``H = K R K_v^-1``: virtual-crop px ->
  full-image px.
"""
from typing import NamedTuple, Optional, Sequence

import torch
import torch.nn.functional as F

from egohands.geometry.look_at import look_at_rotation
from egohands.models.encodings.crop_encoding import (CropEncoding,
                                                     check_crop_geometry)
from egohands.models.encodings.kpe import box_centres
from egohands.registry import MODELS
from egohands.utils.errors import check_choice


def centre_rays(centre_px: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """(B, 2) full-image px -> (B, 3) rays ``K^-1 [u, v, 1]`` (z = 1)."""
    pixels = torch.cat([centre_px, torch.ones_like(centre_px[:, :1])], -1)
    return torch.linalg.solve(K, pixels[..., None])[..., 0]


def virtual_camera_rotation(centre_px: torch.Tensor,
                            K: torch.Tensor) -> torch.Tensor:
    """(B, 3, 3) rotation virtual camera -> camera looking at ``centre_px``.

    Args:
        centre_px: (B, 2) crop centre, full-image px.
        K: (B, 3, 3) full-image intrinsics, px.
    """
    return look_at_rotation(centre_rays(centre_px, K)).transpose(-1, -2)


def virtual_intrinsics(boxes: torch.Tensor, K: torch.Tensor,
                       out_hw: Sequence[int]) -> torch.Tensor:
    """(B, 3, 3) intrinsics of the virtual crop of ``out_hw`` (h, w) px.

    ``f_v = |p| f (n - 1) / (side * slant)`` per axis, with ``p = (x, y, 1)``
    the centre ray, ``side`` the box width (height) in full-image px and
    ``slant = 1 / sqrt(1 + x^2)`` (``sqrt(1 + x^2) / |p|`` for y).
    """
    height, width = int(out_hw[0]), int(out_hw[1])
    ray = centre_rays(box_centres(boxes), K)
    norm = ray.norm(dim=-1)
    across = torch.sqrt(1 + ray[:, 0]**2)
    slant_x, slant_y = 1 / across, across / norm
    side_x = (boxes[:, 2] - boxes[:, 0]).clamp_min(1e-6)
    side_y = (boxes[:, 3] - boxes[:, 1]).clamp_min(1e-6)
    K_v = torch.zeros_like(K)
    K_v[:, 0, 0] = norm * K[:, 0, 0] * max(width - 1, 1) / (side_x * slant_x)
    K_v[:, 1, 1] = norm * K[:, 1, 1] * max(height - 1, 1) / (side_y *
                                                              slant_y)
    K_v[:, 0, 2], K_v[:, 1, 2] = (width - 1) / 2, (height - 1) / 2
    K_v[:, 2, 2] = 1
    return K_v


class PerspectiveCrop(NamedTuple):
    """``rotation`` (B, 3, 3) virtual -> camera frame, ``K_virtual``
    (B, 3, 3), ``homography`` (B, 3, 3) virtual-crop px -> full-image px."""
    rotation: torch.Tensor
    K_virtual: torch.Tensor
    homography: torch.Tensor


def perspective_crop_homography(boxes: torch.Tensor, K: torch.Tensor,
                                out_hw: Sequence[int]) -> PerspectiveCrop:
    """The virtual camera of each crop box and its pixel homography.

    Args:
        boxes: (B, 4) crop box x0, y0, x1, y1, full-image px.
        K: (B, 3, 3) full-image intrinsics, px.
        out_hw: (h, w) of the virtual crop, px.
    """
    rotation = virtual_camera_rotation(box_centres(boxes), K)
    K_v = virtual_intrinsics(boxes, K, out_hw)
    homography = K @ rotation @ torch.linalg.inv(K_v)
    return PerspectiveCrop(rotation, K_v, homography)


def box_crop_affine(boxes: torch.Tensor, crop_hw: Sequence[int]
                    ) -> torch.Tensor:
    """(B, 3, 3) full-image px -> px of an axis-aligned crop of ``crop_hw``
    whose corner pixel centres are the box corners."""
    height, width = int(crop_hw[0]), int(crop_hw[1])
    scale_x = max(width - 1, 1) / (boxes[:, 2] - boxes[:, 0]).clamp_min(1e-6)
    scale_y = max(height - 1, 1) / (boxes[:, 3] - boxes[:, 1]).clamp_min(1e-6)
    affine = torch.zeros(len(boxes), 3, 3, dtype=boxes.dtype,
                         device=boxes.device)
    affine[:, 0, 0], affine[:, 1, 1], affine[:, 2, 2] = scale_x, scale_y, 1
    affine[:, 0, 2] = -scale_x * boxes[:, 0]
    affine[:, 1, 2] = -scale_y * boxes[:, 1]
    return affine


def warp_crop_to_virtual(crop: torch.Tensor, boxes: torch.Tensor,
                         K: torch.Tensor) -> torch.Tensor:
    """Resample an axis-aligned crop into its PCL virtual view, same size.

    Args:
        crop: (B, C, h, w) crop whose corner pixel centres are the box
            corners (egohands' crops, :mod:`.crop_box`).
        boxes, K: as :func:`perspective_crop_homography`.

    Returns:
        (B, C, h, w); virtual pixels that fall outside the crop are 0.
    """
    hw = crop.shape[-2:]
    pcl = perspective_crop_homography(boxes, K, hw)
    crop_from_virtual = box_crop_affine(boxes, hw) @ pcl.homography
    height, width = int(hw[0]), int(hw[1])
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=boxes.dtype, device=boxes.device),
        torch.arange(width, dtype=boxes.dtype, device=boxes.device),
        indexing='ij')
    pixels = torch.stack([xs, ys, torch.ones_like(xs)], -1).view(-1, 3)
    mapped = pixels @ crop_from_virtual.transpose(1, 2)  # (B, h*w, 3)
    uv = mapped[..., :2] / mapped[..., 2:]
    scale = uv.new_tensor([max(width - 1, 1), max(height - 1, 1)])
    grid = (2 * uv / scale - 1).view(-1, height, width, 2)
    return F.grid_sample(crop, grid.to(crop.dtype), mode='bilinear',
                         padding_mode='zeros', align_corners=True)


@MODELS.register_module()
class PerspectiveCropLayer(CropEncoding):
    """PCL in the crop-encoding slot: ``forward`` warps the input crop into
    the virtual view, ``correct_global_orient`` turns the predicted global
    orientation from the virtual frame into the camera frame (``R @ rot``).

    Args:
        level: must be ``'input'`` (PCL warps the crop image).
    """

    def __init__(self, level: str = 'input') -> None:
        super().__init__(level)
        check_choice(type(self).__name__, 'level', level, ('input', ))

    def forward(self, x: torch.Tensor, boxes: torch.Tensor, K: torch.Tensor,
                image_size: Optional[torch.Tensor] = None) -> torch.Tensor:
        check_crop_geometry(x, boxes, K)
        return warp_crop_to_virtual(x, boxes.to(torch.float64),
                                    K.to(torch.float64))

    def correct_global_orient(self, rotmat: torch.Tensor, boxes: torch.Tensor,
                              K: torch.Tensor,
                              image_size: Optional[torch.Tensor] = None
                              ) -> torch.Tensor:
        rotation = virtual_camera_rotation(box_centres(boxes), K)
        return rotation.to(rotmat) @ rotmat
