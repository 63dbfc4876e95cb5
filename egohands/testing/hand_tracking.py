"""Tiny UmeTrack / HOT3D-Clips tars in the toolkit's layout, for tests.

``make_hand_tracking_tars(root, split, ...)`` writes ``root/split/*.tar``
with a two-camera fisheye rig (the HOT3D sample's FISHEYE624 coefficients,
scaled to a small image) moving through the world, both hands in front of
it, the toolkit's JSON members (``cameras``, ``hands``, ``hand_crops``) and
``__hand_shapes.json__``. ``with_hands=False`` gives a pose-test split,
``with_shapes=False`` a shape-test split. Values are random but valid.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

import numpy as np

from egohands.datasets.hand_tracking.tars import write_sequence_tar
from egohands.geometry.look_at import look_at_rotation
from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_quaternion)

#: the HOT3D sample's camera-slam-left FISHEYE624 distortion
HOT3D_FISHEYE624 = [0.043982941657304764, -0.0448598638176918,
                    0.01613209955394268, -0.010928832925856113,
                    0.003512823488563299, -0.0005242147017270327,
                    0.00047754947445355356, -4.744782927446067e-05,
                    0.0, 0.0, 0.0, 0.0]
STREAMS = ('1201-1', '1201-2')
IMAGE_W, IMAGE_H = 128, 96


def pose_json(T: np.ndarray) -> Dict:
    return dict(quaternion_wxyz=matrix_to_quaternion(T[:3, :3]).tolist(),
                translation_xyz=T[:3, 3].tolist())


def rigid(rotvec, translation) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = axis_angle_to_matrix(np.asarray(rotvec, np.float64))
    T[:3, 3] = translation
    return T


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(4, 4) ``T_world_from_cam`` of a camera (OpenCV axes) at ``position``
    looking at ``target``, image "down" towards the world's ``-y``."""
    T = np.eye(4)
    T[:3, :3] = look_at_rotation(target - position, down=[0.0, -1.0, 0.0]).T
    T[:3, 3] = position
    return T


def rig_cameras(T_world_from_device: np.ndarray) -> Dict[str, np.ndarray]:
    """Two cameras 10 cm apart, toed out by 0.2 rad, metres."""
    return {STREAMS[0]: T_world_from_device @ rigid([0, -0.2, 0],
                                                    [-0.05, 0, 0]),
            STREAMS[1]: T_world_from_device @ rigid([0, 0.2, 0],
                                                    [0.05, 0, 0])}


def frame_members(rng: np.random.Generator, frame: int, with_hands: bool,
                  hidden: Sequence[str] = ()) -> Dict[str, object]:
    """The members of one frame (device drifting along +x)."""
    device = rigid([0, 0.01 * frame, 0], [0.01 * frame, 0, 0])
    cameras = rig_cameras(device)
    focal = IMAGE_W / 2.5
    members: Dict[str, object] = {}
    members[f'{frame:06d}.cameras.json'] = {
        stream: dict(calibration=dict(
            label=f'camera-slam-{side}', stream_id=stream,
            serial_number=f'serial-{stream}', image_width=IMAGE_W,
            image_height=IMAGE_H,
            projection_model_type='CameraModelType.FISHEYE624',
            projection_params=[focal, focal, (IMAGE_W - 1) / 2,
                               (IMAGE_H - 1) / 2] + HOT3D_FISHEYE624),
            T_world_from_camera=pose_json(T))
        for (stream, T), side in zip(cameras.items(), ('left', 'right'))}
    hands, crops = {}, {}
    for index, side in enumerate(('left', 'right')):
        if side in hidden:
            continue
        wrist = device[:3, :3] @ np.array([(-0.08, 0.08)[index], 0.05,
                                           0.35]) + device[:3, 3]
        wrist = wrist + rng.normal(0, 0.005, 3)
        orient = rng.normal(0, 0.3, 3)
        hands[side] = dict(
            umetrack_pose=dict(
                joint_angles=rng.normal(0, 0.2, 22).tolist(),
                T_world_from_wrist=pose_json(rigid(orient, wrist))),
            mano_pose=dict(thetas=rng.normal(0, 0.5, 15).tolist(),
                           wrist_xform=orient.tolist() + wrist.tolist()),
            boxes_amodal={s: [10.0, 12.0, 60.0, 70.0] for s in STREAMS},
            visibilities_modeled={s: 0.9 for s in STREAMS})
        crops[side] = {
            stream: dict(T_world_from_crop_camera=pose_json(
                look_at(T[:3, 3], wrist)), crop_camera_fov=0.6)
            for stream, T in cameras.items()}
    if with_hands:
        members[f'{frame:06d}.hands.json'] = hands
    members[f'{frame:06d}.hand_crops.json'] = crops
    for stream in STREAMS:
        members[f'{frame:06d}.image_{stream}.jpg'] = rng.integers(
            0, 255, (IMAGE_H, IMAGE_W, 3), dtype=np.uint8)
    return members


def make_hand_tracking_tars(root: str, split: str = 'train',
                            num_sequences: int = 2, num_frames: int = 3,
                            with_hands: bool = True,
                            with_shapes: bool = True, seed: int = 0,
                            hidden: Optional[Dict[int, Sequence[str]]] = None
                            ) -> List[str]:
    """Write ``root/split/sequence_0000.tar``, ``sequence_0001.tar``, ...;
    return their paths.

    ``hidden``: frame -> hand sides absent from that frame (not visible).
    """
    rng = np.random.default_rng(seed)
    folder = os.path.join(root, split)
    os.makedirs(folder, exist_ok=True)
    paths = []
    for index in range(num_sequences):
        members: Dict[str, object] = {}
        for frame in range(num_frames):
            members.update(frame_members(rng, frame, with_hands,
                                         (hidden or {}).get(frame, ())))
        if with_shapes:
            members['__hand_shapes.json__'] = dict(
                mano=rng.normal(0, 1, 10).tolist(), umetrack={})
        path = os.path.join(folder, f'sequence_{index:04d}.tar')
        write_sequence_tar(path, members)
        paths.append(path)
    return paths
