"""The official EgoExo4D rules that decide which annotated joints are kept.

Re-implemented from the definitions of the official preparation
(``ego-exo4d-egopose`` ``handpose/data_preparation``, defaults of its
``utils/config.py``); every threshold is a named constant here:

1. manual 3D joints need ``num_views_for_3d >= 3`` (automatic: all kept);
2. a hand whose wrist has no 3D is dropped entirely;
3. biomechanics (world frame, metres): each bone 5-80 mm, but wrist to the
   index/middle/ring/pinky base 60-120 mm (wrist to thumb base is an
   ordinary bone); the angle at joint j between ``parent - j`` and
   ``child - j`` at least :data:`MIN_JOINT_ANGLE_DEG` (180 = straight).
   A joint failing its bone or its angle becomes NaN; all lengths and
   angles are measured on the unmodified hand first;
4. world -> Aria camera with the frame's 3 x 4 extrinsics, projection with
   the take's intrinsics (the undistorted 512 x 512 pinhole);
5. a joint is valid when its projection is finite, inside the image,
   inside the circular Aria mask (:func:`aria_visibility_mask`), and within
   30 px of the annotated Aria 2D point (the wrist is exempt from this
   last test, and a joint without annotated 2D fails it);
6. a hand is kept with at least 10 valid joints; invalid joints are NaN
   except the wrist, which is always written back (``--offset`` needs it);
   its box is the valid projected joints +- 20 px, clipped to the image.

Units: 3D in metres (as in the files), 2D in undistorted-image px.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from egohands.datasets.egoexo4d.layout import FOCAL_PX, IMAGE_SIZE, \
    PRINCIPAL_PX
from egohands.datasets.metainfo import JOINT_PARENTS, NUM_JOINTS, WRIST

MIN_VIEWS_FOR_MANUAL_3D = 3
#: bone length range, metres (every bone but wrist -> finger base)
BONE_LENGTH_RANGE_M = (0.005, 0.08)
#: wrist -> index1 / middle1 / ring1 / pinky1 length range, metres
WRIST_TO_FINGER_BASE_RANGE_M = (0.06, 0.12)
#: joints whose bone from the wrist uses the long range
LONG_BONE_JOINTS = (5, 9, 13, 17)
#: minimum angle (degrees) at each non-tip, non-wrist joint; the maximum is
#: 180. Values of the official ``joint_dist_angle_check`` (thumb 100, 90,
#: 90; each other finger 60, 70, 80 from the base towards the tip).
MIN_JOINT_ANGLE_DEG = {
    1: 100., 2: 90., 3: 90.,
    5: 60., 6: 70., 7: 80.,
    9: 60., 10: 70., 11: 80.,
    13: 60., 14: 70., 15: 80.,
    17: 60., 18: 70., 19: 80.,
}
MAX_JOINT_ANGLE_DEG = 180.0
REPROJECTION_THRESHOLD_PX = 30.0
MIN_VALID_JOINTS = 10
BBOX_PADDING_PX = 20.0
#: projectaria_tools' visible cone of the Aria RGB camera (its
#: ``kRgbMaxSolidAngleRad``): rays further than this from the optical axis
#: are blank in the undistorted image, which makes its mask a disc of
#: radius ``150 * tan(1) = 233.6`` px around the principal point.
ARIA_RGB_MAX_ANGLE_RAD = 1.0


def biomechanically_invalid(joints: np.ndarray) -> np.ndarray:
    """Joints that break the official bone-length or joint-angle limits.

    Args:
        joints: (21, 3) one hand, metres, any frame (NaN = missing). Missing
            joints never fail (their comparisons are NaN).

    Returns:
        (21,) bool, True where the joint must be discarded. The wrist is
        never flagged.
    """
    joints = np.asarray(joints, np.float64)
    parents = np.asarray(JOINT_PARENTS)
    invalid = np.zeros(NUM_JOINTS, bool)
    with np.errstate(invalid='ignore'):
        children = np.arange(1, NUM_JOINTS)
        lengths = np.linalg.norm(joints[children] - joints[parents[children]],
                                 axis=-1)
        low = np.full(len(children), BONE_LENGTH_RANGE_M[0])
        high = np.full(len(children), BONE_LENGTH_RANGE_M[1])
        long_bone = np.isin(children, LONG_BONE_JOINTS)
        low[long_bone], high[long_bone] = WRIST_TO_FINGER_BASE_RANGE_M
        invalid[children] |= (lengths < low) | (lengths > high)

        angle_joints = np.array(sorted(MIN_JOINT_ANGLE_DEG))
        to_parent = joints[parents[angle_joints]] - joints[angle_joints]
        to_child = joints[angle_joints + 1] - joints[angle_joints]
        cosine = (to_parent * to_child).sum(-1) / (
            np.linalg.norm(to_parent, axis=-1) *
            np.linalg.norm(to_child, axis=-1))
        angles = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
        minimum = np.array([MIN_JOINT_ANGLE_DEG[j] for j in angle_joints])
        invalid[angle_joints] |= (angles < minimum) | (
            angles > MAX_JOINT_ANGLE_DEG)
    return invalid


def world_to_camera(points: np.ndarray, extrinsics: np.ndarray) -> np.ndarray:
    """(N, 3) world points -> camera frame with a 3 x 4 ``[R | t]``.

    ``X_cam = R X_world + t`` (the official ``camera_extrinsics``).
    """
    extrinsics = np.asarray(extrinsics, np.float64)
    return points @ extrinsics[:, :3].T + extrinsics[:, 3]


def project_points(points: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(N, 3) camera-frame points -> (N, 2) px with ``u ~ K X`` (NaN-safe)."""
    uvw = points @ np.asarray(K, np.float64).T
    with np.errstate(invalid='ignore', divide='ignore'):
        return uvw[:, :2] / uvw[:, 2:3]


