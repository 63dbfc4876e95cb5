"""``JointMSELoss``: masked mean squared error over joints (POTTER's
``Pose3DLoss``)."""
from typing import Optional

import torch
from torch import nn

from egohands.registry import MODELS


@MODELS.register_module()
class JointMSELoss(nn.Module):
    """Squared error averaged over coordinates, then over valid joints.

    ``sum_bk w_bk * mean_d (pred - target)^2 / sum_bk w_bk``: the EgoExo4D
    POTTER baseline's loss on z-scored wrist-relative joints. The loss has
    the squared unit of its inputs; with no valid joint it is 0.

    Args:
        loss_weight: factor applied to the loss.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Args: pred, target (B, K, D); weight (B, K) joint validity.

        Returns a scalar tensor.
        """
        squared = (pred - target).square().mean(dim=-1)
        if weight is None:
            weight = torch.ones_like(squared)
        weight = weight.to(squared.dtype)
        return self.loss_weight * (squared * weight).sum() / \
            weight.sum().clamp(min=1.0)
