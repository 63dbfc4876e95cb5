"""``AssemblyHandsEgoDataset``: AssemblyHands egocentric images, per hand.

Reads the official release (facebookresearch/assemblyhands-toolkit README;
``shared/reference/datasets.md`` section 4)::

    annotations/{split}/assemblyhands_{split}_ego_data_v1-1.json
        COCO images and per-image boxes
    annotations/{split}/assemblyhands_{split}_joint_3d_v1-1.json
        world joints, mm
    annotations/{split}/assemblyhands_{split}_ego_calib_v1-1.json
        rectified ego K and per-frame [R|t]
    images/ego_images_rectified/{split}/<seq>/<camera>/<frame>.jpg

under ``data_root``.

A hand is one side of one annotation whose ``bbox[side]`` (x0, y0, x1, y1)
is not null. Its 21 joints are block ``0-20`` (right) or ``21-41`` (left)
of the 42 world joints, InterHand2.6M order (tips first, wrist last),
mapped to the canonical order; world mm go to the ego camera with
``X_cam = R X_world + t`` of the frame's extrinsics, and 2D is their pinhole
projection with the camera's intrinsics. Validity is the annotation's
``joint_valid``; as the toolkit does, a hand needs 10 valid joints by
default (``min_valid_joints``).

:func:`read_nimble_calibration` reads the original (un-rectified) camera
models of ``calib/nimble_json_calib/<seq>.json``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.official_records import (check_shape, fill_hand,
                                                project_points)
from egohands.datasets.record_checks import RecordChecker
from egohands.geometry.joint_orders import (ASSEMBLYHANDS_LEFT_TO_CANONICAL,
                                            ASSEMBLYHANDS_RIGHT_TO_CANONICAL)
from egohands.registry import DATASETS
from egohands.utils.errors import AnnotationError, check_choice
from egohands.utils.json_files import read_json_file

SPLITS = ('demo', 'train', 'val', 'test')
NUM_BOTH_HANDS = 42
SIDE_TO_CANONICAL = {'right': ASSEMBLYHANDS_RIGHT_TO_CANONICAL,
                     'left': ASSEMBLYHANDS_LEFT_TO_CANONICAL}
ASSEMBLYHANDS_URL = ('https://github.com/facebookresearch/'
                     'assemblyhands-toolkit (annotations and ego images, '
                     'Google Drive links in its README)')


def annotation_file(split: str, kind: str) -> str:
    """``annotations/{split}/assemblyhands_{split}_{kind}_v1-1.json``."""
    return f'annotations/{split}/assemblyhands_{split}_{kind}_v1-1.json'


@dataclass
class NimbleCamera:
    """One camera of a nimble calibration file (original, un-rectified).

    Attributes:
        serial: ``SerialNo`` (e.g. ``'21176875_mono10bit'``).
        K: (3, 3) pinhole part, px.
        T_cam_from_world: (4, 4) ``ModelViewMatrix``, translation in mm.
        image_size: (width, height) px.
        distortion_model: ``'OpenCV'`` (exo RGB) or ``'OVFishEye62'`` (ego).
        distortion: ``k1..k6, p1..p4`` in that order.
        mounting: ``MountingLocation``; type: ``Type``.
    """
    serial: str
    K: np.ndarray
    T_cam_from_world: np.ndarray
    image_size: Tuple[int, int]
    distortion_model: str
    distortion: np.ndarray
    mounting: str
    type: str


DISTORTION_KEYS = ('k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'p1', 'p2', 'p3',
                   'p4')


def read_nimble_calibration(path: str) -> Dict[str, NimbleCamera]:
    """``calib/nimble_json_calib/<seq>.json`` -> cameras by serial number."""
    content = read_json_file(path, 'AssemblyHands calibration file',
                             f'get it from {ASSEMBLYHANDS_URL}')
    if not isinstance(content, list):
        raise AnnotationError(f'{path}: top level must be a list of '
                              "{'Camera': ...} entries")
    cameras = {}
    for index, entry in enumerate(content):
        record = RecordChecker(path, 'camera', entry, record_id=index)
        cam = record.nested('Camera')
        serial = cam.string('SerialNo')
        K = np.array([[cam.array('fx', ()), 0, cam.array('cx', ())],
                      [0, cam.array('fy', ()), cam.array('cy', ())],
                      [0, 0, 1]], np.float64)
        cameras[serial] = NimbleCamera(
            serial=serial, K=K,
            T_cam_from_world=cam.array('ModelViewMatrix', (4, 4)),
            image_size=(cam.integer('ImageSizeX', minimum=1),
                        cam.integer('ImageSizeY', minimum=1)),
            distortion_model=cam.string('DistortionModel'),
            distortion=np.array([cam.array(k, ()) for k in DISTORTION_KEYS]),
            mounting=record.string('MountingLocation', optional=True,
                                   default=''),
            type=record.string('Type', optional=True, default=''))
    return cameras


@DATASETS.register_module()
class AssemblyHandsEgoDataset(BaseHandDataset):
    """AssemblyHands egocentric (rectified) images, one sample per hand.

    Args:
        data_root: the folder holding ``annotations/`` and ``images/``.
        split: ``'train'``, ``'val'``, ``'test'`` or ``'demo'``.
        data_prefix: ``dict(img='images')``: COCO ``file_name`` values are
            relative to it.
        min_valid_joints: 10 (the toolkit's rule).
        **kwargs: see :class:`BaseHandDataset`.
    """

    DATA_HINT = f'get AssemblyHands from {ASSEMBLYHANDS_URL}'
    DEFAULT_NAME = 'assemblyhands'

    def __init__(self, data_root: str = 'data/assemblyhands',
                 split: str = 'val', data_prefix: Optional[dict] = None,
                 min_valid_joints: int = 10, **kwargs) -> None:
        check_choice('AssemblyHandsEgoDataset', 'split', split, SPLITS)
        self.split = split
        super().__init__(ann_file=annotation_file(split, 'ego_data'),
                         data_root=data_root,
                         data_prefix=data_prefix or dict(img='images'),
                         min_valid_joints=min_valid_joints, **kwargs)

    def _side_file(self, kind: str) -> str:
        path = os.path.join(self.data_root, annotation_file(self.split,
                                                            kind))
        self.check_exists(path, f'{kind} file')
        return path

    def load_hand_infos(self, ann_file: str) -> List[dict]:
        data = read_json_file(ann_file, 'AssemblyHands data file',
                              self.data_hint)
        joints_path = self._side_file('joint_3d')
        calib_path = self._side_file('ego_calib')
        joints = read_json_file(joints_path, 'AssemblyHands joint file',
                                self.data_hint)
        calib = read_json_file(calib_path, 'AssemblyHands calib file',
                               self.data_hint)
        for path, content, key in ((ann_file, data, 'annotations'),
                                   (joints_path, joints, 'annotations'),
                                   (calib_path, calib, 'calibration')):
            if not isinstance(content, dict) or key not in content:
                raise AnnotationError(f"{path}: top level must be an object "
                                      f"with '{key}'")
        images = {}
        for record in data.get('images', []):
            check = RecordChecker(ann_file, 'image', record)
            images[check.integer('id')] = record
        hands = []
        for record in data['annotations']:
            check = RecordChecker(ann_file, 'annotation', record)
            image = images.get(check.integer('image_id'))
            if image is None:
                check.fail('image_id', 'names no entry of images')
            world, cam_K, cam_Rt = self._frame_geometry(
                image, joints, calib, joints_path, calib_path)
            valid = np.asarray(record.get('joint_valid'),
                               np.float64).reshape(-1)
            if valid.size != NUM_BOTH_HANDS:
                check.fail('joint_valid', f'must hold {NUM_BOTH_HANDS} '
                           f'flags, got {valid.size}')
            joints_cam = world @ cam_Rt[:, :3].T + cam_Rt[:, 3]
            boxes = check.mapping('bbox')
            for side in ('right', 'left'):
                box = boxes.get(side)
                if box is None:
                    continue
                box = check_shape(box, (4, ), check.where(), f'bbox.{side}')
                order = SIDE_TO_CANONICAL[side]
                joints_mm, side_valid = joints_cam[order], valid[order]
                hand = fill_hand(
                    self.empty_hand_info(), side, cam_K,
                    (int(image['height']), int(image['width'])),
                    project_points(cam_K, joints_mm), side_valid,
                    joints_mm, side_valid, bbox_xyxy=box)
                hand.update(img_id=int(image['id']), ann_id=len(hands),
                            img_path=os.path.join(self.img_root,
                                                  image['file_name']),
                            sequence=image['seq_name'],
                            frame=int(image['frame_idx']),
                            view=image['camera'])
                hands.append(hand)
        return hands

    @staticmethod
    def _frame_geometry(image: Dict, joints: Dict, calib: Dict,
                        joints_path: str, calib_path: str
                        ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(world joints (42, 3) mm, K (3, 3), [R|t] (3, 4)) of an image."""
        seq, camera = image['seq_name'], image['camera']
        frame = f"{int(image['frame_idx']):06d}"
        where = f'{joints_path}: annotations.{seq}.{frame}'
        entry = joints['annotations'].get(seq, {}).get(frame)
        if entry is None:
            raise AnnotationError(f'{where} is missing (image id '
                                  f"{image['id']})")
        world = check_shape(entry.get('world_coord'), (NUM_BOTH_HANDS, 3),
                            where, 'world_coord')
        seq_calib = calib['calibration'].get(seq)
        if seq_calib is None:
            raise AnnotationError(f'{calib_path}: calibration.{seq} is '
                                  'missing')
        key = next((k for k in (camera, f'{camera}_mono10bit')
                    if k in seq_calib.get('intrinsics', {})), None)
        extrinsics = seq_calib.get('extrinsics', {}).get(frame, {})
        if key is None or key not in extrinsics:
            raise AnnotationError(
                f'{calib_path}: calibration.{seq}: no intrinsics or frame '
                f'{frame} extrinsics for camera {camera}')
        where = f'{calib_path}: calibration.{seq}'
        K = check_shape(seq_calib['intrinsics'][key], (3, 3), where,
                        f'intrinsics.{key}')
        Rt = check_shape(extrinsics[key], (3, 4), where,
                         f'extrinsics.{frame}.{key}')
        return world, K, Rt
