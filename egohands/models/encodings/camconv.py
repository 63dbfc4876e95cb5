"""CamConv: camera-aware coordinate channels (Facil et al., CVPR'19).

CAM-Convs append maps computed from the intrinsics to a feature map, per
pixel of the crop (grid of :func:`~egohands.models.encodings.kpe.box_grid`),
in this order (6 channels, the WildHands ablation's ``cam_conv``):

* field-of-view maps ``atan2(x - cx, fx)``, ``atan2(y - cy, fy)``, rad;
* centred coordinates ``(x - cx, y - cy) / centred_scale`` (px for the
  default scale 1, as the reference code);
* normalised coordinates ``(2 x + 1) / w - 1``, ``(2 y + 1) / h - 1`` of the
  full image, in [-1, 1] (needs ``image_size``).

Unlike KPE there is no sinusoidal encoding.
"""
from typing import Optional

import torch

from egohands.models.encodings.crop_encoding import CropEncoding
from egohands.models.encodings.kpe import box_grid, view_angles
from egohands.registry import MODELS


def camconv_maps(boxes: torch.Tensor, K: torch.Tensor, out_hw,
                 image_size: torch.Tensor,
                 centred_scale: float = 1.0) -> torch.Tensor:
    """(B, 6, h, w) CAM-Conv maps of a grid over each crop box.

    Args:
        boxes: (B, 4) crop box x0, y0, x1, y1, full-image px.
        K: (B, 3, 3) full-image intrinsics, px.
        out_hw: (h, w) of the maps.
        image_size: (B, 2) full-image (w, h), px.
        centred_scale: divisor of the centred coordinates, px.
    """
    if image_size is None:
        raise ValueError('CamConv needs image_size (B, 2) = full-image '
                         '(w, h) px for its normalised coordinates')
    grid = box_grid(boxes, out_hw)  # (B, h, w, 2)
    size = torch.as_tensor(image_size).to(grid)[:, None, None, :]
    centre = torch.stack([K[:, 0, 2], K[:, 1, 2]], -1)[:, None, None, :]
    maps = torch.cat([view_angles(grid, K), (grid - centre) / centred_scale,
                      (2 * grid + 1) / size - 1], -1)
    return maps.permute(0, 3, 1, 2)


@MODELS.register_module()
class CamConvEncoding(CropEncoding):
    """CAM-Conv maps appended to a crop or a feature map (6 channels).

    Args:
        level: ``'input'`` or ``'latent'`` (the WildHands ablation: latent).
        centred_scale: divisor of the centred coordinates, px.
    """

    extra_channels = 6

    def __init__(self, level: str = 'latent',
                 centred_scale: float = 1.0) -> None:
        super().__init__(level)
        self.centred_scale = float(centred_scale)

    def encoding(self, boxes: torch.Tensor, K: torch.Tensor, out_hw,
                 image_size: Optional[torch.Tensor] = None) -> torch.Tensor:
        return camconv_maps(boxes, K, out_hw, image_size, self.centred_scale)
