"""Dataset and pipeline configs for the toy dataset of ``egohands.testing``."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple


def toy_pipeline(input_size: Tuple[int, int] = (64, 64),
                 train: bool = False) -> List[Dict]:
    """A top-down pipeline (load, square box, crop, pack) as configs.

    Args:
        input_size: network input (w, h), px.
        train: add light augmentation (box jitter, horizontal flip, colour).
    """
    pipeline = [dict(type='LoadImage'), dict(type='GetSquareBBox',
                                              padding=1.25)]
    if train:
        pipeline.append(dict(type='RandomBBoxTransform', scale_factor=0.1,
                             rotate_factor=15.0, rotate_prob=0.5,
                             shift_factor=0.05))
    pipeline.append(dict(type='TopdownAffine', input_size=tuple(input_size)))
    if train:
        pipeline += [dict(type='RandomFlip', direction='horizontal',
                          prob=0.5),
                     dict(type='ColorScale', low=0.8, high=1.2)]
    pipeline.append(dict(type='PackHandInputs'))
    return pipeline


def toy_dataset_cfg(toy: Dict, split: str,
                    pipeline: Optional[List[Dict]] = None,
                    **kwargs) -> Dict:
    """``EgoHandsCocoDataset`` config for one split of a toy dataset.

    Args:
        toy: the dict returned by ``make_toy_hand_dataset``.
        split: 'train', 'val' or 'test'.
        pipeline: transforms (default: ``toy_pipeline(train=split ==
            'train')``).
        **kwargs: more dataset arguments (hand_sides, min_valid_joints...).
    """
    if pipeline is None:
        pipeline = toy_pipeline(train=split == 'train')
    return dict(type='EgoHandsCocoDataset', data_root=toy['data_root'],
                ann_file=toy['ann_files'][split], data_prefix=dict(img=''),
                pipeline=pipeline, test_mode=split != 'train', **kwargs)
