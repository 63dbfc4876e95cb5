"""``MANOHand``: MANO (real or synthetic) on smplx, 21 canonical joints.

The model files are loaded through ``smplx.MANO`` and skinned with smplx's
``lbs``; what this wrapper adds:

* **21 joints in the canonical order** (wrist, thumb1-4, ..., pinky1-4): the
  16 MANO joints plus the fingertip vertices (smplx ids thumb 744, index
  320, middle 443, ring 554, pinky 671), remapped with
  ``egohands.geometry.joint_orders.MANO_TO_CANONICAL``.
* **Metres at the boundary**, named so: ``vertices_m``, ``joints_m``.
  Multiply by 1000 for egohands' millimetres.
* **Explicit mean-pose convention**: ``flat_hand_mean=True`` means a zero
  pose is the flat hand (HaMeR); ``False`` means a zero pose is MANO's mean
  pose ``hands_mean``, added in axis-angle space (WildHands, ARCTIC, HOT3D).
* **Axis-angle or rotation matrices**: ``hand_pose`` (B, 45) or (B, 15, 3)
  axis-angle, or (B, 15, 3, 3) matrices; ``global_orient`` (B, 3) or
  (B, 1, 3, 3) / (B, 3, 3). With ``flat_hand_mean=False`` matrices are read
  like WildHands does: converted to axis-angle, then the mean is added.
* **PCA**: with ``use_pca=True`` ``hand_pose`` is (B, num_pca_comps)
  coefficients of ``hands_components``. Unlike smplx, which silently turns
  PCA off at 45 components, 45 components stay PCA coefficients here.
* **Left hands**: the official MANO_LEFT.pkl has ``shapedirs[:, 0, :]``
  equal to the right one (smplx issue 48); like hand_tracking_toolkit, it
  is negated when the two are nearly equal.
* Model arrays are non-persistent buffers: they follow ``.to(device)`` but
  are never written into checkpoints (the MANO licence forbids
  redistribution).
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
from dataclasses import dataclass
from typing import Dict, Optional, Union

import numpy as np
import torch
from torch import nn

from egohands.geometry.joint_orders import MANO_TO_CANONICAL
from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_axis_angle)
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError, EgohandsError

from .mano_files import load_mano_data, resolve_model_file
from .mano_layout import FINGERTIP_VERTEX_IDS, NUM_HAND_POSE

logger = logging.getLogger(__name__)


@dataclass
class HandModelOutput:
    """Output of :class:`MANOHand`, metres, in the frame of the model (the
    MANO template frame rotated by ``global_orient`` about the wrist joint,
    then shifted by ``transl``).

    ``vertices_m`` (B, 778, 3); ``joints_m`` (B, 21, 3) canonical order;
    ``mano_joints_m`` (B, 16, 3) MANO order (no fingertips);
    ``hand_pose_flat`` (B, 45) the hand pose actually applied, axis-angle
    relative to the flat hand (PCA and mean resolved).
    """

    vertices_m: torch.Tensor
    joints_m: torch.Tensor
    mano_joints_m: torch.Tensor
    hand_pose_flat: torch.Tensor


def _left_shapedirs_fixed(left: Dict, model_path: str) -> Dict:
    """Negate the left ``shapedirs[:, 0, :]`` if it equals the right one."""
    try:
        right = load_mano_data(
            os.path.dirname(resolve_model_file(model_path, 'left')), 'right')
    except EgohandsError as err:  # no usable right file: nothing to compare
        logger.info('left MANO shapedirs not checked against the right '
                    'model (%s)', err)
        return left
    l_x = np.asarray(left['shapedirs'])[:, 0, :]
    r_x = np.asarray(right['shapedirs'])[:, 0, :]
    if np.abs(l_x - r_x).sum() < 1e-3 * max(np.abs(r_x).sum(), 1e-12):
        left = dict(left)
        shapedirs = np.array(left['shapedirs'], dtype=np.float64)
        shapedirs[:, 0, :] *= -1
        left['shapedirs'] = shapedirs
        logger.info('fixed the left MANO shapedirs (x negated)')
    return left


@MODELS.register_module()
class MANOHand(nn.Module):
    """MANO hand layer returning vertices and 21 canonical joints in metres.

    Args:
        model_path: folder with ``MANO_RIGHT.pkl`` / ``MANO_LEFT.pkl`` (real
            MANO prepared by ``tools/prepare_mano.py``, or the synthetic hand
            of ``tools/make_hand_model.py``), or the ``.pkl`` file itself.
        side: ``'right'`` or ``'left'``.
        flat_hand_mean: True: zero pose = flat hand (HaMeR). False: zero pose
            = the model's ``hands_mean`` (WildHands, ARCTIC, HOT3D).
        use_pca: read ``hand_pose`` as PCA coefficients.
        num_pca_comps: number of PCA coefficients (1-45) when ``use_pca``.
        fix_left_shapedirs: apply the left-hand shapedirs fix.
    """

    def __init__(self, model_path: str, side: str = 'right',
                 flat_hand_mean: bool = True, use_pca: bool = False,
                 num_pca_comps: int = 45,
                 fix_left_shapedirs: bool = True) -> None:
        super().__init__()
        if not 1 <= num_pca_comps <= NUM_HAND_POSE:
            raise ConfigError(f'MANOHand.num_pca_comps must be in 1..45, got '
                              f'{num_pca_comps}')
        data = load_mano_data(model_path, side)
        if side == 'left' and fix_left_shapedirs:
            data = _left_shapedirs_fixed(data, model_path)
        self.model_file = resolve_model_file(model_path, side)
        self.side = side
        self.flat_hand_mean = flat_hand_mean
        self.use_pca = use_pca
        self.num_pca_comps = num_pca_comps
        self.tip_vertex_ids = tuple(FINGERTIP_VERTEX_IDS.values())
        layer = self._smplx_layer(data)
        for name in ('v_template', 'shapedirs', 'posedirs', 'J_regressor',
                     'parents', 'lbs_weights', 'faces_tensor'):
            self.register_buffer(name, getattr(layer, name).clone(),
                                 persistent=False)
        self.register_buffer(
            'hands_mean',
            torch.as_tensor(np.asarray(data['hands_mean']),
                            dtype=torch.float32), persistent=False)
        self.register_buffer(
            'hand_components',
            torch.as_tensor(np.asarray(data['hands_components'])
                            [:num_pca_comps], dtype=torch.float32),
            persistent=False)
        self.register_buffer('tip_ids', torch.as_tensor(self.tip_vertex_ids),
                             persistent=False)
        self.register_buffer('canonical_order',
                             torch.as_tensor(MANO_TO_CANONICAL),
                             persistent=False)
        self.faces = np.asarray(layer.faces, dtype=np.int64)

    def _smplx_layer(self, data: Dict):
        import smplx
        from smplx.utils import Struct
        with contextlib.redirect_stdout(io.StringIO()):  # 10-betas warning
            return smplx.MANO(self.model_file, is_rhand=self.side == 'right',
                              data_struct=Struct(**data), use_pca=False,
                              flat_hand_mean=True)

    @property
    def num_betas(self) -> int:
        return self.shapedirs.shape[-1]

    def extra_repr(self) -> str:
        return (f'side={self.side}, flat_hand_mean={self.flat_hand_mean}, '
                f'use_pca={self.use_pca}, num_pca_comps={self.num_pca_comps}'
                f', file={self.model_file}')

    # ---------------------------------------------------------------- poses
    def hand_pose_to_flat(self, hand_pose: torch.Tensor) -> torch.Tensor:
        """(B, 45) axis-angle relative to the flat hand for an axis-angle or
        PCA ``hand_pose`` in this model's convention."""
        if self.use_pca:
            if hand_pose.shape[-1] != self.num_pca_comps:
                raise ValueError(f'PCA hand_pose must be (B, '
                                 f'{self.num_pca_comps}), got '
                                 f'{tuple(hand_pose.shape)}')
            hand_pose = hand_pose @ self.hand_components
        hand_pose = hand_pose.reshape(hand_pose.shape[0], NUM_HAND_POSE)
        if not self.flat_hand_mean:
            hand_pose = hand_pose + self.hands_mean
        return hand_pose

    def _hand_rotmats(self, hand_pose: torch.Tensor):
        """(B, 15, 3, 3) joint rotations and the (B, 45) flat pose."""
        batch = hand_pose.shape[0]
        if hand_pose.dim() == 4 and not self.use_pca:  # rotation matrices
            flat = matrix_to_axis_angle(hand_pose).reshape(batch, -1)
            if self.flat_hand_mean:
                return hand_pose, flat
            flat = flat + self.hands_mean
        else:
            flat = self.hand_pose_to_flat(hand_pose)
        return axis_angle_to_matrix(flat.reshape(batch, 15, 3)), flat

    @staticmethod
    def _orient_rotmat(global_orient: torch.Tensor) -> torch.Tensor:
        if global_orient.dim() >= 3:  # (B, 3, 3) or (B, 1, 3, 3) matrices
            return global_orient.reshape(-1, 1, 3, 3)
        return axis_angle_to_matrix(global_orient.reshape(-1, 1, 3))

    def forward(self, hand_pose: torch.Tensor,
                betas: Optional[torch.Tensor] = None,
                global_orient: Optional[torch.Tensor] = None,
                transl: Optional[torch.Tensor] = None) -> HandModelOutput:
        """Pose and shape the hand.

        Args:
            hand_pose: (B, 45) or (B, 15, 3) axis-angle, (B, 15, 3, 3)
                rotation matrices, or (B, num_pca_comps) PCA coefficients
                when ``use_pca``; in this model's mean-pose convention.
            betas: (B, 10) shape coefficients, zeros if None.
            global_orient: (B, 3) axis-angle or (B, 1, 3, 3) / (B, 3, 3)
                rotation of the hand about its wrist joint; identity if None.
            transl: (B, 3) translation, metres; zeros if None.

        Returns:
            :class:`HandModelOutput` in metres.
        """
        from smplx.lbs import lbs
        batch = hand_pose.shape[0]
        dtype, device = self.v_template.dtype, self.v_template.device
        hand_pose = hand_pose.to(device=device, dtype=dtype)
        hand_rot, flat = self._hand_rotmats(hand_pose)
        orient = (torch.eye(3, dtype=dtype, device=device).expand(
            batch, 1, 3, 3) if global_orient is None else self._orient_rotmat(
                global_orient.to(device=device, dtype=dtype)))
        if betas is None:
            betas = torch.zeros(batch, self.num_betas, dtype=dtype,
                                device=device)
        rotmats = torch.cat([orient, hand_rot], dim=1)
        vertices, joints = lbs(betas.to(device=device, dtype=dtype), rotmats,
                               self.v_template, self.shapedirs, self.posedirs,
                               self.J_regressor, self.parents,
                               self.lbs_weights, pose2rot=False)
        if transl is not None:
            shift = transl.to(device=device, dtype=dtype).reshape(batch, 1, 3)
            vertices, joints = vertices + shift, joints + shift
        with_tips = torch.cat([joints, vertices[:, self.tip_ids]], dim=1)
        return HandModelOutput(vertices_m=vertices,
                               joints_m=with_tips[:, self.canonical_order],
                               mano_joints_m=joints, hand_pose_flat=flat)


def build_hand_model(cfg: Union[Dict, 'object']) -> MANOHand:
    """Build a hand model from a config dict, e.g.
    ``dict(type='MANOHand', model_path='data/hand_models/synthetic',
    side='right', flat_hand_mean=True)`` (``type`` defaults to MANOHand)."""
    cfg = dict(cfg)
    cfg.setdefault('type', 'MANOHand')
    return MODELS.build(cfg)

