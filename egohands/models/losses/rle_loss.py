"""``RLELoss``: residual log-likelihood estimation (Li et al., ICCV 2021).

The head predicts, per joint and coordinate, a location ``mu`` and a scale
``sigma`` (the standard deviation of the error, in target units). With the
normalised residual ``r = (target - mu) / sigma`` the loss per joint is the
negative log-likelihood of the target

* under a base density ``Q`` (Gaussian or Laplace, independent coordinates,
  standard deviation ``sigma``):
  ``-log Q(r) + sum_c log sigma_c``, and, with ``use_flow=True``,
* under the learned residual density ``F`` of a RealNVP flow over ``r``
  (trained jointly): ``-log F(r) + sum_c log sigma_c``.

This is the RLE paper's ``-log Q(r) - log G(r) + log sigma`` with the
normaliser ``s`` dropped, as in the RLE authors' code ("Human Pose
Regression with Residual Log-likelihood Estimation", arXiv:2107.11291);
HP-ViT's paper (arXiv:2406.12219) writes the same equation. HP-ViT's
released ``RLELoss3D`` had no flow (``log F = 0``): ``use_flow=False``
gives the plain base-density NLL, which has the same optimum for ``mu``.

Constants: the Laplace density here has standard deviation ``sigma`` (scale
``sigma / sqrt(2)``), so ``sigma`` means the same for both bases and can be
reported as an uncertainty in mm.
"""
import math
from typing import Optional

import torch
from torch import nn

from egohands.models.losses.realnvp import RealNVP
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError

_LOG_2PI = math.log(2 * math.pi)
_SQRT2 = math.sqrt(2.0)


def base_nll(residual: torch.Tensor, log_sigma: torch.Tensor,
             distribution: str) -> torch.Tensor:
    """Per-coordinate ``-log`` density of a target given its residual.

    Args:
        residual: (...) normalised residual ``(target - mu) / sigma``.
        log_sigma: (...) log standard deviation.
        distribution: ``'gaussian'`` or ``'laplace'``.
    """
    if distribution == 'gaussian':
        return 0.5 * residual**2 + 0.5 * _LOG_2PI + log_sigma
    # Laplace with std sigma: scale b = sigma / sqrt(2)
    return _SQRT2 * residual.abs() + math.log(_SQRT2) + log_sigma


@MODELS.register_module()
class RLELoss(nn.Module):
    """Residual log-likelihood loss, masked by joint validity.

    Args:
        q_distribution: base density, ``'laplace'`` or ``'gaussian'``.
        use_flow: add the RealNVP residual density of the RLE paper.
        num_coords: D, coordinates per joint (3 for 3D joints); the flow is
            a density over D-vectors.
        flow_cfg: keyword arguments of :class:`RealNVP` (``num_couplings``,
            ``hidden_dim``).
        loss_weight: factor applied to the loss.
        sigma_eps: floor added to ``sigma`` before the log / division.

    The flow's parameters belong to this loss module (and therefore to the
    model and its optimizer and checkpoint).
    """

    def __init__(self,
                 q_distribution: str = 'laplace',
                 use_flow: bool = True,
                 num_coords: int = 3,
                 flow_cfg: Optional[dict] = None,
                 loss_weight: float = 1.0,
                 sigma_eps: float = 1e-9) -> None:
        super().__init__()
        if q_distribution not in ('laplace', 'gaussian'):
            raise ConfigError(
                f"RLELoss q_distribution={q_distribution!r}: use 'laplace' "
                "or 'gaussian'")
        self.q_distribution = q_distribution
        self.use_flow = use_flow
        self.num_coords = num_coords
        self.loss_weight = loss_weight
        self.sigma_eps = sigma_eps
        self.flow = RealNVP(dim=num_coords, **(flow_cfg or {})) \
            if use_flow else None

    def joint_nll(self, mu: torch.Tensor, sigma: torch.Tensor,
                  target: torch.Tensor) -> torch.Tensor:
        """Per-joint loss (B, K) from (B, K, D) ``mu``, ``sigma``, target."""
        if target.shape[-1] != self.num_coords:
            raise ValueError(f'RLELoss was built for {self.num_coords} '
                             f'coordinates, got targets of shape '
                             f'{tuple(target.shape)}')
        sigma = sigma + self.sigma_eps
        log_sigma = torch.log(sigma)
        residual = (target - mu) / sigma
        nll = base_nll(residual, log_sigma, self.q_distribution).sum(-1)
        if self.flow is not None:
            nll = nll - self.flow.log_prob(residual) + log_sigma.sum(-1)
        return nll

    def forward(self, mu: torch.Tensor, sigma: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Masked mean of the per-joint loss over valid joints.

        Args:
            mu: (B, K, D) predicted location, target units.
            sigma: (B, K, D) predicted standard deviation (> 0), same units.
            target: (B, K, D).
            weight: (B, K) joint validity (default all valid).

        Returns:
            A scalar tensor.
        """
        nll = self.joint_nll(mu, sigma, target)
        if weight is None:
            weight = torch.ones_like(nll)
        weight = weight.to(nll.dtype)
        return self.loss_weight * (nll * weight).sum() / weight.sum().clamp(
            min=1.0)
