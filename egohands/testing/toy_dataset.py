"""``make_toy_hand_dataset``: a tiny, valid canonical-format dataset for tests.

Writes, under ``root``::

    annotations/{split}.json     canonical format (docs/data_format.md)
    images/{split}/{id:05d}.png  the drawn images

Each image has one or two toy hands (``egohands.testing.toy_hands``) under
its own pinhole camera (wide field of view, jittered principal point). The
stored 3D joints (mm, camera frame) project exactly (to 0.01 px rounding)
onto the stored 2D keypoints with the stored K; both hand sides occur; each
hand carries a segmentation RLE of its visible pixels and a grasp label.
Deterministic for a seed; about 1 ms per 64 px image.
"""
from __future__ import annotations

import os
from typing import Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from egohands.datasets.coco_format import (bbox_from_keypoints,
                                           hand_annotation, image_record,
                                           write_annotation_file)
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.datasets.rle import encode_rle
from egohands.testing.toy_hands import (ToyHandState, background,
                                        draw_toy_hand, hand_rotation,
                                        pose_in_camera,
                                        project, sample_state)

SKIN_TONES_BGR = np.array([[150., 180., 225.], [110., 150., 200.],
                           [80., 110., 160.], [50., 75., 115.]])
NUM_GRASPS = 4


