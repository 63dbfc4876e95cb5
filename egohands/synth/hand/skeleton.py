"""The rest skeleton of the synthetic hand: 16 MANO joints, 5 tips, frames.

Turns :class:`~.dimensions.HandDims` into joint positions (metres, template
frame: fingers along ``-x``, palm facing ``-y``, thumb on ``+z``) and a
local frame per bone. A bone's frame is ``(flex, dorsal, along)``:
``along`` points from the joint to its child, ``dorsal`` to the back of the
finger (the nail), and ``flex = dorsal x along`` is the axis about which a
positive rotation curls the bone towards the palm.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from egohands.hand_models.mano_layout import FINGERTIP_ORDER, MANO_FINGER_JOINTS, NUM_MANO_JOINTS
from .dimensions import LONG_FINGERS, WRIST_POSITION, HandDims

DISTAL = np.array([-1.0, 0.0, 0.0])
DORSAL = np.array([0.0, 1.0, 0.0])
RADIAL = np.array([0.0, 0.0, 1.0])


def palm_point(along: float, across: float, up: float,
               scale: float = 1.0) -> np.ndarray:
    """Palm coordinates (m, relative to the wrist joint) -> template frame."""
    offset = along * DISTAL + across * RADIAL + up * DORSAL
    return np.asarray(WRIST_POSITION) + scale * offset


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


@dataclass(frozen=True)
class Chain:
    """One digit at rest.

    ``points`` (4, 3): first joint (MCP or thumb CMC), second, third, skin
    tip; ``along``/``dorsal`` (3, 3): unit frame vectors of the three bones;
    ``widths`` (4,) skin breadth at the first three joints and the pad;
    ``depth_ratio`` thickness / breadth; ``joint_ids`` MANO ids of the three
    joints.
    """

    points: np.ndarray
    along: np.ndarray
    dorsal: np.ndarray
    widths: np.ndarray
    depth_ratio: float
    joint_ids: Tuple[int, int, int]

    @property
    def flex(self) -> np.ndarray:
        """(3, 3) flexion axis of each bone, ``dorsal x along``."""
        return np.cross(self.dorsal, self.along)

    @property
    def lengths(self) -> np.ndarray:
        return np.linalg.norm(np.diff(self.points, axis=0), axis=1)


@dataclass(frozen=True)
class Skeleton:
    """Rest skeleton: ``joints`` (16, 3) in MANO order, ``tips`` (5, 3) in
    smplx's fingertip order (thumb, index, middle, ring, pinky), metres, and
    the five digit chains by name."""

    joints: np.ndarray
    tips: np.ndarray
    chains: Dict[str, Chain]

    def bone_frames(self) -> np.ndarray:
        """(15, 3, 3) rest frame of MANO joints 1-15; columns are the flex,
        dorsal and along axes of the bone each joint rotates."""
        frames = np.zeros((NUM_MANO_JOINTS - 1, 3, 3))
        for chain in self.chains.values():
            for k, joint in enumerate(chain.joint_ids):
                frames[joint - 1] = np.stack(
                    [chain.flex[k], chain.dorsal[k], chain.along[k]], axis=1)
        return frames


def _finger_chain(name: str, dims: HandDims) -> Chain:
    spec = dims.fingers[name]
    s = dims.scale
    splay = np.deg2rad(spec.splay_deg)
    along = _unit(np.cos(splay) * DISTAL + np.sin(splay) * RADIAL)
    start = palm_point(*spec.mcp, scale=s)
    points = [start]
    for length in spec.lengths:
        points.append(points[-1] + s * length * along)
    return Chain(points=np.stack(points), along=np.stack([along] * 3),
                 dorsal=np.stack([DORSAL] * 3),
                 widths=s * np.asarray(spec.widths),
                 depth_ratio=spec.depth_ratio,
                 joint_ids=MANO_FINGER_JOINTS[name])


def _thumb_chain(dims: HandDims) -> Chain:
    spec = dims.thumb
    s = dims.scale
    points = [palm_point(*spec.cmc, scale=s)]
    alongs, dorsals = [], []
    roll = np.deg2rad(spec.nail_roll_deg)
    for length, abd, pal in zip(spec.lengths, spec.abduction_deg,
                                spec.palmar_deg):
        a, p = np.deg2rad(abd), np.deg2rad(pal)
        along = _unit(np.cos(p) * (np.cos(a) * DISTAL + np.sin(a) * RADIAL)
                      - np.sin(p) * DORSAL)
        # nail direction: the dorsal axis rolled towards the radial side
        up = _unit(DORSAL - DORSAL.dot(along) * along)
        side = np.cross(along, up)  # radial for a distal-pointing bone
        if side.dot(RADIAL) < 0:
            side = -side
        alongs.append(along)
        dorsals.append(_unit(np.cos(roll) * up + np.sin(roll) * side))
        points.append(points[-1] + s * length * along)
    return Chain(points=np.stack(points), along=np.stack(alongs),
                 dorsal=np.stack(dorsals), widths=s * np.asarray(spec.widths),
                 depth_ratio=spec.depth_ratio,
                 joint_ids=MANO_FINGER_JOINTS['thumb'])


def build_skeleton(dims: HandDims) -> Skeleton:
    """Rest joints, tips and digit chains of the hand described by ``dims``."""
    chains = {name: _finger_chain(name, dims) for name in LONG_FINGERS}
    chains['thumb'] = _thumb_chain(dims)
    joints = np.zeros((NUM_MANO_JOINTS, 3))
    joints[0] = WRIST_POSITION
    for chain in chains.values():
        joints[list(chain.joint_ids)] = chain.points[:3]
    tips = np.stack([chains[name].points[3] for name in FINGERTIP_ORDER])
    return Skeleton(joints=joints, tips=tips, chains=chains)
