"""``MultiViewDataset``: the views of one hand at one time, together.

A per-hand dataset of a calibrated camera rig yields one sample per hand
and camera with ``sequence``, ``frame``, ``view`` and ``T_world_from_cam``
(mm): EgoSynth ``--views N`` in the canonical format (docs/data_format.md)
read by ``EgoHandsCocoDataset``, or the UmeTrack / HOT3D readers. This
wrapper groups the samples of the same hand (``sequence``, ``frame``,
``hand_side``) into one multi-view sample:

``views``
    list of ``len(views)`` per-hand dicts (docs/architecture.md 3.1), in the
    order of the ``views`` argument; ``None`` where that camera has no
    annotation of the hand (out of its view: the pipeline masks it).
``view_ids``, ``hand_side``, ``sequence``, ``frame``, ``dataset_name``
    the grouping keys.
``img_id``, ``ann_id``, ``img_path``
    those of the first annotated view (ids of the sample in dumps).
``joints_3d``, ``joints_valid``
    that view's 3D joints (21, 3) mm in its camera, without running the
    pipeline (mean-pose baselines, target statistics); the pipeline's
    reference view is the first *present* one, usually the same.

The multi-view transforms (``egohands.datasets.transforms.multiview``) then
load, crop and pack the views.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.registry import DATASETS
from egohands.utils.errors import AnnotationError, ConfigError

#: what every record of a rig must have (docs/data_format.md, images[])
RIG_FIELDS = ('sequence', 'frame', 'view', 'T_world_from_cam')


@DATASETS.register_module()
class MultiViewDataset(BaseHandDataset):
    """Multi-view samples of a per-hand rig dataset.

    Args:
        dataset: config of the per-hand dataset (its pipeline is ignored),
            e.g. ``dict(type='EgoHandsCocoDataset', data_root=...,
            ann_file=...)``.
        views: the rig's camera ids (``view`` of the samples) a multi-view
            sample holds, in order; ``(0, )`` gives the single-view variant
            of a rig.
        min_views: keep the samples with at least this many of ``views``
            annotated.
        **kwargs: as :class:`BaseHandDataset` (pipeline, hand_sides,
            test_mode, lazy_init, ...).
    """

    def __init__(self, dataset: dict, views: Sequence = (0, 1),
                 min_views: int = 1, **kwargs) -> None:
        views = tuple(views)
        if not views or len(set(views)) != len(views):
            raise ConfigError(f'MultiViewDataset.views must be distinct '
                              f'camera ids, got {list(views)}')
        if not 1 <= int(min_views) <= len(views):
            raise ConfigError(f'MultiViewDataset.min_views must be in '
                              f'[1, {len(views)}], got {min_views}')
        self.views = views
        self.min_views = int(min_views)
        self.dataset_cfg = dict(dataset)
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        inner = DATASETS.build(dict(self.dataset_cfg, pipeline=[],
                                    test_mode=self.test_mode))
        self.ann_file = getattr(inner, 'ann_file', '') or type(inner).__name__
        hands = [inner.get_data_info(i) for i in range(len(inner))]
        groups: Dict[Tuple, List] = {}
        for hand in hands:
            missing = [key for key in RIG_FIELDS if hand.get(key) is None]
            if missing:
                raise AnnotationError(
                    f'{self.ann_file}: annotation id {hand["ann_id"]}: its '
                    f'image has no {", ".join(repr(k) for k in missing)}; '
                    'a multi-view dataset needs the rig fields of every '
                    'image (docs/data_format.md)')
            if hand['view'] not in self.views:
                continue
            key = (hand['sequence'], hand['frame'], hand['hand_side'])
            slots = groups.setdefault(key, [None] * len(self.views))
            slot = self.views.index(hand['view'])
            if slots[slot] is not None:
                raise AnnotationError(
                    f'{self.ann_file}: annotation id {hand["ann_id"]}: a '
                    f'second {hand["hand_side"]} hand in view '
                    f'{hand["view"]} of sequence {hand["sequence"]} frame '
                    f'{hand["frame"]} (annotation id '
                    f'{slots[slot]["ann_id"]} is the first)')
            slots[slot] = hand
        samples = []
        for (sequence, frame, side), slots in groups.items():  # file order
            first = next(hand for hand in slots if hand is not None)
            samples.append(dict(
                views=slots, view_ids=list(self.views), hand_side=side,
                sequence=sequence, frame=frame, img_id=first['img_id'],
                ann_id=first['ann_id'], img_path=first['img_path'],
                joints_3d=first['joints_3d'],
                joints_valid=first['joints_valid'],
                dataset_name=first['dataset_name']))
        return samples

    def filter_data(self) -> List[dict]:
        """Keep the wanted hand sides with at least ``min_views`` views."""
        kept = [
            sample for sample in self.data_list
            if sample['hand_side'] in self.hand_sides and sum(
                hand is not None for hand in sample['views']) >=
            self.min_views
        ]
        if not kept:
            raise ConfigError(
                f'MultiViewDataset: {self.ann_file} has no hand of the sides '
                f'{list(self.hand_sides)} in at least {self.min_views} of '
                f'the views {list(self.views)}; check views (the rig\'s '
                "'view' ids) and min_views")
        return kept