def _camera(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    hfov = np.deg2rad(rng.uniform(70.0, 100.0))
    focal = (width / 2.0) / np.tan(hfov / 2.0)
    cx = (width - 1) / 2.0 + rng.uniform(-0.04, 0.04) * width
    cy = (height - 1) / 2.0 + rng.uniform(-0.04, 0.04) * height
    return np.array([[focal, 0, cx], [0, focal, cy], [0, 0, 1]])


def _inside(points: np.ndarray, width: int, height: int) -> np.ndarray:
    return ((points[:, 0] >= 0) & (points[:, 0] <= width - 1)
            & (points[:, 1] >= 0) & (points[:, 1] <= height - 1))


def _fitting_state(rng: np.random.Generator, side: str, K: np.ndarray,
                   width: int, height: int) -> ToyHandState:
    """Sample until the whole hand projects inside the image."""
    state = sample_state(rng, width, height)
    for _ in range(100):
        joints = pose_in_camera(state, side, K)
        if _inside(project(K, joints), width, height).all():
            return state
        state = sample_state(rng, width, height)
        state.depth_mm *= 1.3  # farther hands fit more easily
    return state


def _toy_mano(rng: np.random.Generator, state: ToyHandState,
              joints_mm: np.ndarray) -> Dict:
    """Plausible MANO-shaped numbers (NOT consistent with the joints)."""
    global_orient, _ = cv2.Rodrigues(hand_rotation(state))
    hand_pose = np.zeros((15, 3))
    hand_pose[:, 2] = np.repeat(state.curls, 3) * 0.5
    return {'global_orient': global_orient.ravel(),
            'hand_pose': hand_pose.ravel(),
            'betas': rng.normal(0, 0.5, 10),
            'transl': joints_mm[0] / 1000.0}


def _image_hands(rng: np.random.Generator, K: np.ndarray, width: int,
                 height: int, sequence_states: Optional[Dict], t: float):
    """(side, state) pairs of one image, farthest first."""
    if sequence_states is not None:
        hands = [(side, a.lerp(b, t)) for side, (a, b) in
                 sequence_states.items()]
    else:
        sides = ['left', 'right'] if rng.random() < 0.5 else [
            str(rng.choice(['left', 'right']))]
        hands = [(side, _fitting_state(rng, side, K, width, height))
                 for side in sides]
    return sorted(hands, key=lambda item: -item[1].depth_mm)


def _write_split(root: str, split: str, num_images: int, width: int,
                 height: int, rng: np.random.Generator, seq_len: int,
                 with_mano: bool, drop_joint_prob: float,
                 first_ann_id: int) -> Tuple[str, int]:
    os.makedirs(os.path.join(root, 'images', split), exist_ok=True)
    images, annotations = [], []
    K = states = None
    for index in range(num_images):
        frame = index % seq_len
        if frame == 0:  # new sequence: new camera and hand trajectories
            K = _camera(rng, width, height)
            if seq_len > 1:
                start = _image_hands(rng, K, width, height, None, 0.0)
                states = {side: (state, _fitting_state(
                    rng, side, K, width, height)) for side, state in start}
        t = frame / max(seq_len - 1, 1)
        hands = _image_hands(rng, K, width, height, states, t)
        image = background(rng, width, height)
        drawn = []
        for side, state in hands:
            joints = pose_in_camera(state, side, K)
            skin = SKIN_TONES_BGR[rng.integers(len(SKIN_TONES_BGR))]
            mask = draw_toy_hand(image, K, joints, skin)
            drawn.append((side, state, joints, mask))
        file_name = f'images/{split}/{index:05d}.png'
        cv2.imwrite(os.path.join(root, file_name), image)
        images.append(image_record(
            index, file_name, width, height, K,
            sequence=f'{split}_{index // seq_len:04d}' if seq_len > 1
            else None, frame=frame if seq_len > 1 else None))
        for order, (side, state, joints, mask) in enumerate(drawn):
            nearer = np.zeros_like(mask)
            for *_, other in drawn[order + 1:]:
                nearer |= other
            visible_mask = mask & (1 - nearer)
            points = project(K, joints)
            inside = _inside(points, width, height)
            rows = np.clip(np.round(points[:, 1]).astype(int), 0, height - 1)
            cols = np.clip(np.round(points[:, 0]).astype(int), 0, width - 1)
            visibility = np.where(~inside, 0,
                                  np.where(nearer[rows, cols] > 0, 1, 2))
            joints_valid = (rng.random(NUM_JOINTS) >= drop_joint_prob)
            annotations.append(hand_annotation(
                first_ann_id + len(annotations), index, side,
                bbox_from_keypoints(points, inside | ~inside.any(), 4.0,
                                    width, height),
                points, visibility, joints, joints_valid.astype(int),
                mano=_toy_mano(rng, state, joints) if with_mano else None,
                segmentation=encode_rle(visible_mask),
                grasp=int(rng.integers(NUM_GRASPS))))
    ann_file = f'annotations/{split}.json'
    write_annotation_file(os.path.join(root, ann_file), images, annotations,
                          dataset_name='toy_hands',
                          description='egohands.testing toy hands')
    return ann_file, len(annotations)


def make_toy_hand_dataset(root: Union[str, os.PathLike],
                          num_images: int = 8,
                          size: Union[int, Tuple[int, int]] = 64,
                          seed: int = 0,
                          splits: Sequence[str] = ('train', 'val', 'test'),
                          seq_len: int = 1, with_mano: bool = False,
                          drop_joint_prob: float = 0.0) -> Dict:
    """Write a tiny canonical-format hand dataset under ``root``.

    Args:
        root: output folder (created).
        num_images: images per split (one or two hands each).
        size: image side, or (width, height), px.
        seed: the same seed writes identical files.
        splits: split names; each gets ``annotations/{split}.json``.
        seq_len: > 1 groups consecutive images into sequences with smoothly
            moving hands (``sequence`` and ``frame`` set).
        with_mano: also write ``mano`` records (plausible numbers, not
            consistent with the joints: for parser and loss-plumbing tests).
        drop_joint_prob: probability of marking a 3D joint invalid.

    Returns:
        ``dict(data_root=str, ann_files={split: path relative to
        data_root}, num_hands={split: int})``.
    """
    width, height = (size, size) if isinstance(size, int) else size
    root = os.fspath(root)
    rng = np.random.default_rng(seed)
    ann_files, num_hands = {}, {}
    for split in splits:
        ann_files[split], num_hands[split] = _write_split(
            root, split, num_images, int(width), int(height), rng,
            max(int(seq_len), 1), with_mano, drop_joint_prob,
            first_ann_id=sum(num_hands.values()))
    return dict(data_root=root, ann_files=ann_files, num_hands=num_hands)
