"""``HandVisualizationHook``: pictures of predicted vs ground-truth hands.

Off by default (``enable=False`` in ``configs/_base_/default_runtime.py``);
``tools/test.py --show-dir DIR`` turns it on. During testing it draws, on
each network input crop, the ground-truth skeleton (white) under the
predicted one (coloured by finger) with a red line per joint error, and
writes ``<out_dir>/<img_id>_<ann_id>.png``. When the prediction carries a
mesh (``pred_vertices``, MANO heads) and the model's hand model has faces,
a second panel to the right shows the predicted mesh as a shaded,
semi-transparent overlay on the same crop (HaMeR's demo look).

The predicted skeleton is the model's 2D prediction mapped into the crop,
or, for models without 2D output, its 3D joints projected with the crop
camera ``crop_K`` (a wrist-relative prediction is placed at the
ground-truth wrist first, as the root-relative metrics do). The mesh is
flipped into the input camera the same way and projected with ``crop_K``.
"""
import os
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from mmengine.hooks import Hook
from torch import nn

from egohands.evaluation.metrics.sample_fields import flip_of, to_numpy
from egohands.geometry.affine import apply_affine_2d
from egohands.geometry.camera import project_points
from egohands.geometry.flip import flip_points_3d
from egohands.hand_models.mano import MANOHand
from egohands.registry import HOOKS
from egohands.visualization.mesh_overlay import draw_mesh_overlay
from egohands.visualization.skeleton import (draw_hand_skeleton,
                                             draw_prediction_vs_ground_truth,
                                             put_label)


def predicted_crop_keypoints(sample) -> Optional[np.ndarray]:
    """The prediction of a sample as (K, 2) input-crop px, or None.

    Predictions are in the original frame; the crop is in the input frame,
    so 2D goes through ``crop_from_img`` and 3D is flipped back into the
    input camera and projected with ``crop_K``.
    """
    fields = sample.to_dict()
    if fields.get('pred_keypoints_2d') is not None and \
            fields.get('crop_from_img') is not None:
        return apply_affine_2d(to_numpy(fields['pred_keypoints_2d']),
                               to_numpy(fields['crop_from_img']))
    if fields.get('pred_joints_3d') is None or fields.get('crop_K') is None:
        return None
    joints = _in_input_camera(fields, 'pred_joints_3d')
    if not fields.get('pred_joints_absolute', False):
        gt, valid = fields.get('gt_joints_3d'), fields.get('gt_joints_valid')
        if gt is None or valid is None or not to_numpy(valid)[0] > 0:
            return None
        joints = joints + to_numpy(gt)[0]
    if not _in_front(joints):
        return None
    return project_points(joints, to_numpy(fields['crop_K']))


def predicted_crop_vertices(sample) -> Optional[np.ndarray]:
    """The predicted mesh as (V, 3) mm in the input camera, or None.

    ``pred_vertices`` are absolute, in the original camera frame; they are
    flipped back into the input camera (that of ``crop_K``) like the
    joints. None without vertices, without ``crop_K``, for a
    non-absolute prediction or when a vertex is at or behind the camera.
    """
    fields = sample.to_dict()
    if fields.get('pred_vertices') is None or fields.get('crop_K') is None \
            or not fields.get('pred_joints_absolute', False):
        return None
    vertices = _in_input_camera(fields, 'pred_vertices')
    return vertices if _in_front(vertices) else None


def _in_input_camera(fields: dict, key: str) -> np.ndarray:
    """(N, 3) float64 prediction ``fields[key]`` (original frame) flipped
    back into the input camera, the camera of ``crop_K``."""
    return flip_points_3d(to_numpy(fields[key]).astype(np.float64),
                          flip_of(fields))


def _in_front(points: np.ndarray) -> bool:
    """Whether every (N, 3) point is in front of the camera (z > 0)."""
    return bool((points[:, 2] > 0).all())