def aria_visibility_mask(size: int = IMAGE_SIZE, focal: float = FOCAL_PX,
                         principal: float = PRINCIPAL_PX,
                         max_angle_rad: float = ARIA_RGB_MAX_ANGLE_RAD
                         ) -> np.ndarray:
    """(size, size) bool: pixels of the undistorted image that see the scene.

    A pixel is visible when its pinhole ray is within ``max_angle_rad`` of the
    optical axis, which is where projectaria_tools' undistortion of an
    all-white Aria image stays non-zero (the official mask).
    """
    coords = (np.arange(size, dtype=np.float64) - principal) / focal
    radius = np.hypot(coords[None, :], coords[:, None])
    return np.arctan(radius) <= max_angle_rad


def inside_image_and_mask(points: np.ndarray,
                          mask: np.ndarray) -> np.ndarray:
    """(N,) bool: finite, inside the image and on a non-zero mask pixel.

    Args:
        points: (N, 2) px, undistorted image.
        mask: (H, W) visibility mask; the pixel is looked up as
            ``mask[int(y), int(x)]`` like the official check.
    """
    height, width = mask.shape
    finite = np.isfinite(points).all(-1)
    safe = np.where(finite[:, None], points, 0.0)
    inside = finite & (safe[:, 0] >= 0) & (safe[:, 0] < width) & (
        safe[:, 1] >= 0) & (safe[:, 1] < height)
    rows = np.where(inside, safe[:, 1], 0).astype(np.int64)
    cols = np.where(inside, safe[:, 0], 0).astype(np.int64)
    return inside & (mask[rows, cols] != 0)


def reprojection_ok(projected: np.ndarray, annotated: np.ndarray,
                    threshold: float = REPROJECTION_THRESHOLD_PX
                    ) -> np.ndarray:
    """(21,) bool: projection within ``threshold`` px of the annotated 2D.

    NaN on either side fails; the wrist always passes (its annotated
    position is too ambiguous, as in the official rule).
    """
    distance = np.linalg.norm(projected - annotated, axis=-1)
    distance[WRIST] = 0.0
    with np.errstate(invalid='ignore'):
        return distance <= threshold


def padded_box(points: np.ndarray,
               image_shape: Tuple[int, int] = (IMAGE_SIZE, IMAGE_SIZE),
               padding: float = BBOX_PADDING_PX) -> np.ndarray:
    """(4,) xyxy: tight box of (N, 2) px points +- ``padding``, clipped.

    Clipped to ``[0, w - 1] x [0, h - 1]`` (``image_shape = (h, w)``) like
    the official training boxes.
    """
    upper = np.array([image_shape[1] - 1, image_shape[0] - 1], np.float64)
    low = np.clip(points.min(0) - padding, 0, upper)
    high = np.clip(points.max(0) + padding, 0, upper)
    return np.array([low[0], low[1], high[0], high[1]])


def filter_hand(joints_world: np.ndarray, annotated_2d: np.ndarray,
                extrinsics: np.ndarray, K: np.ndarray, mask: np.ndarray,
                min_valid_joints: int = MIN_VALID_JOINTS,
                reprojection_threshold: float = REPROJECTION_THRESHOLD_PX,
                bbox_padding: float = BBOX_PADDING_PX) -> Optional[dict]:
    """Apply rules 2-6 to one hand of one frame.

    Args:
        joints_world: (21, 3) metres, world frame, NaN where not annotated
            (after the views rule).
        annotated_2d: (21, 2) px, Aria annotation, NaN where missing.
        extrinsics: (3, 4) world -> camera. K: (3, 3) intrinsics.
        mask: (H, W) visibility mask of the undistorted image.
        min_valid_joints, reprojection_threshold (px), bbox_padding (px):
            the official defaults unless overridden.

    Returns:
        None if the hand is dropped, else a dict of the processed record:
        ``hand_3d`` (21, 3) m camera frame with NaN at invalid joints (but
        always the wrist), ``hand_2d`` (21, 2) the annotated 2D inside image
        and mask (NaN elsewhere), ``hand_bbox`` (4,) xyxy px,
        ``hand_valid_3d`` (21,) bool.
    """
    joints = np.array(joints_world, np.float64)
    if not np.isfinite(joints[WRIST]).all():
        return None
    joints[biomechanically_invalid(joints)] = np.nan
    camera = world_to_camera(joints, extrinsics)
    projected = project_points(camera, K)
    projected_ok = inside_image_and_mask(projected, mask)
    projected[~projected_ok] = np.nan
    annotated = np.array(annotated_2d, np.float64)
    annotated[~inside_image_and_mask(annotated, mask)] = np.nan
    valid = projected_ok & reprojection_ok(projected, annotated,
                                           reprojection_threshold)
    if int(valid.sum()) < min_valid_joints:
        return None
    hand_3d = camera.copy()
    hand_3d[~valid] = np.nan
    hand_3d[WRIST] = camera[WRIST]
    return dict(hand_3d=hand_3d, hand_2d=annotated,
                hand_bbox=padded_box(projected[valid], mask.shape,
                                     bbox_padding),
                hand_valid_3d=valid)
