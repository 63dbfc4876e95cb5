"""KPE: layout and values against hand-worked numbers, dense vs sparse,
no_intrx, the plug-slot module."""
import math

import pytest
import torch

from egohands.models.encodings import (KeypointPositionalEncoding, dense_kpe,
                                       sparse_kpe)
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError

# Hand-worked camera and box: fx=100, fy=200, principal point (50, 140);
# box x0=50, y0=40, x1=150, y1=240 (full-image px).
#   centre (100, 140): angles (atan(50/100), 0) = (a, 0), tan a = 1/2
#   corners (50,40): (0, -a)   (50,240): (0, a)
#           (150,40): (pi/4, -a)   (150,240): (pi/4, a)
K_HAND = torch.tensor([[100., 0., 50.], [0., 200., 140.], [0., 0., 1.]])
BOX_HAND = torch.tensor([50., 40., 150., 240.])

# sin / cos of 2^k * angle for k = 0..3, by the double-angle formulas
# (tan a = 1/2: sin a = 1/sqrt5, cos a = 2/sqrt5, sin 2a = 4/5, ...).
R5, R2 = math.sqrt(5), math.sqrt(2) / 2
TRIG = {
    'a': [(1 / R5, 2 / R5), (4 / 5, 3 / 5), (24 / 25, -7 / 25),
          (-336 / 625, -527 / 625)],
    '-a': [(-1 / R5, 2 / R5), (-4 / 5, 3 / 5), (-24 / 25, -7 / 25),
           (336 / 625, -527 / 625)],
    '0': [(0., 1.)] * 4,
    'pi/4': [(R2, R2), (1., 0.), (0., -1.), (0., 1.)],
}


def expected_layout(names):
    """Frequency-major, then angle, then (sin, cos)."""
    return [value for k in range(4) for name in names
            for value in TRIG[name][k]]


def test_sparse_kpe_matches_the_hand_worked_box():
    out = sparse_kpe(BOX_HAND[None].double(), K_HAND[None].double())
    expected = expected_layout(['a', '0']) + expected_layout(
        ['0', '-a', '0', 'a', 'pi/4', '-a', 'pi/4', 'a'])
    assert out.shape == (1, 80)
    torch.testing.assert_close(out[0], torch.tensor(expected, dtype=torch.float64),
                               atol=1e-12, rtol=0)
    # spot checks of the layout: [sin a, cos a, sin 0, cos 0, sin 2a, ...]
    assert out[0, 1].item() == pytest.approx(2 / R5, abs=1e-12)
    assert out[0, 4].item() == pytest.approx(4 / 5, abs=1e-12)
    # first corner block: (x0,y0) x -> sin 0, cos 0; y -> sin(-a), cos(-a)
    assert out[0, 16:20].tolist() == pytest.approx([0, 1, -1 / R5, 2 / R5])


def test_num_freqs_sets_the_size():
    out = sparse_kpe(BOX_HAND[None], K_HAND[None], num_freqs=2)
    assert out.shape == (1, 40)
    full = sparse_kpe(BOX_HAND[None], K_HAND[None], num_freqs=4)
    # the first two frequencies of each block are the L=2 encoding
    torch.testing.assert_close(out[:, :8], full[:, :8])
    torch.testing.assert_close(out[:, 8:], full[:, 16:48])


def random_boxes(batch, generator):
    x0 = torch.rand(batch, generator=generator, dtype=torch.float64) * 400
    y0 = torch.rand(batch, generator=generator, dtype=torch.float64) * 300
    side = 20 + torch.rand(batch, generator=generator,
                           dtype=torch.float64) * 150
    return torch.stack([x0, y0, x0 + side, y0 + side * 1.3], -1)


def random_K(batch, generator):
    K = torch.zeros(batch, 3, 3, dtype=torch.float64)
    K[:, 0, 0] = 150 + 300 * torch.rand(batch, generator=generator,
                                        dtype=torch.float64)
    K[:, 1, 1] = K[:, 0, 0] * 1.1
    K[:, 0, 2], K[:, 1, 2], K[:, 2, 2] = 255.5, 191.5, 1
    return K


