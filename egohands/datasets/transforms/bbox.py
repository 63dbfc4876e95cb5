"""Hand boxes for the top-down crop: square padding and random jitter.

Both transforms write ``bbox_center`` (2,) and ``bbox_size`` (2,) as
``(width, height)``, full-image px, float32; :class:`RandomBBoxTransform`
also writes ``bbox_rotation`` (degrees, positive turns the image content
counter-clockwise as displayed), which ``TopdownAffine`` applies.
"""
from __future__ import annotations

from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from egohands.geometry.affine import bbox_to_center_size
from egohands.datasets.transforms.utils import check_probability
from egohands.registry import TRANSFORMS
from egohands.utils.errors import AnnotationError, ConfigError


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
        bbox = np.asarray(results['bbox'], np.float64)
        if not (np.isfinite(bbox).all() and bbox[2] > bbox[0]
                and bbox[3] > bbox[1]):
            raise AnnotationError(
                f"{results.get('img_path', '?')}: annotation id "
                f"{results.get('ann_id', '?')}: 'bbox' {bbox.tolist()} "
                '(x0, y0, x1, y1) has no area; every hand box needs '
                'x1 > x0 and y1 > y0 (format: docs/data_format.md)')
        center, size = bbox_to_center_size(bbox, self.padding, 1.0)
        results['bbox_center'] = center.astype(np.float32)
        results['bbox_size'] = size.astype(np.float32)
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
        center = np.asarray(results['bbox_center'], np.float64)
        size = np.asarray(results['bbox_size'], np.float64)
        rotation = float(results.get('bbox_rotation', 0.0))
        if np.random.rand() < self.shift_prob:
            shift = np.clip(np.random.randn(2), -1, 1) * self.shift_factor
            center = center + shift * size
        if np.random.rand() < self.scale_prob:
            size = size * (1 + np.clip(np.random.randn(), -1, 1) *
                           self.scale_factor)
        if np.random.rand() < self.rotate_prob:
            rotation += float(np.clip(np.random.randn(), -2, 2) *
                              self.rotate_factor)
        results['bbox_center'] = center.astype(np.float32)
        results['bbox_size'] = size.astype(np.float32)
        results['bbox_rotation'] = rotation
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_factor={self.scale_factor}, '
                f'scale_prob={self.scale_prob}, rotate_factor='
                f'{self.rotate_factor}, rotate_prob={self.rotate_prob}, '
                f'shift_factor={self.shift_factor}, shift_prob='
                f'{self.shift_prob})')
