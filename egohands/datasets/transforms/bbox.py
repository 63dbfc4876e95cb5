"""Hand boxes for the top-down crop: square padding and random jitter.

Both transforms write ``bbox_center`` (2,) and ``bbox_size`` (2,) as
``(width, height)``, full-image px, float32; :class:`RandomBBoxTransform`
also writes ``bbox_rotation`` (degrees, positive turns the image content
counter-clockwise as displayed), which ``TopdownAffine`` applies.
"""
from __future__ import annotations

import math
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from egohands.datasets.transforms.utils import check_probability
from egohands.registry import TRANSFORMS
from egohands.utils.errors import AnnotationError, ConfigError


def _clip(value: float, bound: float) -> float:
    """``value`` clipped to ``[-bound, bound]``."""
    return min(max(float(value), -bound), bound)


@TRANSFORMS.register_module()
class GetSquareBBox(BaseTransform):
    """Square box of side ``padding * max(w, h)`` around the ``bbox`` centre.

    Args:
        padding: factor applied to the long side of ``bbox`` (xyxy, px);
            1.25 as HP-ViT's ``xyxy2cs`` and mmpose's hand configs.
    """

    def __init__(self, padding: float = 1.25) -> None:
        if padding <= 0:
            raise ConfigError(f'GetSquareBBox: padding must be > 0, got '
                              f'{padding}')
        self.padding = float(padding)

    def transform(self, results: Dict) -> Dict:
        x0, y0, x1, y1 = (float(v) for v in results['bbox'])
        if not (all(map(math.isfinite, (x0, y0, x1, y1))) and x1 > x0
                and y1 > y0):
            raise AnnotationError(
                f"{results.get('img_path', '?')}: annotation id "
                f"{results.get('ann_id', '?')}: 'bbox' {[x0, y0, x1, y1]} "
                '(x0, y0, x1, y1) has no area; every hand box needs '
                'x1 > x0 and y1 > y0 (format: docs/data_format.md)')
        # bbox_to_center_size(bbox, padding, aspect_ratio=1) for one box
        side = max(x1 - x0, y1 - y0) * self.padding
        results['bbox_center'] = np.array([(x0 + x1) / 2, (y0 + y1) / 2],
                                          np.float32)
        results['bbox_size'] = np.array([side, side], np.float32)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(padding={self.padding})'


@TRANSFORMS.register_module()
class RandomBBoxTransform(BaseTransform):
    """HaMeR-style random scale, rotation and shift of the crop box.

    With ``n`` a standard normal draw (one per quantity):

    * scale: ``bbox_size *= 1 + clip(n, -1, 1) * scale_factor``
      (HaMeR: 0.3), with probability ``scale_prob``;
    * rotation: ``bbox_rotation += clip(n, -2, 2) * rotate_factor`` degrees
      (HaMeR: 30, probability 0.6);
    * shift: ``bbox_center += clip(n, -1, 1) * shift_factor * bbox_size``
      per axis (HaMeR: 0.02), with probability ``shift_prob``.

    Must follow :class:`GetSquareBBox`. Uses numpy's global random state,
    so mmengine's seeding makes it reproducible.
    """

    #: dropped by ``tools/browse_dataset.py --no-aug``
    RANDOM_AUGMENTATION = True

    def __init__(self, scale_factor: float = 0.3, scale_prob: float = 1.0,
                 rotate_factor: float = 30.0, rotate_prob: float = 0.6,
                 shift_factor: float = 0.02,
                 shift_prob: float = 1.0) -> None:
        name = type(self).__name__
        if scale_factor < 0 or scale_factor >= 1:
            raise ConfigError(f'{name}: scale_factor must be in [0, 1), got '
                              f'{scale_factor}')
        self.scale_factor = float(scale_factor)
        self.rotate_factor = float(rotate_factor)
        self.shift_factor = float(shift_factor)
        self.scale_prob = check_probability(name, 'scale_prob', scale_prob)
        self.rotate_prob = check_probability(name, 'rotate_prob',
                                              rotate_prob)
        self.shift_prob = check_probability(name, 'shift_prob', shift_prob)

    def transform(self, results: Dict) -> Dict:
        if 'bbox_center' not in results:
            raise ConfigError('RandomBBoxTransform needs bbox_center and '
                              'bbox_size: put GetSquareBBox before it in '
                              'the pipeline')
        # python floats (numpy scalar calls cost more than the arithmetic);
        # the same draws in the same order as numpy arrays would take
        cx, cy = (float(v) for v in results['bbox_center'])
        width, height = (float(v) for v in results['bbox_size'])
        rotation = float(results.get('bbox_rotation', 0.0))
        if np.random.rand() < self.shift_prob:
            shift_x, shift_y = np.random.randn(2).tolist()
            cx += _clip(shift_x, 1.0) * self.shift_factor * width
            cy += _clip(shift_y, 1.0) * self.shift_factor * height
        if np.random.rand() < self.scale_prob:
            factor = 1 + _clip(np.random.randn(), 1.0) * self.scale_factor
            width, height = width * factor, height * factor
        if np.random.rand() < self.rotate_prob:
            rotation += _clip(np.random.randn(), 2.0) * self.rotate_factor
        results['bbox_center'] = np.array([cx, cy], np.float32)
        results['bbox_size'] = np.array([width, height], np.float32)
        results['bbox_rotation'] = rotation
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_factor={self.scale_factor}, '
                f'scale_prob={self.scale_prob}, rotate_factor='
                f'{self.rotate_factor}, rotate_prob={self.rotate_prob}, '
                f'shift_factor={self.shift_factor}, shift_prob='
                f'{self.shift_prob})')
