"""Drawing of hand skeletons: 2D on images (OpenCV), 3D plots (matplotlib).

Colours come from ``egohands.datasets.metainfo`` (one per finger, the wrist
white), so every picture of egohands reads the same way. Images are BGR
uint8 (h, w, 3) in and out, as OpenCV writes them.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from egohands.datasets.metainfo import (SKELETON, bone_colors_bgr,
                                        joint_colors_bgr)

Color = Tuple[int, int, int]
_SHIFT = 4  # fractional bits of OpenCV drawing coordinates
_SCALE = 1 << _SHIFT


def _valid_mask(points: np.ndarray, valid) -> np.ndarray:
    finite = np.isfinite(points).all(axis=-1)
    if valid is None:
        return finite
    return finite & (np.asarray(valid).reshape(-1) > 0)


def draw_hand_skeleton(img: np.ndarray, keypoints_2d: np.ndarray,
                       valid: Optional[np.ndarray] = None,
                       joint_colors: Optional[Sequence[Color]] = None,
                       bone_colors: Optional[Sequence[Color]] = None,
                       radius: Optional[int] = None,
                       thickness: Optional[int] = None,
                       copy: bool = True) -> np.ndarray:
    """Draw the 21-joint skeleton on an image.

    Args:
        img: (h, w, 3) BGR uint8 image.
        keypoints_2d: (21, 2) px in the frame of ``img``.
        valid: (21,) flags; bones and joints touching an invalid joint are
            not drawn (default: all finite joints).
        joint_colors, bone_colors: BGR per joint / per bone of
            ``SKELETON`` (default: the metainfo colours); pass a single
            colour repeated to draw a whole hand in one colour.
        radius, thickness: in px (default: from the image size).
        copy: draw on a copy (default) or in place.

    Returns:
        (h, w, 3) uint8 image with the skeleton.
    """
    canvas = np.array(img, np.uint8) if copy else np.asarray(img, np.uint8)
    if canvas.ndim == 2:
        canvas = cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)
    points = np.asarray(keypoints_2d, np.float64).reshape(-1, 2)
    ok = _valid_mask(points, valid)
    side = min(canvas.shape[:2])
    radius = radius if radius is not None else max(1, round(side / 100))
    thickness = thickness if thickness is not None else max(
        1, round(side / 160))
    joint_colors = joint_colors or joint_colors_bgr()
    bone_colors = bone_colors or bone_colors_bgr()
    fixed = np.zeros(points.shape, np.int64)
    fixed[ok] = np.round(points[ok] * _SCALE).astype(np.int64)
    for (parent, child), color in zip(SKELETON, bone_colors):
        if ok[parent] and ok[child]:
            cv2.line(canvas, tuple(map(int, fixed[parent])),
                     tuple(map(int, fixed[child])), tuple(map(int, color)),
                     thickness, cv2.LINE_AA, _SHIFT)
    for joint in np.flatnonzero(ok):
        cv2.circle(canvas, tuple(map(int, fixed[joint])), radius * _SCALE,
                   tuple(map(int, joint_colors[joint])), -1, cv2.LINE_AA,
                   _SHIFT)
    return canvas


def put_label(img: np.ndarray, text: str, color: Color = (255, 255, 255),
              copy: bool = False) -> np.ndarray:
    """Write ``text`` in the top-left corner on a dark strip."""
    canvas = np.array(img, np.uint8) if copy else np.asarray(img, np.uint8)
    scale = max(0.3, min(canvas.shape[:2]) / 400)
    (width, height), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX,
                                            scale, 1)
    cv2.rectangle(canvas, (0, 0), (width + 4, height + base + 4), (0, 0, 0),
                  -1)
    cv2.putText(canvas, text, (2, height + 2), cv2.FONT_HERSHEY_SIMPLEX,
                scale, color, 1, cv2.LINE_AA)
    return canvas


def draw_prediction_vs_ground_truth(img: np.ndarray, pred_keypoints_2d,
                                    gt_keypoints_2d, gt_valid=None,
                                    mode: str = 'side_by_side',
                                    gt_color: Color = (255, 255, 255),
                                    labels: bool = True) -> np.ndarray:
    """Compare a predicted skeleton with the ground truth on one image.

    Args:
        img: (h, w, 3) BGR uint8.
        pred_keypoints_2d, gt_keypoints_2d: (21, 2) px in the frame of img.
        gt_valid: (21,) validity of the ground truth (the prediction is
            drawn for every finite joint).
        mode: ``'side_by_side'`` (ground truth left, prediction right:
            (h, 2w, 3)) or ``'overlay'`` (ground truth in ``gt_color`` under
            the coloured prediction, with an error line per valid joint).
        labels: write "GT" / "pred" on the panels.
    """
    if mode == 'side_by_side':
        gt = draw_hand_skeleton(img, gt_keypoints_2d, gt_valid)
        pred = draw_hand_skeleton(img, pred_keypoints_2d)
        if labels:
            gt, pred = put_label(gt, 'GT'), put_label(pred, 'pred')
        return np.concatenate([gt, pred], axis=1)
    if mode != 'overlay':
        raise ValueError(f"mode must be 'side_by_side' or 'overlay', got "
                         f'{mode!r}')
    pred = np.asarray(pred_keypoints_2d, np.float64).reshape(-1, 2)
    gt = np.asarray(gt_keypoints_2d, np.float64).reshape(-1, 2)
    canvas = np.array(img, dtype=np.uint8, copy=True)
    both = _valid_mask(gt, gt_valid) & _valid_mask(pred, None)
    for joint in np.flatnonzero(both):  # error lines under the skeletons
        cv2.line(canvas, tuple(map(int, np.round(gt[joint] * _SCALE))),
                 tuple(map(int, np.round(pred[joint] * _SCALE))),
                 (0, 0, 255), 1, cv2.LINE_AA, _SHIFT)
    draw_hand_skeleton(canvas, gt, gt_valid, copy=False,
                       joint_colors=[gt_color] * len(gt),
                       bone_colors=[gt_color] * len(SKELETON))
    canvas = draw_hand_skeleton(canvas, pred, copy=False)
    return put_label(canvas, 'GT white, pred colour') if labels else canvas


def plot_hand_skeleton_3d(joints_3d: np.ndarray,
                          valid: Optional[np.ndarray] = None,
                          gt_joints_3d: Optional[np.ndarray] = None,
                          gt_valid: Optional[np.ndarray] = None,
                          title: str = '', size: Tuple[int, int] = (400, 400),
                          elev: float = 20.0, azim: float = -70.0,
                          rgb: bool = False) -> np.ndarray:
    """Render a 3D skeleton plot to an image array (matplotlib, Agg).

    The camera frame is shown upright: x to the right, camera depth z into
    the picture, and the image's downward y pointing down.

    Args:
        joints_3d: (21, 3) joints, camera frame (any unit, e.g. mm).
        valid: (21,) flags of ``joints_3d``.
        gt_joints_3d: optional (21, 3) ground truth, drawn in grey dashes.
        gt_valid: (21,) flags of the ground truth.
        title: figure title.
        size: ``(width, height)`` of the returned image, px.
        elev, azim: view angles in degrees.
        rgb: return RGB instead of BGR.

    Returns:
        (height, width, 3) uint8 image.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 100
    figure = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(projection='3d')
    shown = []

    def plot(points, flags, style, colors):
        points = np.asarray(points, np.float64).reshape(-1, 3)
        ok = _valid_mask(points, flags)
        # matplotlib axes: (x, z, -y) makes the camera frame upright
        view = np.stack([points[:, 0], points[:, 2], -points[:, 1]], -1)
        for (parent, child), color in zip(SKELETON, colors):
            if ok[parent] and ok[child]:
                segment = view[[parent, child]]
                axes.plot(*segment.T, style, color=color, linewidth=2)
        shown.append(view[ok])

    if gt_joints_3d is not None:
        plot(gt_joints_3d, gt_valid, '--', ['0.55'] * len(SKELETON))
    plot(joints_3d, valid, '-', [tuple(c / 255 for c in bgr[::-1])
                                 for bgr in bone_colors_bgr()])
    points = np.concatenate(shown) if shown else np.zeros((0, 3))
    if len(points):
        centre = (points.max(0) + points.min(0)) / 2
        half = max((points.max(0) - points.min(0)).max() / 2, 1e-6)
        for setter, c in zip((axes.set_xlim, axes.set_ylim, axes.set_zlim),
                             centre):
            setter(c - half, c + half)
    axes.set_box_aspect((1, 1, 1))
    axes.set_xlabel('x')
    axes.set_ylabel('z (depth)')
    axes.set_zlabel('-y')
    axes.view_init(elev=elev, azim=azim)
    if title:
        axes.set_title(title)
    figure.canvas.draw()
    image = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    if image.shape[:2] != (size[1], size[0]):
        image = cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA)
    return image if rgb else image[..., ::-1].copy()
