"""Box-to-crop affines against OpenCV and hand-worked cases."""
import cv2
import numpy as np
import pytest
import torch

from egohands.geometry import (affine_to_3x3, apply_affine_2d,
                               bbox_to_center_size, get_affine_matrix,
                               invert_affine)


def test_bbox_to_center_size_hand_cases():
    box = np.array([10.0, 20.0, 50.0, 40.0])  # 40 wide, 20 high
    center, size = bbox_to_center_size(box, padding=1.25, aspect_ratio=1.0)
    np.testing.assert_allclose(center, [30, 30])
    np.testing.assert_allclose(size, [50, 50])  # square of 40, times 1.25
    _, size = bbox_to_center_size(box, padding=1.0, aspect_ratio=None)
    np.testing.assert_allclose(size, [40, 20])
    # 192 / 256 = 0.75: the 40 px width stays, height 40 / 0.75
    _, size = bbox_to_center_size(box, padding=1.0, aspect_ratio=0.75)
    np.testing.assert_allclose(size, [40, 40 / 0.75])
    # a tall box grows in width: 10 x 30 -> 30 x 30
    _, size = bbox_to_center_size(np.array([0.0, 0, 10, 30]), padding=1.0)
    np.testing.assert_allclose(size, [30, 30])


def test_bbox_to_center_size_batched_torch():
    boxes = torch.tensor([[[0.0, 0, 10, 30], [10.0, 20, 50, 40]]])
    center, size = bbox_to_center_size(boxes)
    assert center.shape == (1, 2, 2) and isinstance(size, torch.Tensor)
    np.testing.assert_allclose(size.numpy(), [[[37.5, 37.5], [50, 50]]])


@pytest.mark.parametrize('rotation', [0.0, 30.0, -90.0, 145.0])
def test_affine_matrix_matches_cv2_rotation_matrix(rotation):
    center = np.array([120.25, 85.75])  # exact in float32 (cv2 Point2f)
    size = np.array([64.0, 64.0])
    output_size = (256, 192)
    scale = output_size[0] / size[0]
    expected = cv2.getRotationMatrix2D(tuple(center), rotation, scale)
    # cv2 keeps the centre in place; the crop moves it to the output centre
    expected[:, 2] += [(output_size[0] - 1) / 2 - center[0],
                       (output_size[1] - 1) / 2 - center[1]]
    A = get_affine_matrix(center, size, rotation, output_size,
                          homogeneous=False)
    np.testing.assert_allclose(A, expected, atol=1e-10)


def test_warp_affine_puts_a_pixel_where_the_matrix_says():
    image = np.zeros((20, 24), np.uint8)
    image[7, 12] = 255  # row v = 7, column u = 12
    # scale 16 / 8 = 2, rotation 90: (12, 7) - (10.25, 8.75) = (1.75, -1.75)
    # -> R (1.75, -1.75) = (-1.75, -1.75) -> x2 -> (-3.5, -3.5) + 7.5 = (4, 4)
    A = get_affine_matrix(np.array([10.25, 8.75]), np.array([8.0, 8.0]), 90.0,
                          (16, 16))
    np.testing.assert_allclose(apply_affine_2d(np.array([[12.0, 7.0]]), A),
                               [[4, 4]], atol=1e-12)
    crop = cv2.warpAffine(image, A[:2], (16, 16), flags=cv2.INTER_LINEAR)
    assert np.unravel_index(crop.argmax(), crop.shape) == (4, 4)
    assert crop[4, 4] == 255


def test_uniform_scale_and_centre_for_non_square_output():
    # HP-ViT crop: square box to 256 x 192, scale from the width only
    A = get_affine_matrix(np.array([100.0, 100.0]), np.array([80.0, 80.0]),
                          0.0, (256, 192))
    np.testing.assert_allclose(A[:2, :2], np.eye(2) * 3.2)
    np.testing.assert_allclose(apply_affine_2d(np.array([[100.0, 100.0]]), A),
                               [[127.5, 95.5]])
    # the box's top edge (y = 60) falls above the 192 px output: 75% visible
    top = apply_affine_2d(np.array([[100.0, 60.0]]), A)[0, 1]
    assert top == pytest.approx(95.5 - 40 * 3.2)


def test_invert_and_apply_round_trip_batched_torch():
    rng = np.random.default_rng(0)
    centers = torch.from_numpy(rng.uniform(50, 150, size=(3, 2)))
    sizes = torch.from_numpy(rng.uniform(40, 90, size=(3, 2)))
    angles = torch.from_numpy(rng.uniform(-180, 180, size=3))
    A = get_affine_matrix(centers, sizes, angles, (64, 48))
    assert A.shape == (3, 3, 3) and A.dtype == torch.float64
    np.testing.assert_allclose(invert_affine(A).numpy(),
                               np.linalg.inv(A.numpy()), atol=1e-12)
    np.testing.assert_allclose(invert_affine(A[:, :2]).numpy(),
                               np.linalg.inv(A.numpy())[:, :2], atol=1e-12)
    points = torch.from_numpy(rng.uniform(0, 200, size=(3, 21, 2)))
    back = apply_affine_2d(apply_affine_2d(points, A), invert_affine(A))
    np.testing.assert_allclose(back.numpy(), points.numpy(), atol=1e-9)
    np.testing.assert_allclose(affine_to_3x3(A[:, :2]).numpy(), A.numpy())
