"""PCL, perspective correction and CamConv against independent geometry."""
import math

import pytest
import torch

from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.models.encodings import (CamConvEncoding,
                                       PerspectiveCorrection,
                                       PerspectiveCropLayer, camconv_maps,
                                       perspective_correction_rotation,
                                       perspective_crop_homography,
                                       virtual_camera_rotation,
                                       warp_crop_to_virtual)
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError

F64 = torch.float64
K = torch.tensor([[[200., 0., 160.], [0., 220., 120.], [0., 0., 1.]]],
                 dtype=F64)
BOXES = torch.tensor([[250., 10., 310., 80.],  # up right
                      [0., 150., 90., 240.],  # down left
                      [130., 90., 190., 150.]],  # on the principal point
                     dtype=F64)
KS = K.expand(3, 3, 3)


def centres(boxes):
    return (boxes[:, :2] + boxes[:, 2:]) / 2


def unit_rays(px, K):
    rays = torch.stack([(px[:, 0] - K[:, 0, 2]) / K[:, 0, 0],
                        (px[:, 1] - K[:, 1, 2]) / K[:, 1, 1],
                        torch.ones_like(px[:, 0])], -1)
    return rays / rays.norm(dim=-1, keepdim=True)


def pcl_closed_form(x, y):
    """The PCL paper's R_virt2orig for the normalised centre (x, y, 1)."""
    n1x, nxy = math.sqrt(1 + x * x), math.sqrt(1 + x * x + y * y)
    return torch.tensor([[1 / n1x, -x * y / (n1x * nxy), x / nxy],
                         [0., n1x / nxy, y / nxy],
                         [-x / n1x, -y / (n1x * nxy), 1 / nxy]], dtype=F64)


def test_pcl_rotation_maps_the_centre_ray_to_the_optical_axis():
    R = virtual_camera_rotation(centres(BOXES), KS)
    eye = torch.eye(3, dtype=F64).expand(3, 3, 3)
    torch.testing.assert_close(R.transpose(1, 2) @ R, eye)
    torch.testing.assert_close(torch.linalg.det(R), torch.ones(3, dtype=F64))
    optical = R.transpose(1, 2) @ unit_rays(centres(BOXES), KS)[..., None]
    torch.testing.assert_close(optical[..., 0],
                               torch.tensor([[0., 0., 1.]] * 3, dtype=F64))
    assert R[:, 1, 0].abs().max() < 1e-12  # the virtual x axis is level
    for i, (u, v) in enumerate(centres(BOXES).tolist()):
        expected = pcl_closed_form((u - 160) / 200, (v - 120) / 220)
        torch.testing.assert_close(R[i], expected)
    torch.testing.assert_close(R[2], torch.eye(3, dtype=F64))


def test_pcl_homography_agrees_with_projecting_3d_points():
    gen = torch.Generator().manual_seed(0)
    pcl = perspective_crop_homography(BOXES, KS, (64, 48))
    # points around each crop's centre ray, 0.3-0.8 m away
    rays = unit_rays(centres(BOXES), KS)
    depth = 0.3 + 0.5 * torch.rand(3, 20, 1, generator=gen, dtype=F64)
    points = rays[:, None] * depth + 0.05 * torch.randn(
        3, 20, 3, generator=gen, dtype=F64)
    virtual = points @ pcl.rotation  # R^T X, row vectors
    uv_v = virtual @ pcl.K_virtual.transpose(1, 2)
    uv_v = uv_v / uv_v[..., 2:]
    mapped = uv_v @ pcl.homography.transpose(1, 2)
    real = points @ KS.transpose(1, 2)
    torch.testing.assert_close(mapped[..., :2] / mapped[..., 2:],
                               real[..., :2] / real[..., 2:])


def test_pcl_on_the_optical_axis_is_the_plain_crop():
    pcl = perspective_crop_homography(BOXES[2:], K, (61, 61))
    corners = torch.tensor([[0., 0., 1.], [60., 60., 1.], [30., 30., 1.]],
                           dtype=F64)
    mapped = corners @ pcl.homography[0].T
    torch.testing.assert_close(mapped[:, :2] / mapped[:, 2:],
                               torch.tensor([[130., 90.], [190., 150.],
                                             [160., 120.]], dtype=F64))


