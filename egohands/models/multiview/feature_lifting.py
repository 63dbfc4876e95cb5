"""``FeatureLifter``: feat2d -> the two groups of 3-D features (feat3d).

A per-location MLP (1x1 convolutions) turns each view's 2D feature map
into ``3P`` translation-invariant and ``3Q`` translation-variant channels,
read by the FTL (``feature_transform``) as ``P h w`` directions and
``Q h w`` points of the crop camera (x, y, z thirds). The variant points
start near ``init_depth_m`` in front of the camera so that the position
head starts from a plausible hand distance.
"""
from typing import Tuple

import torch
from torch import nn

from egohands.registry import MODELS


@MODELS.register_module()
class FeatureLifter(nn.Module):
    """Args:
        in_channels: channels of feat2d.
        invariant_points: ``P``, directions per location.
        variant_points: ``Q``, points per location.
        hidden_channels: width of the MLP.
        init_depth_m: initial depth of the variant points, metres.
    """

    def __init__(self, in_channels: int, invariant_points: int = 8,
                 variant_points: int = 4, hidden_channels: int = 64,
                 init_depth_m: float = 0.3) -> None:
        super().__init__()
        self.invariant_points = invariant_points
        self.variant_points = variant_points
        self.mlp = nn.Sequential(
            nn.Conv2d(in_channels, hidden_channels, 1), nn.GELU(),
            nn.Conv2d(hidden_channels,
                      3 * (invariant_points + variant_points), 1))
        with torch.no_grad():  # z of the variant points starts at init_depth
            out = self.mlp[-1]
            z = slice(3 * invariant_points + 2 * variant_points, None)
            out.weight[z] *= 0.01
            out.bias[z] = init_depth_m

    def forward(self, feat2d: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """(M, C, h, w) -> invariant (M, 3P, h, w), variant (M, 3Q, h, w),
        crop-camera frame (the variant ones in metres)."""
        out = self.mlp(feat2d)
        return out[:, :3 * self.invariant_points], \
            out[:, 3 * self.invariant_points:]
