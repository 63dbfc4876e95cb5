"""``EgoHandsCocoDataset``: reader of the canonical annotation format.

The format (COCO-style JSON, one file per split; docs/data_format.md) is
written by the EgoSynth generator, the toy dataset of ``egohands.testing``
and the converters of other datasets. This reader parses the JSON itself
(no pycocotools needed), checks every record and turns each annotation into
one per-hand dict (docs/architecture.md section 3.1).
"""
from __future__ import annotations

import os
from typing import Dict, List

import numpy as np

from egohands.datasets.base_dataset import HAND_SIDES, BaseHandDataset
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.datasets.record_checks import RecordChecker
from egohands.datasets.rle import rle_is_valid
from egohands.registry import DATASETS
from egohands.utils.errors import AnnotationError
from egohands.utils.json_files import read_json_file

MANO_SIZES = (('global_orient', 3), ('hand_pose', 45), ('betas', 10),
              ('transl', 3))


def _read_json(path: str) -> Dict:
    content = read_json_file(path)
    if not isinstance(content, dict):
        raise AnnotationError(f'{path}: top level must be a JSON object with '
                              "'images' and 'annotations' "
                              '(format: docs/data_format.md)')
    for key in ('images', 'annotations'):
        if not isinstance(content.get(key), list):
            raise AnnotationError(f"{path}: top level: '{key}' must be a "
                                  'list (format: docs/data_format.md)')
    return content


def parse_image(path: str, record: Dict, img_root: str) -> Dict:
    """Check one ``images[]`` record; return the per-image part of a sample.

    Returns:
        dict with img_path, img_id, img_shape (h, w), K (3, 3) float32 px,
        sequence, frame, view, T_world_from_cam ((4, 4) float32 or None).
    """
    check = RecordChecker(path, 'image', record)
    img_id = check.integer('id')
    file_name = check.string('file_name')
    width = check.integer('width', minimum=1)
    height = check.integer('height', minimum=1)
    cam = check.nested('cam_param')
    focal = cam.array('focal', (2, ))
    princpt = cam.array('princpt', (2, ))
    if (focal <= 0).any():
        cam.fail('focal', f'must be positive, got {focal.tolist()}')
    K = np.array([[focal[0], 0, princpt[0]], [0, focal[1], princpt[1]],
                  [0, 0, 1]], dtype=np.float32)
    T = check.array('T_world_from_cam', (4, 4), optional=True)
    return dict(
        img_path=os.path.join(img_root, file_name), img_id=img_id,
        img_shape=(height, width), K=K,
        sequence=check.identifier('sequence'),
        frame=check.integer('frame', optional=True),
        view=check.identifier('view'),
        T_world_from_cam=None if T is None else T.astype(np.float32))


def parse_hand(path: str, record: Dict, hand: Dict) -> Dict:
    """Check one ``annotations[]`` record and fill the per-hand dict ``hand``.

    Sets bbox (4,) xyxy px, keypoints_2d (21, 2) px, keypoints_2d_valid,
    joints_3d (21, 3) mm camera frame, joints_valid, hand_side, mano_*,
    grasp, segmentation, ann_id. Joints marked invalid may hold null.
    """
    check = RecordChecker(path, 'annotation', record)
    hand['ann_id'] = check.integer('id')
    check.integer('category_id')
    x, y, w, h = check.array('bbox', (4, ))
    if w <= 0 or h <= 0:
        check.fail('bbox', f'must be [x, y, width, height] with width, '
                   f'height > 0, got {[float(v) for v in (x, y, w, h)]}')
    hand['bbox'] = np.array([x, y, x + w, y + h], np.float32)
    keypoints = check.array('keypoints', (NUM_JOINTS, 3), flat_ok=True)
    visibility = keypoints[:, 2]
    if not ((visibility == 0) | (visibility == 1) | (visibility == 2)).all():
        check.fail('keypoints', 'visibility flags (every third number) must '
                   'be 0, 1 or 2')
    hand['keypoints_2d'] = keypoints[:, :2].astype(np.float32)
    hand['keypoints_2d_valid'] = (visibility > 0).astype(np.float32)
    check.integer('num_keypoints', minimum=0)
    hand['hand_side'] = check.string('hand_side', choices=HAND_SIDES)
    valid = check.flags('joints_valid', NUM_JOINTS)
    hand['joints_valid'] = valid.astype(np.float32)
    hand['joints_3d'] = check.array(
        'joints_3d', (NUM_JOINTS, 3), finite_rows=valid > 0).astype(
            np.float32)
    if check.has('mano'):
        mano = check.nested('mano')
        parts = {k: mano.array(k, (n, )) for k, n in MANO_SIZES}
        hand['mano_pose'] = np.concatenate(
            [parts['global_orient'], parts['hand_pose']]).astype(np.float32)
        hand['mano_betas'] = parts['betas'].astype(np.float32)
        hand['mano_transl'] = parts['transl'].astype(np.float32)
        hand['mano_valid'] = 1.0
    if check.has('segmentation'):
        segmentation = record['segmentation']
        if not rle_is_valid(segmentation):
            check.fail('segmentation', "must be an RLE {'size': [h, w], "
                       "'counts': ...} (polygons are not supported)")
        hand['segmentation'] = segmentation
    hand['grasp'] = check.integer('grasp', optional=True, minimum=-1,
                                  default=-1)
    return hand


@DATASETS.register_module()
class EgoHandsCocoDataset(BaseHandDataset):
    """Hands of a canonical-format annotation file, one sample per hand.

    Args:
        ann_file: e.g. ``'annotations/val.json'`` (relative to data_root).
        data_root: e.g. ``'data/egosynth'``.
        data_prefix: ``dict(img='')``: image ``file_name`` values are
            relative to ``data_root / data_prefix['img']``.
        **kwargs: see :class:`BaseHandDataset` (pipeline, hand_sides,
            min_valid_joints, dataset_name, data_hint, test_mode,
            lazy_init, ...).

    ``dataset_name`` defaults to ``info.dataset_name`` of the file.
    """

    DATA_HINT = ('create EgoSynth with `python tools/make_egosynth.py --out '
                 'data/egosynth` or convert your data to the canonical '
                 'format (docs/data_format.md)')
    DEFAULT_NAME = 'egohands'

    def load_hand_infos(self, ann_file: str) -> List[dict]:
        content = _read_json(ann_file)
        info = content.get('info')
        file_name = info.get('dataset_name') if isinstance(info,
                                                          dict) else None
        images = {}
        for record in content['images']:
            image = parse_image(ann_file, record, self.img_root)
            if image['img_id'] in images:
                raise AnnotationError(
                    f'{ann_file}: image id {image["img_id"]}: the id is used '
                    'twice; image ids must be unique')
            images[image['img_id']] = image
        hands, seen = [], set()
        for record in content['annotations']:
            hand = self.empty_hand_info()
            check = RecordChecker(ann_file, 'annotation', record)
            image_id = check.integer('image_id')
            if image_id not in images:
                check.fail('image_id', f'{image_id} names no entry of '
                           "'images'")
            hand.update(images[image_id])
            parse_hand(ann_file, record, hand)
            if hand['ann_id'] in seen:
                check.fail('id', 'is used twice; annotation ids must be '
                           'unique')
            seen.add(hand['ann_id'])
            hand['dataset_name'] = self.dataset_name or file_name
            hands.append(hand)
        return hands
