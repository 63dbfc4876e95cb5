"""SoftMaskLoss: values by hand on a pixel-aligned square, downsampled
rendering, validity weights, gradients."""
import pytest
import torch

from egohands.registry import MODELS
from egohands.rendering.soft_silhouette import soft_silhouette
from egohands.utils.errors import ConfigError

# A 32 x 32 crop camera (f = 100 px at z = 1 m): a rectangle with edges on
# the pixel boundaries x = 7.5, 23.5 and y = 7.5, 19.5 (pixels x 8..23,
# y 8..19), split along a diagonal that misses every pixel centre (at full
# and half size; a centre on an edge shared by two faces would get
# 1 - 0.5 * 0.5).
K = torch.tensor([[100., 0., 0.], [0., 100., 0.], [0., 0., 1.]],
                 dtype=torch.float64)
SQUARE = torch.tensor([[7.5, 7.5, 100], [23.5, 7.5, 100], [23.5, 19.5, 100],
                       [7.5, 19.5, 100]], dtype=torch.float64) / 100
FACES = torch.tensor([[0, 1, 2], [0, 2, 3]])


def gt_square(batch=1):
    mask = torch.zeros(batch, 32, 32, dtype=torch.uint8)
    mask[:, 8:20, 8:24] = 1
    return mask


def test_pixel_aligned_square_matches_its_mask_at_full_and_half_size():
    for render_size in (None, 16):
        loss = MODELS.build(dict(type='SoftMaskLoss', sigma=1e-4,
                                 render_size=render_size))
        value = loss(SQUARE[None], FACES, K[None], gt_square())
        assert value.item() < 1e-6
    # shifted by 2 px in x and y
    moved = SQUARE + torch.tensor([0.02, 0.02, 0], dtype=torch.float64)
    value = MODELS.build(dict(type='SoftMaskLoss', sigma=1e-4))(
        moved[None], FACES, K[None], gt_square())
    wrong = 2 * (16 * 12 - 14 * 10)  # symmetric difference
    assert value.item() == pytest.approx(wrong / 32**2, abs=1e-4)


def test_bce_and_validity_weights():
    loss = MODELS.build(dict(type='SoftMaskLoss', loss_type='bce',
                             sigma=0.5, loss_weight=2.0))
    vertices = torch.stack([SQUARE, SQUARE * 0.5])  # 2nd one is wrong
    masks = gt_square(2)
    rendered = soft_silhouette(vertices, FACES, K, (32, 32), sigma=0.5)
    target = masks.double()
    bce = -(target * rendered.clamp(1e-6, 1 - 1e-6).log() +
            (1 - target) * (1 - rendered).clamp(1e-6, 1 - 1e-6).log())
    per_sample = bce.flatten(1).mean(1)
    both = loss(vertices, FACES, K.expand(2, 3, 3), masks)
    assert both.item() == pytest.approx(2 * per_sample.mean().item())
    first = loss(vertices, FACES, K.expand(2, 3, 3), masks,
                 torch.tensor([1., 0.]))
    assert first.item() == pytest.approx(2 * per_sample[0].item())
    none = loss(vertices, FACES, K.expand(2, 3, 3), masks, torch.zeros(2))
    assert none.item() == 0.0


def test_gradient_pulls_the_mesh_onto_the_mask():
    loss = MODELS.build(dict(type='SoftMaskLoss', sigma=1.0))
    moved = (SQUARE + torch.tensor([0.015, 0, 0], dtype=torch.float64))
    moved = moved[None].requires_grad_()
    loss(moved, FACES, K[None], gt_square()).backward()
    # moving x back (negative) lowers the loss: positive x-gradient
    assert moved.grad[0, :, 0].sum() > 0


def test_bad_loss_type():
    with pytest.raises(ConfigError, match='loss_type'):
        MODELS.build(dict(type='SoftMaskLoss', loss_type='dice'))
