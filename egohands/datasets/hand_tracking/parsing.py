"""Checked parsing of the toolkit's per-frame JSON members.

Every field goes through :class:`~egohands.datasets.record_checks.
RecordChecker`, so a malformed value stops with one line naming the tar,
the member and the field. The files hold metres; these functions return
metres too (the dataset converts to egohands' mm). Poses are
``{"quaternion_wxyz": [4], "translation_xyz": [3]}`` -> (4, 4) float64.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from egohands.datasets.record_checks import RecordChecker
from egohands.geometry.camera_models import (CAMERA_KINDS, CameraModel,
                                             TOOLKIT_MODEL_NAMES)
from egohands.geometry.rotation import quaternion_to_matrix

HAND_SIDES = ('left', 'right')
#: length of a FISHEYE624 parameter list with one focal length (Aria)
_ARIA_624_PARAMS = 15


def pose_matrix(check: RecordChecker, key: str) -> np.ndarray:
    """(4, 4) float64 rigid transform of ``check.record[key]``."""
    pose = check.nested(key)
    quat = pose.array('quaternion_wxyz', (4, ))
    if np.linalg.norm(quat) < 1e-6:
        pose.fail('quaternion_wxyz', f'must be a non-zero quaternion, got '
                  f'{quat.tolist()}')
    T = np.eye(4)
    T[:3, :3] = quaternion_to_matrix(quat)
    T[:3, 3] = pose.array('translation_xyz', (3, ))
    return T


def camera_from_calibration(check: RecordChecker, T_world_from_cam:
                            np.ndarray) -> CameraModel:
    """A :class:`CameraModel` from a toolkit ``calibration`` object."""
    name = check.string('projection_model_type',
                        choices=list(TOOLKIT_MODEL_NAMES))
    kind = TOOLKIT_MODEL_NAMES[name]
    params = check.record.get('projection_params')
    wanted = CAMERA_KINDS[kind][1]
    if kind == 'fisheye624' and isinstance(params, list) and \
            len(params) == _ARIA_624_PARAMS:
        f, cx, cy = check.array('projection_params', (15, ))[:3]
        fx = fy = f
        coeffs = check.array('projection_params', (15, ))[3:]
    else:
        # a list of only fx, fy, cx, cy means no distortion
        count = 4 if isinstance(params, list) and len(params) == 4 else \
            4 + wanted
        values = check.array('projection_params', (count, ))
        fx, fy, cx, cy = values[:4]
        coeffs = np.concatenate([values[4:], np.zeros(4 + wanted - count)])
    return CameraModel(
        kind, check.integer('image_width', minimum=1),
        check.integer('image_height', minimum=1), (float(fx), float(fy)),
        (float(cx), float(cy)), tuple(float(c) for c in coeffs),
        T_world_from_cam, check.string('label', optional=True, default=''))


def parse_cameras(content: Any, where: str) -> Dict[str, CameraModel]:
    """``cameras.json`` -> stream id -> camera (pose in metres)."""
    if not isinstance(content, dict) or not content:
        raise_where(where, 'must be a non-empty JSON object of streams')
    cameras = {}
    for stream, entry in content.items():
        check = RecordChecker(where, 'stream', entry, stream)
        calibration = check.nested('calibration')
        cameras[stream] = camera_from_calibration(
            calibration, pose_matrix(check, 'T_world_from_camera'))
    return cameras


def parse_hand_poses(content: Any, where: str) -> Dict[str, Dict]:
    """``hands.json`` -> side -> dict of the hand's annotations.

    Keys: ``T_world_from_wrist`` (4, 4) and ``joint_angles`` (22,) of the
    UmeTrack pose; ``mano_theta`` (15,) and ``wrist_xform`` (6,) of the MANO
    pose or None (registration failed); ``boxes`` stream -> (4,) xyxy px
    and ``visibilities`` stream -> float. Absent / null hands are left out.
    """
    if not isinstance(content, dict):
        raise_where(where, 'must be a JSON object with "left" / "right"')
    hands = {}
    for side in HAND_SIDES:
        if content.get(side) is None:
            continue
        check = RecordChecker(where, 'hand', content[side], side)
        umetrack = check.nested('umetrack_pose')
        hand = dict(T_world_from_wrist=pose_matrix(umetrack,
                                                   'T_world_from_wrist'),
                    joint_angles=umetrack.array('joint_angles', (22, )),
                    mano_theta=None, wrist_xform=None, boxes={},
                    visibilities={})
        if check.has('mano_pose'):
            mano = check.nested('mano_pose')
            hand['mano_theta'] = mano.array('thetas', (15, ))
            hand['wrist_xform'] = mano.array('wrist_xform', (6, ))
        boxes = check.mapping('boxes_amodal', optional=True) or {}
        for stream in boxes:
            hand['boxes'][stream] = check.nested('boxes_amodal').array(
                stream, (4, ))
        visibilities = check.mapping('visibilities_modeled',
                                     optional=True) or {}
        for stream, value in visibilities.items():
            if not isinstance(value, (int, float)):
                check.fail(f'visibilities_modeled.{stream}',
                           f'must be a number, got {value!r}')
            hand['visibilities'][stream] = float(value)
        hands[side] = hand
    return hands


def parse_hand_crops(content: Any, where: str
                     ) -> Dict[str, Dict[str, Tuple[np.ndarray, float]]]:
    """``hand_crops.json`` -> side -> stream -> (T_world_from_crop_camera
    (4, 4), fov rad). A hand with no stream is left out, as the toolkit's
    ``decode_hand_crop_params`` does."""
    if not isinstance(content, dict):
        raise_where(where, 'must be a JSON object with "left" / "right"')
    crops = {}
    for side in HAND_SIDES:
        streams = content.get(side)
        if not streams:
            continue
        check = RecordChecker(where, 'hand', content, side)
        per_stream = check.mapping(side)
        out = {}
        for stream in per_stream:
            entry = RecordChecker(where, f'{side} hand crop', per_stream[
                stream], stream)
            fov = _number(entry, 'crop_camera_fov')
            if not 0.0 < fov < np.pi:
                entry.fail('crop_camera_fov', f'must be in (0, pi) radians, '
                           f'got {fov}')
            out[stream] = (pose_matrix(entry, 'T_world_from_crop_camera'),
                           fov)
        crops[side] = out
    return crops


def parse_hand_shapes(content: Any, where: str) -> Dict[str, Any]:
    """``__hand_shapes.json__`` -> ``mano_betas`` (10,) and ``umetrack``
    (the UmeTrack hand-model dict, mm, kept as is)."""
    check = RecordChecker(where, 'member', content, '__hand_shapes.json__')
    return dict(mano_betas=check.array('mano', (10, )),
                umetrack=check.mapping('umetrack', optional=True))


def _number(check: RecordChecker, key: str) -> float:
    value = check.record.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        check.fail(key, f'must be a number, got {value!r}')
    return float(value)


def raise_where(where: str, problem: str) -> None:
    from egohands.utils.errors import AnnotationError
    raise AnnotationError(f'{where}: {problem} (toolkit layout, '
                          'docs/multiview.md)')


def hot3d_camera(entry: Dict, T_world_from_device: Optional[np.ndarray],
                 where: str) -> Tuple[str, CameraModel]:
    """(stream id, camera) of one entry of a full-HOT3D ``camera_models.
    json`` (Quest3 VRS release: camelCase keys, ``T_Device_Camera``).
    ``T_world_from_device`` (4, 4), metres, places it (identity if None)."""
    check = RecordChecker(where, 'camera', entry, entry.get('stream_id', '?')
                          if isinstance(entry, dict) else '?')
    renamed = dict(projection_model_type=entry.get('projectionModelType'),
                   projection_params=entry.get('projectionParams'),
                   image_width=entry.get('imageWidth'),
                   image_height=entry.get('imageHeight'),
                   label=entry.get('label'))
    device = np.eye(4) if T_world_from_device is None else \
        np.asarray(T_world_from_device, np.float64)
    calibration = RecordChecker(where, 'camera', renamed, check.record_id)
    camera = camera_from_calibration(
        calibration, device @ pose_matrix(check, 'T_Device_Camera'))
    return check.string('stream_id'), camera
