"""Raw EgoExo4D release -> the processed per-split hand-pose files.

:func:`prepare_egoexo4d` does what the official ``main.py --steps gt_anno``
does (``ego-exo4d-egopose`` ``handpose/data_preparation``), re-implemented
from its definitions: choose the takes of a split, read each take's hand
annotation and camera pose, apply the rules of
:mod:`egohands.datasets.egoexo4d.rules` to every hand of every frame, and
write ``annotation/{manual,auto}/ego_pose_gt_anno_{split}_public.json``.

Take selection (official): listed in ``splits.json`` ``split_to_take_uids``
for the split, tagged ``ego_pose`` in ``take_uid_to_benchmark``, with a hand
annotation file *and* a camera-pose file. A frame is skipped when it has no
3D annotation or no Aria extrinsics; a frame is written when at least one
hand survives; a take when at least one frame does.

Undistorted images are not made here: that stays the official toolkit's job
(``docs/egoexo4d.md``).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from egohands.datasets.egoexo4d import layout
from egohands.datasets.egoexo4d.rules import (BBOX_PADDING_PX,
                                              MIN_VALID_JOINTS,
                                              MIN_VIEWS_FOR_MANUAL_3D,
                                              REPROJECTION_THRESHOLD_PX,
                                              aria_visibility_mask,
                                              filter_hand)
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.utils.errors import (AnnotationError, ConfigError,
                                   DatasetNotFoundError)

logger = logging.getLogger(__name__)

DOWNLOAD_HINT = ('download it with `egoexo -o RAW --parts annotations '
                 'metadata --benchmarks hand_pose` (add `ego_pose_pseudo_gt` '
                 f'to --parts for automatic annotations); see {layout.DOC}')


@dataclass
class Take:
    """What the conversion needs from one ``takes.json`` entry."""
    uid: str
    name: str
    ego_camera: str


@dataclass
class RuleSettings:
    """Thresholds of the official rules (defaults = the official ones)."""
    min_valid_joints: int = MIN_VALID_JOINTS
    reprojection_threshold: float = REPROJECTION_THRESHOLD_PX
    bbox_padding: float = BBOX_PADDING_PX


@dataclass
class SplitReport:
    """Counts of one converted split / annotation kind (for the log)."""
    split: str
    kind: str
    out_file: str = ''
    takes: int = 0
    frames: int = 0
    hands: Dict[str, int] = field(default_factory=lambda: dict(right=0,
                                                               left=0))
    skipped_takes: List[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f'{self.kind}/{self.split}: {self.takes} takes, {self.frames} '
                f'frames, {self.hands["right"]} right + {self.hands["left"]} '
                f'left hands -> {self.out_file}')


def ego_camera_name(take: Dict, takes_file: str) -> str:
    """The Aria camera id of a take (e.g. ``'aria01'``), official rules.

    The ego cameras of ``capture.cameras`` (``is_ego``); if several, those
    with a frame-aligned video; if still several, the one named ``aria*``.
    """
    uid = take.get('take_uid', '?')
    cameras = (take.get('capture') or {}).get('cameras') or []
    names = [c.get('cam_id') for c in cameras
             if str(c.get('is_ego')).lower() == 'true']
    if len(names) > 1:
        names = [n for n in names
                 if n in (take.get('frame_aligned_videos') or {})]
        aria = [n for n in names if 'aria' in str(n).lower()]
        if len(names) > 1 and len(aria) == 1:
            names = aria
    if len(names) != 1:
        raise AnnotationError(
            f'{takes_file}: take {uid}: expected exactly one ego (Aria) '
            f'camera in capture.cameras, found {names}; download the '
            f'metadata again ({layout.DOC})')
    return str(names[0])


def load_takes(raw: str) -> Dict[str, Take]:
    """``takes.json`` -> {take_uid: Take}."""
    path = layout.raw_takes_file(raw)
    content = layout.read_json(path, 'takes.json (metadata)')
    if not isinstance(content, list):
        raise AnnotationError(f'{path}: must be a JSON list of takes '
                              f'({layout.DOC})')
    takes = {}
    for index, take in enumerate(content):
        if not isinstance(take, dict):
            raise AnnotationError(
                f'{path}: take number {index}: must be a JSON object, got '
                f'{type(take).__name__} {str(take)[:40]!r}; download the '
                'metadata again')
        uid = take.get('take_uid')
        name = take.get('take_name') or take.get('root_dir')
        if uid is None or name is None:
            raise AnnotationError(
                f'{path}: a take has no take_uid / take_name: '
                f'{str(take)[:80]}; download the metadata again')
        takes[uid] = Take(uid, name, ego_camera_name(take, path))
    return takes


def split_take_uids(raw: str, split: str) -> List[str]:
    """Takes of ``split`` that belong to the ego-pose benchmark."""
    path = layout.raw_splits_file(raw)
    splits = layout.read_json(path, 'splits.json')
    try:
        listed = set(splits['split_to_take_uids'][split])
        benchmark = splits['take_uid_to_benchmark']
    except (KeyError, TypeError):
        raise AnnotationError(
            f"{path}: needs 'split_to_take_uids' with the split '{split}' and "
            f"'take_uid_to_benchmark'; download the annotations again "
            f'({layout.DOC})') from None
    return sorted(uid for uid in listed
                  if 'ego_pose' in benchmark.get(uid, ()))


def _uids_in(folder: str) -> set:
    return {f[:-len('.json')] for f in os.listdir(folder)
            if f.endswith('.json')}


def frame_keypoints(record: Dict, ego_camera: str, kind: str, where: str
                    ) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """One raw frame -> (2D (2, 21, 2) px, 3D (2, 21, 3) m world), NaN-filled.

    Hands in :data:`layout.HAND_SIDES` order. Returns None when the frame has
    no 3D annotation. Manual 3D joints seen in fewer than 3 views are NaN.
    """
    if isinstance(record, list):
        record = record[0] if record else {}
    if not isinstance(record, dict):
        raise AnnotationError(f'{where}: a frame must be a list holding one '
                              f'JSON object ({layout.DOC})')
    joints_3d = record.get('annotation3D') or {}
    if not joints_3d:
        return None
    joints_2d = (record.get('annotation2D') or {}).get(ego_camera) or {}
    kps_2d = np.full((len(layout.HAND_SIDES), NUM_JOINTS, 2), np.nan)
    kps_3d = np.full((len(layout.HAND_SIDES), NUM_JOINTS, 3), np.nan)
    for h, side in enumerate(layout.HAND_SIDES):
        for j, name in enumerate(layout.raw_joint_names(side)):
            try:
                if name in joints_2d:
                    kps_2d[h, j] = joints_2d[name]['x'], joints_2d[name]['y']
                point = joints_3d.get(name)
                if point is None:
                    continue
                if kind == 'manual' and point.get(
                        'num_views_for_3d', 0) < MIN_VIEWS_FOR_MANUAL_3D:
                    continue
                kps_3d[h, j] = point['x'], point['y'], point['z']
            except (AttributeError, KeyError, TypeError, ValueError) as err:
                raise AnnotationError(
                    f"{where}: joint '{name}': needs numeric x, y (2D) and "
                    f'x, y, z, num_views_for_3d (3D); got an error '
                    f'({type(err).__name__}: {err})') from None
    return kps_2d, kps_3d


def frame_camera(camera_pose: Dict, ego_camera: str, frame: str, where: str
                 ) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """(K (3, 3), extrinsics (3, 4) world -> camera) of a frame, or None.

    Nesting as the official code reads it: ``cam -> camera_extrinsics ->
    frame``, ``cam -> camera_intrinsics``.
    """
    camera = camera_pose.get(ego_camera)
    if not isinstance(camera, dict):
        return None
    extrinsics = (camera.get('camera_extrinsics') or {}).get(frame)
    intrinsics = camera.get('camera_intrinsics')
    if extrinsics is None or intrinsics is None:
        return None
    try:
        K = np.asarray(intrinsics, np.float64).reshape(3, 3)
        E = np.asarray(extrinsics, np.float64).reshape(3, 4)
    except (TypeError, ValueError):
        raise AnnotationError(
            f'{where}: {ego_camera}: camera_intrinsics must be 3x3 and '
            f'camera_extrinsics[{frame}] 3x4 numbers ({layout.DOC})'
        ) from None
    if not (np.isfinite(K).all() and np.isfinite(E).all()):
        return None  # NaN camera = no camera: the frame is skipped
    return K, E


def convert_take(annotation: Dict, camera_pose: Dict, take: Take, kind: str,
                 mask: np.ndarray, rules: RuleSettings, where: str) -> Dict:
    """All frames of one take -> {frame: processed record} (may be empty)."""
    frames, no_camera = {}, 0
    for frame, record in annotation.items():
        if not str(frame).isdigit():
            raise AnnotationError(
                f"{where}: frame key {frame!r}: frame keys must be frame "
                f'numbers; download the annotations again ({layout.DOC})')
        keypoints = frame_keypoints(record, take.ego_camera, kind,
                                    f'{where}: frame {frame}')
        camera = frame_camera(camera_pose, take.ego_camera, frame,
                              f'{where} (camera pose): frame {frame}')
        no_camera += keypoints is not None and camera is None
        if keypoints is None or camera is None:
            continue
        out, kept = {}, False
        for h, side in enumerate(layout.HAND_SIDES):
            hand = filter_hand(keypoints[1][h], keypoints[0][h], camera[1],
                               camera[0], mask, rules.min_valid_joints,
                               rules.reprojection_threshold,
                               rules.bbox_padding)
            kept |= hand is not None
            for key in ('hand_3d', 'hand_2d', 'hand_bbox', 'hand_valid_3d'):
                out[f'{side}_{key}'] = [] if hand is None else hand[
                    key].tolist()
        if kept:
            out['metadata'] = dict(take_uid=take.uid, take_name=take.name,
                                   frame_number=int(frame))
            frames[frame] = out
    if no_camera:
        logger.warning('%s: %d annotated frames have no finite %s camera '
                       'pose (missing or NaN); skipped (as the official '
                       'preparation skips frames without extrinsics)',
                       where, no_camera, take.ego_camera)
    return frames


def convert_split(raw: str, split: str, kind: str, mask: np.ndarray,
                  rules: RuleSettings, takes: Dict[str, Take],
                  progress: bool = True) -> Tuple[Dict, SplitReport]:
    """One split and annotation kind -> (processed content, report)."""
    from tqdm import tqdm
    report = SplitReport(split, kind)
    hand_dir = layout.raw_hand_dir(raw, split, kind)
    pose_dir = layout.raw_camera_pose_dir(raw, split)
    for folder, what in ((hand_dir, f'{kind} hand annotations'),
                         (pose_dir, 'camera poses')):
        if not os.path.isdir(folder):
            raise DatasetNotFoundError(
                f'EgoExo4D {what} of split {split!r} not found: {folder}; '
                + DOWNLOAD_HINT)
    wanted = split_take_uids(raw, split)
    annotated, posed = _uids_in(hand_dir), _uids_in(pose_dir)
    report.skipped_takes = sorted(set(wanted) & annotated - posed)
    uids = [uid for uid in wanted if uid in annotated and uid in posed]
    content = {}
    for uid in tqdm(uids, desc=f'EgoExo4D {kind}/{split}', unit='take',
                    disable=not progress):
        if uid not in takes:
            raise AnnotationError(
                f'{layout.raw_takes_file(raw)}: no entry for take {uid} '
                f'(annotated in {hand_dir}); download the metadata again')
        anno_file = os.path.join(hand_dir, f'{uid}.json')
        pose_file = os.path.join(pose_dir, f'{uid}.json')
        annotation = layout.read_json(anno_file, 'hand annotation')
        camera_pose = layout.read_json(pose_file, 'camera pose')
        for path, value in ((anno_file, annotation),
                            (pose_file, camera_pose)):
            if not isinstance(value, dict):
                raise AnnotationError(f'{path}: must be a JSON object '
                                      f'({layout.DOC})')
        frames = convert_take(annotation, camera_pose, takes[uid], kind,
                              mask, rules, anno_file)
        if frames:
            content[uid] = frames
            report.takes += 1
            report.frames += len(frames)
            for record in frames.values():
                for side in layout.HAND_SIDES:
                    report.hands[side] += bool(record[f'{side}_hand_3d'])
    for uid in report.skipped_takes:
        logger.warning('EgoExo4D %s/%s: take %s has no camera pose file in '
                       '%s; skipped (as the official preparation does)',
                       kind, split, uid, pose_dir)
    return content, report


def load_mask(path: str) -> np.ndarray:
    """A visibility mask from a ``.npy`` array or an image (non-zero = seen).

    Must be 512 x 512 (the undistorted Aria image).
    """
    if not os.path.isfile(path):
        raise DatasetNotFoundError(f'EgoExo4D mask file not found: {path}')
    if path.endswith('.npy'):
        mask = np.load(path)
    else:
        import cv2
        mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    size = (layout.IMAGE_SIZE, layout.IMAGE_SIZE)
    if mask is None or mask.shape != size:
        raise ConfigError(f'{path}: the mask must be a {size[0]}x{size[1]} '
                          'array or grayscale image of the undistorted Aria '
                          f'view, got {None if mask is None else mask.shape}')
    return mask != 0


def prepare_egoexo4d(raw: str, out: str,
                     splits: Sequence[str] = ('train', 'val'),
                     kinds: Sequence[str] = ('manual', ),
                     mask: Optional[np.ndarray] = None,
                     rules: Optional[RuleSettings] = None,
                     progress: bool = True) -> List[SplitReport]:
    """Write ``out/annotation/{kind}/ego_pose_gt_anno_{split}_public.json``.

    Args:
        raw: the raw release folder (``egoexo -o RAW ...``).
        out: the processed folder (e.g. ``data/egoexo4d``).
        splits: among ``'train'``, ``'val'`` (test 3D is private).
        kinds: among ``'manual'``, ``'auto'``.
        mask: (512, 512) bool visibility mask; default
            :func:`~egohands.datasets.egoexo4d.rules.aria_visibility_mask`.
        rules: thresholds (default: the official ones).
        progress: show a progress bar per split.

    Returns:
        one :class:`SplitReport` per written file.
    """
    for value, allowed, what in ((splits, ('train', 'val'), 'split'),
                                 (kinds, layout.ANNOTATION_KINDS,
                                  'annotation kind')):
        bad = [v for v in value if v not in allowed]
        if bad or not value:
            raise ConfigError(f'EgoExo4D preparation: {what} must be among '
                              f'{list(allowed)}, got {list(value)}')
    if not os.path.isdir(raw):
        raise DatasetNotFoundError(
            f'EgoExo4D raw release folder not found: {raw}; '
            + DOWNLOAD_HINT)
    mask = aria_visibility_mask() if mask is None else np.asarray(mask)
    rules = rules or RuleSettings()
    takes = load_takes(raw)
    reports = []
    for kind in kinds:
        for split in splits:
            content, report = convert_split(raw, split, kind, mask, rules,
                                            takes, progress)
            report.out_file = layout.processed_annotation_file(out, kind,
                                                               split)
            layout.write_json(content, report.out_file)
            reports.append(report)
    return reports


def public_test_file(content: Dict) -> Dict:
    """Strip a processed file to what the public test file holds.

    Keeps ``{side}_hand_bbox`` and ``metadata`` of every frame, as the
    organisers' public test file does; useful to rehearse a submission on
    the validation split.
    """
    keep = [f'{side}_hand_bbox' for side in layout.HAND_SIDES] + ['metadata']
    return {uid: {frame: {k: record[k] for k in keep if k in record}
                  for frame, record in frames.items()}
            for uid, frames in content.items()}
