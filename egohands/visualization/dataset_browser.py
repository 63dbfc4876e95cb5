"""Render what a dataset's pipeline feeds the model (``browse_dataset.py``).

The dataset of one split of a config is built with its own pipeline, a few
samples are run through it, and every packed input crop is drawn with its
2D keypoints and skeleton, labelled with the annotation id, hand side and
flip. ``no_aug=True`` drops the random augmentations (transforms whose
``RANDOM_AUGMENTATION`` is true) to show the plain crops.
"""
from __future__ import annotations

import copy
from typing import Dict, List, Optional

import cv2
import numpy as np

from egohands.utils.errors import ConfigError
from egohands.visualization.image_grid import make_image_grid
from egohands.visualization.skeleton import draw_hand_skeleton, put_label

SPLITS = ('train', 'val', 'test')


def split_dataset_cfg(cfg, split: str) -> Dict:
    """The ``dataset`` entry of ``{split}_dataloader`` of a config."""
    if split not in SPLITS:
        raise ConfigError(f'split must be one of {SPLITS}, got {split!r}')
    loader = cfg.get(f'{split}_dataloader')
    if not loader or 'dataset' not in loader:
        raise ConfigError(f'the config has no {split}_dataloader.dataset; '
                          f'choose another --split')
    return copy.deepcopy(dict(loader['dataset']))


def build_browse_dataset(dataset_cfg: Dict, no_aug: bool = False):
    """Build a dataset; with ``no_aug`` without its random augmentations."""
    from egohands.registry import DATASETS, TRANSFORMS
    pipeline = []
    for transform in dataset_cfg.get('pipeline', []):
        built = TRANSFORMS.build(copy.deepcopy(transform)) if isinstance(
            transform, dict) else transform
        if no_aug and getattr(built, 'RANDOM_AUGMENTATION', False):
            continue
        pipeline.append(built)
    dataset_cfg = dict(dataset_cfg, pipeline=pipeline)
    return DATASETS.build(dataset_cfg)


def _unpack(item) -> Dict:
    """Image and labels of a packed sample (or of an unpacked dict)."""
    if isinstance(item, dict) and 'data_samples' in item:
        sample = item['data_samples']
        img = item['inputs'].numpy().transpose(1, 2, 0)
        meta = sample.metainfo
        get = lambda name: (getattr(sample, name).numpy()  # noqa: E731
                            if name in sample else None)
        return dict(img=np.ascontiguousarray(img, np.uint8),
                    keypoints_2d=get('gt_keypoints_2d'),
                    valid=get('gt_keypoints_2d_valid'),
                    ann_id=meta.get('ann_id'),
                    hand_side=meta.get('hand_side'),
                    flip=meta.get('flip', 'none'))
    return dict(img=np.asarray(item['img'], np.uint8),
                keypoints_2d=item.get('keypoints_2d'),
                valid=item.get('keypoints_2d_valid'),
                ann_id=item.get('ann_id'), hand_side=item.get('hand_side'),
                flip=item.get('flip', 'none'))


def draw_sample(item, min_side: int = 160) -> np.ndarray:
    """The crop of one pipeline output, enlarged, with skeleton and label."""
    sample = _unpack(item)
    img = sample['img']
    scale = max(1.0, min_side / min(img.shape[:2]))
    if scale > 1:
        img = cv2.resize(img, None, fx=scale, fy=scale,
                         interpolation=cv2.INTER_LINEAR)
    if sample['keypoints_2d'] is not None:
        # pixel centres at integers: u' = s (u + 0.5) - 0.5
        points = scale * (sample['keypoints_2d'] + 0.5) - 0.5
        img = draw_hand_skeleton(img, points, sample['valid'])
    flip = '' if sample['flip'] in (None, 'none') else f" {sample['flip']}"
    return put_label(img, f"id {sample['ann_id']} {sample['hand_side']}"
                     f'{flip}')


def browse_dataset(cfg, split: str = 'train', num: int = 16,
                   no_aug: bool = False, seed: int = 0,
                   ncols: Optional[int] = None) -> np.ndarray:
    """A grid of ``num`` pipeline outputs of ``split``, as a BGR image.

    Samples are drawn without replacement with ``seed``, which also seeds
    the augmentations, so the same call gives the same picture.
    """
    dataset = build_browse_dataset(split_dataset_cfg(cfg, split), no_aug)
    if len(dataset) == 0:
        raise ConfigError(f'the {split} dataset is empty (check its filters: '
                          'hand_sides, min_valid_joints)')
    rng = np.random.default_rng(seed)
    count = min(int(num), len(dataset))
    indices = np.sort(rng.choice(len(dataset), count, replace=False))
    np.random.seed(seed)
    drawings: List[np.ndarray] = [draw_sample(dataset[int(i)])
                                  for i in indices]
    return make_image_grid(drawings, ncols=ncols)
