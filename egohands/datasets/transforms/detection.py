"""Whole-image transforms of hand detection: letterbox resize and packing.

A detection sample is one image with all its hands (``gt_boxes`` (N, 4)
xyxy px, ``gt_sides`` N of 'left' / 'right'), as
:class:`~egohands.datasets.egohands_images.EgoHandsImageDataset` yields.
Pipeline: ``LoadImage -> ResizeImage -> PackDetectionInputs``.
"""
from __future__ import annotations

from typing import Dict, Tuple

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from egohands.registry import TRANSFORMS

#: grey of the letterbox border (the middle of the 0-255 range)
PAD_VALUE = 127


def letterbox(image: np.ndarray, size: int) -> Tuple[np.ndarray, np.ndarray]:
    """``image`` (h, w, 3) scaled to fit a ``size`` x ``size`` square, the
    rest grey (right / bottom); returns it and the (sx, sy) scale (input px
    per image px)."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_w = max(1, int(round(width * scale)))
    new_h = max(1, int(round(height * scale)))
    square = np.full((size, size, 3), PAD_VALUE, np.uint8)
    square[:new_h, :new_w] = cv2.resize(image, (new_w, new_h),
                                        interpolation=cv2.INTER_AREA)
    return square, np.array([new_w / width, new_h / height], np.float32)


@TRANSFORMS.register_module()
class ResizeImage(BaseTransform):
    """Letterbox ``img`` to ``size`` x ``size`` (:func:`letterbox`); scales
    ``gt_boxes`` alike and stores ``scale_factor`` (sx, sy) and
    ``ori_shape`` (h, w)."""

    def __init__(self, size: int = 128) -> None:
        self.size = int(size)

    def transform(self, results: Dict) -> Dict:
        image = results['img']
        results['ori_shape'] = image.shape[:2]
        results['img'], scale = letterbox(image, self.size)
        results['scale_factor'] = scale
        results['img_shape'] = (self.size, self.size)
        if 'gt_boxes' in results:
            results['gt_boxes'] = (np.asarray(results['gt_boxes'],
                                              np.float32).reshape(-1, 4)
                                   * np.tile(scale, 2)).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size})'


@TRANSFORMS.register_module()
class PackDetectionInputs(BaseTransform):
    """``inputs`` (3, s, s) uint8 tensor and ``data_samples`` (a
    ``BaseDataElement``: ``gt_boxes`` (N, 4) input px, ``gt_sides`` (N,)
    long 0 left / 1 right; metainfo img_path, img_id, ori_shape,
    img_shape, scale_factor)."""

    META_KEYS = ('img_path', 'img_id', 'ori_shape', 'img_shape',
                 'scale_factor')

    def transform(self, results: Dict) -> Dict:
        from egohands.models.detectors.center_targets import SIDE_CHANNELS
        image = np.ascontiguousarray(results['img'].transpose(2, 0, 1))
        sample = BaseDataElement(metainfo={
            k: results[k] for k in self.META_KEYS if k in results})
        boxes = np.asarray(results.get('gt_boxes', np.zeros((0, 4))),
                           np.float32).reshape(-1, 4)
        sample.gt_boxes = torch.from_numpy(boxes)
        sample.gt_sides = torch.tensor(
            [SIDE_CHANNELS.index(s) for s in results.get('gt_sides', [])],
            dtype=torch.long)
        return dict(inputs=torch.from_numpy(image), data_samples=sample)
