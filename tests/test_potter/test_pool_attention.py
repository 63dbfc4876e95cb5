"""POTTER's pooling attention against a loop-by-loop formulation, and the
block's structure."""
import math

import numpy as np
import pytest
import torch

from egohands.models.backbones.pool_attention import (PoolAttnBlock,
                                                      PoolingAttention,
                                                      UpsampleConv,
                                                      pooled_product)
from egohands.utils.errors import ConfigError


def _bins(length: int, count: int):
    """Adaptive-pooling bins: [floor(i L / n), ceil((i + 1) L / n))."""
    return [(math.floor(i * length / count),
             math.ceil((i + 1) * length / count)) for i in range(count)]


def _pooled_product_loops(grid: np.ndarray, count: int = 4) -> np.ndarray:
    """out[r, s] = sum_i mean(row r over column bin i) *
    mean(column s over row bin i), written out element by element."""
    rows, cols = grid.shape
    col_bins, row_bins = _bins(cols, count), _bins(rows, count)
    out = np.zeros_like(grid)
    for r in range(rows):
        for s in range(cols):
            for i in range(count):
                left = grid[r, col_bins[i][0]:col_bins[i][1]].mean()
                right = grid[row_bins[i][0]:row_bins[i][1], s].mean()
                out[r, s] += left * right
    return out


def _depthwise3x3_loops(x: np.ndarray, conv) -> np.ndarray:
    weight = conv.weight.detach().numpy()[:, 0]
    bias = conv.bias.detach().numpy()
    channels, height, width = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros_like(x)
    for c in range(channels):
        for h in range(height):
            for w in range(width):
                out[c, h, w] = bias[c] + (weight[c] *
                                          padded[c, h:h + 3, w:w + 3]).sum()
    return out


def _group_norm_1(x: np.ndarray, norm) -> np.ndarray:
    normalised = (x - x.mean()) / np.sqrt(x.var() + norm.eps)
    return (norm.weight.detach().numpy()[:, None, None] * normalised +
            norm.bias.detach().numpy()[:, None, None])


def _pooling_attention_loops(x: np.ndarray, mixer) -> np.ndarray:
    """One sample (C, H, W): patch-wise products per channel; embed-wise
    products per position on its channels as a (32, C / 32) grid, channel
    c = g * (C / 32) + s."""
    channels, height, width = x.shape
    patch = np.stack([_pooled_product_loops(x[c]) for c in range(channels)])
    embed = np.zeros_like(x)
    for h in range(height):
        for w in range(width):
            grid = x[:, h, w].reshape(32, channels // 32)
            embed[:, h, w] = _pooled_product_loops(grid).reshape(channels)
    mixed = (_depthwise3x3_loops(patch, mixer.patch_proj) +
             _depthwise3x3_loops(embed, mixer.embed_proj))
    return _depthwise3x3_loops(_group_norm_1(mixed, mixer.norm),
                               mixer.out_proj)


def _randomise(module: torch.nn.Module, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.randn(param.shape, generator=generator,
                                    dtype=param.dtype))


@pytest.mark.parametrize('rows,cols', [(3, 6), (8, 5), (4, 4), (1, 9)])
def test_pooled_product_matches_loops(rows, cols):
    grid = np.random.default_rng(rows * 10 + cols).normal(size=(rows, cols))
    out = pooled_product(torch.from_numpy(grid)[None, None])[0, 0]
    np.testing.assert_allclose(out.numpy(), _pooled_product_loops(grid),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('channels,height,width', [(64, 3, 6), (96, 5, 4)])
def test_pooling_attention_matches_loops(channels, height, width):
    """Channels per group 2 and 3 (< the 4 bins) and H or W below 4:
    overlapping adaptive bins; non-square maps catch an H/W swap."""
    mixer = PoolingAttention(channels).double()
    _randomise(mixer, seed=channels)
    x = np.random.default_rng(channels).normal(size=(2, channels, height,
                                                     width))
    with torch.no_grad():
        out = mixer(torch.from_numpy(x)).numpy()
    for sample in range(2):
        np.testing.assert_allclose(
            out[sample], _pooling_attention_loops(x[sample], mixer),
            rtol=1e-9, atol=1e-9)


def test_pooling_attention_needs_channels_divisible_by_32():
    with pytest.raises(ConfigError, match='multiple of the 32'):
        PoolingAttention(48)


def test_block_shape_and_residual_structure():
    block = PoolAttnBlock(64, mlp_ratio=2, layer_scale_init=1e-5).eval()
    x = torch.randn(2, 64, 7, 5)
    out = block(x)
    assert out.shape == x.shape
    assert block.mlp.fc1.out_channels == 128
    # layer scale 1e-5: the block starts close to the identity
    assert (out - x).abs().max() < 1e-3
    with torch.no_grad():
        block.layer_scale_1.zero_()
        block.layer_scale_2.zero_()
    assert torch.equal(block(x), x)
    with torch.no_grad():
        block.layer_scale_1.fill_(1.0)
        block.layer_scale_2.fill_(1.0)
        expected = x + block.token_mixer(block.norm1(x))
        expected = expected + block.mlp(block.norm2(expected))
    torch.testing.assert_close(block(x), expected)


def test_upsample_conv_is_nearest_then_conv():
    up = UpsampleConv(4, 2, with_norm=False)
    x = torch.randn(1, 4, 3, 5)
    nearest = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    torch.testing.assert_close(up(x), up.proj(nearest))
    assert up(x).shape == (1, 2, 6, 10)
    assert UpsampleConv(4, 2, with_norm=True).norm.num_groups == 1
