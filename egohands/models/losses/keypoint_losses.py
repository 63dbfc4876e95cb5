"""Masked L1 keypoint losses of HaMeR: wrist-relative 3D and 2D.

Both are *sums* over joints, coordinates and the batch (no mean), as in the
official code, so their scale grows with the batch size and the loss
weights of a HaMeR config (3D 0.05, 2D 0.01) keep their meaning only at the
official per-GPU batch of 8.
"""
from typing import Optional

import torch
from torch import nn

from egohands.registry import MODELS


def _masked_l1_sum(pred: torch.Tensor, target: torch.Tensor,
                   weight: Optional[torch.Tensor]) -> torch.Tensor:
    """sum_{b,k,d} w_{b,k} |pred - target| for (B, K, D) inputs, (B, K) w."""
    error = (pred - target).abs()
    if weight is not None:
        error = error * weight.to(error.dtype)[..., None]
    return error.sum()


@MODELS.register_module()
class Keypoint3DLoss(nn.Module):
    """L1 between root-relative 3D joints, summed, masked by validity.

    The root (wrist) is subtracted from prediction and target, so the loss
    ignores the global translation. A joint counts only if it and the
    target root are valid.

    Args:
        loss_weight: factor of the loss (HaMeR: 0.05 with joints in metres).
        root_index: joint subtracted from every joint (0 = wrist).
    """

    def __init__(self, loss_weight: float = 0.05, root_index: int = 0) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.root_index = root_index

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        """pred, target (B, K, 3) in one unit; weight (B, K) -> scalar."""
        root = slice(self.root_index, self.root_index + 1)
        pred = pred - pred[:, root]
        target = target - target[:, root]
        if weight is not None:
            weight = weight * weight[:, root]
        return self.loss_weight * _masked_l1_sum(pred, target, weight)


@MODELS.register_module()
class Keypoint2DLoss(nn.Module):
    """L1 between 2D keypoints, summed, masked by validity.

    Args:
        loss_weight: factor of the loss (HaMeR: 0.01 with keypoints in
            normalised crop units, ``egohands.geometry.weak_perspective.
            crop_px_to_normalized``).
    """

    def __init__(self, loss_weight: float = 0.01) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        """pred, target (B, K, 2); weight (B, K) -> scalar."""
        return self.loss_weight * _masked_l1_sum(pred, target, weight)
