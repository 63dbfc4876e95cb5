"""Reading the processed EgoExo4D hand files exactly as published.

``{take_uid: {frame: {"{side}_hand_3d": 21x3 m | [], "{side}_hand_2d":
21x2 px | [], "{side}_hand_bbox": xyxy | [], "{side}_hand_valid_3d": 21 bool
| [], "metadata": {take_uid, take_name, frame_number}}}}`` with bare ``NaN``
at invalid joints; the public test file holds only the boxes and metadata.
The dataset, the official evaluation and the submission writer all read
through :func:`iter_hand_records`, so they agree on what a hand is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, Optional

import numpy as np

from egohands.datasets.egoexo4d.layout import DOC, HAND_SIDES
from egohands.datasets.metainfo import NUM_JOINTS, WRIST
from egohands.utils.errors import AnnotationError


@dataclass
class HandRecord:
    """One hand of one frame of a processed file.

    ``frame`` is the key as written in the file (a string); arrays are None
    where the file holds ``[]`` or nothing (e.g. the 3D of the test file).

    Attributes:
        bbox: (4,) float64 xyxy px, undistorted image.
        joints_3d_m: (21, 3) float64 metres, Aria camera frame, NaN at
            invalid joints (the wrist is always finite).
        valid_3d: (21,) bool.
        keypoints_2d: (21, 2) float64 px, annotated Aria 2D, NaN = none.
    """
    take_uid: str
    take_name: str
    frame: str
    side: str
    bbox: Optional[np.ndarray]
    joints_3d_m: Optional[np.ndarray]
    valid_3d: Optional[np.ndarray]
    keypoints_2d: Optional[np.ndarray]

    @property
    def frame_number(self) -> int:
        return int(self.frame)


def _where(path: str, take_uid: str, frame: str) -> str:
    return f'{path}: take {take_uid}, frame {frame}'


def _array(value, shape, where: str, key: str) -> Optional[np.ndarray]:
    """``[]`` / missing -> None; otherwise a float64 array of ``shape``."""
    if value is None or (isinstance(value, list) and len(value) == 0):
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.shape != shape:
        got = 'ragged or non-numeric values' if array is None else \
            f'shape {array.shape}'
        raise AnnotationError(
            f"{where}: '{key}' must be [] or {'x'.join(map(str, shape))} "
            f'numbers, got {got} (format: {DOC})')
    return array


def parse_hand(path: str, take_uid: str, frame: str, side: str,
               record: Dict, take_name: str) -> HandRecord:
    """Check and parse the ``{side}_hand_*`` fields of one frame record."""
    where = _where(path, take_uid, frame)
    bbox = _array(record.get(f'{side}_hand_bbox'), (4, ), where,
                  f'{side}_hand_bbox')
    joints = _array(record.get(f'{side}_hand_3d'), (NUM_JOINTS, 3), where,
                    f'{side}_hand_3d')
    keypoints = _array(record.get(f'{side}_hand_2d'), (NUM_JOINTS, 2), where,
                       f'{side}_hand_2d')
    raw_valid = record.get(f'{side}_hand_valid_3d')
    valid = _array(raw_valid, (NUM_JOINTS, ), where, f'{side}_hand_valid_3d')
    if bbox is not None and not np.isfinite(bbox).all():
        raise AnnotationError(f"{where}: '{side}_hand_bbox' must be finite, "
                              f'got {bbox.tolist()} (format: {DOC})')
    if joints is not None:
        if valid is None or not np.isin(valid, (0.0, 1.0)).all():
            raise AnnotationError(
                f"{where}: '{side}_hand_valid_3d' must be 21 true/false "
                f"flags when '{side}_hand_3d' is given (format: {DOC})")
        valid = valid.astype(bool)
        # invalid joints may hold NaN, Infinity or stale numbers: make them
        # NaN (the documented 'nothing') so no reader trains on them; the
        # wrist stays (the files always hold it, valid or not)
        keep = valid.copy()
        keep[WRIST] = True
        joints = np.where(keep[:, None], joints, np.nan)
        bad = valid & ~np.isfinite(joints).all(-1)
        if bad.any():
            raise AnnotationError(
                f"{where}: '{side}_hand_3d' joint {int(np.argmax(bad))} is "
                f'flagged valid but is not finite (format: {DOC})')
        if not np.isfinite(joints[WRIST]).all():
            raise AnnotationError(
                f"{where}: '{side}_hand_3d' has no wrist; the processed files "
                'always hold it (regenerate with tools/dataset_converters/'
                f'egoexo4d.py, {DOC})')
    else:
        valid = None
    if keypoints is not None:  # Infinity counts as 'not annotated' too
        keypoints = np.where(np.isfinite(keypoints), keypoints, np.nan)
    return HandRecord(take_uid, take_name, frame, side, bbox, joints, valid,
                      keypoints)


def iter_hand_records(content: Dict, path: str) -> Iterator[HandRecord]:
    """Every hand of a processed file that has a box or 3D, in file order.

    Args:
        content: the parsed JSON (``layout.read_json``).
        path: its path, for error messages.
    """
    if not isinstance(content, dict):
        raise AnnotationError(f'{path}: top level must be a JSON object '
                              f'{{take_uid: {{frame: record}}}} ({DOC})')
    for take_uid, frames in content.items():
        if not isinstance(frames, dict):
            raise AnnotationError(f'{path}: take {take_uid}: must map frame '
                                  f'numbers to records ({DOC})')
        for frame, record in frames.items():
            where = _where(path, take_uid, frame)
            metadata = record.get('metadata') if isinstance(record,
                                                            dict) else None
            if not isinstance(metadata, dict) or not isinstance(
                    metadata.get('take_name'), str):
                raise AnnotationError(
                    f"{where}: the record needs 'metadata' with 'take_name' "
                    f'(format: {DOC})')
            try:
                int(frame)
            except ValueError:
                raise AnnotationError(f'{where}: frame keys must be frame '
                                      f'numbers ({DOC})') from None
            for side in HAND_SIDES:
                hand = parse_hand(path, take_uid, frame, side, record,
                                  metadata['take_name'])
                if hand.bbox is not None or hand.joints_3d_m is not None:
                    yield hand
