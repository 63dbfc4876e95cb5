"""The crop box of a sample's metainfo, and KPE at the input size."""
import numpy as np
import pytest
import torch

from egohands.geometry.affine import (apply_affine_2d, get_affine_matrix,
                                      invert_affine)
from egohands.geometry.flip import flip_matrix_2d
from egohands.models.encodings import (crop_box_from_metainfo,
                                       crop_geometry_from_samples, dense_kpe,
                                       sinusoidal_encoding, sparse_kpe,
                                       view_angles)
from egohands.structures import HandDataSample

K = np.array([[300., 0., 250.], [0., 310., 180.], [0., 0., 1.]])


def metainfo(flip='none', rotation=0.0):
    affine = get_affine_matrix(np.array([300., 200.]), np.array([150., 150.]),
                               rotation, (64, 48))
    if flip != 'none':
        affine = flip_matrix_2d(flip, 64, 48) @ affine
    return dict(crop_from_img=affine.astype(np.float32), input_size=(64, 48),
                K=K.astype(np.float32), flip=flip, img_shape=(360, 500))


def test_box_of_an_unflipped_crop_by_hand():
    # 150 px wide box -> 64 px: scale 64/150; the corner pixel centres
    # (0, 0) and (63, 47) are 31.5 and 23.5 crop px from the crop centre
    box = crop_box_from_metainfo(metainfo())
    half_w, half_h = 31.5 * 150 / 64, 23.5 * 150 / 64
    np.testing.assert_allclose(
        box, [300 - half_w, 200 - half_h, 300 + half_w, 200 + half_h],
        atol=1e-3)


def test_dense_kpe_at_the_input_size_holds_each_input_pixel_angles():
    meta = metainfo()
    box = torch.as_tensor(crop_box_from_metainfo(meta))[None]
    dense = dense_kpe(box, torch.as_tensor(K)[None], (48, 64))
    # independent: map every input pixel centre back to the full image
    us, vs = np.meshgrid(np.arange(64.), np.arange(48.))
    pixels = np.stack([us, vs], -1).reshape(-1, 2)
    full = apply_affine_2d(pixels, invert_affine(
        np.asarray(meta['crop_from_img'], np.float64)))
    angles = np.stack([np.arctan2(full[:, 0] - K[0, 2], K[0, 0]),
                       np.arctan2(full[:, 1] - K[1, 2], K[1, 1])], -1)
    expected = sinusoidal_encoding(torch.as_tensor(angles), 4)
    torch.testing.assert_close(
        dense[0].permute(1, 2, 0).reshape(-1, 16), expected, atol=1e-5,
        rtol=0)


@pytest.mark.parametrize('flip, axis', [('horizontal', 0), ('vertical', 1)])
def test_a_flipped_sample_negates_its_view_angle(flip, axis):
    plain = torch.as_tensor(crop_box_from_metainfo(metainfo()))[None]
    mirrored = torch.as_tensor(crop_box_from_metainfo(metainfo(flip)))[None]
    K_t = torch.as_tensor(K)[None]
    centre = lambda b: (b[:, :2] + b[:, 2:]) / 2  # noqa: E731
    a_plain = view_angles(centre(plain), K_t)
    a_mirror = view_angles(centre(mirrored), K_t)
    torch.testing.assert_close(a_mirror[:, axis], -a_plain[:, axis],
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(a_mirror[:, 1 - axis], a_plain[:, 1 - axis],
                               atol=1e-5, rtol=0)
    # same box size
    torch.testing.assert_close(mirrored[:, 2:] - mirrored[:, :2],
                               plain[:, 2:] - plain[:, :2], atol=1e-3,
                               rtol=0)


def test_rotated_crop_gives_the_bounds_of_its_corners():
    box = crop_box_from_metainfo(metainfo(rotation=90.0))
    # turned by 90 deg the 64 x 48 crop spans 47 px across x, 63 along y
    scale = 150 / 64
    np.testing.assert_allclose(box[2] - box[0], 47 * scale, atol=1e-3)
    np.testing.assert_allclose(box[3] - box[1], 63 * scale, atol=1e-3)


def test_geometry_of_a_batch_of_samples():
    samples = []
    for flip in ('none', 'horizontal'):
        sample = HandDataSample()
        sample.set_metainfo(metainfo(flip))
        samples.append(sample)
    geometry = crop_geometry_from_samples(samples)
    assert geometry.boxes.shape == (2, 4)
    assert geometry.boxes.dtype == torch.float32
    torch.testing.assert_close(geometry.K, torch.as_tensor(
        K, dtype=torch.float32).expand(2, 3, 3))
    assert geometry.image_size.tolist() == [[500., 360.]] * 2
    kpe = sparse_kpe(geometry.boxes, geometry.K)
    # horizontal flip: sin of the x angle negated, cos kept
    assert kpe[1, 0].item() == pytest.approx(-kpe[0, 0].item(), abs=1e-5)
    assert kpe[1, 1].item() == pytest.approx(kpe[0, 1].item(), abs=1e-5)
    del samples[0].img_shape
    assert crop_geometry_from_samples(samples).image_size is None
