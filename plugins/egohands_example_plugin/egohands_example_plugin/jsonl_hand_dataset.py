"""``JsonLinesHandDataset``: a hand-keypoint format unlike egohands' own.

One hand per line of a ``.jsonl`` file::

    {"image": "imgs/0001.png", "size": [w, h],
     "camera": {"fx": ..., "fy": ..., "cx": ..., "cy": ...},
     "side": "L" | "R", "box_xywh": [x, y, w, h],
     "joints_m": [[x, y, z] * 21]}     # metres, camera frame, MANO+tips

The reader converts every line into egohands' per-hand dict (mm, canonical
joint order, xyxy box, 2D keypoints by projection), so egohands' transforms,
models and metrics work on it unchanged.
"""
import json
import os.path as osp
from typing import Dict, List

import numpy as np

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.geometry.camera import project_points
from egohands.geometry.joint_orders import MANO_TO_CANONICAL, to_canonical
from egohands.registry import DATASETS
from egohands.utils.errors import AnnotationError

SIDES = {'L': 'left', 'R': 'right'}


@DATASETS.register_module()
class JsonLinesHandDataset(BaseHandDataset):
    """Hands from a JSON-lines file (format in the module docstring)."""

    DEFAULT_NAME = 'jsonl_hands'

    def load_hand_infos(self, ann_file: str) -> List[Dict]:
        hands = []
        with open(ann_file) as f:
            for line_number, line in enumerate(f, start=1):
                if line.strip():
                    hands.append(self._parse(ann_file, line_number, line))
        return hands

    def _parse(self, ann_file: str, line_number: int, line: str) -> Dict:
        where = f'{ann_file}: line {line_number}'
        try:
            record = json.loads(line)
            camera = record['camera']
            K = np.array([[camera['fx'], 0, camera['cx']],
                          [0, camera['fy'], camera['cy']], [0, 0, 1]],
                         dtype=np.float32)
            joints_m = np.asarray(record['joints_m'], dtype=np.float32)
            x, y, w, h = (float(v) for v in record['box_xywh'])
            width, height = (int(v) for v in record['size'])
            side = SIDES[record['side']]
            image = str(record['image'])
        except (ValueError, KeyError, TypeError) as err:
            raise AnnotationError(f'{where}: missing or malformed field '
                                  f'{err}') from None
        if joints_m.shape != (21, 3):
            raise AnnotationError(f"{where}: 'joints_m' must be 21x3 numbers, "
                                  f'got shape {joints_m.shape}')
        joints_mm, valid = to_canonical(joints_m * 1000.0, MANO_TO_CANONICAL)
        hand = self.empty_hand_info()
        hand.update(
            img_path=osp.join(self.img_root, image), img_id=line_number,
            ann_id=line_number, img_shape=(height, width), K=K,
            bbox=np.array([x, y, x + w, y + h], dtype=np.float32),
            joints_3d=joints_mm.astype(np.float32),
            joints_valid=valid.astype(np.float32),
            keypoints_2d=project_points(joints_mm, K).astype(np.float32),
            keypoints_2d_valid=valid.astype(np.float32), hand_side=side)
        return hand
