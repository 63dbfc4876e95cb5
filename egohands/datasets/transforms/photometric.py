"""Photometric augmentations of the seed methods (image only, BGR uint8).

They change pixel values, never geometry, so no label moves. Each takes its
probability as an argument and draws from numpy's global random state
(seeded by mmengine).

====================  =======================================================
``HSVJitter``         YOLOX-style HSV shift (HP-ViT: hue 5, sat 30, val 30,
                      each gain enabled with probability 0.5)
``RandomBlur``        box blur, odd kernel in ``blur_limit`` (HP-ViT: p 0.1)
``RandomMedianBlur``  median blur, odd kernel (HP-ViT: p 0.1)
``CoarseDropout``     rectangular holes filled with a constant (HP-ViT: one
                      hole of 0.2-0.4 of the height and width, p 1.0)
``ColorScale``        per-channel factor in [low, high] (HaMeR: [0.8, 1.2])
====================  =======================================================
"""
from __future__ import annotations

from typing import Dict, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from egohands.datasets.transforms.utils import check_probability
from egohands.registry import TRANSFORMS
from egohands.utils.errors import ConfigError


def _odd_kernel_sizes(owner: str, blur_limit: Sequence[int]) -> np.ndarray:
    low, high = (int(v) for v in blur_limit)
    sizes = np.arange(max(low, 3), high + 1)
    sizes = sizes[sizes % 2 == 1]
    if len(sizes) == 0:
        raise ConfigError(f'{owner}: blur_limit {tuple(blur_limit)} holds no '
                          'odd kernel size >= 3')
    return sizes


_BYTE_VALUES = np.arange(256, dtype=np.int16)


def _as_uint8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@TRANSFORMS.register_module()
class HSVJitter(BaseTransform):
    """Shift hue, saturation and value by random integer gains.

    Each gain is ``uniform(-1, 1) * delta``, switched on independently with
    probability ``prob`` (0.5 in YOLOX), truncated to an integer. Hue wraps
    around OpenCV's 0-179 range; saturation and value are clipped to 0-255.

    Args:
        hue_delta, saturation_delta, value_delta: maximal shifts.
        prob: probability of each gain being applied.
    """

    #: dropped by ``tools/browse_dataset.py --no-aug``
    RANDOM_AUGMENTATION = True

    def __init__(self, hue_delta: int = 5, saturation_delta: int = 30,
                 value_delta: int = 30, prob: float = 0.5) -> None:
        self.deltas = np.array([hue_delta, saturation_delta, value_delta],
                               np.float64)
        self.prob = check_probability('HSVJitter', 'prob', prob)

    def transform(self, results: Dict) -> Dict:
        enabled = np.random.rand(3) < self.prob
        gains = (np.random.uniform(-1, 1, 3) * self.deltas * enabled).astype(
            np.int16)
        if not gains.any():
            return results
        # one uint8 table per channel, applied in one cv2.LUT pass: hue
        # wraps modulo 180, saturation and value clip to 0-255
        table = np.empty((1, 256, 3), np.uint8)
        table[0, :, 0] = (_BYTE_VALUES + gains[0]) % 180
        table[0, :, 1] = np.clip(_BYTE_VALUES + gains[1], 0, 255)
        table[0, :, 2] = np.clip(_BYTE_VALUES + gains[2], 0, 255)
        hsv = cv2.cvtColor(results['img'], cv2.COLOR_BGR2HSV)
        results['img'] = cv2.cvtColor(cv2.LUT(hsv, table), cv2.COLOR_HSV2BGR)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(deltas={self.deltas.tolist()}, '
                f'prob={self.prob})')


