"""``MPJPELoss``: mean per-joint position error as a training loss."""
from typing import Optional

import torch
from torch import nn

from egohands.registry import MODELS


@MODELS.register_module()
class MPJPELoss(nn.Module):
    """Mean L2 distance between predicted and target joints, masked.

    Works in any target space (mm or codec-normalised units); the loss has
    the unit of its inputs.

    Args:
        loss_weight: factor applied to the loss.
        average_over: ``'valid'`` divides the masked sum by the number of
            valid joints (a true masked mean); ``'all'`` divides by B*K
            like HP-ViT's released ``MPJPELoss``.
    """

    def __init__(self, loss_weight: float = 1.0,
                 average_over: str = 'valid') -> None:
        super().__init__()
        if average_over not in ('valid', 'all'):
            raise ValueError("average_over must be 'valid' or 'all', got "
                             f'{average_over!r}')
        self.loss_weight = loss_weight
        self.average_over = average_over

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Args: pred, target (B, K, D); weight (B, K) joint validity.

        Returns a scalar tensor.
        """
        distance = torch.linalg.vector_norm(pred - target, dim=-1)
        if weight is None:
            weight = torch.ones_like(distance)
        weight = weight.to(distance.dtype)
        if self.average_over == 'valid':
            denominator = weight.sum().clamp(min=1.0)
        else:
            denominator = distance.new_tensor(float(distance.numel()))
        return self.loss_weight * (distance * weight).sum() / denominator
