"""``ArcticEgoDataset``: ARCTIC's egocentric split (protocol p2), per hand.

Reads the official processed release (zc-alexfan/arctic
``docs/data/data_doc.md``; ``shared/reference/datasets.md`` section 3)::

    {data_root}/splits/p2_{split}.npy
        {'data_dict': {'s05/box_use_01': seq}, 'imgnames': [...]}
    {data_root}/meta/misc.json
        {'s05': {'ioi_offset': int, 'image_size': [[w, h], ...]}}
    {data_root}/images/<sid>/<seq>/0/<frame:05d>.jpg   (view 0: ego)

where ``data_root`` is ``arctic_data/data``. An image name ``.../<sid>/<seq>
/<view>/<frame>.jpg`` indexes its sequence's arrays at ``frame -
ioi_offset``; of a sequence ``seq`` the reader uses (F frames, 10 views):

* ``seq['cam_coord']['joints.{right,left}']`` (F, 10, 21, 3) metres, camera;
* ``seq['2d']['joints.{right,left}']`` (F, 10, 21, 2) px;
* ``seq['cam_coord']['{right,left}_valid']`` and ``['is_valid']`` (F, 10):
  a hand counts where ``{side}_valid * is_valid`` (the official metrics'
  rule), otherwise it yields no sample;
* ``seq['params']['K_ego']`` (F, 3, 3), ``['pose_{r,l}']`` (F, 45),
  ``['shape_{r,l}']`` (F, 10), ``seq['cam_coord']['rot_{r,l}_cam']``
  (F, 10, 3): MANO in the camera frame, fingers relative to the mean hand
  (converted with ``mano_model_path``, see :class:`FlatHandPose`).

Joints are in MANO+tips order, mapped to the canonical order; 3D in mm.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional

import numpy as np

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.official_records import (FlatHandPose, check_shape,
                                                fill_hand, read_object_npy)
from egohands.geometry.joint_orders import ARCTIC_TO_CANONICAL
from egohands.registry import DATASETS
from egohands.utils.errors import AnnotationError, check_choice
from egohands.utils.json_files import read_json_file

SPLITS = ('train', 'val', 'test', 'minival', 'smalltrain', 'smallval',
          'tinytrain', 'tinyval')
EGO_VIEW = 0
SIDE_KEYS = {'right': ('joints.right', 'right_valid', 'r'),
             'left': ('joints.left', 'left_valid', 'l')}
ARCTIC_URL = ('https://arctic.is.tue.mpg.de (registration; '
              'zc-alexfan/arctic docs/data/README.md: splits, meta and '
              'images)')


@DATASETS.register_module()
class ArcticEgoDataset(BaseHandDataset):
    """ARCTIC egocentric view hands, one sample per valid hand.

    Args:
        data_root: the ``arctic_data/data`` folder.
        split: the p2 split (``'train'``, ``'val'``, ``'test'``, ...).
        data_prefix: ``dict(img='images')``: full-resolution images.
        mano_model_path: MANO folder to convert MANO poses (else no MANO).
        **kwargs: see :class:`BaseHandDataset`.
    """

    DATA_HINT = f'get ARCTIC from {ARCTIC_URL}'
    DEFAULT_NAME = 'arctic'

    def __init__(self, data_root: str = 'data/arctic/arctic_data/data',
                 split: str = 'val', data_prefix: Optional[dict] = None,
                 mano_model_path: Optional[str] = None, **kwargs) -> None:
        check_choice('ArcticEgoDataset', 'split', split, SPLITS)
        self.split = split
        self.flat_pose = FlatHandPose(mano_model_path)
        super().__init__(ann_file=f'splits/p2_{split}.npy',
                         data_root=data_root,
                         data_prefix=data_prefix or dict(img='images'),
                         **kwargs)

    def load_hand_infos(self, ann_file: str) -> List[dict]:
        content = read_object_npy(ann_file, 'ARCTIC split file',
                                  self.data_hint)
        if not isinstance(content, dict) or not {
                'data_dict', 'imgnames'} <= set(content):
            raise AnnotationError(f"{ann_file}: must hold a dict with "
                                  "'data_dict' and 'imgnames'")
        misc_path = os.path.join(self.data_root, 'meta', 'misc.json')
        self.check_exists(misc_path, 'meta/misc.json')
        misc = read_json_file(misc_path, 'ARCTIC meta file', self.data_hint)
        hands = []
        for img_id, name in enumerate(content['imgnames']):
            sid, seq, view, image = str(name).split('/')[-4:]
            if int(view) != EGO_VIEW:
                continue
            key = f'{sid}/{seq}'
            where = f'{ann_file}: image {name!r}'
            if key not in content['data_dict'] or sid not in misc:
                raise AnnotationError(f'{where}: {key} is not in data_dict '
                                      'or meta/misc.json')
            frame = int(os.path.splitext(image)[0])
            index = frame - int(misc[sid]['ioi_offset'])
            width, height = misc[sid]['image_size'][EGO_VIEW]
            for hand in self.frame_hands(content['data_dict'][key], index,
                                         where, (int(height), int(width))):
                hand.update(img_id=img_id, ann_id=len(hands),
                            img_path=os.path.join(self.img_root, sid, seq,
                                                  view, image),
                            sequence=key, frame=frame, view=EGO_VIEW)
                hands.append(hand)
        return hands

    def frame_hands(self, seq: Dict, index: int, where: str,
                    img_shape) -> List[dict]:
        """The valid hands of array row ``index`` of one sequence."""
        cam, two_d, params = seq['cam_coord'], seq['2d'], seq['params']
        frames = len(params['K_ego'])
        if not 0 <= index < frames:
            raise AnnotationError(f'{where}: frame minus ioi_offset = '
                                  f'{index} is outside the sequence\'s '
                                  f'{frames} frames')
        K = check_shape(params['K_ego'][index], (3, 3), where, 'K_ego')
        hands = []
        for side, (joints_key, valid_key, suffix) in SIDE_KEYS.items():
            if not (cam[valid_key][index, EGO_VIEW]
                    and cam['is_valid'][index, EGO_VIEW]):
                continue
            joints_mm = check_shape(cam[joints_key][index, EGO_VIEW],
                                    (21, 3), where, joints_key) * 1000.0
            points = check_shape(two_d[joints_key][index, EGO_VIEW],
                                 (21, 2), where, f'2d.{joints_key}')
            order = ARCTIC_TO_CANONICAL
            ones = np.ones(21)
            hand = fill_hand(self.empty_hand_info(), side, K, img_shape,
                             points[order], ones, joints_mm[order], ones)
            hand['mano_betas'] = np.asarray(
                params[f'shape_{suffix}'][index], np.float32)
            if self.flat_pose.available:
                pose = np.concatenate([
                    cam[f'rot_{suffix}_cam'][index, EGO_VIEW],
                    params[f'pose_{suffix}'][index]])
                hand['mano_pose'] = self.flat_pose(pose, side).astype(
                    np.float32)
                hand['mano_valid'] = 1.0
            hands.append(hand)
        return hands
