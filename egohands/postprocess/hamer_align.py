"""``HaMeRAlign``: re-place each predicted hand under the true intrinsics.

Each hand's global rotation and translation are re-fitted (pose and shape
kept, so PA-MPJPE does not change) so that its 21 joints project under the
ground-truth intrinsics onto the model's own 2D keypoints, as HaMeR's team
did for the EgoExo4D challenge: batched Levenberg-Marquardt on the 6 rigid
parameters after a closed-form translation, with steps that would put a
joint behind the camera or move the hand too far in depth refused. The
method, the solver and what it needs from the model (a crop-frame pose,
``MANOTransformerHead(pose_frame='crop')``): docs/derivations.md
section 2.

Reads per sample: ``pred_joints_3d`` (21, 3) mm absolute camera frame,
``pred_keypoints_2d`` (21, 2) full-image px, metainfo ``K`` (3, 3); moves
``pred_joints_3d``, ``pred_vertices`` and ``pred_mano`` (``global_orient``
turned, ``transl`` shifted with the wrist: MANO rotates about its wrist).
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_axis_angle)
from egohands.registry import POSTPROCESSORS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError


def _skew(v: torch.Tensor) -> torch.Tensor:
    """(..., 3) -> (..., 3, 3) cross-product matrices ``[v]x``."""
    zero = torch.zeros_like(v[..., 0])
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    return torch.stack([
        torch.stack([zero, -z, y], -1),
        torch.stack([z, zero, -x], -1),
        torch.stack([-y, x, zero], -1)
    ], -2)


def _project(points: torch.Tensor, K: torch.Tensor
             ) -> Tuple[torch.Tensor, torch.Tensor]:
    """(B, N, 3) points, (B, 3, 3) K -> (uv (B, N, 2), d uv / d X
    (B, N, 2, 3))."""
    h = points @ K.transpose(-1, -2)
    inv_z = 1.0 / h[..., 2:3]
    uv = h[..., :2] * inv_z
    # d uv / d h = [I_2 / h_z, -uv / h_z], then the chain rule through K
    d_uv_dh = torch.cat([torch.diag_embed(inv_z.expand_as(uv)),
                         (-uv * inv_z)[..., None]], dim=-1)
    return uv, d_uv_dh @ K[:, None]


def linear_translation(joints: torch.Tensor, keypoints: torch.Tensor,
                       K: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Translation putting each joint on the ray of its keypoint, in the
    weighted least-squares sense of the linear equations of
    docs/derivations.md section 2.

    Args:
        joints: (B, N, 3) camera frame, float64.
        keypoints: (B, N, 2) px of the image of ``K``.
        K: (B, 3, 3) intrinsics.
        weights: (B, N) per-joint weights.

    Returns:
        (B, 3) translation, the unit of ``joints``.
    """
    batch, num = joints.shape[:2]
    pixels = torch.cat([keypoints, keypoints.new_ones(batch, num, 1)], -1)
    ray = pixels @ torch.linalg.inv(K).transpose(-1, -2)
    ray = ray / ray[..., 2:]
    zero, one = torch.zeros_like(ray[..., 0]), torch.ones_like(ray[..., 0])
    rows = torch.stack([torch.stack([one, zero, -ray[..., 0]], -1),
                        torch.stack([zero, one, -ray[..., 1]], -1)], -2)
    rhs = ray[..., :2] * joints[..., 2:] - joints[..., :2]
    root_w = weights.sqrt()[..., None]
    rows = (rows * root_w[..., None]).reshape(batch, 2 * num, 3)
    rhs = (rhs * root_w).reshape(batch, 2 * num, 1)
    return torch.linalg.lstsq(rows, rhs).solution[..., 0]


