"""``RealNVP``: a small affine-coupling normalising flow (Dinh et al. 2017).

RLE (Li et al., ICCV 2021) learns the density of the normalised regression
residual ``(target - mu) / sigma`` with such a flow, trained jointly with the
network. Each coupling keeps the coordinates selected by a binary mask and
applies an affine map to the others, whose log-scale and shift are small
MLPs of the kept coordinates; masks alternate so that every coordinate is
transformed. The base density is a standard normal, so
``log p(x) = log N(z; 0, I) + log |det dz/dx|`` with ``z`` the inverse flow.
"""
import math
from typing import List, Tuple

import torch
from torch import nn


def _mlp(dim: int, hidden_dim: int, bounded: bool) -> nn.Sequential:
    layers: List[nn.Module] = [
        nn.Linear(dim, hidden_dim), nn.LeakyReLU(),
        nn.Linear(hidden_dim, hidden_dim), nn.LeakyReLU(),
        nn.Linear(hidden_dim, dim)
    ]
    if bounded:  # keeps the log-scale of a coupling in (-1, 1)
        layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def alternating_masks(dim: int, num_couplings: int) -> torch.Tensor:
    """(num_couplings, dim) binary masks, 1 = coordinate kept as is.

    Mask ``k`` keeps coordinates ``j`` with ``(j + k)`` odd, so consecutive
    couplings transform complementary coordinates. With ``dim == 1`` nothing
    is kept and each coupling is a learned affine map.
    """
    return torch.tensor([[float((j + k) % 2) for j in range(dim)]
                         for k in range(num_couplings)])


class RealNVP(nn.Module):
    """Density of ``dim``-vectors by affine couplings over a normal base.

    Args:
        dim: D, size of the vectors (3 for a joint's x, y, z residual).
        num_couplings: number of coupling layers (even keeps the masks
            balanced).
        hidden_dim: width of the scale and shift MLPs.

    The flow is initialised close to the identity (small weights), so it
    starts as the standard normal density.
    """

    def __init__(self, dim: int = 3, num_couplings: int = 6,
                 hidden_dim: int = 64) -> None:
        super().__init__()
        self.dim = dim
        self.register_buffer('masks', alternating_masks(dim, num_couplings))
        self.scale_nets = nn.ModuleList(
            _mlp(dim, hidden_dim, bounded=True) for _ in range(num_couplings))
        self.shift_nets = nn.ModuleList(
            _mlp(dim, hidden_dim, bounded=False)
            for _ in range(num_couplings))
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight, gain=0.01)
                nn.init.zeros_(module.bias)

    def _coupling(self, index: int,
                  kept: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        free = 1.0 - self.masks[index]
        log_scale = self.scale_nets[index](kept) * free
        shift = self.shift_nets[index](kept) * free
        return log_scale, shift

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Sampling direction: base samples (..., D) -> data (..., D)."""
        x = z
        for index in range(len(self.masks)):
            mask = self.masks[index]
            kept = x * mask
            log_scale, shift = self._coupling(index, kept)
            x = kept + (1.0 - mask) * (x * torch.exp(log_scale) + shift)
        return x

    def inverse(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Density direction: data (..., D) -> base point z (..., D) and
        ``log |det dz/dx|`` (...)."""
        z = x
        log_det = x.new_zeros(x.shape[:-1])
        for index in reversed(range(len(self.masks))):
            mask = self.masks[index]
            kept = z * mask
            log_scale, shift = self._coupling(index, kept)
            z = kept + (1.0 - mask) * (z - shift) * torch.exp(-log_scale)
            log_det = log_det - log_scale.sum(dim=-1)
        return z, log_det

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Log density of (..., D) points -> (...)."""
        z, log_det = self.inverse(x)
        base = -0.5 * (z**2).sum(dim=-1) - 0.5 * self.dim * math.log(
            2 * math.pi)
        return base + log_det
