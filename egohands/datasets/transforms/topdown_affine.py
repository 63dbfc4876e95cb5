"""``TopdownAffine``: crop the hand box to the network input, with its camera.

The crop is the 2D affine ``A`` (``crop_from_img``, full-image px -> input
px) of ``egohands.geometry.affine.get_affine_matrix`` (computed here by
:func:`crop_affine` for one box, tested equal); the camera of the
input is ``crop_K = A @ K`` so that projecting the 3D joints with ``crop_K``
equals cropping their projection (docs/architecture.md section 3.2).

**Non-square inputs.** The box from ``GetSquareBBox`` is square; an input of
another aspect ratio (HaMeR's and HP-ViT's 192x256) is handled by
``aspect_mode``:

* ``'expand'`` (default): grow the short side of the box to the input's
  aspect ratio, so the whole padded box stays visible;
* ``'crop'``: keep the box width and let the input's height decide, which
  cuts the box when the input is wider than tall. With
  ``input_size=(256, 192)`` this reproduces HP-ViT's released crop (a
  256-wide, 192-high input showing the central 75 % of the box rows).

**In-plane rotation** (``bbox_rotation`` from ``RandomBBoxTransform``) is,
by default (``rotate_camera=True``), a rotation of the camera about its
optical axis, as HaMeR trains: the 3D joints, the MANO global orientation
and translation turn with the image, ``aug_rotation`` (3, 3) records the
rotation (``joints_3d_new = aug_rotation @ joints_3d``), and
``crop_K = A @ K @ aug_rotation.T`` stays a pure scale-and-shift of ``K``
when ``fx == fy``. With ``rotate_camera=False`` the 3D data is left alone and
the rotation stays inside ``crop_K`` (a network then cannot tell how the
image was turned: only right for 2D targets).
"""
from __future__ import annotations

import math
from typing import Dict, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from egohands.registry import TRANSFORMS
from egohands.utils.errors import ConfigError, check_choice

ASPECT_MODES = ('expand', 'crop')
_INTERPOLATIONS = {'nearest': cv2.INTER_NEAREST, 'linear': cv2.INTER_LINEAR,
                   'cubic': cv2.INTER_CUBIC, 'area': cv2.INTER_AREA}


def fit_box_to_aspect(size: np.ndarray, input_size: Tuple[int, int],
                      aspect_mode: str) -> np.ndarray:
    """(width, height) of the image region shown by the input, px.

    ``'expand'`` grows the short side to the input aspect ratio; ``'crop'``
    keeps the width and derives the height from the input's aspect ratio.
    """
    width, height = float(size[0]), float(size[1])
    aspect = input_size[0] / input_size[1]
    if aspect_mode == 'expand':
        width = max(width, height * aspect)
    return np.array([width, width / aspect])


