"""Writers of the canonical egohands annotation format (docs/data_format.md).

The canonical format is COCO-style JSON that ``xtcocotools.coco.COCO`` loads,
one file per split. Generators and converters (EgoSynth, the toy dataset,
EgoExo4D conversion) build their records with :func:`image_record` and
:func:`hand_annotation` and write them with :func:`write_annotation_file`,
so every producer writes the same keys, units and orders:

* 2D in full-image pixels, pixel centres at integer coordinates;
* 3D joints in **mm, camera frame** (OpenCV axes), canonical 21-joint order;
* MANO translation in **metres**, axis-angle pose, flat-hand-mean.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from egohands.datasets.metainfo import (HAND_SIDES, JOINT_NAMES, NUM_JOINTS,
                                        SKELETON)

FORMAT_VERSION = '1.0'
HAND_CATEGORY_ID = 1
MANO_FIELDS = {'global_orient': 3, 'hand_pose': 45, 'betas': 10, 'transl': 3}


def hand_category() -> Dict[str, Any]:
    """The single COCO category, with 1-based skeleton pairs as COCO uses."""
    return {'id': HAND_CATEGORY_ID, 'name': 'hand',
            'supercategory': 'hand', 'keypoints': list(JOINT_NAMES),
            'skeleton': [[a + 1, b + 1] for a, b in SKELETON]}


def _floats(values, decimals: int) -> List:
    return np.round(np.asarray(values, dtype=np.float64),
                    decimals).tolist()


def image_record(image_id: int, file_name: str, width: int, height: int,
                 K: np.ndarray, sequence: Any = None, frame: Optional[int] =
                 None, view: Any = None,
                 T_world_from_cam: Optional[np.ndarray] = None) -> Dict:
    """One ``images[]`` entry.

    Args:
        file_name: path relative to the dataset's image folder.
        K: (3, 3) pinhole intrinsics of the full image, px (no skew).
        T_world_from_cam: optional (4, 4) camera-to-world transform, mm.
    """
    K = np.asarray(K, dtype=np.float64)
    record = {'id': int(image_id), 'file_name': str(file_name),
              'width': int(width), 'height': int(height),
              'cam_param': {'focal': _floats([K[0, 0], K[1, 1]], 4),
                            'princpt': _floats([K[0, 2], K[1, 2]], 4)}}
    if sequence is not None:
        record['sequence'] = sequence
    if frame is not None:
        record['frame'] = int(frame)
    if view is not None:
        record['view'] = view
    if T_world_from_cam is not None:
        record['T_world_from_cam'] = _floats(T_world_from_cam, 6)
    return record


def bbox_from_keypoints(keypoints_2d: np.ndarray, valid: np.ndarray,
                        padding_px: float, width: int,
                        height: int) -> List[float]:
    """Tight xywh box around the valid keypoints, padded, clipped to image.

    Args:
        keypoints_2d: (21, 2) full-image px.
        valid: (21,) bool/0-1; at least one must be set.
    """
    points = np.asarray(keypoints_2d, dtype=np.float64)[np.asarray(valid) > 0]
    if len(points) == 0:
        raise ValueError('bbox_from_keypoints needs at least one valid point')
    x0, y0 = np.maximum(points.min(0) - padding_px, 0.0)
    x1 = min(points[:, 0].max() + padding_px, width - 1.0)
    y1 = min(points[:, 1].max() + padding_px, height - 1.0)
    return _floats([x0, y0, max(x1 - x0, 1.0), max(y1 - y0, 1.0)], 2)


def hand_annotation(ann_id: int, image_id: int, hand_side: str,
                    bbox_xywh: Sequence[float], keypoints_2d: np.ndarray,
                    keypoint_visibility: np.ndarray, joints_3d_mm: np.ndarray,
                    joints_valid: np.ndarray, mano: Optional[Dict] = None,
                    segmentation: Optional[Dict] = None,
                    grasp: Optional[int] = None) -> Dict:
    """One ``annotations[]`` entry (one hand).

    Args:
        bbox_xywh: hand box, full-image px.
        keypoints_2d: (21, 2) full-image px.
        keypoint_visibility: (21,) COCO flags: 0 unlabelled, 1 labelled but
            occluded, 2 visible.
        joints_3d_mm: (21, 3) mm, camera frame, canonical order.
        joints_valid: (21,) 0/1.
        mano: optional dict with global_orient (3), hand_pose (45), betas
            (10), transl (3, metres); axis-angle, flat-hand-mean.
        segmentation: optional COCO RLE of the hand mask.
        grasp: optional grasp class.
    """
    if hand_side not in HAND_SIDES:
        raise ValueError(f'hand_side must be one of {HAND_SIDES}')
    visibility = np.asarray(keypoint_visibility).astype(np.int64).tolist()
    points = np.round(np.asarray(keypoints_2d, np.float64), 2).tolist()
    keypoints = [c for (x, y), v in zip(points, visibility)
                 for c in (x, y, int(v))]
    record = {'id': int(ann_id), 'image_id': int(image_id),
              'category_id': HAND_CATEGORY_ID,
              'bbox': _floats(bbox_xywh, 2),
              'area': float(round(bbox_xywh[2] * bbox_xywh[3], 2)),
              'iscrowd': 0,
              'keypoints': keypoints,
              'num_keypoints': sum(1 for v in visibility if v > 0),
              'hand_side': hand_side,
              'joints_3d': _floats(joints_3d_mm, 3),
              'joints_valid': np.asarray(joints_valid).astype(
                  np.int64).tolist()}
    if mano is not None:
        record['mano'] = {k: _floats(np.ravel(mano[k]), 6)
                          for k in MANO_FIELDS}
    if segmentation is not None:
        record['segmentation'] = segmentation
    if grasp is not None:
        record['grasp'] = int(grasp)
    return record


def write_annotation_file(path: str, images: List[Dict],
                          annotations: List[Dict],
                          dataset_name: str = 'egohands',
                          description: str = '') -> None:
    """Write one split; compact, key order fixed, so reruns are identical."""
    content = {'info': {'dataset_name': dataset_name,
                        'description': description,
                        'format_version': FORMAT_VERSION,
                        'joint_order': 'canonical (docs/data_format.md)',
                        'units': 'joints_3d mm camera frame; mano.transl m'},
               'images': images, 'annotations': annotations,
               'categories': [hand_category()]}
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(content, f, separators=(',', ':'))


__all__ = ['FORMAT_VERSION', 'HAND_CATEGORY_ID', 'HAND_SIDES', 'MANO_FIELDS',
           'NUM_JOINTS', 'hand_category', 'image_record', 'hand_annotation',
           'bbox_from_keypoints', 'write_annotation_file']
