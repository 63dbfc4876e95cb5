"""Losses: ``nn.Module``s with a ``loss_weight``, masked by validity."""
from egohands.models.losses.adversarial import MANOAdversarialLoss
from egohands.models.losses.joint_mse_loss import JointMSELoss
from egohands.models.losses.keypoint_losses import (Keypoint2DLoss,
                                                    Keypoint3DLoss)
from egohands.models.losses.mano_param_loss import MANOParamLoss
from egohands.models.losses.mpjpe_loss import MPJPELoss
from egohands.models.losses.realnvp import RealNVP
from egohands.models.losses.rle_loss import RLELoss
from egohands.models.losses.soft_mask_loss import SoftMaskLoss

__all__ = [
    'JointMSELoss', 'Keypoint2DLoss', 'Keypoint3DLoss', 'MANOAdversarialLoss',
    'MANOParamLoss', 'MPJPELoss', 'RealNVP', 'RLELoss', 'SoftMaskLoss'
]
