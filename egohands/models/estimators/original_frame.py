"""Bring head predictions from the input frame back to the original one.

A head predicts in the camera frame of its input, which may be flipped, and
in input-crop pixels. The estimator applies :func:`to_original_frame` so that
every prediction leaving the model is in the original image and camera frame
(architecture section 3.3).
"""
from typing import Any, Dict, Mapping

import numpy as np

from egohands.geometry.affine import apply_affine_2d, invert_affine
from egohands.geometry.flip import Array, flip_axis_angle, flip_points_3d

#: MANO entries that are axis-angle rotations (un-flipped like MANO pose)
_MANO_ROTATIONS = ('global_orient', 'hand_pose', 'pose')


def crop_to_image_points(points: Array, crop_from_img: Array) -> Array:
    """Map (..., K, 2) input-crop px to full-image px with the inverse of
    the sample's (3, 3) ``crop_from_img`` (flips included, so the result
    needs no further un-flipping). Returns the type of ``points``."""
    return apply_affine_2d(points, invert_affine(np.asarray(crop_from_img)))


def to_original_frame(pred: Dict[str, Any],
                      metainfo: Mapping[str, Any]) -> Dict[str, Any]:
    """Un-flip 3D predictions and map 2D ones to full-image pixels.

    Args:
        pred: ``pred_*`` fields of one sample in the input frame (see
            ``BaseHandHead.predict``): ``pred_joints_3d`` (K, 3) mm,
            ``pred_vertices`` (V, 3) mm, ``pred_keypoints_2d`` (K, 2)
            input-crop px, ``pred_joints_3d_std`` (K, 3), ``pred_mano``.
        metainfo: the sample's metainfo; ``flip`` (default ``'none'``) and
            ``crop_from_img`` (needed only for 2D predictions).

    Returns:
        A new dict, same keys, in the original camera frame / full-image px.
        Standard deviations are per-axis magnitudes and are unchanged;
        MANO rotations are mirrored like ``flip_axis_angle`` and ``transl``
        like a point.
    """
    flip = metainfo.get('flip', 'none') or 'none'
    out = dict(pred)
    for key in ('pred_joints_3d', 'pred_vertices'):
        if key in out:
            out[key] = flip_points_3d(out[key], flip)
    if 'pred_keypoints_2d' in out:
        if 'crop_from_img' not in metainfo:
            raise KeyError('a head predicted pred_keypoints_2d but the '
                           'sample has no crop_from_img metainfo')
        out['pred_keypoints_2d'] = crop_to_image_points(
            out['pred_keypoints_2d'], metainfo['crop_from_img'])
    if 'pred_mano' in out and flip != 'none':
        mano = dict(out['pred_mano'])
        for key in _MANO_ROTATIONS:
            if key in mano:
                value = mano[key]
                mano[key] = flip_axis_angle(value.reshape(
                    value.shape[:-1] + (-1, 3)), flip).reshape(value.shape)
        if 'transl' in mano:
            mano['transl'] = flip_points_3d(mano['transl'], flip)
        out['pred_mano'] = mano
    return out
