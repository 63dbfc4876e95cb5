"""A stick-figure 3D hand and its drawing, for tiny test datasets.

Not a hand model: 21 joints in the canonical order built from fixed bone
lengths and a few articulation numbers (finger curl and spread), posed by a
global rotation and placed in front of a pinhole camera. Drawn as a filled
palm with thick, slightly tinted fingers, it is simple enough to render in
microseconds yet carries what a small network can learn (where the fingers
are, how they bend, how far the hand is).

Units: joints in mm, camera frame (OpenCV axes); pixels in full-image px.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import cv2
import numpy as np

from egohands.datasets.metainfo import FINGER_BASES, NUM_JOINTS, SKELETON

#: right hand, hand frame (mm): wrist at the origin, fingers towards -y,
#: palm normal +z, thumb on the -x side. Per finger: base joint position,
#: pointing direction, 3 bone lengths (base->2, 2->3, 3->tip).
_BASES = np.array([[-22., -22., 6.], [-24., -88., 0.], [-4., -92., 0.],
                   [14., -86., 0.], [30., -76., 0.]])
_DIRECTIONS = np.array([[-0.72, -0.68, 0.12], [-0.12, -1., 0.],
                        [0., -1., 0.], [0.1, -1., 0.], [0.22, -1., 0.]])
_BONES = np.array([[38., 32., 27.], [42., 25., 22.], [46., 28., 24.],
                   [43., 27., 23.], [34., 20., 20.]])
#: relative flexion of the three joints of a finger for one unit of curl
_CURL_SHARE = np.array([0.5, 0.8, 0.6])

#: BGR tint per finger, multiplied into the skin colour
_FINGER_TINTS = np.array([[0.80, 0.90, 1.10], [1.05, 1.00, 0.90],
                          [0.95, 1.08, 0.95], [1.10, 0.95, 1.00],
                          [0.90, 0.90, 1.00]])
FINGER_WIDTH_MM = 16.0
PALM_OUTLINE = (0, 1, 5, 9, 13, 17)  # wrist, thumb1, index1 .. pinky1


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    rotation, _ = cv2.Rodrigues(
        (np.asarray(axis, np.float64) / np.linalg.norm(axis) *
         angle).reshape(3, 1))
    return rotation


@dataclass
class ToyHandState:
    """Articulation and placement of one toy hand.

    curls, spreads: (5,) radians per finger; euler_deg: (3,) rotation of the
    hand frame (x, y, z, applied in that order); centre_px: (2,) where the
    joints' centroid projects; depth_mm: its depth.
    """
    curls: np.ndarray
    spreads: np.ndarray
    euler_deg: np.ndarray
    centre_px: np.ndarray
    depth_mm: float

    def lerp(self, other: 'ToyHandState', t: float) -> 'ToyHandState':
        mix = lambda a, b: (1 - t) * a + t * b  # noqa: E731
        return ToyHandState(*(mix(a, b) for a, b in zip(
            (self.curls, self.spreads, self.euler_deg, self.centre_px,
             self.depth_mm), (other.curls, other.spreads, other.euler_deg,
                              other.centre_px, other.depth_mm))))


def sample_state(rng: np.random.Generator, width: int,
                 height: int) -> ToyHandState:
    """A random egocentric-looking hand state inside a width x height image."""
    euler = np.array([rng.uniform(-40, 40), rng.uniform(-40, 40),
                      rng.uniform(-75, 75)])
    if rng.random() < 0.3:  # palm towards the camera
        euler[1] += 180.0
    margin = 0.3
    centre = np.array([rng.uniform(margin, 1 - margin) * (width - 1),
                       rng.uniform(margin, 1 - margin) * (height - 1)])
    return ToyHandState(curls=rng.uniform(0.0, 1.6, 5),
                        spreads=rng.uniform(-0.15, 0.15, 5),
                        euler_deg=euler, centre_px=centre,
                        depth_mm=float(rng.uniform(200.0, 320.0)))


def hand_frame_joints(curls: np.ndarray, spreads: np.ndarray,
                      side: str) -> np.ndarray:
    """(21, 3) joints in the hand frame, mm; the left hand mirrors x."""
    joints = np.zeros((NUM_JOINTS, 3))
    normal = np.array([0., 0., 1.])
    for finger, base in enumerate(FINGER_BASES):
        direction = _rotation(normal, spreads[finger]) @ _DIRECTIONS[finger]
        direction /= np.linalg.norm(direction)
        lateral = np.cross(direction, normal)
        position = _BASES[finger].copy()
        joints[base] = position
        angle = 0.0
        for k in range(3):
            angle += curls[finger] * _CURL_SHARE[k]
            position = position + _BONES[finger, k] * (
                _rotation(lateral, -angle) @ direction)
            joints[base + k + 1] = position
    if side == 'left':
        joints[:, 0] *= -1
    return joints


def hand_rotation(state: ToyHandState) -> np.ndarray:
    """(3, 3) rotation from the hand frame to the camera frame."""
    rx, ry, rz = np.deg2rad(state.euler_deg)
    return (_rotation([0, 0, 1], rz) @ _rotation([0, 1, 0], ry)
            @ _rotation([1, 0, 0], rx))


def pose_in_camera(state: ToyHandState, side: str,
                   K: np.ndarray) -> np.ndarray:
    """(21, 3) joints in the camera frame, mm, centroid on ``centre_px``."""
    local = hand_frame_joints(state.curls, state.spreads, side)
    posed = local @ hand_rotation(state).T
    ray = np.linalg.solve(K, np.array([*state.centre_px, 1.0]))
    target = ray / ray[2] * state.depth_mm
    return posed - posed.mean(0) + target


def project(K: np.ndarray, joints_mm: np.ndarray) -> np.ndarray:
    """(N, 2) pixels of (N, 3) camera-frame points: ``u ~ K X``."""
    uvw = joints_mm @ np.asarray(K, np.float64).T
    return uvw[:, :2] / uvw[:, 2:3]


def draw_toy_hand(canvas: np.ndarray, K: np.ndarray, joints_mm: np.ndarray,
                  skin_bgr: Tuple[float, float, float]) -> np.ndarray:
    """Draw one hand on ``canvas`` (h, w, 3 uint8, in place); return its mask.

    Returns:
        (h, w) uint8 mask (1 where this hand was drawn).
    """
    height, width = canvas.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    points = project(K, joints_mm)
    fixed = np.round(points * 16).astype(np.int32)  # 4 fractional bits
    focal = float(K[0, 0])
    skin = np.asarray(skin_bgr, np.float64)
    palm = cv2.convexHull(fixed[list(PALM_OUTLINE)])
    cv2.fillConvexPoly(canvas, palm, tuple(skin.tolist()), cv2.LINE_AA, 4)
    cv2.fillConvexPoly(mask, palm, 1, cv2.LINE_8, 4)
    for parent, child in SKELETON:
        if parent == 0:
            continue  # the palm covers the wrist-to-base bones
        finger = (child - 1) // 4
        depth = 0.5 * (joints_mm[parent, 2] + joints_mm[child, 2])
        thickness = max(1, int(round(FINGER_WIDTH_MM * focal / depth)))
        colour = np.clip(skin * _FINGER_TINTS[finger], 0, 255)
        cv2.line(canvas, tuple(fixed[parent]), tuple(fixed[child]),
                 tuple(colour.tolist()), thickness, cv2.LINE_AA, 4)
        cv2.line(mask, tuple(fixed[parent]), tuple(fixed[child]), 1,
                 thickness, cv2.LINE_8, 4)
    for joint in range(1, NUM_JOINTS):  # darker knuckles give texture
        radius = max(1, int(round(4.0 * focal / joints_mm[joint, 2])))
        cv2.circle(canvas, tuple(fixed[joint]), radius * 16,
                   tuple((skin * 0.75).tolist()), -1, cv2.LINE_AA, 4)
    return mask


def background(rng: np.random.Generator, width: int,
               height: int) -> np.ndarray:
    """(h, w, 3) uint8 smooth random colours plus pixel noise."""
    coarse = rng.uniform(20, 200, (4, 4, 3)).astype(np.float32)
    smooth = cv2.resize(coarse, (width, height),
                        interpolation=cv2.INTER_CUBIC)
    noisy = smooth + rng.normal(0, 6, (height, width, 3))
    return np.clip(noisy, 0, 255).astype(np.uint8)