def camera_roll(rotation_deg: float) -> np.ndarray:
    """(3, 3) camera rotation matching an image rotation of the crop.

    ``get_affine_matrix`` turns the image content counter-clockwise (as
    displayed) by ``rotation_deg``; the camera-frame points turn with it
    about the optical axis: ``R = Rz(-rotation)`` in OpenCV axes, written
    out (the matrix of ``axis_angle_to_matrix([0, 0, -angle])``).
    """
    angle = math.radians(rotation_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    return np.array([[cos, sin, 0.0], [-sin, cos, 0.0], [0.0, 0.0, 1.0]])


def crop_affine(center: Sequence[float], width: float, rotation_deg: float,
                input_size: Tuple[int, int]) -> np.ndarray:
    """(3, 3) float64 ``crop_from_img`` of one box of ``width`` px: the
    formula of ``egohands.geometry.affine.get_affine_matrix`` for python
    scalars, without its numpy / torch batching (which cost a fifth of the
    training pipeline's time)."""
    scale = input_size[0] / float(width)
    angle = math.radians(rotation_deg)
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    cx, cy = float(center[0]), float(center[1])
    out_cx, out_cy = (input_size[0] - 1) / 2, (input_size[1] - 1) / 2
    return np.array([[cos, sin, out_cx - cos * cx - sin * cy],
                     [-sin, cos, out_cy + sin * cx - cos * cy],
                     [0.0, 0.0, 1.0]])


def rotate_hand_3d(results: Dict, rotation: np.ndarray) -> None:
    """Turn joints_3d, MANO global orient and transl by ``rotation`` in place.

    MANO rotates about its root joint (the wrist), so with the wrist at
    ``w`` metres the translation becomes ``t + (R - I) w``; without a valid
    wrist joint the MANO parameters are marked invalid. The global orient
    is composed through OpenCV's Rodrigues (the rotation of
    ``egohands.geometry.rotation``'s functions, computed in C).
    """
    joints = np.asarray(results['joints_3d'], np.float64)
    results['joints_3d'] = (joints @ rotation.T).astype(np.float32)
    if float(results.get('mano_valid', 0.0)) <= 0:
        return
    pose = np.asarray(results['mano_pose'], np.float64).copy()
    orient = rotation @ cv2.Rodrigues(pose[:3])[0]
    pose[:3] = cv2.Rodrigues(orient)[0][:, 0]
    results['mano_pose'] = pose.astype(np.float32)
    if results['joints_valid'][0] > 0:
        wrist_m = joints[0] / 1000.0
        transl = np.asarray(results['mano_transl'], np.float64)
        results['mano_transl'] = (transl + rotation @ wrist_m -
                                  wrist_m).astype(np.float32)
    else:
        results['mano_valid'] = 0.0


@TRANSFORMS.register_module()
class TopdownAffine(BaseTransform):
    """Warp the hand box to ``input_size`` and move every label with it.

    Reads ``img``, ``bbox_center``, ``bbox_size`` (from ``GetSquareBBox``),
    optional ``bbox_rotation`` (deg), ``K``, ``keypoints_2d`` (full-image
    px), ``joints_3d`` (mm, camera), MANO fields and optional ``mask``.
    Writes ``img`` (h, w, 3) the crop, ``keypoints_2d`` (21, 2) in input px,
    ``crop_from_img`` (3, 3), ``crop_K`` (3, 3), ``input_size`` (w, h),
    ``aug_rotation`` (3, 3) and, when rotated, the turned 3D data.

    Args:
        input_size: network input ``(w, h)``, px; e.g. (192, 256) for a
            256-high, 192-wide input.
        aspect_mode: ``'expand'`` or ``'crop'`` (module docstring).
        rotate_camera: model in-plane rotation as a camera roll.
        interpolation: ``'linear'`` (default), ``'nearest'``, ``'cubic'``
            or ``'area'``; the mask is always warped with nearest.
        border_value: fill of pixels outside the image (per channel).
    """

    def __init__(self, input_size: Sequence[int],
                 aspect_mode: str = 'expand', rotate_camera: bool = True,
                 interpolation: str = 'linear',
                 border_value: float = 0.0) -> None:
        name = type(self).__name__
        if len(input_size) != 2 or min(input_size) < 1:
            raise ConfigError(f'{name}: input_size must be (w, h) in px, got '
                              f'{input_size}')
        check_choice(name, 'aspect_mode', aspect_mode, ASPECT_MODES)
        check_choice(name, 'interpolation', interpolation,
                     sorted(_INTERPOLATIONS))
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.aspect_mode = aspect_mode
        self.rotate_camera = rotate_camera
        self.interpolation = interpolation
        self.border_value = border_value

    def crop_matrix(self, results: Dict) -> np.ndarray:
        """(3, 3) float64 ``crop_from_img`` of this sample."""
        if 'bbox_center' not in results or 'bbox_size' not in results:
            raise ConfigError('TopdownAffine needs bbox_center and bbox_size:'
                              ' put GetSquareBBox before it in the pipeline')
        size = fit_box_to_aspect(results['bbox_size'], self.input_size,
                                 self.aspect_mode)
        return crop_affine(results['bbox_center'], size[0],
                           float(results.get('bbox_rotation', 0.0)),
                           self.input_size)

    def transform(self, results: Dict) -> Dict:
        affine = self.crop_matrix(results)
        width, height = self.input_size
        results['img'] = cv2.warpAffine(
            results['img'], affine[:2], (width, height),
            flags=_INTERPOLATIONS[self.interpolation],
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(self.border_value, ) * 3)
        if 'mask' in results:
            results['mask'] = cv2.warpAffine(
                results['mask'], affine[:2], (width, height),
                flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT,
                borderValue=0)
        # apply_affine_2d and crop_intrinsics, written out for numpy
        keypoints = np.asarray(results['keypoints_2d'], np.float64)
        results['keypoints_2d'] = (keypoints @ affine[:2, :2].T +
                                   affine[:2, 2]).astype(np.float32)
        crop_K = affine @ np.asarray(results['K'], np.float64)
        rotation = np.eye(3)
        angle = float(results.get('bbox_rotation', 0.0))
        if self.rotate_camera and angle != 0.0:
            rotation = camera_roll(angle)
            rotate_hand_3d(results, rotation)
            crop_K = crop_K @ rotation.T
        results['aug_rotation'] = rotation.astype(np.float32)
        results['crop_from_img'] = affine.astype(np.float32)
        results['crop_K'] = crop_K.astype(np.float32)
        results['input_size'] = self.input_size
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, '
                f'aspect_mode={self.aspect_mode!r}, rotate_camera='
                f'{self.rotate_camera}, interpolation='
                f'{self.interpolation!r})')
