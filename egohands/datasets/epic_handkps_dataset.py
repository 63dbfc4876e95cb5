"""``EPICHandKpsDataset``: EPIC-HandKps 2D hand keypoints (WildHands).

EPIC-HandKps is WildHands' evaluation set: 2D keypoints of both hands on
EPIC-KITCHENS VISOR frames (1920 x 1080), no 3D. The release is one pickle
(``hands_5000.pkl``, evaluation; ``hands_250.pkl``, a preview) from the
WildHands data folder (https://github.com/ap229997/hands, README: "EPIC-
HandKps annotations ... data/epic_hands/hands_5000.pkl")::

    {image key: {'right': {'joints': 21 x [x, y] px, 'joints_valid': 21 x 0/1,
                           'bbox': [x0, y0, x1, y1] or None},
                 'left':  {...}}}          # a side may be absent

The key is the frame's path on the authors' machine; its last
``image_path_parts`` components are joined to ``data_prefix['img']`` (the
VISOR frame folder). The joints are in AssemblyHands' per-hand order (tips
first, wrist last; WildHands maps them with the same table), mapped here to
the canonical order. The box is the valid keypoints' (the file's box covers
the arm). The frames have no intrinsics: ``K`` is WildHands' nominal camera,
f = ``focal_length`` px at the principal point in the image centre.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional

import numpy as np

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.official_records import (check_shape, fill_hand,
                                                read_data_pickle)
from egohands.geometry.joint_orders import ASSEMBLYHANDS_RIGHT_TO_CANONICAL
from egohands.registry import DATASETS
from egohands.utils.errors import AnnotationError

IMAGE_SIZE = (1080, 1920)  # (h, w) of the VISOR frames
NOMINAL_FOCAL_PX = 1000.0
EPIC_HANDKPS_URL = ('the WildHands data folder linked from '
                    'https://github.com/ap229997/hands (README, '
                    'data/epic_hands/hands_5000.pkl) and the VISOR frames '
                    'from https://epic-kitchens.github.io/VISOR')


@DATASETS.register_module()
class EPICHandKpsDataset(BaseHandDataset):
    """EPIC-HandKps hands (2D keypoints only), one sample per hand.

    Args:
        data_root: the folder of the pickle, e.g. ``'data/epic_hands'``.
        ann_file: ``'hands_5000.pkl'`` (evaluation) or ``'hands_250.pkl'``.
        data_prefix: ``dict(img=...)``, the VISOR frame folder.
        image_path_parts: trailing components of a key that name the image
            under ``data_prefix['img']``.
        focal_length: nominal focal length of ``K``, px.
        **kwargs: see :class:`BaseHandDataset` (``min_valid_joints`` counts
            3D joints, which this dataset has none of: keep it 0).
    """

    DATA_HINT = f'get EPIC-HandKps from {EPIC_HANDKPS_URL}'
    DEFAULT_NAME = 'epic_handkps'
    #: what the records of this dataset can supervise (multi-dataset runs)
    SUPERVISION = dict(joints_3d=False, keypoints_2d=True, mano=False,
                       mask=False, grasp=False)

    def __init__(self, data_root: str = 'data/epic_hands',
                 ann_file: str = 'hands_5000.pkl',
                 data_prefix: Optional[dict] = None,
                 image_path_parts: int = 4,
                 focal_length: float = NOMINAL_FOCAL_PX, **kwargs) -> None:
        self.image_path_parts = int(image_path_parts)
        self.focal_length = float(focal_length)
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=data_prefix or dict(img='rgb_frames'),
                         **kwargs)

    def nominal_K(self) -> np.ndarray:
        h, w = IMAGE_SIZE
        f = self.focal_length
        return np.array([[f, 0, w / 2.0], [0, f, h / 2.0], [0, 0, 1]])

    def load_hand_infos(self, ann_file: str) -> List[dict]:
        content = read_data_pickle(ann_file, 'EPIC-HandKps file',
                                   self.data_hint)
        if not isinstance(content, dict):
            raise AnnotationError(f'{ann_file}: must hold a dict image key '
                                  f'-> hands, got {type(content).__name__}')
        K = self.nominal_K()
        hands = []
        for img_id, (key, sides) in enumerate(content.items()):
            if not isinstance(sides, dict):
                raise AnnotationError(f'{ann_file}: {key!r}: must be a dict '
                                      "with 'right' and/or 'left'")
            parts = str(key).replace('\\', '/').split('/')
            img_path = os.path.join(self.img_root,
                                    *parts[-self.image_path_parts:])
            for side in ('right', 'left'):
                hand = self.side_hand(ann_file, key, side, sides.get(side),
                                      K)
                if hand is None:
                    continue
                hand.update(img_id=img_id, ann_id=len(hands),
                            img_path=img_path, sequence=parts[-2]
                            if len(parts) > 1 else None)
                hands.append(hand)
        return hands

    def side_hand(self, path: str, key: str, side: str,
                  entry: Optional[Dict], K: np.ndarray) -> Optional[dict]:
        """The per-hand dict of one side, or None without valid keypoints."""
        if entry is None:
            return None
        where = f'{path}: {key!r}.{side}'
        if not isinstance(entry, dict):
            raise AnnotationError(f"{where}: must be a dict with 'joints' "
                                  "and 'joints_valid'")
        joints = check_shape(entry.get('joints'), (21, 2), where, 'joints')
        valid = check_shape(entry.get('joints_valid'), (21, ), where,
                            'joints_valid')
        order = ASSEMBLYHANDS_RIGHT_TO_CANONICAL
        return fill_hand(self.empty_hand_info(), side, K, IMAGE_SIZE,
                         joints[order], valid[order])
