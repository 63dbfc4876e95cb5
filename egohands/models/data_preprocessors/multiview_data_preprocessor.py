"""``MultiViewDataPreprocessor``: batches of N-view crops for the model.

Like ``HandDataPreprocessor`` but for packed multi-view samples: the
(N, 3, S, S) uint8 inputs are stacked into a (B, N, 3, S, S) float tensor
on the model's device, optionally BGR -> RGB, and normalised with
``(x - mean) / std`` in 0-255 units. Masked views (black crops) are
normalised too; the model ignores them through ``view_mask``.
"""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from egohands.registry import MODELS


@MODELS.register_module()
class MultiViewDataPreprocessor(BaseDataPreprocessor):
    """Args:
        mean, std: per-channel, 0-255 units, order after the optional swap.
        bgr_to_rgb: swap the channel order.
    """

    def __init__(self, mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        self.bgr_to_rgb = bgr_to_rgb
        self.normalize = mean is not None
        if self.normalize:
            self.register_buffer(
                'mean', torch.tensor(mean).view(1, 1, -1, 1, 1), False)
            self.register_buffer(
                'std', torch.tensor(std).view(1, 1, -1, 1, 1), False)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        inputs = inputs.float()
        if self.bgr_to_rgb:
            inputs = inputs.flip(2)
        if self.normalize:
            inputs = (inputs - self.mean) / self.std
        return dict(inputs=inputs, data_samples=data.get('data_samples'))
