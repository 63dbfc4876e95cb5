"""MANO as the hand_tracking_toolkit evaluates it (UmeTrack / HOT3D).

The challenge's MANO: 15 PCA pose coefficients (``mano_theta``), smplx's
``flat_hand_mean=False``, the left-hand shapedirs fix, fingertips from
vertices 744/320/443/554/671, and a ``wrist_xform`` 6-vector =
``global_orient`` (axis-angle, rad) || ``transl`` (metres), in the world
frame. :class:`ToolkitMANO` holds both sides and returns the 21 canonical
egohands joints (``egohands.datasets.metainfo``) and the 778 vertices in
metres. Facts: ``shared/reference/datasets.md`` section 7.7.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch
from torch import nn

from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_axis_angle)

from .mano import MANOHand

NUM_PCA = 15


class ToolkitMANO(nn.Module):
    """Left and right MANO with the toolkit's settings.

    Args:
        model_path: folder with ``MANO_LEFT.pkl`` and ``MANO_RIGHT.pkl``.
    """

    def __init__(self, model_path: str) -> None:
        super().__init__()
        self.sides = nn.ModuleDict({
            side: MANOHand(model_path, side=side, flat_hand_mean=False,
                           use_pca=True, num_pca_comps=NUM_PCA)
            for side in ('left', 'right')})

    def forward(self, mano_theta: torch.Tensor, wrist_xform: torch.Tensor,
                betas: torch.Tensor, is_right: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """(B, 15), (B, 6), (B, 10), (B,) bool -> joints (B, 21, 3) and
        vertices (B, 778, 3), metres, the frame of ``wrist_xform``."""
        batch = mano_theta.shape[0]
        joints = mano_theta.new_zeros(batch, 21, 3)
        vertices = mano_theta.new_zeros(batch, 778, 3)
        is_right = torch.as_tensor(is_right, dtype=torch.bool,
                                   device=mano_theta.device)
        for side, chosen in (('left', ~is_right), ('right', is_right)):
            if chosen.any():
                out = self.sides[side](
                    mano_theta[chosen], betas=betas[chosen],
                    global_orient=wrist_xform[chosen, :3],
                    transl=wrist_xform[chosen, 3:])
                joints[chosen] = out.joints_m.to(joints.dtype)
                vertices[chosen] = out.vertices_m.to(vertices.dtype)
        return joints, vertices

    def rest_wrist(self, betas: torch.Tensor,
                   is_right: torch.Tensor) -> torch.Tensor:
        """(B, 3) wrist joint (metres) of the shaped hand, zero pose and
        transform: the point MANO's ``global_orient`` turns about."""
        batch = betas.shape[0]
        zeros = betas.new_zeros(batch, NUM_PCA)
        identity = betas.new_zeros(batch, 6)
        # the wrist joint does not depend on the pose; any pose will do
        joints, _ = self.forward(zeros, identity, betas, is_right)
        return joints[:, 0]


def transform_wrist_xform(wrist_xform: np.ndarray, T_new_from_old:
                          np.ndarray, rest_wrist: np.ndarray) -> np.ndarray:
    """Re-express MANO's ``wrist_xform`` in another frame.

    MANO maps a rest point ``x`` to ``R (x - j) + j + t`` (``j`` the rest
    wrist joint), so under ``y -> A y + b`` the new orientation is ``A R``
    and the new translation ``A (j + t) + b - j``.

    Args:
        wrist_xform: (..., 6) axis-angle || translation, metres.
        T_new_from_old: (..., 4, 4) rigid transform, metres.
        rest_wrist: (..., 3) rest wrist joint ``j``, metres.

    Returns:
        (..., 6) float64.
    """
    wrist_xform = np.asarray(wrist_xform, np.float64)
    T = np.asarray(T_new_from_old, np.float64)
    rest_wrist = np.asarray(rest_wrist, np.float64)
    A, b = T[..., :3, :3], T[..., :3, 3]
    rotation = A @ axis_angle_to_matrix(wrist_xform[..., :3])
    moved = (A @ (rest_wrist + wrist_xform[..., 3:])[..., None])[..., 0]
    return np.concatenate([matrix_to_axis_angle(rotation),
                           moved + b - rest_wrist], -1)
