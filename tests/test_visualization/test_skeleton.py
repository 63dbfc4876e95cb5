"""2D skeleton drawing, prediction-vs-GT pictures, 3D plots, image grids."""
import numpy as np
import pytest

from egohands.datasets.metainfo import (SKELETON, bone_colors_bgr,
                                        joint_colors_bgr)
from egohands.visualization import (draw_hand_skeleton,
                                    draw_prediction_vs_ground_truth,
                                    make_image_grid, plot_hand_skeleton_3d)


def _fan_hand(scale=1.0):
    """21 keypoints: wrist at the bottom, five straight fingers fanning up,
    every joint at a distinct integer pixel of a 200x200 image."""
    points = [[100, 180]]
    for finger in range(5):
        angle = np.deg2rad(-150 + 30 * finger)
        for k in range(1, 5):
            radius = 20 + 25 * (k - 1)
            points.append([100 + radius * np.cos(angle),
                           180 + radius * np.sin(angle)])
    return np.round(np.array(points) * scale)


def test_joints_and_bones_get_their_metainfo_colours():
    img = np.zeros((200, 200, 3), np.uint8)
    keypoints = _fan_hand()
    valid = np.ones(21)
    valid[20] = 0  # pinky tip
    out = draw_hand_skeleton(img, keypoints, valid, radius=3, thickness=1)
    assert not img.any()  # drawn on a copy
    for joint, color in enumerate(joint_colors_bgr()):
        x, y = keypoints[joint].astype(int)
        if joint == 20:
            assert not out[y - 3:y + 4, x - 3:x + 4].any()
        else:
            np.testing.assert_array_equal(out[y, x], color)
    # the middle of a bone between two valid joints has the bone colour
    for (parent, child), color in zip(SKELETON, bone_colors_bgr()):
        if parent == 0 or child == 20:
            continue
        x, y = np.round((keypoints[parent] + keypoints[child]) / 2).astype(
            int)
        patch = out[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).astype(int)
        assert np.abs(patch - color).sum(1).min() < 60, (parent, child)


def test_non_finite_points_are_skipped_and_in_place_drawing():
    img = np.zeros((50, 50, 3), np.uint8)
    keypoints = np.full((21, 2), np.nan)
    keypoints[0] = [25, 25]
    out = draw_hand_skeleton(img, keypoints, copy=False, radius=2)
    assert out is img or np.shares_memory(out, img)
    assert img[25, 25].tolist() == [255, 255, 255]  # wrist is white
    assert (img.reshape(-1, 3).any(1)).sum() < 30  # only the wrist dot


def test_prediction_vs_ground_truth_layouts():
    img = np.full((200, 200, 3), 40, np.uint8)
    gt = _fan_hand()
    pred = gt + 6
    side = draw_prediction_vs_ground_truth(img, pred, gt, labels=False)
    assert side.shape == (200, 400, 3)
    np.testing.assert_array_equal(side[:, :200],
                                  draw_hand_skeleton(img, gt))
    np.testing.assert_array_equal(side[:, 200:],
                                  draw_hand_skeleton(img, pred))
    overlay = draw_prediction_vs_ground_truth(img, pred, gt, mode='overlay',
                                              labels=False)
    assert overlay.shape == img.shape
    x, y = gt[8].astype(int)  # a GT joint that the prediction misses
    assert (overlay[y, x] == 255).all()
    with pytest.raises(ValueError, match='mode'):
        draw_prediction_vs_ground_truth(img, pred, gt, mode='stacked')


def test_plot_3d_returns_an_image_with_the_finger_colours():
    rng = np.random.default_rng(0)
    joints = np.c_[_fan_hand() - [100, 180], rng.uniform(300, 320, 21)]
    image = plot_hand_skeleton_3d(joints, gt_joints_3d=joints + 5,
                                  title='toy', size=(320, 240))
    assert image.shape == (240, 320, 3) and image.dtype == np.uint8
    pixels = image.reshape(-1, 3).astype(int)
    for color in set(map(tuple, bone_colors_bgr())):  # BGR as returned
        assert (np.abs(pixels - color).sum(1) < 40).sum() > 5, color
    rgb = plot_hand_skeleton_3d(joints, size=(320, 240), rgb=True)
    bgr = plot_hand_skeleton_3d(joints, size=(320, 240))
    np.testing.assert_array_equal(rgb, bgr[..., ::-1])
    import matplotlib
    assert matplotlib.get_backend()  # the global backend was not needed


def test_image_grid_places_cells_row_by_row():
    a = np.full((4, 6, 3), 10, np.uint8)
    b = np.full((2, 3, 3), 20, np.uint8)
    c = np.full((4, 6), 30, np.uint8)  # grey images are accepted
    grid = make_image_grid([a, b, c], ncols=2, pad=1, pad_value=0)
    assert grid.shape == (2 * 5 + 1, 2 * 7 + 1, 3)
    assert (grid[1:5, 1:7] == 10).all()
    assert (grid[1:3, 8:11] == 20).all() and (grid[3:5, 8:14] == 0).all()
    assert (grid[6:10, 1:7] == 30).all() and (grid[6:10, 8:14] == 0).all()
    with pytest.raises(ValueError):
        make_image_grid([])
