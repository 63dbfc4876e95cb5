"""``EgoHandsImageDataset``: the canonical format, one sample per image.

The hand detector learns from whole images: this reader groups the per-hand
records of :class:`EgoHandsCocoDataset` (same file, same checks) by image.
Images without any annotated hand are not listed in the annotations' hands,
so they yield no sample.
"""
from __future__ import annotations

from typing import Dict, List

import numpy as np

from egohands.datasets.egohands_coco import EgoHandsCocoDataset
from egohands.registry import DATASETS

IMAGE_KEYS = ('img_path', 'img_id', 'img_shape', 'K', 'sequence', 'frame',
              'view', 'dataset_name')


@DATASETS.register_module()
class EgoHandsImageDataset(EgoHandsCocoDataset):
    """Images of a canonical-format file, each with all its hands.

    Arguments as :class:`EgoHandsCocoDataset` (``hand_sides`` and
    ``min_valid_joints`` select the hands that count as ground truth).

    A sample: the image keys of the per-hand dict (img_path, img_id,
    img_shape, K, ...), ``gt_boxes`` (N, 4) float32 xyxy px and
    ``gt_sides`` (N of 'left' / 'right'), in annotation order.
    """

    def filter_data(self) -> List[dict]:
        images: Dict[int, dict] = {}
        for hand in super().filter_data():
            image = images.get(hand['img_id'])
            if image is None:
                image = {k: hand.get(k) for k in IMAGE_KEYS}
                image.update(gt_boxes=[], gt_sides=[])
                images[hand['img_id']] = image
            image['gt_boxes'].append(hand['bbox'])
            image['gt_sides'].append(hand['hand_side'])
        for image in images.values():
            image['gt_boxes'] = np.asarray(image['gt_boxes'],
                                           np.float32).reshape(-1, 4)
        return list(images.values())
