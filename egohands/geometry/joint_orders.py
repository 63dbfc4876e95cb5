"""Joint-order remaps between the canonical order and other datasets / models.

The canonical order is the EgoExo4D / OpenPose one (``egohands.datasets.
metainfo``). Each table ``X_TO_CANONICAL`` is an index array with
``canonical = source[X_TO_CANONICAL]``; ``-1`` marks a canonical joint that
the source does not have (``to_canonical`` fills it and flags it invalid).
Sources: the datasets' and models' own definitions (smplx's MANO layer,
ARCTIC, AssemblyHands, UmeTrack / HOT3D), as in the table below.

=====================  ==========================================================
MANO+tips              smplx's 16 MANO joints (wrist, index1-3, middle1-3,
                       pinky1-3, ring1-3, thumb1-3) then the fingertip vertices
                       (thumb, index, middle, ring, pinky); ARCTIC, WildHands.
ARCTIC                 same as MANO+tips.
AssemblyHands          InterHand2.6M style per hand: thumb4..1, index4..1, ...,
                       pinky4..1, wrist (right hand 0-20, left hand 21-41).
UmeTrack / HOT3D       21 landmarks: 5 tips, wrist, thumb intermediate/distal,
                       index/middle/ring/pinky proximal/intermediate/distal,
                       palm centre. No thumb CMC (canonical thumb1).
=====================  ==========================================================
"""
from typing import Tuple, Union

import numpy as np
import torch

MANO_TO_CANONICAL = np.array(
    [0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20])
CANONICAL_TO_MANO = np.argsort(MANO_TO_CANONICAL)

ARCTIC_TO_CANONICAL = MANO_TO_CANONICAL

ASSEMBLYHANDS_RIGHT_TO_CANONICAL = np.array(
    [20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16])
ASSEMBLYHANDS_LEFT_TO_CANONICAL = ASSEMBLYHANDS_RIGHT_TO_CANONICAL + 21

UMETRACK_TO_CANONICAL = np.array(
    [5, -1, 6, 7, 0, 8, 9, 10, 1, 11, 12, 13, 2, 14, 15, 16, 3, 17, 18, 19, 4])

#: smplx's MANO fingertip vertex ids (thumb, index, middle, ring, pinky),
#: used by ARCTIC, HaMeR and the hand_tracking_toolkit.
MANO_FINGERTIP_VERTEX_IDS = (744, 320, 443, 554, 671)

Array = Union[np.ndarray, torch.Tensor]


def _inverse(order: np.ndarray, num_source: int) -> np.ndarray:
    inverse = np.full(num_source, -1, dtype=np.int64)
    for canonical_index, source_index in enumerate(order):
        if source_index >= 0:
            inverse[source_index] = canonical_index
    return inverse


def to_canonical(joints: Array, order: np.ndarray,
                 valid: Array = None) -> Tuple[Array, Array]:
    """Reorder source joints into the canonical 21-joint order.

    Args:
        joints: (..., J_src, D) joints in the source order.
        order: ``X_TO_CANONICAL`` index array of length 21 (``-1`` = absent).
        valid: optional (..., J_src) validity of the source joints.

    Returns:
        (joints (..., 21, D), valid (..., 21)): absent joints are zero and
        invalid. Same array type (numpy or torch) as ``joints``.
    """
    order = np.asarray(order)
    present = order >= 0
    index = np.where(present, order, 0)
    if isinstance(joints, torch.Tensor):
        index_t = torch.as_tensor(index, device=joints.device)
        mask = torch.as_tensor(present, device=joints.device)
        out = joints[..., index_t, :] * mask[:, None].to(joints.dtype)
        src_valid = (torch.ones(joints.shape[:-1], device=joints.device)
                     if valid is None else valid.float())
        out_valid = src_valid[..., index_t] * mask.float()
        return out, out_valid
    joints = np.asarray(joints)
    out = joints[..., index, :] * present[:, None].astype(joints.dtype)
    src_valid = (np.ones(joints.shape[:-1], dtype=np.float32)
                 if valid is None else np.asarray(valid, dtype=np.float32))
    out_valid = src_valid[..., index] * present.astype(np.float32)
    return out, out_valid


def from_canonical(joints: Array, order: np.ndarray,
                   num_source: int = None) -> Array:
    """Reorder canonical joints into a source order (inverse of the above).

    Args:
        joints: (..., 21, D) canonical joints.
        order: the same ``X_TO_CANONICAL`` table.
        num_source: number of source joints (default: ``max(order) + 1``).
            Source joints without a canonical counterpart are zero.

    Returns:
        (..., num_source, D) joints in the source order.
    """
    order = np.asarray(order)
    num_source = int(order.max()) + 1 if num_source is None else num_source
    inverse = _inverse(order, num_source)
    present = inverse >= 0
    index = np.where(present, inverse, 0)
    if isinstance(joints, torch.Tensor):
        mask = torch.as_tensor(present, device=joints.device).to(joints.dtype)
        return joints[..., torch.as_tensor(index), :] * mask[:, None]
    joints = np.asarray(joints)
    return joints[..., index, :] * present[:, None].astype(joints.dtype)
