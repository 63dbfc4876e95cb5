"""``CropEncoding``: the plug slot for crop-geometry information.

A hand crop hides where it was cut from the image. The methods WildHands
compares (KPE, CamConv, Perspective Crop Layers, perspective correction) give
that back to the network in two places, and every encoding here exposes
both, so an estimator calls any of them the same way:

* ``forward(x, boxes, K, image_size)`` at its ``level``: ``'input'`` (``x``
  is the crop image, (B, 3, H, W)) or ``'latent'`` (``x`` is a backbone
  feature map, (B, C, h, w)). Channel encodings concatenate
  ``extra_channels`` channels; PCL warps the crop instead.
* ``correct_global_orient(rotmat, boxes, K)`` after the head: turns a
  predicted global orientation (B, 3, 3) into the camera frame (identity for
  the channel encodings).

Shared arguments: ``boxes`` (B, 4) crop box ``x0, y0, x1, y1`` in full-image
px (the full-image positions of the crop's corner pixel centres, see
:mod:`.crop_box`); ``K`` (B, 3, 3) full-image intrinsics, px;
``image_size`` (B, 2) full-image ``(w, h)`` px, needed only by encodings
that normalise by the image instead of ``K``.
"""
from typing import Optional

import torch
from torch import nn

from egohands.utils.errors import check_choice

LEVELS = ('input', 'latent')


def check_crop_geometry(x: torch.Tensor, boxes: torch.Tensor,
                        K: torch.Tensor) -> None:
    """Shapes of the shared arguments (a programming error if wrong)."""
    batch = x.shape[0]
    if boxes.shape != (batch, 4):
        raise ValueError(f'boxes must be ({batch}, 4) x0, y0, x1, y1 px, '
                         f'got {tuple(boxes.shape)}')
    if K.shape != (batch, 3, 3):
        raise ValueError(f'K must be ({batch}, 3, 3), got {tuple(K.shape)}')


class CropEncoding(nn.Module):
    """Base of the crop encodings: no extra channels, no correction.

    Args:
        level: ``'input'`` or ``'latent'``, where the estimator calls
            ``forward``.
    """

    #: channels ``forward`` adds to ``x``
    extra_channels: int = 0

    def __init__(self, level: str = 'latent') -> None:
        super().__init__()
        check_choice(type(self).__name__, 'level', level, LEVELS)
        self.level = level

    def out_channels(self, in_channels: int) -> int:
        """Channels of ``forward``'s output for ``in_channels`` inputs."""
        return in_channels + self.extra_channels

    def encoding(self, boxes: torch.Tensor, K: torch.Tensor, out_hw,
                 image_size: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(B, extra_channels, h, w) channels to append to a map of
        ``out_hw``; empty for encodings without channels."""
        return boxes.new_zeros(boxes.shape[0], 0, *out_hw)

    def forward(self, x: torch.Tensor, boxes: torch.Tensor, K: torch.Tensor,
                image_size: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``x`` (B, C, H, W) -> (B, C + extra_channels, H, W)."""
        check_crop_geometry(x, boxes, K)
        if self.extra_channels == 0:
            return x
        extra = self.encoding(boxes.to(x), K.to(x), x.shape[-2:], image_size)
        return torch.cat([x, extra.to(x.dtype)], dim=1)

    def correct_global_orient(self, rotmat: torch.Tensor, boxes: torch.Tensor,
                              K: torch.Tensor,
                              image_size: Optional[torch.Tensor] = None
                              ) -> torch.Tensor:
        """(B, 3, 3) predicted global orientation -> camera frame."""
        return rotmat
