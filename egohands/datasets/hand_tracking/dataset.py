"""UmeTrack and HOT3D-Clips readers: one sample per hand per view.

Reads the toolkit's webdataset tars (:mod:`.tars`) of one split folder. A
(frame, hand, stream) becomes a sample when the frame's
``hand_crops.json`` has a crop camera for that hand and stream (the
toolkit saves one when the hand is visible, > 0.1, in that stream; it is
also what decides the challenge's entries). Per sample, besides the keys
of ``docs/architecture.md`` 3.1:

* ``sequence`` (tar name), ``frame`` (int key), ``view`` (stream id),
  ``img_path`` = ``<tar>::<member>`` (read by ``LoadTarImage``),
  ``img_shape``; ``camera_model`` (dict: ``kind``, ``width``, ``height``,
  ``focal``, ``principal``, ``coeffs``; see ``egohands.geometry.
  camera_models``) and ``K`` = its focal/principal matrix (exact only for
  pinhole views); ``T_world_from_cam`` (4, 4) float32, **mm**;
* ``crop_T_world_from_cam`` (4, 4) mm and ``crop_fov`` (rad) of the
  toolkit's perspective crop camera; ``visibility`` (-1 when absent);
* ``bbox``: the annotated amodal box, else the crop camera's field of view
  projected into the view (the test splits have no boxes);
* ground truth when ``hands.json`` is there: ``mano_theta`` (15,) PCA,
  ``mano_wrist_xform`` (6,) world (rad, metres), ``mano_theta_valid``,
  ``umetrack_joint_angles`` (22,), ``T_world_from_wrist`` (4, 4) mm,
  ``mano_betas`` (10,) from ``__hand_shapes.json__``. With ``hand_model``
  (a MANO folder) also ``joints_3d`` (21, 3) mm camera frame from the
  toolkit's MANO and ``keypoints_2d`` through the view's camera model.
  These are MANO joints; the challenge scores UmeTrack landmarks (its
  ground-truth file, see ``HandTrackingPoseMetric``).
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.geometry.camera_models import (CameraModel, project_to_window,
                                             world_to_camera)
from egohands.registry import DATASETS
from egohands.utils.errors import AnnotationError, ConfigError

from . import tars
from .parsing import (HAND_SIDES, parse_cameras, parse_hand_crops,
                      parse_hand_poses, parse_hand_shapes)

M_TO_MM = 1000.0
STREAM_CHOICES = ('mono', 'rgb', 'all')
#: depth (mm) at which the crop camera's field of view is projected into
#: the view to make a box when the data has none
CROP_BOX_DEPTH_MM = 400.0


def camera_dict(camera: CameraModel) -> Dict:
    """Plain-dict form of a camera's intrinsics (kept in samples)."""
    return dict(kind=camera.kind, width=camera.width, height=camera.height,
                focal=tuple(camera.focal), principal=tuple(camera.principal),
                coeffs=tuple(camera.coeffs))


def camera_from_dict(info: Dict, T_world_from_cam=None) -> CameraModel:
    """Inverse of :func:`camera_dict` (pose: any (4, 4), default I)."""
    return CameraModel(info['kind'], int(info['width']), int(info['height']),
                       tuple(info['focal']), tuple(info['principal']),
                       tuple(info['coeffs']),
                       np.eye(4) if T_world_from_cam is None else
                       np.asarray(T_world_from_cam, np.float64))


def mm_pose(T_m: np.ndarray) -> np.ndarray:
    T = np.array(T_m, np.float64)
    T[:3, 3] *= M_TO_MM
    return T


def crop_fov_box(view: CameraModel, T_world_from_view_mm: np.ndarray,
                 T_world_from_crop_mm: np.ndarray, fov: float) -> np.ndarray:
    """(4,) xyxy px: the crop camera's square field of view, at
    :data:`CROP_BOX_DEPTH_MM`, projected into the view and clipped."""
    half = np.tan(fov / 2)
    corners = np.array([[-half, -half, 1], [half, -half, 1],
                        [half, half, 1], [-half, half, 1],
                        [0, 0, 1]]) * CROP_BOX_DEPTH_MM
    world = corners @ T_world_from_crop_mm[:3, :3].T + \
        T_world_from_crop_mm[:3, 3]
    uv = project_to_window(world_to_camera(world, T_world_from_view_mm),
                           view)
    x0, y0 = np.clip(uv.min(0), 0, [view.width - 1, view.height - 1])
    x1, y1 = np.clip(uv.max(0), 0, [view.width - 1, view.height - 1])
    return np.array([x0, y0, x1, y1], np.float32)


