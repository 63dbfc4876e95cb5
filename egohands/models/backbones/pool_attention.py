"""POTTER's pooling-attention building blocks (metaformer style).

POTTER ("POTTER: Pooling Attention Transformer for Efficient Human Mesh
Recovery", arXiv:2303.13357) replaces self-attention by a cheap
"pooling attention": a feature map is summarised by average pooling along
one axis into a few bins and along the other axis into as many bins, and the
product of the two summaries is a full-size map that mixes every position of
a row with every position of its column. This is done twice:

* **patch-wise** on the (H, W) grid of each channel;
* **embed-wise** on the channels of each position, viewed as a
  (groups, C / groups) grid (POTTER: 32 groups, so C must be a multiple
  of 32).

Each product passes a depthwise 3x3 convolution; their sum is normalised
(GroupNorm with one group) and projected by a third depthwise 3x3 conv.
A block wraps the mixer and a 1x1-conv MLP in two pre-norm residual
branches with layer scale and stochastic depth.

Parameter names follow the official code so that its checkpoints map one to
one (:mod:`egohands.checkpoint_converters.potter`): ``norm1``,
``token_mixer.{patch_proj, embed_proj, norm, out_proj}`` (official
``proj0, proj1, norm, proj2``), ``norm2``, ``mlp.{fc1, fc2}``,
``layer_scale_1``, ``layer_scale_2``.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from egohands.utils.errors import ConfigError

#: bins of POTTER's adaptive average pools (``AdaptiveAvgPool2d((None, 4))``)
POOL_BINS = 4
#: channel groups of the embed-wise pooling (the official reshape to 32)
EMBED_GROUPS = 32


def channel_norm(num_channels: int) -> nn.GroupNorm:
    """GroupNorm with a single group: normalises each sample over (C, H, W)
    with a per-channel affine (POTTER's and PoolFormer's ``GroupNorm``)."""
    return nn.GroupNorm(1, num_channels)


def depthwise_conv3x3(channels: int) -> nn.Conv2d:
    """3x3 convolution, one filter per channel, same size output."""
    return nn.Conv2d(channels, channels, 3, padding=1, groups=channels)


def adaptive_pool_matrix(length: int, bins: int,
                         like: torch.Tensor) -> torch.Tensor:
    """(length, bins) matrix whose column i averages the entries
    ``[floor(i L / n), ceil((i + 1) L / n))`` (``adaptive_avg_pool``'s bins),
    with the dtype and device of ``like``."""
    matrix = torch.zeros(length, bins, dtype=like.dtype, device=like.device)
    for i in range(bins):
        start = (i * length) // bins
        end = -((-(i + 1) * length) // bins)
        matrix[start:end, i] = 1.0 / (end - start)
    return matrix


def pooled_product(x: torch.Tensor, bins: int = POOL_BINS) -> torch.Tensor:
    """Low-rank summary of the last two axes of ``x``.

    ``x`` (..., R, S) is average-pooled over S into ``bins`` columns,
    giving (..., R, bins), and over R into ``bins`` rows, giving
    (..., bins, S); their matrix product is (..., R, S). Pools are adaptive
    (bin ``i`` of n over a length L covers ``[floor(iL/n), ceil((i+1)L/n))``),
    so any R, S work, including lengths below ``bins``.
    """
    if x.dim() != 4:
        raise ValueError(f'pooled_product expects a 4-D tensor, got shape '
                         f'{tuple(x.shape)}')
    # adaptive average pools as products with averaging matrices: the same
    # numbers, and exportable to ONNX with a dynamic batch
    rows, cols = (int(n) for n in x.shape[-2:])
    over_cols = x @ adaptive_pool_matrix(cols, bins, x)
    over_rows = adaptive_pool_matrix(rows, bins, x).transpose(0, 1) @ x
    return over_cols @ over_rows


class PoolingAttention(nn.Module):
    """POTTER's token mixer: patch-wise and embed-wise pooled products.

    Args:
        dim: C, channels; a multiple of ``groups``.
        groups: channel groups of the embed-wise pooling (POTTER: 32).
        bins: bins of every adaptive pool (POTTER: 4).

    Input and output (B, C, H, W), any H and W.
    """

    def __init__(self, dim: int, groups: int = EMBED_GROUPS,
                 bins: int = POOL_BINS) -> None:
        super().__init__()
        if dim % groups:
            raise ConfigError(
                f'PoolingAttention: channels {dim} are not a multiple of the '
                f'{groups} embed-wise groups; choose POTTER dims divisible '
                f'by {groups}')
        self.groups = groups
        self.bins = bins
        self.patch_proj = depthwise_conv3x3(dim)
        self.embed_proj = depthwise_conv3x3(dim)
        self.norm = channel_norm(dim)
        self.out_proj = depthwise_conv3x3(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        patch_wise = pooled_product(x, self.bins)
        # each position's channels as a (groups, C / groups) grid
        tokens = x.flatten(2).transpose(1, 2).reshape(b, h * w, self.groups,
                                                      c // self.groups)
        embed_wise = pooled_product(tokens, self.bins)
        embed_wise = embed_wise.reshape(b, h * w, c).transpose(1, 2).reshape(
            b, c, h, w)
        mixed = self.patch_proj(patch_wise) + self.embed_proj(embed_wise)
        return self.out_proj(self.norm(mixed))


class ConvMlp(nn.Module):
    """1x1 conv -> GELU -> dropout -> 1x1 conv -> dropout, on (B, C, H, W)."""

    def __init__(self, dim: int, hidden_dim: int, drop: float = 0.0) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden_dim, 1)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden_dim, dim, 1)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class PoolAttnBlock(nn.Module):
    """Pre-norm residual block: pooling attention, then the MLP.

    ``x + drop_path(ls1 * mixer(GN(x)))``, then
    ``x + drop_path(ls2 * mlp(GN(x)))``, with per-channel layer scales
    ``ls1``, ``ls2`` (initialised to ``layer_scale_init``).

    Args:
        dim: C, channels (a multiple of 32).
        mlp_ratio: hidden width of the MLP as a multiple of C.
        drop: dropout inside the MLP.
        drop_path: probability of dropping the residual branches of a sample
            (stochastic depth, training only).
        layer_scale_init: initial value of the layer scales (POTTER: 1e-5).

    Input and output (B, C, H, W).
    """

    def __init__(self,
                 dim: int,
                 mlp_ratio: float = 4.0,
                 drop: float = 0.0,
                 drop_path: float = 0.0,
                 layer_scale_init: float = 1e-5) -> None:
        super().__init__()
        self.norm1 = channel_norm(dim)
        self.token_mixer = PoolingAttention(dim)
        self.norm2 = channel_norm(dim)
        self.mlp = ConvMlp(dim, int(dim * mlp_ratio), drop)
        self.drop_path = _drop_path(drop_path)
        self.layer_scale_1 = nn.Parameter(torch.full((dim, ),
                                                     layer_scale_init))
        self.layer_scale_2 = nn.Parameter(torch.full((dim, ),
                                                     layer_scale_init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale_1 = self.layer_scale_1[:, None, None]
        scale_2 = self.layer_scale_2[:, None, None]
        x = x + self.drop_path(scale_1 * self.token_mixer(self.norm1(x)))
        return x + self.drop_path(scale_2 * self.mlp(self.norm2(x)))


class UpsampleConv(nn.Module):
    """POTTER's ``PatchSplit``: nearest x2 up-sampling, conv 3x3, optional
    single-group GroupNorm. (B, C_in, H, W) -> (B, C_out, 2H, 2W)."""

    def __init__(self, in_channels: int, out_channels: int,
                 with_norm: bool) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm: Optional[nn.Module] = (channel_norm(out_channels)
                                          if with_norm else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(F.interpolate(x, scale_factor=2, mode='nearest'))
        return self.norm(x) if self.norm is not None else x


def _drop_path(rate: float) -> nn.Module:
    if rate <= 0:
        return nn.Identity()
    from timm.layers import DropPath
    return DropPath(rate)