@TRANSFORMS.register_module()
class RandomBlur(BaseTransform):
    """Box blur with an odd kernel drawn from ``blur_limit``, w.p. ``prob``."""

    #: dropped by ``tools/browse_dataset.py --no-aug``
    RANDOM_AUGMENTATION = True

    def __init__(self, prob: float = 0.1,
                 blur_limit: Tuple[int, int] = (3, 7)) -> None:
        self.prob = check_probability(type(self).__name__, 'prob', prob)
        self.kernel_sizes = _odd_kernel_sizes(type(self).__name__,
                                              blur_limit)

    def blur(self, img: np.ndarray, size: int) -> np.ndarray:
        return cv2.blur(img, (size, size))

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            size = int(np.random.choice(self.kernel_sizes))
            results['img'] = self.blur(results['img'], size)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, kernel_sizes='
                f'{self.kernel_sizes.tolist()})')


@TRANSFORMS.register_module()
class RandomMedianBlur(RandomBlur):
    """Median blur with an odd kernel from ``blur_limit``, w.p. ``prob``."""

    def blur(self, img: np.ndarray, size: int) -> np.ndarray:
        return cv2.medianBlur(np.ascontiguousarray(img), size)


@TRANSFORMS.register_module()
class CoarseDropout(BaseTransform):
    """Fill ``num_holes`` random rectangles with ``fill_value``.

    Each hole's height and width are independent fractions, uniform in
    ``hole_size_range``, of the image height and width; the hole lies fully
    inside the image. Keypoint validity is not changed.

    Args:
        prob: probability of applying the dropout to a sample.
        num_holes: holes per sample.
        hole_size_range: (min, max) fraction of the image side.
        fill_value: pixel value of the holes.
    """

    #: dropped by ``tools/browse_dataset.py --no-aug``
    RANDOM_AUGMENTATION = True

    def __init__(self, prob: float = 1.0, num_holes: int = 1,
                 hole_size_range: Tuple[float, float] = (0.2, 0.4),
                 fill_value: int = 0) -> None:
        low, high = (float(v) for v in hole_size_range)
        if not 0.0 < low <= high <= 1.0:
            raise ConfigError(f'CoarseDropout: hole_size_range must satisfy '
                              f'0 < min <= max <= 1, got {hole_size_range}')
        if num_holes < 1:
            raise ConfigError(f'CoarseDropout: num_holes must be >= 1, got '
                              f'{num_holes}')
        self.prob = check_probability('CoarseDropout', 'prob', prob)
        self.num_holes = int(num_holes)
        self.hole_size_range = (low, high)
        self.fill_value = fill_value

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() >= self.prob:
            return results
        img = results['img'].copy()
        height, width = img.shape[:2]
        for _ in range(self.num_holes):
            hole_h = max(1, int(round(np.random.uniform(
                *self.hole_size_range) * height)))
            hole_w = max(1, int(round(np.random.uniform(
                *self.hole_size_range) * width)))
            top = np.random.randint(0, height - hole_h + 1)
            left = np.random.randint(0, width - hole_w + 1)
            img[top:top + hole_h, left:left + hole_w] = self.fill_value
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, num_holes='
                f'{self.num_holes}, hole_size_range={self.hole_size_range}, '
                f'fill_value={self.fill_value})')


@TRANSFORMS.register_module()
class ColorScale(BaseTransform):
    """Multiply each colour channel by its own factor in [low, high].

    HaMeR's colour augmentation (factors uniform in [0.8, 1.2]); the result
    is rounded and clipped to uint8.
    """

    #: dropped by ``tools/browse_dataset.py --no-aug``
    RANDOM_AUGMENTATION = True

    def __init__(self, low: float = 0.8, high: float = 1.2,
                 prob: float = 1.0) -> None:
        if not 0.0 <= low <= high:
            raise ConfigError(f'ColorScale: need 0 <= low <= high, got '
                              f'low={low}, high={high}')
        self.low, self.high = float(low), float(high)
        self.prob = check_probability('ColorScale', 'prob', prob)

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            img = results['img']
            factors = np.random.uniform(self.low, self.high, img.shape[-1])
            results['img'] = _as_uint8(img.astype(np.float32) * factors)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(low={self.low}, high={self.high}, '
                f'prob={self.prob})')
