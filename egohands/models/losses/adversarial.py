"""``MANOAdversarialLoss``: HaMeR's adversarial pose prior (LSGAN).

A discriminator ``D`` (``HandPoseDiscriminator``) scores MANO hand poses
and shapes. The regressor is pushed towards poses that ``D`` takes for
real, ``D`` is trained to tell predictions from real poses; least-squares
GAN losses, summed over scores and divided by the batch size, as HaMeR:

* generator: ``w * sum (D(fake) - 1)^2 / B``
* discriminator: ``w * [sum D(fake)^2 + sum (D(real) - 1)^2] / B``

**One optimizer is enough.** HaMeR steps the regressor and ``D`` with two
AdamW optimizers of the same learning rate and weight decay, the ``D`` step
using the predictions of the same forward pass (detached). Here the
generator term sees ``D`` through detached parameters
(``torch.func.functional_call``) and the discriminator term sees detached
predictions, so each term's gradient reaches only its own parameters; both
are returned as losses, and one AdamW step on all parameters (AdamW is
per-parameter) performs exactly the two official updates. The default
``TopdownHandEstimator.train_step`` and a single ``OptimWrapper`` train it;
``paramwise_cfg=dict(custom_keys={'loss_adversarial.discriminator':
dict(lr_mult=...)})`` gives ``D`` its own learning rate.

**Real poses** come from a motion-capture file (HaMeR's
``freihand_mocap.npz``: ``hand_pose`` (N, 48) or (N, 45) axis-angle in the
flat-hand convention, ``betas`` (N, 10)) or, without one, from egohands'
pose prior (``sample_hand_pose``) with Gaussian betas.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

import egohands.models.discriminators  # noqa: F401  (registers D)
from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError, MissingAssetError


def load_mocap_poses(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """(hand_pose (N, 45), betas (N, 10)) float32 from a mocap ``.npz``."""
    try:
        data = np.load(path)
    except FileNotFoundError:
        raise MissingAssetError(
            f'MANOAdversarialLoss: mocap file {path} not found; it is '
            'hamer_training_data/freihand_mocap.npz of HaMeR\'s training '
            'data (fetch_training_data.sh), or set mocap_file=None to draw '
            'real poses from the egohands pose prior') from None
    missing = {'hand_pose', 'betas'} - set(data.files)
    if missing:
        raise ConfigError(f'MANOAdversarialLoss: mocap file {path} lacks '
                          f'{sorted(missing)} (needs hand_pose and betas)')
    pose = np.asarray(data['hand_pose'], np.float32)
    if pose.shape[1] == 48:  # global orientation first, as HaMeR's file
        pose = pose[:, 3:]
    return pose, np.asarray(data['betas'], np.float32)


@MODELS.register_module()
class MANOAdversarialLoss(nn.Module):
    """Adversarial prior on predicted MANO hand poses and shapes.

    Args:
        loss_weight: ``w`` of both terms (HaMeR: 0.0005).
        discriminator: config of the discriminator.
        mocap_file: ``.npz`` of real poses (module docstring) or None.
        prior_style: pose-prior style of the real poses without a file.
        betas_std: standard deviation of the real betas without a file.
        seed: seed of the sampler of real poses.
    """

    def __init__(self, loss_weight: float = 0.0005,
                 discriminator: Optional[dict] = None,
                 mocap_file: Optional[str] = None,
                 prior_style: str = 'grasp', betas_std: float = 1.0,
                 seed: int = 0) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.discriminator = MODELS.build(
            discriminator or dict(type='HandPoseDiscriminator'))
        self.mocap: Optional[Tuple[np.ndarray, np.ndarray]] = (
            load_mocap_poses(mocap_file) if mocap_file else None)
        self.prior_style = prior_style
        self.betas_std = betas_std
        self.rng = np.random.default_rng(seed)

    def sample_real(self, batch: int, device: torch.device
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``batch`` real (15, 3, 3) poses and (10,) betas, float32."""
        if self.mocap is not None:
            index = self.rng.integers(0, len(self.mocap[0]), batch)
            pose, betas = self.mocap[0][index], self.mocap[1][index]
        else:
            from egohands.hand_models.pose_prior import sample_hand_pose
            pose = sample_hand_pose(self.rng, batch, self.prior_style)
            betas = self.rng.normal(0.0, self.betas_std, (batch, 10))
        pose = torch.as_tensor(pose, dtype=torch.float32, device=device)
        rotmats = axis_angle_to_matrix(pose.reshape(batch, -1, 3))
        return rotmats, torch.as_tensor(betas, dtype=torch.float32,
                                        device=device)

    def _frozen_scores(self, hand_pose: torch.Tensor,
                       betas: torch.Tensor) -> torch.Tensor:
        """D's scores with its parameters detached (no gradient into D)."""
        frozen = {name: value.detach() for name, value in
                  self.discriminator.state_dict(keep_vars=True).items()}
        return torch.func.functional_call(self.discriminator, frozen,
                                          (hand_pose, betas))

    def forward(self, hand_pose: torch.Tensor,
                betas: torch.Tensor,
                real: Optional[Sequence[torch.Tensor]] = None
                ) -> Dict[str, torch.Tensor]:
        """Args:
            hand_pose: (B, 15, 3, 3) predicted joint rotations.
            betas: (B, 10) predicted shape.
            real: optional (poses (R, 15, 3, 3), betas (R, 10)); drawn with
                :meth:`sample_real` (R = B) when None.

        Returns:
            ``loss_adv_generator`` (gradient into the prediction only) and
            ``loss_adv_discriminator`` (gradient into D only).
        """
        batch = betas.shape[0]
        if real is None:
            real = self.sample_real(batch, betas.device)
        fake_scores = self._frozen_scores(hand_pose, betas)
        generator = (fake_scores - 1).square().sum() / batch
        fake = self.discriminator(hand_pose.detach(), betas.detach())
        real_scores = self.discriminator(*real)
        discriminator = (fake.square().sum() +
                         (real_scores - 1).square().sum()) / batch
        return dict(loss_adv_generator=self.loss_weight * generator,
                    loss_adv_discriminator=self.loss_weight * discriminator)
