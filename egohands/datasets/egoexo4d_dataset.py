"""``EgoExo4DHandDataset``: EgoExo4D hand pose, one sample per hand.

Reads the processed files exactly as the organisers publish them
(``annotation/{manual,auto}/ego_pose_gt_anno_{split}_public.json``, made by
the official toolkit or by ``tools/dataset_converters/egoexo4d.py``) and the
undistorted Aria images ``image/undistorted/{split}/{take_name}/{frame:06d}
.jpg``. See ``docs/egoexo4d.md``.

Per hand (docs/architecture.md section 3.1): ``joints_3d`` in **mm**, Aria
camera frame (the files hold metres); invalid joints are zeros with
``joints_valid = 0`` except the wrist, which the files always hold and which
is kept even when flagged invalid (it is what ``--offset`` adds back);
``keypoints_2d`` are the annotated Aria 2D points; ``K`` is the 512 x 512
pinhole with f = 150 px and principal point (255.5, 255.5). ``sequence`` is
the take uid and ``frame`` the frame number, which is how predictions find
their way back into a challenge submission; ``take_uid`` / ``take_name`` are
also set. A hand of a file without 3D (the public test file: boxes only) has
zero, invalid 3D and 2D.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import numpy as np

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.egoexo4d import layout
from egohands.datasets.egoexo4d.processed import HandRecord, \
    iter_hand_records
from egohands.registry import DATASETS
from egohands.utils.errors import (AnnotationError, ConfigError,
                                   check_choice)

ANNOTATION_CHOICES = ('manual', 'auto', 'both')


@DATASETS.register_module()
class EgoExo4DHandDataset(BaseHandDataset):
    """EgoExo4D hand pose (Aria ego view), manual and/or automatic labels.

    Args:
        data_root: the processed folder, e.g. ``'data/egoexo4d'``.
        split: ``'train'``, ``'val'`` or ``'test'`` (the test file holds only
            boxes; use ``test_mode=True``).
        annotation: ``'manual'``, ``'auto'`` or ``'both'`` (both files; a
            hand present in both keeps its manual label). The test split
            always reads the manual folder's file.
        ann_file: explicit annotation file (relative to ``data_root`` unless
            absolute) instead of the one derived from split and annotation.
        data_prefix: ``dict(img='image/undistorted')``: image folder relative
            to ``data_root``; images are ``{img}/{split}/{take}/{frame}.jpg``.
        **kwargs: see :class:`BaseHandDataset` (pipeline, hand_sides,
            min_valid_joints (not applied in test mode, where every boxed
            hand is needed), test_mode, lazy_init, ...).
    """

    DATA_HINT = ('prepare EgoExo4D with `python tools/dataset_converters/'
                 'egoexo4d.py --raw RAW --out data/egoexo4d` and extract the '
                 'undistorted images with the official toolkit; see '
                 f'{layout.DOC}')
    DEFAULT_NAME = 'egoexo4d'

    def __init__(self,
                 data_root: str = 'data/egoexo4d',
                 split: str = 'train',
                 annotation: str = 'manual',
                 ann_file: str = '',
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        check_choice('EgoExo4DHandDataset', 'split', split, layout.SPLITS)
        check_choice('EgoExo4DHandDataset', 'annotation', annotation,
                     ANNOTATION_CHOICES)
        self.split = split
        self.annotation = annotation
        self.extra_ann_files: List[Tuple[str, str]] = []
        kinds = self._kinds()
        if not ann_file:
            ann_file = layout.processed_annotation_file('', kinds[0], split)
            self.extra_ann_files = [
                (layout.processed_annotation_file('', kind, split), kind)
                for kind in kinds[1:]
            ]
        super().__init__(
            ann_file=ann_file, data_root=data_root,
            data_prefix=data_prefix or dict(img='image/undistorted'),
            **kwargs)

    def _kinds(self) -> Tuple[str, ...]:
        if self.annotation == 'both':
            return ('manual', ) if self.split == 'test' else ('manual',
                                                               'auto')
        return (self.annotation, )

    def _join_prefix(self) -> None:
        super()._join_prefix()
        if self.data_root:
            self.extra_ann_files = [
                (path if os.path.isabs(path) else os.path.join(
                    self.data_root, path), kind)
                for path, kind in self.extra_ann_files
            ]

    # -- loading --------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        if self.data_root:
            self.check_exists(self.data_root, 'data root')
        files = [(self.ann_file, self._kinds()[0])] + self.extra_ann_files
        for path, kind in files:
            self.check_exists(path, f'{kind} {self.split} annotation file')
        hands, seen, images = [], set(), {}
        for path, kind in files:
            for hand in self.load_file(path, kind, images):
                key = (hand['take_uid'], hand['frame'], hand['hand_side'])
                if key not in seen:
                    seen.add(key)
                    hand['ann_id'] = len(hands)
                    hands.append(hand)
        if not self.test_mode and hands and not any(
                h['joints_valid'].any() for h in hands):
            raise ConfigError(
                f'EgoExo4DHandDataset: {self.ann_file} holds boxes but no 3D '
                'ground truth (the public test file?); use it with '
                'test_mode=True')
        return hands

    def load_hand_infos(self, ann_file: str) -> List[dict]:
        """All hands of one processed file (see :meth:`load_file`)."""
        return self.load_file(ann_file, self._kinds()[0], {})

    def load_file(self, path: str, kind: str,
                  images: Dict[Tuple[str, str], int]) -> List[dict]:
        """Per-hand dicts of one processed file.

        Args:
            path: the processed JSON file.
            kind: ``'manual'`` or ``'auto'``, stored as ``annotation_kind``.
            images: (take_uid, frame) -> img_id, shared between files so the
                same frame keeps one id.
        """
        content = layout.read_json(path, f'{kind} {self.split} annotation '
                                   'file')
        hands = []
        for record in iter_hand_records(content, path):
            if record.bbox is None:
                raise AnnotationError(
                    f'{path}: take {record.take_uid}, frame {record.frame}: '
                    f"'{record.side}_hand_bbox' is empty but the hand has 3D;"
                    f' every hand needs a box (format: {layout.DOC})')
            img_key = (record.take_uid, record.frame)
            img_id = images.setdefault(img_key, len(images))
            hands.append(self.hand_info(record, img_id, kind))
        return hands

    def hand_info(self, record: HandRecord, img_id: int, kind: str) -> dict:
        """The per-hand dict (architecture 3.1) of one file record."""
        hand = self.empty_hand_info()
        hand.update(
            img_path=layout.undistorted_image_path(
                self.img_root, self.split, record.take_name,
                record.frame_number),
            img_id=img_id, img_shape=(layout.IMAGE_SIZE, layout.IMAGE_SIZE),
            K=layout.aria_pinhole_K(),
            bbox=record.bbox.astype(np.float32), hand_side=record.side,
            sequence=record.take_uid, frame=record.frame_number, view='aria',
            take_uid=record.take_uid, take_name=record.take_name,
            annotation_kind=kind,
            dataset_name=self.dataset_name or self.DEFAULT_NAME)
        if record.joints_3d_m is not None:
            joints_mm = record.joints_3d_m * 1000.0
            hand['joints_3d'] = np.nan_to_num(joints_mm).astype(np.float32)
            hand['joints_valid'] = record.valid_3d.astype(np.float32)
        if record.keypoints_2d is not None:
            finite = np.isfinite(record.keypoints_2d).all(-1)
            hand['keypoints_2d'] = np.nan_to_num(
                record.keypoints_2d).astype(np.float32)
            hand['keypoints_2d_valid'] = finite.astype(np.float32)
        return hand

    def filter_data(self) -> List[dict]:
        """Hand sides always; ``min_valid_joints`` only outside test mode."""
        if self.test_mode:
            return [h for h in self.data_list
                    if h['hand_side'] in self.hand_sides]
        return super().filter_data()
