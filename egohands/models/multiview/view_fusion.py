"""``ConcatViewFusion``: one feature map from the FTL'd maps of N views.

As UmeTrack's multi-view fusion: the views' maps (already in the
reference frame) are concatenated along the channels, then mixed by blocks
of [1x1 conv, BN, ReLU] whose widths go linearly from ``N C`` to
``out_channels``, and a last 1x1 conv without activation (features are not
all positive). Views are fixed slots: a masked view (missing or out of
frame) contributes zeros, and the mask itself is appended as N constant
channels so that the blocks know which slots are empty.
"""
import numpy as np
import torch
from torch import nn

from egohands.registry import MODELS


@MODELS.register_module()
class ConcatViewFusion(nn.Module):
    """Args:
        num_views: N, slots of the rig.
        in_channels: C per view.
        out_channels: channels of the fused map.
        num_blocks: [1x1 conv, BN, ReLU] blocks before the last conv.
    """

    def __init__(self, num_views: int, in_channels: int, out_channels: int,
                 num_blocks: int = 2) -> None:
        super().__init__()
        self.num_views = num_views
        widths = np.linspace(num_views * in_channels + num_views,
                             out_channels, num_blocks + 1).round()
        layers = []
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(int(c_in), int(c_out), 1),
                       nn.BatchNorm2d(int(c_out)), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(int(widths[-1]), out_channels, 1))
        self.blocks = nn.Sequential(*layers)

    def forward(self, features: torch.Tensor,
                view_mask: torch.Tensor) -> torch.Tensor:
        """features (B, N, C, h, w), view_mask (B, N) in {0, 1} ->
        (B, out_channels, h, w)."""
        batch, views, _, height, width = features.shape
        if views != self.num_views:
            raise ValueError(f'ConcatViewFusion expects {self.num_views} '
                             f'views, got {views}')
        mask = view_mask.to(features.dtype)[:, :, None, None, None]
        stacked = (features * mask).flatten(1, 2)
        flags = mask[:, :, 0].expand(batch, views, height, width)
        return self.blocks(torch.cat([stacked, flags], dim=1))