@pytest.mark.parametrize('use_intrinsics', [True, False])
def test_dense_at_the_centre_and_corner_pixels_equals_sparse(use_intrinsics):
    gen = torch.Generator().manual_seed(0)
    boxes, K = random_boxes(5, gen), random_K(5, gen)
    size = torch.tensor([[512., 384.]] * 5, dtype=torch.float64)
    sparse = sparse_kpe(boxes, K, use_intrinsics=use_intrinsics,
                        image_size=size)
    dense = dense_kpe(boxes, K, (7, 9), use_intrinsics=use_intrinsics,
                      image_size=size)
    assert dense.shape == (5, 16, 7, 9)
    torch.testing.assert_close(dense[:, :, 3, 4], sparse[:, :16])
    corners = sparse[:, 16:].view(5, 4, 4, 2, 2)  # (B, L, corner, xy, sc)
    for k, (row, col) in enumerate([(0, 0), (6, 0), (0, 8), (6, 8)]):
        torch.testing.assert_close(dense[:, :, row, col],
                                   corners[:, :, k].reshape(5, 16))


def test_no_intrx_uses_the_image_size_camera():
    # 201 x 101 image: f = 100.5, principal point (100, 50); a box centred
    # at (200.5, 50) is pi/4 to the right, on the horizon.
    box = torch.tensor([[100., 50., 301., 50.]], dtype=torch.float64)
    size = torch.tensor([[201., 101.]], dtype=torch.float64)
    some_K = random_K(1, torch.Generator().manual_seed(1))
    out = sparse_kpe(box, some_K, use_intrinsics=False, image_size=size)
    assert out[0, :4].tolist() == pytest.approx([R2, R2, 0, 1], abs=1e-12)
    own_K = torch.tensor([[[100.5, 0, 100], [0, 100.5, 50], [0, 0, 1]]],
                         dtype=torch.float64)
    torch.testing.assert_close(out, sparse_kpe(box, own_K))
    # the real K is ignored, the image size is not
    torch.testing.assert_close(
        out, sparse_kpe(box, own_K * 3, use_intrinsics=False,
                        image_size=size))
    other = sparse_kpe(box, some_K, use_intrinsics=False,
                       image_size=size * 2)
    assert not torch.allclose(out, other)
    with pytest.raises(ValueError, match='image_size'):
        sparse_kpe(box, some_K, use_intrinsics=False)


def test_module_appends_broadcast_sparse_channels():
    kpe = MODELS.build(dict(type='KeypointPositionalEncoding'))
    assert (kpe.variant, kpe.level, kpe.extra_channels) == ('sparse',
                                                             'latent', 80)
    x = torch.randn(2, 8, 7, 7)
    boxes = torch.stack([BOX_HAND, BOX_HAND + 10])
    K = K_HAND.expand(2, 3, 3)
    out = kpe(x, boxes, K)
    assert out.shape == (2, kpe.out_channels(8), 7, 7) == (2, 88, 7, 7)
    assert torch.equal(out[:, :8], x)
    expected = sparse_kpe(boxes, K)
    torch.testing.assert_close(out[:, 8:, 2, 5], expected)
    torch.testing.assert_close(out[:, 8:, 6, 0], expected)


def test_module_dense_input_level():
    kpe = KeypointPositionalEncoding(variant='dense', level='input')
    assert kpe.extra_channels == 16
    crop = torch.randn(1, 3, 32, 24)
    out = kpe(crop, BOX_HAND[None], K_HAND[None])
    assert out.shape == (1, 19, 32, 24)
    torch.testing.assert_close(out[:, 3:],
                               dense_kpe(BOX_HAND[None], K_HAND[None],
                                         (32, 24)))
    # identity correction for a channel encoding
    rot = torch.eye(3)[None]
    assert torch.equal(kpe.correct_global_orient(rot, BOX_HAND[None],
                                                 K_HAND[None]), rot)


def test_module_bad_config_and_shapes():
    with pytest.raises(ConfigError, match='variant'):
        KeypointPositionalEncoding(variant='corner')
    with pytest.raises(ConfigError, match='level'):
        KeypointPositionalEncoding(level='output')
    kpe = KeypointPositionalEncoding()
    with pytest.raises(ValueError, match='boxes'):
        kpe(torch.randn(2, 3, 4, 4), BOX_HAND[None], K_HAND.expand(2, 3, 3))


def test_kpe_is_differentiable_in_the_box():
    box = BOX_HAND[None].double().requires_grad_()
    sparse_kpe(box, K_HAND[None].double()).sum().backward()
    assert torch.isfinite(box.grad).all() and box.grad.abs().sum() > 0