class HandTrackingTarDataset(BaseHandDataset):
    """Samples of the toolkit's tars in ``data_root/split/*.tar``.

    Args:
        data_root: folder holding the split folders.
        split: split folder (``train``, ``pose_test``, ``train_aria``, ...).
        sequences: tar names without ``.tar`` (default: every tar).
        streams: ``'mono'`` (default, as the toolkit), ``'rgb'``, ``'all'``
            or a list of stream ids.
        hand_model: optional MANO folder (``MANO_LEFT.pkl`` and
            ``MANO_RIGHT.pkl``) for ``joints_3d`` / ``keypoints_2d``.
        every_n_frames: keep every n-th frame of a tar (by position, as
            the toolkit's ground-truth writer: HOT3D's test uses 10).
        **kwargs: see :class:`BaseHandDataset`.
    """

    DATASET_KEY = 'umetrack'
    DEFAULT_NAME = 'umetrack'

    def __init__(self, data_root: str = '', split: str = 'train',
                 sequences: Optional[Sequence[str]] = None,
                 streams: Union[str, Sequence[str]] = 'mono',
                 hand_model: Optional[str] = None,
                 every_n_frames: int = 1, **kwargs) -> None:
        if isinstance(streams, str) and streams not in STREAM_CHOICES:
            raise ConfigError(f'{type(self).__name__}: streams must be one '
                              f'of {STREAM_CHOICES} or a list of stream '
                              f'ids, got {streams!r}')
        if int(every_n_frames) < 1:
            raise ConfigError(f'{type(self).__name__}: every_n_frames must '
                              f'be >= 1, got {every_n_frames!r}')
        self.split = split
        self.sequences = None if sequences is None else list(sequences)
        self.streams = streams
        self.hand_model = hand_model
        self.every_n_frames = int(every_n_frames)
        kwargs.setdefault('data_hint', tars.DOWNLOAD_HINTS[
            self.DATASET_KEY] + f' ({tars.DOC})')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    # -- loading --------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        folder = os.path.join(self.data_root, self.split)
        paths = tars.list_sequence_tars(folder, self.sequences,
                                        self.DATASET_KEY)
        hands: List[dict] = []
        for path in paths:
            hands.extend(self.load_sequence(tars.SequenceTar(path),
                                            len(hands)))
        if not hands:
            raise ConfigError(
                f'{type(self).__name__}: no hand sample in the {len(paths)} '
                f'tar(s) of {folder} with streams={self.streams!r} (no '
                'hand_crops.json entry for those streams)')
        if self.hand_model:
            self._add_mano_joints(hands)
        return hands

    def _wanted(self, stream: str, camera: CameraModel) -> bool:
        if not isinstance(self.streams, str):
            return stream in self.streams
        is_rgb = 'rgb' in camera.label
        return self.streams == 'all' or (self.streams == 'rgb') == is_rgb

    def load_sequence(self, tar: tars.SequenceTar,
                      first_id: int) -> List[dict]:
        """The samples of one tar, frame by frame, left before right."""
        shapes = tar.hand_shapes()
        betas = None if shapes is None else parse_hand_shapes(
            shapes, f'{tar.path}:{tars.HAND_SHAPES_MEMBER}')['mano_betas']
        hands = []
        for position, (frame, members) in enumerate(tar.frames.items()):
            if position % self.every_n_frames:
                continue
            where = f'{tar.path}:{frame:06d}'
            for kind in ('cameras', 'hand_crops'):
                if kind not in members.json:
                    raise AnnotationError(
                        f'{where}: member {frame:06d}.{kind}.json is missing'
                        f' (toolkit layout, {tars.DOC})')
            cameras = parse_cameras(tar.frame_json(frame, 'cameras'),
                                    f'{where}.cameras.json')
            crops = parse_hand_crops(tar.frame_json(frame, 'hand_crops'),
                                     f'{where}.hand_crops.json')
            poses = tar.frame_json(frame, 'hands')
            poses = None if poses is None else parse_hand_poses(
                poses, f'{where}.hands.json')
            if poses is None and not self.test_mode:
                raise ConfigError(
                    f'{type(self).__name__}: {where} has no hands.json (a '
                    'pose-test split?); use it with test_mode=True')
            for side in HAND_SIDES:
                for stream, (T_crop, fov) in crops.get(side, {}).items():
                    camera = cameras.get(stream)
                    if camera is None:
                        raise AnnotationError(
                            f'{where}.hand_crops.json: {side} hand has a '
                            f'crop for stream {stream!r}, which '
                            'cameras.json does not have')
                    if not self._wanted(stream, camera):
                        continue
                    pose = None if poses is None else poses.get(side)
                    hands.append(self.hand_info(
                        tar, frame, side, stream, camera, (T_crop, fov),
                        pose, betas, first_id + len(hands)))
        return hands

    def hand_info(self, tar: tars.SequenceTar, frame: int, side: str,
                  stream: str, camera: CameraModel, crop, pose:
                  Optional[Dict], betas: Optional[np.ndarray],
                  ann_id: int) -> dict:
        T_view = mm_pose(camera.T_world_from_cam)
        T_crop, fov = mm_pose(crop[0]), crop[1]
        hand = self.empty_hand_info()
        image = tar.frames[frame].images.get(stream)
        hand.update(
            img_path='' if image is None else tar.image_path(frame, stream),
            img_id=ann_id, ann_id=ann_id,
            img_shape=(camera.height, camera.width),
            K=camera.K.astype(np.float32), camera_model=camera_dict(camera),
            T_world_from_cam=T_view.astype(np.float32),
            crop_T_world_from_cam=T_crop.astype(np.float32), crop_fov=fov,
            hand_side=side, sequence=tar.name, frame=frame, view=stream,
            visibility=-1.0, mano_theta=np.zeros(15, np.float32),
            mano_wrist_xform=np.zeros(6, np.float32), mano_theta_valid=0.0,
            umetrack_joint_angles=None, T_world_from_wrist=None,
            dataset_name=self.dataset_name or self.DEFAULT_NAME)
        if betas is not None:
            hand['mano_betas'] = betas.astype(np.float32)
        box = None if pose is None else pose['boxes'].get(stream)
        hand['bbox'] = (np.asarray(box, np.float32) if box is not None else
                        crop_fov_box(camera, T_view, T_crop, fov))
        if pose is not None:
            hand['visibility'] = pose['visibilities'].get(stream, -1.0)
            hand['umetrack_joint_angles'] = pose['joint_angles'].astype(
                np.float32)
            hand['T_world_from_wrist'] = mm_pose(
                pose['T_world_from_wrist']).astype(np.float32)
            if pose['mano_theta'] is not None:
                hand['mano_theta'] = pose['mano_theta'].astype(np.float32)
                hand['mano_wrist_xform'] = pose['wrist_xform'].astype(
                    np.float32)
                hand['mano_theta_valid'] = 1.0
        return hand

    def _add_mano_joints(self, hands: List[dict]) -> None:
        """``joints_3d`` / ``keypoints_2d`` from the toolkit's MANO."""
        import torch

        from egohands.hand_models.toolkit_mano import ToolkitMANO
        chosen = [h for h in hands if h['mano_theta_valid'] > 0]
        if not chosen:
            return
        mano = ToolkitMANO(self.hand_model)
        with torch.no_grad():
            joints_m, _ = mano(
                torch.as_tensor(np.stack([h['mano_theta'] for h in chosen])),
                torch.as_tensor(np.stack([h['mano_wrist_xform']
                                          for h in chosen])),
                torch.as_tensor(np.stack([h['mano_betas'] for h in chosen])),
                torch.as_tensor([h['hand_side'] == 'right' for h in chosen]))
        for hand, world_m in zip(chosen, joints_m.numpy().astype(np.float64)):
            T = hand['T_world_from_cam'].astype(np.float64)
            cam = world_to_camera(world_m * M_TO_MM, T)
            camera = camera_from_dict(hand['camera_model'])
            uv = project_to_window(cam, camera)
            inside = ((cam[:, 2] > 0) & (uv[:, 0] >= -0.5) &
                      (uv[:, 1] >= -0.5) & (uv[:, 0] < camera.width - 0.5) &
                      (uv[:, 1] < camera.height - 0.5))
            hand['joints_3d'] = cam.astype(np.float32)
            hand['joints_valid'] = np.ones(21, np.float32)
            hand['keypoints_2d'] = np.where(inside[:, None], uv,
                                            0).astype(np.float32)
            hand['keypoints_2d_valid'] = inside.astype(np.float32)

    # -- groups ----------------------------------------------------------
    def multiview_groups(self) -> List[List[int]]:
        """Indices of the samples of each (sequence, frame, hand): the
        views of one hand at one time, in stream order of the file."""
        self.full_init()
        return multiview_groups([self.get_data_info(i)
                                 for i in range(len(self))])


def multiview_groups(samples: Sequence[dict]) -> List[List[int]]:
    """Group sample indices by (sequence, frame, hand side), in order of
    first appearance; each group lists the views of one hand at one time."""
    groups: Dict[tuple, List[int]] = {}
    for index, sample in enumerate(samples):
        key = (sample['sequence'], int(sample['frame']), sample['hand_side'])
        groups.setdefault(key, []).append(index)
    return list(groups.values())


@DATASETS.register_module()
class UmeTrackDataset(HandTrackingTarDataset):
    """UmeTrack challenge tars (``train``, ``pose_test``, ``shape_test``),
    four monochrome fisheye views. See :class:`HandTrackingTarDataset`."""

    DATASET_KEY = 'umetrack'
    DEFAULT_NAME = 'umetrack'


@DATASETS.register_module()
class HOT3DClipsDataset(HandTrackingTarDataset):
    """HOT3D-Clips tars (``train_aria``, ``train_quest3``, ``test_aria``,
    ``test_quest3``): Aria (RGB ``214-1`` + SLAM ``1201-1/2``) or Quest3
    (``1201-1/2``). See :class:`HandTrackingTarDataset`."""

    DATASET_KEY = 'hot3d'
    DEFAULT_NAME = 'hot3d'
