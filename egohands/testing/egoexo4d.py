"""A tiny EgoExo4D release in the official layout, for tests.

:func:`build_raw_release` writes ``takes.json``, ``annotations/splits.json``
and per-take manual / automatic hand annotations and camera poses with
stick-figure 3D hands (``egohands.testing.toy_hands``) seen by a synthetic
Aria camera (the undistorted 512 x 512 pinhole, f = 150). Some hands are
built to fail exactly one official rule, and the returned
:class:`RawRelease` says which joints must survive
(:attr:`ExpectedHand.valid`), so a test can check the converter rule by
rule. :func:`make_processed_egoexo4d` goes all the way to a processed
folder (annotation files for train / val / test and JPEG images at the
official paths) that the dataset, the metric and the training tests use.

Units: camera-frame joints in mm, files in metres (as the release).
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from egohands.datasets.egoexo4d import layout
from egohands.datasets.metainfo import NUM_JOINTS, WRIST
from egohands.testing.toy_hands import (background, draw_toy_hand,
                                        hand_frame_joints, project)

K = layout.aria_pinhole_K().astype(np.float64)
#: radius of the Aria mask disc around the principal point, px
MASK_RADIUS_PX = layout.FOCAL_PX * np.tan(1.0)
#: joints this close to the mask border (px) would make a test ambiguous
MARGIN_PX = 4.0


@dataclass
class ExpectedHand:
    """What the official rules must make of one annotated hand.

    ``valid`` is None when the hand must be dropped (written as ``[]``);
    ``joints_cam_mm`` (21, 3) is the annotated 3D in the camera frame.
    """
    kind: str
    split: str
    take_uid: str
    frame: str
    side: str
    case: str
    joints_cam_mm: np.ndarray
    valid: Optional[np.ndarray]


@dataclass
class RawRelease:
    """The written release: takes, expected outcomes, hands per frame."""
    root: str
    take_names: Dict[str, str] = field(default_factory=dict)
    expected: List[ExpectedHand] = field(default_factory=list)
    #: (take_uid, frame) -> {side: (21, 3) mm camera-frame joints} to draw
    drawn: Dict[Tuple[str, str], Dict[str, np.ndarray]] = field(
        default_factory=dict)

    def hands(self, kind: str, split: str) -> List[ExpectedHand]:
        return [h for h in self.expected
                if h.kind == kind and h.split == split]


def _uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f'egohands-egoexo4d-{name}'))


def _rotation(euler_deg) -> np.ndarray:
    rx, ry, rz = np.deg2rad(euler_deg)
    rot = [cv2.Rodrigues(np.array(v, np.float64))[0]
           for v in ([0, 0, rz], [0, ry, 0], [rx, 0, 0])]
    return rot[0] @ rot[1] @ rot[2]


def _place(side: str, curls, euler_deg, wrist_px, depth_mm) -> np.ndarray:
    """(21, 3) mm camera frame: a toy hand with its wrist on ``wrist_px``."""
    local = hand_frame_joints(np.asarray(curls, np.float64),
                              np.zeros(5), side)
    ray = np.linalg.solve(K, np.array([*wrist_px, 1.0]))
    return local @ _rotation(euler_deg).T + ray / ray[2] * depth_mm


def _radius(joints_mm: np.ndarray) -> np.ndarray:
    return np.hypot(*(project(K, joints_mm) - layout.PRINCIPAL_PX).T)


def _clean_hand(rng: np.random.Generator, side: str) -> np.ndarray:
    """A hand well inside the mask. Curls <= 1 rad keep every joint angle
    >= 130 deg and the toy bones are 20-92 mm: all official limits hold."""
    for _ in range(100):
        joints = _place(side, rng.uniform(0.0, 1.0, 5),
                        rng.uniform(-30, 30, 3),
                        layout.PRINCIPAL_PX + rng.uniform(-90, 90, 2),
                        rng.uniform(260, 340))
        if (_radius(joints) < MASK_RADIUS_PX - 30).all() and (
                joints[:, 2] > 50).all():
            return joints
    raise RuntimeError('could not place a clean toy hand')


def _bend(joints: np.ndarray, joint: int, angle_deg: float) -> np.ndarray:
    """Rigidly turn the two joints after ``joint`` so the angle at ``joint``
    (between its parent and child) becomes ``angle_deg``."""
    out = joints.copy()
    parent = joint - 1
    to_parent = joints[parent] - joints[joint]
    old = joints[joint + 1] - joints[joint]
    u = to_parent / np.linalg.norm(to_parent)
    w = old - (old @ u) * u
    if np.linalg.norm(w) < 1e-6:  # straight finger: any perpendicular
        w = np.cross(u, [1.0, 0.0, 0.0] if abs(u[0]) < 0.9 else [0, 1.0, 0])
    w /= np.linalg.norm(w)
    new = np.cos(np.radians(angle_deg)) * u + np.sin(np.radians(angle_deg)) * w
    axis = np.cross(old / np.linalg.norm(old), new)
    sin, cos = np.linalg.norm(axis), old @ new / np.linalg.norm(old)
    rot = cv2.Rodrigues(axis / sin * np.arctan2(sin, cos))[0]
    for j in (joint + 1, joint + 2):
        out[j] = joints[joint] + rot @ (joints[j] - joints[joint])
    return out


def _edge_hand(side: str) -> Tuple[np.ndarray, np.ndarray]:
    """A hand whose wrist (and palm side) lies outside the mask disc but
    inside the image, fingers pointing to the centre. Returns the joints and
    the (21,) bool 'inside the disc'."""
    for radius in np.arange(236.0, 254.0, 1.0):
        joints = _place(side, [0.3] * 5, [0, 0, 0],
                        (layout.PRINCIPAL_PX, layout.PRINCIPAL_PX + radius),
                        300.0)
        r = _radius(joints)
        inside = r < MASK_RADIUS_PX
        if (np.abs(r - MASK_RADIUS_PX) > MARGIN_PX).all() and \
                inside.sum() >= 12 and not inside[WRIST] and \
                (project(K, joints)[:, 1] < layout.IMAGE_SIZE - 4).all():
            return joints, inside
    raise RuntimeError('could not place the mask-edge toy hand')


class _Writer:
    """Accumulates frames of one take, then writes its two files."""

    def __init__(self, release: RawRelease, split: str, take: str,
                 camera: str, rng: np.random.Generator) -> None:
        self.release, self.split, self.camera, self.rng = (release, split,
                                                           camera, rng)
        self.uid = _uid(take)
        release.take_names[self.uid] = take
        self.frames: Dict[str, Dict] = {}
        self.annotation: Dict[str, List] = {}
        self.extrinsics: Dict[str, List] = {}

    def frame(self, frame: int, hands: Dict[str, Tuple], kinds=('manual', ),
              pose: bool = True, exo_noise: bool = False) -> None:
        """Add a frame. ``hands``: side -> (case, joints_mm, views (21,),
        2D offsets (21, 2) px (NaN = not annotated), expected valid or None).
        """
        key = str(frame)
        rotation = _rotation(self.rng.uniform(-25, 25, 3))
        translation = self.rng.uniform(-0.5, 0.5, 3)
        ann2d, ann3d = {}, {}
        for side, (case, joints, views, offsets, valid) in hands.items():
            close = valid & (_radius(joints) > MASK_RADIUS_PX - MARGIN_PX)
            if close.any() or (joints[:, 2] <= 0).any():
                raise RuntimeError(f'toy hand {case}: joints {close.nonzero()}'
                                   ' that must stay valid are near the mask')
            names = layout.raw_joint_names(side)
            world = (joints / 1000.0 - translation) @ rotation  # R^T (x - t)
            uv = project(K, joints) + offsets
            for j, name in enumerate(names):
                if views[j] > 0:
                    ann3d[name] = dict(x=world[j, 0], y=world[j, 1],
                                       z=world[j, 2],
                                       num_views_for_3d=int(views[j]))
                if np.isfinite(uv[j]).all():
                    ann2d[name] = dict(x=uv[j, 0], y=uv[j, 1],
                                       placement='manual')
            for kind in kinds:
                expect = valid if kind == 'manual' or case not in (
                    'few_views', 'too_few') else np.ones(NUM_JOINTS, bool)
                if not pose or (expect is not None and expect.sum() < 10):
                    expect = None
                self.release.expected.append(
                    ExpectedHand(kind, self.split, self.uid, key, side, case,
                                 joints, expect))
        self.release.drawn[(self.uid, key)] = {s: h[1]
                                               for s, h in hands.items()}
        annotation2d = {self.camera: ann2d}
        if exo_noise:  # exo views are ignored by the Aria conversion
            annotation2d['cam01'] = {'right_wrist': dict(x=1.0, y=2.0)}
        self.annotation[key] = [dict(
            metadata=dict(take_uid=self.uid, frame_number=frame),
            annotation2D=annotation2d, annotation3D=ann3d)]
        if pose:
            self.extrinsics[key] = np.concatenate(
                [rotation, translation[:, None]], 1).tolist()

    def write(self, kind: str, frames: Optional[List[int]] = None) -> None:
        root = self.release.root
        annotation = {k: v for k, v in self.annotation.items()
                      if frames is None or int(k) in frames}
        layout.write_json(annotation, os.path.join(
            layout.raw_hand_dir(root, self.split, kind), f'{self.uid}.json'))
        layout.write_json(
            {'metadata': dict(take_uid=self.uid),
             self.camera: dict(camera_intrinsics=K.tolist(),
                               camera_extrinsics=self.extrinsics)},
            os.path.join(layout.raw_camera_pose_dir(root, self.split),
                         f'{self.uid}.json'))


def _hand(case: str, joints: np.ndarray, valid: Optional[np.ndarray] = None,
          views: Optional[np.ndarray] = None,
          offsets: Optional[np.ndarray] = None) -> Tuple:
    return (case, joints,
            np.full(NUM_JOINTS, 4) if views is None else views,
            np.zeros((NUM_JOINTS, 2)) if offsets is None else offsets,
            np.ones(NUM_JOINTS, bool) if valid is None else valid)


def _except(*joints: int) -> np.ndarray:
    valid = np.ones(NUM_JOINTS, bool)
    valid[list(joints)] = False
    return valid


def _corrupted_hands(rng: np.random.Generator) -> Dict[str, Tuple]:
    """One hand per official rule, each breaking it at known joints."""
    hands = {}
    views = np.full(NUM_JOINTS, 4)
    views[[4, 8]] = 2  # fewer than 3 views: dropped from manual 3D
    hands['few_views'] = _hand('few_views', _clean_hand(rng, 'right'),
                               _except(4, 8), views)
    joints = _clean_hand(rng, 'left')  # middle tip bone stretched to 100 mm
    bone = joints[12] - joints[11]
    joints[12] = joints[11] + bone / np.linalg.norm(bone) * 100.0
    hands['bone'] = _hand('bone', joints, _except(12))
    joints = _clean_hand(rng, 'right')  # wrist -> index1 moved to 130 mm
    along = joints[5] - joints[WRIST]
    joints[5:9] += along / np.linalg.norm(along) * (130.0 - np.linalg.norm(
        along))
    hands['wrist_to_base'] = _hand('wrist_to_base', joints, _except(5))
    hands['angle'] = _hand('angle', _bend(_clean_hand(rng, 'left'), 10, 50.0),
                           _except(10))
    offsets = np.zeros((NUM_JOINTS, 2))
    offsets[16] = (40.0, 0.0)  # > 30 px: invalid
    offsets[20] = (0.0, 20.0)  # <= 30 px: valid
    offsets[WRIST] = (-28.0, 28.0)  # 39.6 px, but the wrist is exempt
    offsets[3] = np.nan  # no annotated 2D: fails the reprojection test
    hands['reprojection'] = _hand('reprojection', _clean_hand(rng, 'right'),
                                  _except(16, 3), offsets=offsets)
    views = np.full(NUM_JOINTS, 4)
    views[9:] = 1  # only 9 joints with 3D: the hand is dropped
    hands['too_few'] = _hand('too_few', _clean_hand(rng, 'left'),
                             _except(*range(9, NUM_JOINTS)), views)
    joints, inside = _edge_hand('right')
    hands['mask_edge'] = _hand('mask_edge', joints, inside)
    views = np.full(NUM_JOINTS, 4)
    views[WRIST] = 0  # no wrist 3D: the hand is dropped
    hands['no_wrist'] = _hand('no_wrist', _clean_hand(rng, 'left'),
                              _except(*range(NUM_JOINTS)), views)
    return hands


def build_raw_release(root: str, seed: int = 0) -> RawRelease:
    """Write the tiny raw release under ``root``; return what to expect.

    Takes: ``train_a`` (manual + auto, every rule), ``train_f`` (auto
    only), ``val_b`` (manual + auto), plus three takes the official take
    selection must ignore (not ego-pose, no camera pose, not in the split).
    """
    rng = np.random.default_rng(seed)
    release = RawRelease(root)
    clean = lambda side: _hand('clean', _clean_hand(rng, side))  # noqa
    bad = _corrupted_hands(rng)
    a = _Writer(release, 'train', 'train_a', 'aria01', rng)
    a.frame(10, dict(right=clean('right'), left=clean('left')),
            ('manual', 'auto'))
    a.frame(20, dict(right=bad['few_views'], left=bad['bone']),
            ('manual', 'auto'))
    a.frame(30, dict(right=bad['wrist_to_base'], left=bad['angle']))
    a.frame(40, dict(right=bad['reprojection'], left=bad['too_few']),
            ('manual', 'auto'))
    a.frame(50, dict(right=bad['mask_edge'], left=bad['no_wrist']))
    a.frame(60, dict(right=clean('right'), left=clean('left')), pose=False)
    a.frame(70, dict(left=bad['no_wrist']))
    a.write('manual')
    a.write('auto', frames=[10, 20, 40])
    f = _Writer(release, 'train', 'train_f', 'aria03', rng)
    for frame in (1, 2):
        f.frame(frame, dict(right=clean('right'), left=clean('left')),
                ('auto', ))
    f.write('auto')
    b = _Writer(release, 'val', 'val_b', 'aria02', rng)
    b.frame(5, dict(right=clean('right'), left=clean('left')),
            ('manual', 'auto'), exo_noise=True)
    b.frame(8, dict(right=clean('right')))
    b.frame(11, dict(left=clean('left')))
    b.write('manual')
    b.write('auto', frames=[5])
    ignored = []
    for name, split, pose in (('train_not_ego_pose', 'train', True),
                              ('train_no_pose', 'train', False),
                              ('val_not_listed', 'val', True)):
        w = _Writer(RawRelease(root), split, name, 'aria01', rng)
        w.frame(1, dict(right=clean('right')))
        w.write('manual')
        if not pose:
            os.remove(os.path.join(layout.raw_camera_pose_dir(root, split),
                                   f'{w.uid}.json'))
        release.take_names[w.uid] = name
        ignored.append(w.uid)
    _write_metadata(release, ignored)
    return release


def _write_metadata(release: RawRelease, ignored: List[str]) -> None:
    cameras = {'train_a': 'aria01', 'train_f': 'aria03', 'val_b': 'aria02'}
    takes = []
    for uid, name in release.take_names.items():
        ego = cameras.get(name, 'aria01')
        takes.append(dict(
            take_uid=uid, take_name=name, root_dir=name,
            capture=dict(cameras=[dict(cam_id=ego, is_ego='True'),
                                  dict(cam_id='cam01', is_ego=False)]),
            frame_aligned_videos={ego: {}, 'cam01': {}}))
    layout.write_json(takes, layout.raw_takes_file(release.root))
    uid = {name: u for u, name in release.take_names.items()}
    benchmark = {u: ['ego_pose'] for u in release.take_names}
    benchmark[uid['train_not_ego_pose']] = ['keystep']
    layout.write_json(dict(
        split_to_take_uids=dict(
            train=[uid[n] for n in ('train_a', 'train_f',
                                    'train_not_ego_pose', 'train_no_pose')],
            val=[uid['val_b']], test=[]),
        take_uid_to_benchmark=benchmark), layout.raw_splits_file(
            release.root))


def write_images(release: RawRelease, out: str, split: str,
                 content: Dict) -> int:
    """Draw every frame of a processed file at its official image path.

    Returns the number of images written.
    """
    img_root = os.path.join(out, 'image', 'undistorted')
    rng = np.random.default_rng(len(content))
    count = 0
    for take_uid, frames in content.items():
        for frame, record in frames.items():
            canvas = background(rng, layout.IMAGE_SIZE, layout.IMAGE_SIZE)
            for joints in release.drawn.get((take_uid, frame), {}).values():
                draw_toy_hand(canvas, K, joints, (120.0, 150.0, 200.0))
            path = layout.undistorted_image_path(
                img_root, split, record['metadata']['take_name'], int(frame))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            cv2.imwrite(path, canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])
            count += 1
    return count


def make_processed_egoexo4d(root: str, seed: int = 0) -> str:
    """Raw release -> converter -> processed folder with images; its path.

    ``root/raw`` holds the raw release, ``root/egoexo4d`` the processed
    folder: manual and auto train / val files, a public test file (the val
    boxes, as the organisers publish them) and every image.
    """
    from egohands.datasets.egoexo4d.convert import (prepare_egoexo4d,
                                                    public_test_file)
    release = build_raw_release(os.path.join(root, 'raw'), seed)
    out = os.path.join(root, 'egoexo4d')
    prepare_egoexo4d(release.root, out, ('train', 'val'), ('manual', 'auto'),
                     progress=False)
    for kind in ('manual', 'auto'):
        for split in ('train', 'val'):
            content = layout.read_json(
                layout.processed_annotation_file(out, kind, split), split)
            write_images(release, out, split, content)
    val = layout.read_json(layout.processed_annotation_file(out, 'manual',
                                                            'val'), 'val')
    layout.write_json(public_test_file(val),
                      layout.processed_annotation_file(out, 'manual', 'test'))
    write_images(release, out, 'test', val)
    return out
