"""``H2OHandDataset``: H2O (Kwon et al., ICCV 2021), one sample per hand.

Reads the official release as downloaded (``shared/reference/datasets.md``
section 5; https://h2odataset.ethz.ch)::

    pose_lists/pose_{split}.txt   lines 'subject1/h1/0/cam4/rgb/000000.png'
    subject1/h1/0/cam4/
        rgb/000000.png              1280 x 720
        hand_pose/000000.txt        left 1 + 63, right 1 + 63 numbers
        hand_pose_MANO/000000.txt   left 1+3+48+10, right 1+3+48+10
        cam_intrinsics.txt          fx fy cx cy width height

under ``data_root``.

``cam4`` is the head-mounted (egocentric) camera. A hand's first number is
its "annotated" flag; unannotated hands yield no sample. The 21 joints are
in metres, camera frame, OpenPose order (the canonical order: the
WildHands loader maps H2O to MANO order with the OpenPose->MANO table), and
become mm. MANO: translation (m), 48 axis-angle values relative to the flat
hand (WildHands builds H2O's MANO with ``flat_hand=True``), 10 betas.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import numpy as np

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.datasets.official_records import fill_hand, project_points
from egohands.registry import DATASETS
from egohands.utils.errors import (AnnotationError, DatasetNotFoundError,
                                   check_choice)

SPLITS = ('train', 'val', 'test')
EGO_CAMERA = 'cam4'
#: per hand in hand_pose/*.txt: annotated flag + 21 x 3 (metres)
POSE_NUMBERS = 1 + NUM_JOINTS * 3
#: per hand in hand_pose_MANO/*.txt: flag + transl 3 + pose 48 + betas 10
MANO_NUMBERS = 1 + 3 + 48 + 10
H2O_URL = 'https://h2odataset.ethz.ch (registration; download_script.py ' \
          '--mode pose)'


def read_numbers(path: str, count: int, what: str) -> np.ndarray:
    """The ``count`` whitespace-separated numbers of a small text file."""
    try:
        with open(path) as f:
            text = f.read()
    except (FileNotFoundError, IsADirectoryError):
        raise DatasetNotFoundError(
            f'H2OHandDataset: {what} not found: {path}; get H2O from '
            f'{H2O_URL}') from None
    try:
        values = np.array([float(v) for v in text.split()], np.float64)
    except ValueError as err:
        raise AnnotationError(f'{path}: {what} must hold numbers only '
                              f'({err})') from None
    if values.size != count or not np.isfinite(values).all():
        raise AnnotationError(f'{path}: {what} must hold {count} finite '
                              f'numbers, got {values.size}')
    return values


def read_intrinsics(path: str) -> Tuple[np.ndarray, Tuple[int, int]]:
    """``cam_intrinsics.txt`` -> (K (3, 3) px, image shape (h, w))."""
    fx, fy, cx, cy, width, height = read_numbers(path, 6,
                                                 'camera intrinsics')
    K = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], np.float64)
    return K, (int(height), int(width))


@DATASETS.register_module()
class H2OHandDataset(BaseHandDataset):
    """H2O hands of one split seen by one camera (default: the ego cam4).

    Args:
        data_root: the H2O folder holding ``pose_lists`` and ``subject*``.
        split: ``'train'``, ``'val'`` or ``'test'`` (``pose_{split}.txt``).
        camera: camera folder to read (``'cam4'`` = egocentric; the lists
            name cam4, another camera reads the same frames from it).
        ann_file: explicit frame list instead of ``pose_lists/pose_{split}
            .txt`` (relative to ``data_root`` unless absolute).
        with_mano: also read ``hand_pose_MANO`` (flat-hand-mean, as
            egohands' ``mano_pose``).
        **kwargs: see :class:`BaseHandDataset`.
    """

    DATA_HINT = f'get H2O (pose files and ego images) from {H2O_URL}'
    DEFAULT_NAME = 'h2o'

    def __init__(self, data_root: str = 'data/h2o', split: str = 'val',
                 camera: str = EGO_CAMERA, ann_file: str = '',
                 with_mano: bool = True, **kwargs) -> None:
        check_choice('H2OHandDataset', 'split', split, SPLITS)
        self.split, self.camera, self.with_mano = split, camera, with_mano
        super().__init__(
            ann_file=ann_file or f'pose_lists/pose_{split}.txt',
            data_root=data_root, **kwargs)

    def load_hand_infos(self, ann_file: str) -> List[dict]:
        with open(ann_file) as f:
            lines = [line.strip() for line in f if line.strip()]
        hands: List[dict] = []
        cameras: Dict[str, Tuple[np.ndarray, Tuple[int, int]]] = {}
        for img_id, line in enumerate(lines):
            parts = line.split('/')
            if len(parts) != 6 or parts[4] != 'rgb':
                raise AnnotationError(
                    f'{ann_file}: line {img_id + 1}: {line!r} is not '
                    "'subjectN/<scene>/<seq>/camK/rgb/<frame>.png'")
            seq_dir = os.path.join(self.data_root, *parts[:3], self.camera)
            frame = os.path.splitext(parts[5])[0]
            if seq_dir not in cameras:
                cameras[seq_dir] = read_intrinsics(
                    os.path.join(seq_dir, 'cam_intrinsics.txt'))
            K, img_shape = cameras[seq_dir]
            for hand in self.frame_hands(seq_dir, frame, K, img_shape):
                hand.update(img_id=img_id, ann_id=len(hands),
                            img_path=os.path.join(
                                self.img_root, *parts[:3], self.camera,
                                'rgb', parts[5]),
                            sequence='/'.join(parts[:3]), frame=int(frame),
                            view=self.camera)
                hands.append(hand)
        return hands

    def frame_hands(self, seq_dir: str, frame: str, K: np.ndarray,
                    img_shape: Tuple[int, int]) -> List[dict]:
        """The annotated hands of one frame (left first, as in the files)."""
        pose = read_numbers(os.path.join(seq_dir, 'hand_pose',
                                         f'{frame}.txt'),
                            2 * POSE_NUMBERS, 'hand pose')
        mano: Optional[np.ndarray] = None
        if self.with_mano:
            mano = read_numbers(os.path.join(seq_dir, 'hand_pose_MANO',
                                             f'{frame}.txt'),
                                2 * MANO_NUMBERS, 'MANO pose')
        hands = []
        for index, side in enumerate(('left', 'right')):
            block = pose[index * POSE_NUMBERS:(index + 1) * POSE_NUMBERS]
            if block[0] != 1:
                continue
            joints_mm = block[1:].reshape(NUM_JOINTS, 3) * 1000.0
            ones = np.ones(NUM_JOINTS)
            hand = fill_hand(self.empty_hand_info(), side, K, img_shape,
                             project_points(K, joints_mm), ones,
                             joints_mm, ones)
            if hand is None:
                continue
            if mano is not None:
                params = mano[index * MANO_NUMBERS:(index + 1) *
                              MANO_NUMBERS]
                if params[0] == 1:
                    hand.update(mano_transl=params[1:4].astype(np.float32),
                                mano_pose=params[4:52].astype(np.float32),
                                mano_betas=params[52:62].astype(np.float32),
                                mano_valid=1.0)
            hands.append(hand)
        return hands