def align_rigid_to_keypoints(joints: torch.Tensor, keypoints: torch.Tensor,
                             K: torch.Tensor,
                             weights: Optional[torch.Tensor] = None,
                             num_iters: int = 50,
                             init_damping: float = 1e-3,
                             optimize_rotation: bool = True,
                             min_depth: float = 1.0,
                             max_depth_ratio: float = 10.0
                             ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Rigid motion of each hand that best reprojects it onto keypoints.

    Args:
        joints: (B, N, 3) camera-frame joints (mm).
        keypoints: (B, N, 2) target pixels.
        K: (B, 3, 3) intrinsics.
        weights: optional (B, N) per-joint weights of the squared residuals.
        num_iters: Levenberg-Marquardt iterations.
        init_damping: initial Marquardt factor.
        optimize_rotation: False keeps the rotation (translation only).
        min_depth: a step putting a joint closer than this (mm) is refused.
        max_depth_ratio: a step moving the joints' mean depth beyond this
            factor of the start (either way) is refused: with a wrong
            articulation the cost can keep falling as the hand shrinks
            towards a point at infinity.

    Returns:
        (rotation (B, 3, 3), translation (B, 3)) with
        ``aligned = joints @ rotation^T + translation``; float64.
    """
    joints = joints.double()
    keypoints, K = keypoints.double(), K.double()
    batch, num = joints.shape[:2]
    weights = (torch.ones(batch, num, dtype=torch.float64) if weights is None
               else weights.double())
    rotation = torch.eye(3, dtype=torch.float64).repeat(batch, 1, 1)
    translation = torch.zeros(batch, 3, dtype=torch.float64)
    damping = torch.full((batch, ), init_damping, dtype=torch.float64)
    current = joints.clone()

    def cost_of(points: torch.Tensor) -> torch.Tensor:
        uv, _ = _project(points, K)
        return (weights * (uv - keypoints).square().sum(-1)).sum(-1)

    cost = cost_of(current)
    start_depth = current[..., 2].mean(-1)

    def acceptable(candidate: torch.Tensor, new_cost: torch.Tensor
                   ) -> torch.Tensor:
        depth_ratio = candidate[..., 2].mean(-1) / start_depth
        return ((new_cost < cost) & (candidate[..., 2] > min_depth).all(-1)
                & (depth_ratio < max_depth_ratio)
                & (depth_ratio > 1 / max_depth_ratio))

    # a closed-form start for the translation, kept where it helps
    shift = linear_translation(current, keypoints, K, weights)
    candidate = current + shift[:, None]
    new_cost = cost_of(candidate)
    better = acceptable(candidate, new_cost)
    current = torch.where(better[:, None, None], candidate, current)
    translation = torch.where(better[:, None], shift, translation)
    cost = torch.where(better, new_cost, cost)
    for _ in range(num_iters):
        centre = current.mean(dim=1, keepdim=True)
        uv, d_uv = _project(current, K)
        residual = uv - keypoints  # (B, N, 2)
        d_point = torch.eye(3, dtype=torch.float64).expand(batch, num, 3, 3)
        if optimize_rotation:  # d/dw of exp([w]x)(X - c) at w = 0
            d_point = torch.cat([-_skew(current - centre), d_point], dim=-1)
        jac = d_uv @ d_point  # (B, N, 2, P)
        jac_w = jac * weights[..., None, None]
        hessian = torch.einsum('bnkp,bnkq->bpq', jac_w, jac)
        gradient = torch.einsum('bnkp,bnk->bp', jac_w, residual)
        diag = torch.diagonal(hessian, dim1=-2, dim2=-1)
        damped = hessian + torch.diag_embed(damping[:, None] * diag + 1e-12)
        step = -torch.linalg.solve(damped, gradient)
        step_rot = (axis_angle_to_matrix(step[:, :3]) if optimize_rotation
                    else torch.eye(3, dtype=torch.float64).expand(
                        batch, 3, 3))
        step_t = step[:, -3:]
        candidate = ((current - centre) @ step_rot.transpose(-1, -2) +
                     centre + step_t[:, None])
        new_cost = cost_of(candidate)
        better = acceptable(candidate, new_cost)
        keep = better[:, None, None]
        current = torch.where(keep, candidate, current)
        cost = torch.where(better, new_cost, cost)
        new_rotation = step_rot @ rotation
        new_translation = ((translation - centre[:, 0])[:, None] @
                           step_rot.transpose(-1, -2))[:, 0] + \
            centre[:, 0] + step_t
        rotation = torch.where(keep, new_rotation, rotation)
        translation = torch.where(better[:, None], new_translation,
                                  translation)
        damping = torch.where(better, damping / 10, damping * 10).clamp(
            1e-12, 1e12)
    return rotation, translation


def _tensor(value) -> torch.Tensor:
    return torch.as_tensor(np.asarray(value.detach().cpu() if hasattr(
        value, 'detach') else value), dtype=torch.float64)


@POSTPROCESSORS.register_module()
class HaMeRAlign:
    """Optimise each hand's global rotation and translation so its joints
    reproject onto its own 2D keypoints under the true intrinsics
    (docs/derivations.md section 2).

    Args:
        num_iters: Levenberg-Marquardt iterations (bounded cost).
        init_damping: initial Marquardt factor.
        optimize_rotation: False optimises the translation only.
        joint_weights: optional (21,) weights of the joints' residuals.

    Use from a config:
    ``model.test_cfg.postprocess=[dict(type='HaMeRAlign')]``.
    """

    def __init__(self, num_iters: int = 50, init_damping: float = 1e-3,
                 optimize_rotation: bool = True,
                 joint_weights: Optional[Sequence[float]] = None) -> None:
        if num_iters < 1:
            raise ConfigError(f'HaMeRAlign: num_iters must be >= 1, got '
                              f'{num_iters}')
        self.num_iters = int(num_iters)
        self.init_damping = float(init_damping)
        self.optimize_rotation = bool(optimize_rotation)
        self.joint_weights = (None if joint_weights is None else
                              torch.as_tensor(joint_weights,
                                              dtype=torch.float64))

    def __call__(self, data_samples: List[HandDataSample]
                 ) -> List[HandDataSample]:
        if not data_samples:
            return data_samples
        for sample in data_samples:
            _check_sample(sample)
        joints = torch.stack([_tensor(s.pred_joints_3d) for s in data_samples])
        keypoints = torch.stack(
            [_tensor(s.pred_keypoints_2d) for s in data_samples])
        K = torch.stack([_tensor(s.metainfo['K']) for s in data_samples])
        weights = (None if self.joint_weights is None else
                   self.joint_weights.expand(joints.shape[:2]))
        rotation, translation = align_rigid_to_keypoints(
            joints, keypoints, K, weights, self.num_iters, self.init_damping,
            self.optimize_rotation)
        for i, sample in enumerate(data_samples):
            _move_sample(sample, rotation[i], translation[i])
        return data_samples

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_iters={self.num_iters}, '
                f'optimize_rotation={self.optimize_rotation})')


def _check_sample(sample: HandDataSample) -> None:
    for name in ('pred_joints_3d', 'pred_keypoints_2d'):
        if not hasattr(sample, name):
            raise ConfigError(
                f'HaMeRAlign needs {name} in every prediction; the model '
                'predicts none: use it with a model that outputs absolute '
                '3D joints and its own 2D keypoints (MANOTransformerHead)')
    if sample.metainfo.get('K') is None:
        raise ConfigError(
            'HaMeRAlign needs the intrinsics K in the sample metainfo '
            f"(img_path={sample.metainfo.get('img_path')!r}); keep 'K' in "
            "PackHandInputs' meta_keys")
    if not bool(sample.get('pred_joints_absolute', False)):
        raise ConfigError(
            'HaMeRAlign moves absolute camera-frame predictions, but this '
            'model predicts wrist-relative joints (pred_joints_absolute '
            'False); remove HaMeRAlign from model.test_cfg.postprocess')


def _move_sample(sample: HandDataSample, rotation: torch.Tensor,
                 translation: torch.Tensor) -> None:
    """Apply ``X -> R X + t`` (mm) to the 3D predictions of one sample,
    computed in float64 and stored in each field's own dtype."""
    def moved(points) -> torch.Tensor:
        dtype = points.dtype if isinstance(points, torch.Tensor) \
            else torch.float32
        return (_tensor(points) @ rotation.T + translation).to(dtype)

    wrist = _tensor(sample.pred_joints_3d)[0]
    wrist_shift_m = (wrist @ rotation.T + translation - wrist) / 1000
    sample.pred_joints_3d = moved(sample.pred_joints_3d)
    if hasattr(sample, 'pred_vertices'):
        sample.pred_vertices = moved(sample.pred_vertices)
    mano = sample.get('pred_mano', None)
    if mano:
        mano = dict(mano)
        if 'global_orient' in mano:
            orient = axis_angle_to_matrix(_tensor(mano['global_orient']))
            mano['global_orient'] = matrix_to_axis_angle(
                rotation @ orient).float()
        if 'transl' in mano:
            mano['transl'] = (_tensor(mano['transl']) +
                              wrist_shift_m).float()
        sample.pred_mano = mano
