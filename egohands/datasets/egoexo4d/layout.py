"""Where the EgoExo4D hand-pose files live and what their keys are called.

Two layouts (facts: ``shared/reference/datasets.md`` section 2, official
``EGO4D/ego-exo4d-egopose`` ``handpose/data_preparation``):

* the **raw release** as the ``egoexo`` downloader writes it::

    RAW/takes.json
    RAW/annotations/splits.json
    RAW/annotations/ego_pose/{split}/hand/annotation/<take_uid>.json  (manual)
    RAW/annotations/ego_pose/{split}/hand/automatic/<take_uid>.json   (auto)
    RAW/annotations/ego_pose/{split}/camera_pose/<take_uid>.json

* the **processed** folder (the official ``gt_output_dir``, egohands'
  ``data/egoexo4d``)::

    ROOT/annotation/{manual,auto}/ego_pose_gt_anno_{split}_public.json
    ROOT/image/undistorted/{split}/<take_name>/<frame:06d>.jpg

The undistorted Aria image is a 512 x 512 pinhole camera with f = 150 px and
the principal point of projectaria_tools' ``get_linear_camera_calibration
(512, 512, 150)``: ``((w - 1) / 2, (h - 1) / 2) = (255.5, 255.5)``.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Tuple

import numpy as np

from egohands.datasets.metainfo import FINGERS, NUM_JOINTS
from egohands.utils.json_files import read_json_file

DOC = 'docs/egoexo4d.md'

#: side of the undistorted Aria image, px (square)
IMAGE_SIZE = 512
#: focal length of the undistorted Aria image, px
FOCAL_PX = 150.0
#: principal point of projectaria_tools' linear camera: (size - 1) / 2
PRINCIPAL_PX = (IMAGE_SIZE - 1) / 2.0

#: order in which the official preparation processes the hands
HAND_SIDES: Tuple[str, ...] = ('right', 'left')

#: annotation kind -> folder name in the raw release
RAW_HAND_FOLDERS = {'manual': 'annotation', 'auto': 'automatic'}
ANNOTATION_KINDS: Tuple[str, ...] = tuple(RAW_HAND_FOLDERS)
SPLITS: Tuple[str, ...] = ('train', 'val', 'test')


def aria_pinhole_K() -> np.ndarray:
    """(3, 3) float32 intrinsics of the undistorted 512 x 512 Aria image."""
    return np.array([[FOCAL_PX, 0.0, PRINCIPAL_PX],
                     [0.0, FOCAL_PX, PRINCIPAL_PX], [0.0, 0.0, 1.0]],
                    dtype=np.float32)


def raw_joint_names(side: str) -> List[str]:
    """The 21 raw annotation keys of one hand in the canonical order.

    ``right_wrist, right_thumb_1, ..., right_thumb_4, right_index_1, ...``
    """
    names = [f'{side}_wrist']
    names += [f'{side}_{finger}_{k}' for finger in FINGERS
              for k in range(1, 5)]
    assert len(names) == NUM_JOINTS
    return names


# -- raw release ----------------------------------------------------------
def raw_takes_file(raw: str) -> str:
    return os.path.join(raw, 'takes.json')


def raw_splits_file(raw: str) -> str:
    return os.path.join(raw, 'annotations', 'splits.json')


def raw_hand_dir(raw: str, split: str, kind: str) -> str:
    """Folder of the per-take hand annotation files of one split and kind."""
    return os.path.join(raw, 'annotations', 'ego_pose', split, 'hand',
                        RAW_HAND_FOLDERS[kind])


def raw_camera_pose_dir(raw: str, split: str) -> str:
    return os.path.join(raw, 'annotations', 'ego_pose', split, 'camera_pose')


# -- processed folder -----------------------------------------------------
def processed_annotation_file(root: str, kind: str, split: str) -> str:
    """``ROOT/annotation/{kind}/ego_pose_gt_anno_{split}_public.json``."""
    return os.path.join(root, 'annotation', kind,
                        f'ego_pose_gt_anno_{split}_public.json')


def undistorted_image_path(img_root: str, split: str, take_name: str,
                           frame: int) -> str:
    """``img_root/{split}/{take_name}/{frame:06d}.jpg``.

    ``img_root`` is ``ROOT/image/undistorted`` for the official layout.
    """
    return os.path.join(img_root, split, take_name, f'{int(frame):06d}.jpg')


# -- JSON ------------------------------------------------------------------
def read_json(path: str, what: str,
              hint: str = f'see {DOC} for how to download and prepare the '
              'data') -> Any:
    """Read a JSON file that may hold bare ``NaN`` tokens (as published).

    Args:
        path: the file. what: what it is, for messages. hint: how to get it.

    Raises:
        DatasetNotFoundError: the file does not exist (names it and the hint).
        AnnotationError: not JSON, not UTF-8, a directory (one line).
    """
    return read_json_file(path, f'EgoExo4D {what}', hint)


def write_json(content: Dict, path: str) -> None:
    """Write ``content`` with bare ``NaN`` tokens, as the official files do."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(content, f, allow_nan=True)
    os.replace(tmp, path)