def hand_mesh_faces(model) -> Optional[np.ndarray]:
    """(F, 3) int64 faces of the first ``MANOHand`` inside ``model``, or
    None. ``nn.Module.modules`` walks through module wrappers (DDP,
    ``HandFlipTTAModel``) to the estimator's ``head.hand_model``; other
    wrappers are opened through their ``.module``."""
    while model is not None and not isinstance(model, nn.Module):
        model = getattr(model, 'module', None)
    if model is None:
        return None
    return next((module.faces for module in model.modules()
                 if isinstance(module, MANOHand)), None)


def matching_view_inputs(data_batch: dict, outputs) -> Optional[list]:
    """The input crops the outputs' metainfo describes, or None.

    A plain batch has one (3, h, w) crop per output. A test-time
    augmentation batch has one list of crops per view; the merged outputs
    keep the metainfo (crop camera, flip) of one view, whose crops are
    returned.
    """
    inputs, samples = data_batch.get('inputs'), data_batch.get('data_samples')
    if not isinstance(inputs, (list, tuple)) or not inputs:
        return None
    if all(hasattr(x, 'shape') for x in inputs):
        return list(inputs) if len(inputs) == len(outputs) else None
    for view, view_samples in zip(inputs, samples or []):
        if isinstance(view, (list, tuple)) and len(view) == len(outputs) \
                and [flip_of(s) for s in view_samples] == [
                    flip_of(s) for s in outputs]:
            return list(view)
    return None


@HOOKS.register_module()
class HandVisualizationHook(Hook):
    """Draw test predictions on the input crops.

    Args:
        enable: draw at all (the tools switch it on).
        out_dir: folder of the pictures (default ``<work_dir>/vis``).
        interval: draw every ``interval``-th test batch.
        mode: ``'overlay'`` or ``'side_by_side'`` (see
            ``draw_prediction_vs_ground_truth``).
        mesh_alpha: opacity of the predicted mesh in its panel.
    """

    priority = 'NORMAL'

    def __init__(self, enable: bool = False, out_dir: Optional[str] = None,
                 interval: int = 1, mode: str = 'overlay',
                 mesh_alpha: float = 0.7) -> None:
        self.enable = enable
        self.out_dir = out_dir
        self.interval = max(int(interval), 1)
        self.mode = mode
        self.mesh_alpha = float(mesh_alpha)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        if not self.enable or batch_idx % self.interval or not outputs:
            return
        inputs = matching_view_inputs(data_batch or {}, outputs)
        if inputs is None:
            return
        out_dir = self.out_dir or osp.join(runner.work_dir, 'vis')
        os.makedirs(out_dir, exist_ok=True)
        faces = hand_mesh_faces(getattr(runner, 'model', None))
        for image, sample in zip(inputs, outputs):
            picture = self.draw(image, sample, faces)
            if picture is not None:
                name = (f'{sample.metainfo.get("img_id", batch_idx)}_'
                        f'{sample.metainfo.get("ann_id", 0)}.png')
                cv2.imwrite(osp.join(out_dir, name), picture)

    def draw(self, image, sample,
             faces: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
        """(3, h, w) BGR crop + predicted sample -> BGR picture or None.

        The skeleton picture, followed on the right by the mesh panel when
        ``faces`` (F, 3) are given and the sample has a drawable mesh.
        """
        crop = np.ascontiguousarray(
            to_numpy(image).transpose(1, 2, 0)).astype(np.uint8)
        pred = predicted_crop_keypoints(sample)
        if pred is None:
            return None
        if sample.get('gt_keypoints_2d') is None:
            picture = draw_hand_skeleton(crop, pred)
        else:
            picture = draw_prediction_vs_ground_truth(
                crop, pred, to_numpy(sample.gt_keypoints_2d),
                to_numpy(sample.get('gt_keypoints_2d_valid')),
                mode=self.mode)
        vertices = predicted_crop_vertices(sample)
        if faces is None or vertices is None or \
                faces.max() >= len(vertices):
            return picture
        mesh = draw_mesh_overlay(crop, vertices, faces,
                                 to_numpy(sample.crop_K),
                                 alpha=self.mesh_alpha)
        return np.concatenate([picture, put_label(mesh, 'pred mesh')],
                              axis=1)
