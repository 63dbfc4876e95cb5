"""Image flips as changes of camera frame.

Flipping an image horizontally is the same as looking at the world through a
camera whose x axis is negated: a 3D point ``(X, Y, Z)`` becomes
``(-X, Y, Z)``, the hand changes side (a left hand looks like a right hand),
and the intrinsics become ``F @ K @ diag(-1, 1, 1)`` with ``F`` the pixel
mirror ``u -> w - 1 - u`` (pixel centres at integer coordinates). A vertical
flip negates ``Y`` the same way (HP-ViT's augmentation and TTA), without a
change of side.

Every function here is its own inverse, which is what test-time augmentation
relies on: a prediction made on a flipped input is brought back by applying
the same flip again.
"""
from typing import Union

import numpy as np
import torch

Array = Union[np.ndarray, torch.Tensor]

FLIP_DIRECTIONS = ('none', 'horizontal', 'vertical')

_AXIS = {'horizontal': 0, 'vertical': 1}


def _check(direction: str) -> None:
    if direction not in FLIP_DIRECTIONS:
        raise ValueError(f'flip direction must be one of {FLIP_DIRECTIONS}, '
                         f'got {direction!r}')


def flip_points_3d(points: Array, direction: str) -> Array:
    """Mirror camera-frame points: negate x (horizontal) or y (vertical).

    Args:
        points: (..., 3) points in any unit, camera frame.
        direction: ``'none'``, ``'horizontal'`` or ``'vertical'``.

    Returns:
        (..., 3) points in the flipped camera frame (a new array).
    """
    _check(direction)
    out = points.clone() if isinstance(points, torch.Tensor) else np.array(
        points, copy=True)
    if direction != 'none':
        out[..., _AXIS[direction]] *= -1
    return out


def flip_axis_angle(rotvecs: Array, direction: str) -> Array:
    """Mirror axis-angle rotations (e.g. MANO pose) with the camera frame.

    A reflection ``S`` maps a rotation ``R`` to ``S R S``; for axis-angle
    vectors that keeps the component along the mirrored axis and negates the
    two others: horizontal ``(x, y, z) -> (x, -y, -z)``, vertical
    ``(x, y, z) -> (-x, y, -z)``.

    Args:
        rotvecs: (..., 3) axis-angle vectors, radians (a (..., 3k) MANO pose
            vector must be reshaped to (..., k, 3) first).
        direction: ``'none'``, ``'horizontal'`` or ``'vertical'``.
    """
    _check(direction)
    out = rotvecs.clone() if isinstance(rotvecs, torch.Tensor) else np.array(
        rotvecs, copy=True)
    if direction != 'none':
        keep = _AXIS[direction]
        for axis in range(3):
            if axis != keep:
                out[..., axis] *= -1
    return out


def flip_matrix_2d(direction: str, width: int, height: int) -> np.ndarray:
    """Homogeneous 3x3 pixel mirror of a ``width`` x ``height`` image."""
    _check(direction)
    matrix = np.eye(3, dtype=np.float64)
    if direction == 'horizontal':
        matrix[0, 0], matrix[0, 2] = -1.0, width - 1.0
    elif direction == 'vertical':
        matrix[1, 1], matrix[1, 2] = -1.0, height - 1.0
    return matrix


def flip_intrinsics(K: np.ndarray, direction: str, width: int,
                    height: int) -> np.ndarray:
    """Intrinsics of the flipped image for points in the flipped frame.

    With ``X' = flip_points_3d(X)`` and ``u' = flip_matrix_2d @ u``, the
    returned ``K'`` satisfies ``u' ~ K' X'``. Works for any 3x3 projective
    ``K`` (for instance a crop camera that includes a rotation).
    """
    _check(direction)
    mirror_3d = np.diag([-1.0, 1.0, 1.0]) if direction == 'horizontal' else (
        np.diag([1.0, -1.0, 1.0]) if direction == 'vertical' else np.eye(3))
    out = flip_matrix_2d(direction, width, height) @ np.asarray(
        K, dtype=np.float64) @ mirror_3d
    return out.astype(np.asarray(K).dtype)


_OTHER_SIDE = {'left': 'right', 'right': 'left'}


def swap_hand_side(side: str, direction: str) -> str:
    """A horizontal flip turns a left hand into a right hand and back."""
    _check(direction)
    return _OTHER_SIDE[side] if direction == 'horizontal' else side


def apparent_hand_side(side: str, direction: str) -> str:
    """The side a hand *looks like* in an input flipped by ``direction``.

    ``side`` is the declared side after the flip (``swap_hand_side`` already
    renamed it for a horizontal flip). A vertical flip mirrors the hand
    without renaming it, so a vertically flipped right hand looks like a
    left hand: that is what a model sees and what side-conditioned heads
    are told.
    """
    _check(direction)
    return _OTHER_SIDE[side] if direction == 'vertical' else side
