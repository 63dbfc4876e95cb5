"""``NeuralSmooth``: Neural Smooth over per-hand prediction records.

Takes prediction-dump records (``egohands.evaluation.prediction_dump``) or
data-sample dicts with ``sequence``, ``frame``, ``hand_side``, optional
``view``, ``pred_joints_3d`` (21, 3) mm absolute in the view's camera frame,
``pred_keypoints_2d`` (21, 2) full-image px (optional: without any, only the
accelerations and bones act), ``K`` (3, 3) and ``T_world_from_cam`` (4, 4)
mm (absent: the identity, one camera); a multi-view record brings the crop
camera of each of its views instead (``pred_view_keypoints_2d``,
``view_K``, ``T_world_from_view``, ``view_mask``:
``egohands.evaluation.prediction_dump``). Records are grouped by (sequence,
hand side); frames whose numbers differ by ``frame_step`` are consecutive,
any other gap starts a new track. A frame's start value is the mean of its
views' predictions in the world; the result goes back to every view's
camera frame. The optimisation: ``egohands.postprocess.neural_smooth``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from egohands.geometry.camera_models import (camera_to_world, invert_rigid,
                                             world_to_camera)
from egohands.registry import POSTPROCESSORS
from egohands.utils.errors import ConfigError

from .neural_smooth import (HandTrack, SmoothSettings, smooth_track,
                            smooth_track_online)


def _array(record: Mapping, key: str) -> Optional[np.ndarray]:
    value = record.get(key)
    if value is None:
        return None
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value, np.float64)


def _pose(record: Mapping) -> np.ndarray:
    T = _array(record, 'T_world_from_cam')
    return np.eye(4) if T is None else T


def tracks_of(records: Sequence[Mapping], frame_step: int
              ) -> List[List[List[int]]]:
    """Tracks as lists of frames, each a list of record indices (views)."""
    groups: Dict[Tuple, Dict[int, List[int]]] = {}
    for index, record in enumerate(records):
        for key in ('sequence', 'frame', 'hand_side'):
            if record.get(key) is None:
                raise ConfigError(
                    f'NeuralSmooth needs {key!r} in every record, but record '
                    f'{index} (img_path={record.get("img_path")!r}) has none;'
                    ' dump a video dataset with tools/test.py --dump')
        key = (str(record['sequence']), str(record['hand_side']))
        groups.setdefault(key, {}).setdefault(int(record['frame']),
                                              []).append(index)
    tracks = []
    for frames in groups.values():
        ordered = sorted(frames)
        current = [frames[ordered[0]]]
        for previous, frame in zip(ordered, ordered[1:]):
            if frame - previous != frame_step:
                tracks.append(current)
                current = []
            current.append(frames[frame])
        tracks.append(current)
    return tracks


def record_cameras(record: Mapping) -> List[Tuple[str, Optional[np.ndarray],
                                                 Optional[np.ndarray],
                                                 np.ndarray, float]]:
    """(name, uv (21, 2) px or None, K or None, T_world_from_cam mm,
    weight) of every camera that saw a record's 2D keypoints: the record's
    own, or for a multi-view record (``pred_view_keypoints_2d``) the crop
    camera of each view slot, weighted by ``view_mask``."""
    view = str(record.get('view'))
    uv = _array(record, 'pred_view_keypoints_2d')
    if uv is None:
        return [(view, _array(record, 'pred_keypoints_2d'),
                 _array(record, 'K'), _pose(record), 1.0)]
    K, poses = _array(record, 'view_K'), _array(record, 'T_world_from_view')
    mask = _array(record, 'view_mask')
    return [(f'{view}/{slot}', uv[slot], K[slot], poses[slot],
             float(mask[slot])) for slot in range(len(uv))]


def build_track(records: Sequence[Mapping], frames: List[List[int]]
                ) -> HandTrack:
    """The :class:`HandTrack` of one track's records (views by name)."""
    cameras = [[record_cameras(records[i]) for i in frame]
               for frame in frames]
    views = sorted({camera[0] for frame in cameras for record in frame
                    for camera in record})
    T, V = len(frames), len(views)
    joints = np.zeros((T, 21, 3))
    keypoints = np.zeros((T, V, 21, 2))
    weights = np.zeros((T, V, 21))
    cam_from_world = np.broadcast_to(np.eye(4), (T, V, 4, 4)).copy()
    K = np.broadcast_to(np.eye(3), (T, V, 3, 3)).copy()
    for t, frame in enumerate(frames):
        world = []
        for index, seen in zip(frame, cameras[t]):
            record = records[index]
            if not record.get('pred_joints_absolute', False):
                raise ConfigError(
                    f'NeuralSmooth: record {index} holds wrist-relative '
                    'joints (pred_joints_absolute False); reprojection needs '
                    'absolute ones')
            world.append(camera_to_world(_array(record, 'pred_joints_3d'),
                                         _pose(record)))
            for name, uv, intrinsics, pose, weight in seen:
                v = views.index(name)
                cam_from_world[t, v] = invert_rigid(pose)
                if uv is not None and intrinsics is not None:
                    keypoints[t, v], K[t, v] = uv, intrinsics
                    weights[t, v] = weight
        joints[t] = np.mean(world, 0)
    return HandTrack(joints, keypoints, weights, cam_from_world, K)


@POSTPROCESSORS.register_module()
class NeuralSmooth:
    """Neural Smooth of every hand track of a set of records.

    Args:
        online: the causal variant with ``lag`` frames of delay (and
            ``window`` frames per step) instead of the whole sequence.
        frame_step: frame-number difference of consecutive frames.
        iterations: optimiser steps (default 500 offline, 100 online).
        weight_pose, weight_position, weight_2d, weight_bones, lr,
            weight_decay: see ``SmoothSettings``.
    """

    def __init__(self, online: bool = False, lag: int = 2, window: int = 8,
                 frame_step: int = 1, iterations: Optional[int] = None,
                 **settings: Any) -> None:
        known = set(SmoothSettings.__dataclass_fields__) - {'iterations'}
        unknown = set(settings) - known
        if unknown:
            raise ConfigError(f'NeuralSmooth: unknown settings '
                              f'{sorted(unknown)}; known: {sorted(known)}')
        if online and not 0 <= lag < window:
            raise ConfigError(f'NeuralSmooth: need 0 <= lag < window, got '
                              f'lag={lag}, window={window}')
        self.online, self.lag, self.window = online, int(lag), int(window)
        self.frame_step = int(frame_step)
        self.settings = SmoothSettings(
            iterations=iterations or (100 if online else 500), **settings)

    def smooth(self, track: HandTrack) -> np.ndarray:
        if self.online:
            return smooth_track_online(track, self.lag, self.window,
                                       self.settings)
        return smooth_track(track, self.settings)

    def __call__(self, records: Sequence[Mapping]) -> List[Dict]:
        """Smoothed copies of ``records`` (same order, absolute joints)."""
        out = [dict(record) for record in records]
        for frames in tracks_of(records, self.frame_step):
            smoothed = self.smooth(build_track(records, frames))
            for t, frame in enumerate(frames):
                for index in frame:
                    out[index]['pred_joints_3d'] = world_to_camera(
                        smoothed[t], _pose(records[index])).astype(
                            np.float32)
                    out[index]['pred_joints_absolute'] = True
        return out
