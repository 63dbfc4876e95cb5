"""``RandomFlip``: mirror the input crop together with its camera frame.

A flip of the image is a flip of the camera frame (``egohands.geometry.
flip``): horizontal negates x and swaps the hand side (a mirrored left hand
is a right hand), vertical negates y and keeps the side (HP-ViT's
augmentation). Applied twice, every flip gives back the input exactly.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from egohands.datasets.transforms.utils import check_probability
from egohands.geometry.affine import apply_affine_2d
from egohands.geometry.flip import (flip_axis_angle, flip_intrinsics,
                                    flip_matrix_2d, flip_points_3d,
                                    swap_hand_side)
from egohands.registry import TRANSFORMS
from egohands.utils.errors import ConfigError, check_choice

_CV2_FLIP_CODES = {'horizontal': 1, 'vertical': 0}


def flip_sample(results: Dict, direction: str) -> Dict:
    """Mirror a cropped sample in place (and return it).

    Updates ``img``, ``mask``, ``keypoints_2d`` (input px), ``joints_3d``,
    ``crop_K``, ``crop_from_img``, ``hand_side`` (horizontal),
    ``mano_pose``, ``mano_transl`` and ``flip``. A vertical flip turns the
    hand into the mirror image of a hand of the *same* declared side, which
    that side's MANO cannot represent, so it sets ``mano_valid = 0``.
    """
    previous = results.get('flip', 'none') or 'none'
    if previous not in ('none', direction):
        raise ConfigError(f'RandomFlip: the sample was already flipped '
                          f'{previous}ly; use one flip direction per pipeline')
    width, height = results['input_size']
    mirror = flip_matrix_2d(direction, width, height)
    results['img'] = np.ascontiguousarray(
        cv2.flip(results['img'], _CV2_FLIP_CODES[direction]))
    if 'mask' in results:
        results['mask'] = np.ascontiguousarray(
            cv2.flip(results['mask'], _CV2_FLIP_CODES[direction]))
    results['keypoints_2d'] = apply_affine_2d(
        np.asarray(results['keypoints_2d'], np.float64),
        mirror).astype(np.float32)
    results['crop_from_img'] = (mirror @ np.asarray(
        results['crop_from_img'], np.float64)).astype(np.float32)
    results['crop_K'] = flip_intrinsics(
        np.asarray(results['crop_K'], np.float64), direction, width,
        height).astype(np.float32)
    results['joints_3d'] = flip_points_3d(
        np.asarray(results['joints_3d'], np.float32), direction)
    results.setdefault('orig_hand_side', results['hand_side'])
    results['hand_side'] = swap_hand_side(results['hand_side'], direction)
    pose = np.asarray(results['mano_pose'], np.float32)
    results['mano_pose'] = flip_axis_angle(pose.reshape(-1, 3),
                                           direction).reshape(pose.shape)
    results['mano_transl'] = flip_points_3d(
        np.asarray(results['mano_transl'], np.float32), direction)
    if direction == 'vertical':
        results['mano_valid'] = 0.0
    results['flip'] = direction if previous == 'none' else 'none'
    return results


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """Flip the input crop with probability ``prob``.

    Must come after ``TopdownAffine`` (it mirrors the crop and its camera).

    Args:
        direction: ``'horizontal'`` (left/right semantics: hand side swaps,
            3D x negated, MANO pose mirrored) or ``'vertical'`` (HP-ViT:
            3D y negated, side kept).
        prob: probability of flipping a sample.
        hand_sides: flip only hands of these sides. ``direction=
            'horizontal', prob=1.0, hand_sides=('left',)`` mirrors every
            left hand into a right hand, as HaMeR trains.
    """

    #: dropped by ``tools/browse_dataset.py --no-aug``
    RANDOM_AUGMENTATION = True

    def __init__(self, direction: str = 'horizontal', prob: float = 0.5,
                 hand_sides: Optional[Sequence[str]] = None) -> None:
        check_choice('RandomFlip', 'direction', direction, _CV2_FLIP_CODES)
        self.direction = direction
        self.prob = check_probability('RandomFlip', 'prob', prob)
        # prob 1 (e.g. mirroring every left hand) is not random: keep it
        self.RANDOM_AUGMENTATION = 0.0 < self.prob < 1.0
        self.hand_sides = None if hand_sides is None else tuple(hand_sides)

    def transform(self, results: Dict) -> Dict:
        if 'crop_K' not in results:
            raise ConfigError('RandomFlip needs crop_K and crop_from_img: '
                              'put it after TopdownAffine in the pipeline')
        results.setdefault('flip', 'none')
        results.setdefault('orig_hand_side', results['hand_side'])
        if self.hand_sides is not None and \
                results['hand_side'] not in self.hand_sides:
            return results
        if np.random.rand() < self.prob:
            flip_sample(results, self.direction)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(direction={self.direction!r}, '
                f'prob={self.prob}, hand_sides={self.hand_sides})')
