"""Inference predictions as files: one JSON record per hand, and the
EgoExo4D and COCO-3D layouts.

``predictions.json`` (:func:`write_predictions`)::

    {"meta": {"format": "egohands-inference", "version": 1, "units": "mm",
              "frame": "camera frame of the input image",
              "keypoints_2d": "full-image px", "joint_names": [21 names],
              "model": str},
     "hands": [record, ...]}

A record (:func:`hand_record`) has ``image`` (frame name), ``img_path``,
``frame_index``, ``hand_index``, ``hand_side``, ``bbox`` [x0, y0, x1, y1]
px, ``bbox_score`` (or null), ``joints_3d`` 21 x [x, y, z] mm,
``joints_absolute`` (false: wrist-relative), ``keypoints_2d`` 21 x [u, v]
px, ``keypoints_2d_source`` ('model' | 'box fit'), ``K`` 3 x 3,
``K_source`` ('given' | 'default'), and when the model has them
``joints_3d_std`` mm and ``mano`` (``global_orient``, ``hand_pose``,
``betas``, ``transl`` m).

``egoexo4d`` layout: ``{source: {frame name: {"left_hand_3d": 21 x 3 m or
[], "right_hand_3d": ...}}}`` (the challenge's units, one hand per side:
the first of each side). ``coco3d`` layout: an egohands annotation file
(docs/data_format.md) with the predictions as labels.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import Any, Dict, List

import numpy as np

from egohands.datasets.metainfo import JOINT_NAMES, NUM_JOINTS

LAYOUTS = ('egoexo4d', 'coco3d')
_MANO_KEYS = ('global_orient', 'hand_pose', 'betas', 'transl')


def _list(value) -> Any:
    from egohands.evaluation.metrics.sample_fields import to_numpy
    return np.asarray(to_numpy(value), np.float64).round(4).tolist()


def hand_record(sample, frame_name: str, frame_index: int,
                hand_index: int) -> Dict[str, Any]:
    """The JSON record of one predicted hand (module docstring)."""
    meta = sample.metainfo
    record = dict(
        image=frame_name, img_path=meta.get('img_path', ''),
        frame_index=int(frame_index), hand_index=int(hand_index),
        hand_side=meta.get('orig_hand_side', meta.get('hand_side')),
        bbox=_list(meta['bbox']), bbox_score=meta.get('bbox_score'),
        joints_3d=_list(sample.pred_joints_3d),
        joints_absolute=bool(sample.get('pred_joints_absolute', False)),
        keypoints_2d=_list(sample.pred_keypoints_2d),
        keypoints_2d_source=meta.get('keypoints_2d_source'),
        K=_list(meta['K']), K_source=meta.get('K_source'))
    if sample.get('pred_joints_3d_std') is not None:
        record['joints_3d_std'] = _list(sample.pred_joints_3d_std)
    mano = sample.get('pred_mano')
    if mano is not None:
        record['mano'] = {k: _list(mano[k]) for k in _MANO_KEYS if k in mano}
    return record


def _write_json(path: str, content: Any) -> None:
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(content, f)


def write_predictions(path: str, records: List[Dict], model: str) -> None:
    """``predictions.json`` with its meta block."""
    _write_json(path, dict(
        meta=dict(format='egohands-inference', version=1, units='mm',
                  frame='camera frame of the input image',
                  keypoints_2d='full-image px',
                  joint_names=list(JOINT_NAMES), model=model),
        hands=records))


def egoexo4d_layout(records: List[Dict], source: str) -> Dict:
    """``{source: {frame: {left_hand_3d, right_hand_3d}}}`` in metres."""
    frames: Dict[str, Dict[str, Any]] = {}
    for record in records:
        frame = frames.setdefault(record['image'], {'left_hand_3d': [],
                                                    'right_hand_3d': []})
        key = f'{record["hand_side"]}_hand_3d'
        if not frame[key]:
            frame[key] = (np.asarray(record['joints_3d']) / 1000.0
                          ).round(6).tolist()
    return {source: frames}


def write_coco3d(path: str, records: List[Dict],
                 image_sizes: Dict[str, tuple]) -> None:
    """The predictions as an egohands (COCO-style) annotation file."""
    from egohands.datasets.coco_format import (hand_annotation,
                                               image_record,
                                               write_annotation_file)
    ids: Dict[str, int] = {}
    images, annotations = [], []
    for record in records:
        name = record['image']
        if name not in ids:
            ids[name] = len(ids)
            height, width = image_sizes[name]
            images.append(image_record(ids[name], name, width, height,
                                       np.asarray(record['K'])))
        x0, y0, x1, y1 = record['bbox']
        annotations.append(hand_annotation(
            len(annotations), ids[name], record['hand_side'],
            [x0, y0, x1 - x0, y1 - y0], np.asarray(record['keypoints_2d']),
            np.full(NUM_JOINTS, 2), np.asarray(record['joints_3d']),
            np.ones(NUM_JOINTS)))
    write_annotation_file(path, images, annotations,
                          dataset_name='egohands-predictions',
                          description='predictions of egohands '
                          'HandPoseInferencer (joints_3d wrist-relative '
                          'unless the model predicts absolute positions)')


def write_layout(layout: str, path: str, records: List[Dict], source: str,
                 image_sizes: Dict[str, tuple]) -> None:
    """Write ``records`` in one of :data:`LAYOUTS`."""
    if layout == 'egoexo4d':
        _write_json(path, egoexo4d_layout(records, source))
    else:
        write_coco3d(path, records, image_sizes)
