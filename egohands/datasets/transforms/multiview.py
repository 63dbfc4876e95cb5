"""Multi-view transforms: load, perspective-crop and perturb rig views.

They work on the samples of :class:`~egohands.datasets.multiview_dataset.
MultiViewDataset` (``views``: one per-hand dict or None per camera)::

    LoadMultiViewImages -> MultiViewPerspectiveCrop
    -> [MultiViewExtrinsicNoise] -> PackMultiViewInputs

**Frames and units.** The *reference camera* of a sample is the camera of
its first present view; the 3D target ``joints_3d`` (21, 3) is in its frame,
mm. Each view ``v`` is seen through its perspective crop camera
(``egohands.geometry.perspective_crop``): ``crop_K[v]`` and
``T_ref_from_crop[v]`` (4, 4), the pose of the crop camera in the reference
frame, **metres** (the transform the model's FTL uses). A view that is
missing, has a joint behind its camera or no joint inside its image is
masked (``view_mask[v] = 0``, black image, identity transform): never an
error.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from egohands.geometry.perspective_crop import (Projector, enclosing_fov,
                                                look_at_rotation,
                                                perspective_crop_intrinsics,
                                                pinhole_projector,
                                                warp_to_crop)
from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.registry import TRANSFORMS
from egohands.utils.errors import ConfigError


def _views(results: Dict) -> List[Optional[Dict]]:
    if 'views' not in results:
        raise ConfigError('multi-view transforms need the samples of a '
                          "multi-view dataset ('views'): wrap the "
                          "dataset in dict(type='MultiViewDataset', "
                          'dataset=...)')
    return results['views']


@TRANSFORMS.register_module()
class LoadMultiViewImages(BaseTransform):
    """Read the full image of every present view with a per-hand loader.

    Args:
        loader: the single-view loading transform run on each view
            (``LoadImage``; ``LoadTarImage`` for the toolkit's tars).
    """

    def __init__(self, loader: dict = dict(type='LoadImage')) -> None:
        self.loader = TRANSFORMS.build(dict(loader))

    def transform(self, results: Dict) -> Dict:
        for view in _views(results):
            if view is not None:
                self.loader.transform(view)
        return results


def rigid(rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    """(4, 4) ``[R t; 0 1]``."""
    transform = np.eye(4)
    transform[:3, :3] = rotation
    transform[:3, 3] = translation
    return transform


def small_rotation(max_deg: float) -> np.ndarray:
    """(3, 3) rotation about a random axis by a uniform angle in
    ``[-max_deg, max_deg]`` (numpy's global random state)."""
    axis = np.random.randn(3)
    axis /= max(np.linalg.norm(axis), 1e-12)
    angle = np.deg2rad(np.random.uniform(-max_deg, max_deg))
    return np.asarray(axis_angle_to_matrix(axis * angle), np.float64)


def source_projector(view: Dict) -> Projector:
    """How a view's camera projects: its ``camera_model`` (the toolkit's
    lens models, ``egohands.geometry.camera_models``) when it has one, else
    the pinhole ``K``. Points at or behind the camera give -1."""
    if view.get('camera_model') is None:
        return pinhole_projector(view['K'])
    from egohands.datasets.hand_tracking.dataset import camera_from_dict
    from egohands.geometry.camera_models import project_to_window
    camera = camera_from_dict(view['camera_model'])

    def project(points: np.ndarray) -> np.ndarray:
        uv = np.asarray(project_to_window(points, camera), np.float64)
        uv[points[:, 2] <= 1e-9] = -1.0
        return uv
    return project


@TRANSFORMS.register_module()
class MultiViewPerspectiveCrop(BaseTransform):
    """Crop every view through a virtual camera that looks at the hand.

    Any lens works as the source (:func:`source_projector`): the crop is
    the toolkit's ``warp_image`` from the view's camera to the crop camera.

    The crop camera turns towards the centre of the box of the valid 3D
    joints and its field of view holds them with ``margin``; crop jitter
    (Jiiov's augmentation, training only) then turns it by up to
    ``rotation_jitter_deg`` about a random axis and scales its field of
    view by a factor in ``[1 - fov_jitter, 1 + fov_jitter]``.

    Sets ``img`` (N, S, S, 3) uint8, ``view_mask`` (N,), ``crop_K``
    (N, 3, 3), ``T_ref_from_crop`` (N, 4, 4) metres, ``T_world_from_ref``
    (4, 4) mm, ``view_keypoints_2d`` (N, 21, 2) crop px,
    ``view_keypoints_2d_valid`` (N, 21), ``view_joints_3d`` (N, 21, 3) mm
    in each crop camera, the reference-frame ``joints_3d`` (21, 3) mm and
    ``joints_valid``, ``mano_betas`` / ``mano_valid`` and ``img_paths``.

    Args:
        crop_size: side of the square crops, px.
        margin: field of view = ``margin`` x the tightest one.
        rotation_jitter_deg: largest random turn of the crop camera.
        fov_jitter: largest relative change of the field of view.
    """

    def __init__(self, crop_size: int = 128, margin: float = 1.2,
                 rotation_jitter_deg: float = 0.0,
                 fov_jitter: float = 0.0) -> None:
        if crop_size < 8 or margin < 1.0 or not 0.0 <= fov_jitter < 1.0 \
                or rotation_jitter_deg < 0:
            raise ConfigError(
                f'MultiViewPerspectiveCrop: needs crop_size >= 8, margin >= '
                f'1, 0 <= fov_jitter < 1, rotation_jitter_deg >= 0; got '
                f'{crop_size}, {margin}, {fov_jitter}, {rotation_jitter_deg}')
        self.crop_size = int(crop_size)
        self.margin = float(margin)
        self.rotation_jitter_deg = float(rotation_jitter_deg)
        self.fov_jitter = float(fov_jitter)
        self.RANDOM_AUGMENTATION = rotation_jitter_deg > 0 or fov_jitter > 0

    def crop_camera(self, joints_mm: np.ndarray, valid: np.ndarray):
        """(R_crop_from_cam, crop_K) of one view, or None if it cannot see
        the hand (a valid joint at or behind the camera)."""
        points = joints_mm[valid > 0] if (valid > 0).any() else joints_mm
        if (points[:, 2] <= 1e-6).any():
            return None
        rotation = look_at_rotation((points.min(0) + points.max(0)) / 2)
        if self.rotation_jitter_deg > 0:
            rotation = small_rotation(self.rotation_jitter_deg) @ rotation
        try:
            fov = enclosing_fov(points, rotation, self.margin)
        except ValueError:  # jitter turned a joint behind the crop camera
            return None
        if self.fov_jitter > 0:
            fov *= 1 + np.random.uniform(-self.fov_jitter, self.fov_jitter)
        fov = float(np.clip(fov, np.deg2rad(1.0), np.deg2rad(170.0)))
        return rotation, perspective_crop_intrinsics(self.crop_size, fov)

    @staticmethod
    def sees_hand(view: Dict) -> bool:
        """At least one joint projects inside the full image."""
        h, w = view['img'].shape[:2]
        uv = np.asarray(view['keypoints_2d'], np.float64)
        inside = (uv[:, 0] >= 0) & (uv[:, 0] <= w - 1) & (uv[:, 1] >= 0) \
            & (uv[:, 1] <= h - 1)
        return bool(inside.any())

    def transform(self, results: Dict) -> Dict:
        views = _views(results)
        size, count = self.crop_size, len(views)
        images = np.zeros((count, size, size, 3), np.uint8)
        mask = np.zeros(count, np.float32)
        crop_K = np.tile(np.eye(3, dtype=np.float32), (count, 1, 1))
        world_from_crop = np.tile(np.eye(4), (count, 1, 1))  # metres
        keypoints = np.zeros((count, 21, 2), np.float32)
        keypoints_valid = np.zeros((count, 21), np.float32)
        view_joints = np.zeros((count, 21, 3), np.float32)
        for index, view in enumerate(views):
            if view is None or view.get('T_world_from_cam') is None or \
                    not self.sees_hand(view):
                continue
            joints = np.asarray(view['joints_3d'], np.float64)
            camera = self.crop_camera(joints, view['joints_valid'])
            if camera is None:
                continue
            rotation, K = camera
            images[index] = warp_to_crop(view['img'], source_projector(view),
                                         rotation, K, size)
            local = joints @ rotation.T
            keypoints[index] = local[:, :2] / local[:, 2:] @ K[:2, :2].T \
                + K[:2, 2]
            keypoints_valid[index] = np.asarray(view['keypoints_2d_valid'])
            view_joints[index] = local
            crop_K[index] = K
            world_from_cam = np.asarray(view['T_world_from_cam'], np.float64)
            world_from_cam = rigid(world_from_cam[:3, :3],
                                   world_from_cam[:3, 3] / 1000.0)
            world_from_crop[index] = world_from_cam @ rigid(rotation.T,
                                                            np.zeros(3))
            mask[index] = 1.0
        results.update(img=images, view_mask=mask, crop_K=crop_K,
                       view_keypoints_2d=keypoints,
                       view_keypoints_2d_valid=keypoints_valid,
                       view_joints_3d=view_joints,
                       input_size=(size, size),
                       img_paths=[None if v is None else v['img_path']
                                  for v in views])
        self._set_reference(results, views, mask, world_from_crop)
        return results

    @staticmethod
    def _set_reference(results: Dict, views: Sequence, mask: np.ndarray,
                       world_from_crop: np.ndarray) -> None:
        """Reference frame = camera of the first present view; the targets
        and the crop poses in it. No present view: identity everywhere and
        zero validity (the sample then only counts as masked)."""
        present = np.flatnonzero(mask)
        count = len(views)
        if not present.size:
            first = next(v for v in views if v is not None)
            results.update(
                T_ref_from_crop=np.tile(np.eye(4, dtype=np.float32),
                                        (count, 1, 1)),
                T_world_from_ref=np.eye(4, dtype=np.float32),
                joints_3d=np.zeros((21, 3), np.float32),
                joints_valid=np.zeros(21, np.float32), reference_view=-1,
                mano_betas=first['mano_betas'], mano_valid=0.0)
            return
        ref = views[present[0]]
        world_from_ref = np.asarray(ref['T_world_from_cam'], np.float64)
        ref_from_world = np.linalg.inv(rigid(world_from_ref[:3, :3],
                                             world_from_ref[:3, 3] / 1000.0))
        ref_from_crop = np.tile(np.eye(4), (count, 1, 1))
        ref_from_crop[present] = ref_from_world @ world_from_crop[present]
        results.update(
            T_ref_from_crop=ref_from_crop.astype(np.float32),
            T_world_from_ref=world_from_ref.astype(np.float32),
            joints_3d=np.asarray(ref['joints_3d'], np.float32),
            joints_valid=np.asarray(ref['joints_valid'], np.float32),
            reference_view=int(present[0]), mano_betas=ref['mano_betas'],
            mano_valid=ref['mano_valid'])


@TRANSFORMS.register_module()
class MultiViewExtrinsicNoise(BaseTransform):
    """Perturb the crop poses the model's FTL uses (not the targets).

    Jiiov's augmentation against over-fitting to one rig: each present
    view's ``T_ref_from_crop`` translation moves by a uniform offset in
    ``[-translation_m, translation_m]`` per axis (metres), and its rotation
    turns by up to ``rotation_deg`` about a random axis. The reference view
    is left alone unless ``include_reference``. Training only.
    """

    RANDOM_AUGMENTATION = True

    def __init__(self, translation_m: float = 0.02, rotation_deg: float = 0.0,
                 include_reference: bool = False) -> None:
        if translation_m < 0 or rotation_deg < 0:
            raise ConfigError('MultiViewExtrinsicNoise: translation_m and '
                              'rotation_deg must be >= 0')
        self.translation_m = float(translation_m)
        self.rotation_deg = float(rotation_deg)
        self.include_reference = include_reference

    def transform(self, results: Dict) -> Dict:
        if 'T_ref_from_crop' not in results:
            raise ConfigError('MultiViewExtrinsicNoise must follow '
                              'MultiViewPerspectiveCrop in the pipeline')
        transforms = np.array(results['T_ref_from_crop'], np.float64)
        for index in np.flatnonzero(results['view_mask']):
            if index == results['reference_view'] and \
                    not self.include_reference:
                continue
            transforms[index, :3, 3] += np.random.uniform(
                -self.translation_m, self.translation_m, 3)
            if self.rotation_deg > 0:
                transforms[index, :3, :3] = small_rotation(
                    self.rotation_deg) @ transforms[index, :3, :3]
        results['T_ref_from_crop'] = transforms.astype(np.float32)
        return results
