"""``SimpleCNN``: a few strided conv blocks, the backbone of the tiny estimator.

It exists so that the tools, the estimator and the configs are exercised end
to end on a CPU in seconds; it is not meant to be accurate.
"""
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from egohands.registry import MODELS


@MODELS.register_module()
class SimpleCNN(BaseModule):
    """Conv(3x3, stride 2) - BatchNorm - ReLU blocks.

    Args:
        in_channels: channels of the input image (3 for RGB).
        channels: output channels of each block; block ``i`` halves the
            resolution, so the last map is ``input / 2**len(channels)``.
        out_indices: blocks whose outputs are returned (negative indices
            count from the end).
        init_cfg: mmengine weight-initialisation config.

    Input ``(B, in_channels, H, W)`` float; output a tuple with one
    ``(B, channels[i], H / 2**(i+1), W / 2**(i+1))`` map per out index;
    ``out_channels`` lists their ``channels[i]``.
    """

    def __init__(self,
                 in_channels: int = 3,
                 channels: Sequence[int] = (16, 32, 64),
                 out_indices: Sequence[int] = (-1, ),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        blocks = []
        previous = in_channels
        for width in channels:
            blocks.append(
                nn.Sequential(
                    nn.Conv2d(previous, width, 3, stride=2, padding=1,
                              bias=False), nn.BatchNorm2d(width),
                    nn.ReLU(inplace=True)))
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.out_indices = tuple(i % len(channels) for i in out_indices)
        self.out_channels = [channels[i] for i in self.out_indices]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        for index, block in enumerate(self.blocks):
            x = block(x)
            if index in self.out_indices:
                outs.append(x)
        return tuple(outs)
