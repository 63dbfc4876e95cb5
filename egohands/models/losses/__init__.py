"""Losses: ``nn.Module``s with a ``loss_weight``, masked by validity."""
from egohands.models.losses.mpjpe_loss import MPJPELoss

__all__ = ['MPJPELoss']