def test_warp_samples_the_crop_where_the_homography_points():
    # a crop whose two channels are the full-image x, y of its pixels:
    # bilinear sampling of a linear map is exact
    boxes, h, w = BOXES[:2], 40, 30
    xs = boxes[:, 0, None] + (boxes[:, 2] - boxes[:, 0])[:, None] * \
        torch.linspace(0, 1, w, dtype=F64)
    ys = boxes[:, 1, None] + (boxes[:, 3] - boxes[:, 1])[:, None] * \
        torch.linspace(0, 1, h, dtype=F64)
    crop = torch.stack([xs[:, None, :].expand(-1, h, -1),
                        ys[:, :, None].expand(-1, -1, w)], 1)
    warped = warp_crop_to_virtual(crop, boxes, KS[:2])
    pcl = perspective_crop_homography(boxes, KS[:2], (h, w))
    vy, vx = torch.meshgrid(torch.arange(h, dtype=F64),
                            torch.arange(w, dtype=F64), indexing='ij')
    pix = torch.stack([vx, vy, torch.ones_like(vx)], -1).view(-1, 3)
    full = pix @ pcl.homography.transpose(1, 2)
    full = (full[..., :2] / full[..., 2:]).view(2, h, w, 2)
    inside = ((full[..., 0] > boxes[:, 0, None, None] + 1e-6) &
              (full[..., 0] < boxes[:, 2, None, None] - 1e-6) &
              (full[..., 1] > boxes[:, 1, None, None] + 1e-6) &
              (full[..., 1] < boxes[:, 3, None, None] - 1e-6))
    assert inside.float().mean() > 0.5
    got = warped.permute(0, 2, 3, 1)
    torch.testing.assert_close(got[inside], full[inside])
    assert (warped.permute(0, 2, 3, 1)[~inside].abs().max(-1).values
            < boxes.abs().max()).all()


def test_pcl_module_turns_the_orientation_back():
    pcl = MODELS.build(dict(type='PerspectiveCropLayer'))
    assert pcl.extra_channels == 0 and pcl.level == 'input'
    crop = torch.rand(3, 3, 16, 16)
    assert pcl(crop, BOXES.float(), KS.float()).shape == crop.shape
    rot = axis_angle_to_matrix(torch.tensor([[0.3, -0.2, 1.0]] * 3,
                                            dtype=F64))
    out = pcl.correct_global_orient(rot, BOXES, KS)
    R = virtual_camera_rotation(centres(BOXES), KS)
    torch.testing.assert_close(out, R @ rot)
    with pytest.raises(ConfigError, match='level'):
        PerspectiveCropLayer(level='latent')


def test_perspective_correction_by_hand():
    # centre at x - cx = fx on the horizon: yaw pi/4 about y
    box = torch.tensor([[350., 110., 370., 130.]], dtype=F64)
    R = perspective_correction_rotation(centres(box), K)
    c = math.sqrt(2) / 2
    torch.testing.assert_close(
        R[0], torch.tensor([[c, 0, c], [0, 1, 0], [-c, 0, c]], dtype=F64))
    # straight below by y - cy = fy: pitch, forward axis -> (0, 1, 1)/sqrt2
    box = torch.tensor([[150., 330., 170., 350.]], dtype=F64)
    R = perspective_correction_rotation(centres(box), K)
    torch.testing.assert_close(R[0, :, 2],
                               torch.tensor([0, c, c], dtype=F64))
    torch.testing.assert_close(R[0, :, 0],
                               torch.tensor([1., 0, 0], dtype=F64))


def test_perspective_correction_on_the_horizon_equals_pcl():
    boxes = torch.tensor([[10., 100., 50., 140.], [280., 110., 300., 130.]],
                         dtype=F64)
    torch.testing.assert_close(
        perspective_correction_rotation(centres(boxes), KS[:2]),
        virtual_camera_rotation(centres(boxes), KS[:2]))


def test_perspective_correction_undoes_a_known_rotation():
    gen = torch.Generator().manual_seed(3)
    cam = axis_angle_to_matrix(torch.randn(3, 3, generator=gen, dtype=F64))
    R_pc = perspective_correction_rotation(centres(BOXES), KS)
    crop_frame = R_pc.transpose(1, 2) @ cam
    module = PerspectiveCorrection()
    torch.testing.assert_close(module.correct_global_orient(crop_frame,
                                                            BOXES, KS), cam)
    x = torch.randn(3, 4, 5, 5)
    assert module(x, BOXES, KS) is x


def test_camconv_maps_by_hand():
    # one 1 x 1 map at the box centre (260, 230); 320 x 240 image
    box = torch.tensor([[250., 220., 270., 240.]], dtype=F64)
    maps = camconv_maps(box, K, (1, 1), torch.tensor([[320., 240.]]),
                        centred_scale=100.0)
    expected = [math.atan(100 / 200), math.atan(110 / 220), 1.0, 1.1,
                521 / 320 - 1, 461 / 240 - 1]
    assert maps[0, :, 0, 0].tolist() == pytest.approx(expected, abs=1e-12)
    enc = CamConvEncoding()
    out = enc(torch.zeros(1, 2, 3, 3), box, K,
              torch.tensor([[320., 240.]], dtype=F64))
    assert out.shape == (1, 8, 3, 3)
    # corner (0, 0) of the map is the box corner (250, 220), raw px
    assert out[0, 2:, 0, 0].tolist() == pytest.approx(
        [math.atan(90 / 200), math.atan(100 / 220), 90., 100.,
         501 / 320 - 1, 441 / 240 - 1], abs=1e-5)  # float32 map
    with pytest.raises(ValueError, match='image_size'):
        enc(torch.zeros(1, 2, 3, 3), box, K)
