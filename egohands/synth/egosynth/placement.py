"""Where EgoSynth hands are and how they are turned, seen from the head.

A hand is posed in its own frame first (MANO with zero global rotation and
translation, so its wrist joint ``J0`` stays at the template position);
this module then turns it about the wrist and moves it, which is exactly
what MANO's ``global_orient`` and ``transl`` do: ``X = R (x - J0) + J0 + t``.

* **Where**: the centre of the hand (mean of its 21 joints) is aimed at a
  pixel drawn uniformly over the whole image, so hands reach the image
  borders where perspective distortion is strongest (WildHands); the wrist
  is 15-60 cm from the camera (hands within arm's reach, close to a
  wide-angle lens).
* **How turned**: the head camera looks down by a pitch ``phi``; nominally
  the palm faces the floor and the fingers point forward and in towards
  the body's midline (right hand to the left, left hand to the right), as
  seen from a head-mounted camera. Random yaw, pitch and roll (sometimes
  a large roll that shows the palm) add variety.
* **Kept or rejected**: a placement is kept when enough of the hand's
  vertices project into the image, its visible box is not tiny and no
  vertex is closer than ``near_m`` (hands that are almost completely outside
  the image or too small are rejected at sampling time).

Lengths are metres; points are in the head (placement camera) frame.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from egohands.geometry.camera import backproject_points
from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.rendering import inside_image, project_to_pixels


@dataclass(frozen=True)
class PlacementSampling:
    """Ranges of hand placement and the rejection thresholds.

    ``root_distance_m``: wrist distance range from the camera, metres;
    ``distance_beta``: Beta(a, b) shape over that range (most hands at
    arm's length, some very close).
    ``aim_std``: std of the aimed hand-centre pixel around ``aim_mean``,
    fractions of the size (Gaussian, as ego footage centres hands below
    the image centre); None aims uniformly over the image.
    ``aim_mean``: (x, y) offset of the mean aim from the image centre,
    fractions of the size (+y is down).
    ``border``: the aimed hand-centre pixel keeps this fraction of the size
    away from the image edges.
    ``yaw_deg`` (mean, std) of the inward turn; ``pitch_std_deg``,
    ``roll_std_deg``; ``large_roll_prob`` and its range ``large_roll_deg``.
    ``min_inside_fraction``: of the vertices that project into the image.
    ``min_box_fraction``: the smaller side of the in-image vertex box,
    fraction of the image's smaller side.
    ``near_m``: minimum vertex depth.
    ``min_hand_gap_m``: minimum distance between joints of two hands.
    """
    root_distance_m: Tuple[float, float] = (0.24, 0.52)
    distance_beta: Tuple[float, float] = (5.0, 5.0)
    aim_std: Optional[float] = 0.17
    aim_mean: Tuple[float, float] = (0.0, 0.1)
    border: float = 0.02
    yaw_deg: Tuple[float, float] = (20.0, 30.0)
    pitch_std_deg: float = 20.0
    roll_std_deg: float = 25.0
    large_roll_prob: float = 0.2
    large_roll_deg: Tuple[float, float] = (60.0, 180.0)
    min_inside_fraction: float = 0.8
    min_box_fraction: float = 0.07
    near_m: float = 0.06
    min_hand_gap_m: float = 0.03


def hand_frame(joints: np.ndarray, side: str) -> np.ndarray:
    """(3, 3) orthonormal frame of a hand from its canonical joints.

    Columns: ``forward`` (wrist -> middle1), ``palm`` (unit normal out of
    the palm) and ``lateral = forward x palm``. For a right hand the palm
    normal is ``(index1 - wrist) x (pinky1 - wrist)``; a left hand is its
    mirror image, so the sign flips.
    """
    wrist, index1, middle1, pinky1 = joints[[0, 5, 9, 17]]
    forward = middle1 - wrist
    forward = forward / np.linalg.norm(forward)
    palm = np.cross(index1 - wrist, pinky1 - wrist)
    palm = palm if side == 'right' else -palm
    palm = palm - forward * (palm @ forward)
    palm = palm / np.linalg.norm(palm)
    return np.stack([forward, palm, np.cross(forward, palm)], axis=1)


def head_axes(pitch_deg: float) -> Tuple[np.ndarray, np.ndarray]:
    """World ``down`` and horizontal ``forward`` in the frame of a camera
    looking down by ``pitch_deg`` (OpenCV axes)."""
    pitch = np.deg2rad(pitch_deg)
    down = np.array([0.0, np.cos(pitch), np.sin(pitch)])
    forward = np.array([0.0, -np.sin(pitch), np.cos(pitch)])
    return down, forward


def _rotation_about(axes: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations by ``angles`` (N,) rad about unit ``axes``."""
    return np.asarray(axis_angle_to_matrix(axes * angles[:, None]),
                      dtype=np.float64)


def sample_orientations(rng: np.random.Generator, count: int, side: str,
                        pitch_deg: float, local_frame: np.ndarray,
                        sampling: PlacementSampling) -> np.ndarray:
    """(count, 3, 3) candidate global rotations ``R`` of one hand.

    ``R @ local_frame`` is the hand's frame in the head frame.
    """
    down, forward = head_axes(pitch_deg)
    inward = -1.0 if side == 'right' else 1.0
    yaw = np.deg2rad(inward * rng.normal(*sampling.yaw_deg, size=count))
    pitch = np.deg2rad(rng.normal(0, sampling.pitch_std_deg, size=count))
    roll = rng.normal(0, sampling.roll_std_deg, size=count)
    large = rng.uniform(size=count) < sampling.large_roll_prob
    large_roll = rng.uniform(*sampling.large_roll_deg, size=count) * \
        rng.choice([-1.0, 1.0], size=count)
    roll = np.deg2rad(np.where(large, large_roll, roll))
    # nominal frame: fingers forward, palm down; then yaw about down,
    # pitch about the lateral axis, roll about the fingers
    nominal = np.stack([forward, down, np.cross(forward, down)], axis=1)
    frames = _rotation_about(np.tile(down, (count, 1)), yaw) @ nominal
    frames = _rotation_about(frames[:, :, 2], pitch) @ frames
    frames = _rotation_about(frames[:, :, 0], inward * roll) @ frames
    return frames @ local_frame.T


def wrist_for_centre(direction: np.ndarray, centre_offset: np.ndarray,
                     distance: np.ndarray) -> np.ndarray:
    """Wrist positions that put the hand centre on a ray at a wrist range.

    Solves ``wrist = s * direction - centre_offset`` with ``|wrist| =
    distance`` and ``s > 0`` (the larger root of the quadratic).

    Args:
        direction: (N, 3) unit rays from the camera to the aimed pixel.
        centre_offset: (N, 3) hand centre minus wrist, metres.
        distance: (N,) wanted wrist distance, metres.
    """
    along = (direction * centre_offset).sum(-1)
    offset_sq = (centre_offset * centre_offset).sum(-1)
    disc = np.maximum(along * along - offset_sq + distance * distance, 0.0)
    scale = along + np.sqrt(disc)
    return scale[:, None] * direction - centre_offset


def sample_aim_rays(rng: np.random.Generator, count: int, K: np.ndarray,
                    width: int, height: int,
                    sampling: PlacementSampling) -> np.ndarray:
    """(count, 3) unit rays through aimed pixels: uniform in the image, or
    Gaussian about ``aim_mean`` (``aim_std``); both keep ``border`` of the
    size away from the edges."""
    low = sampling.border
    if sampling.aim_std is None:
        fractions = rng.uniform(low, 1 - low, size=(count, 2))
    else:
        fractions = np.clip(
            0.5 + np.asarray(sampling.aim_mean) +
            sampling.aim_std * rng.standard_normal((count, 2)), low, 1 - low)
    u = fractions[:, 0] * width - 0.5
    v = fractions[:, 1] * height - 0.5
    rays = backproject_points(np.stack([u, v], 1), np.ones(count),
                              np.asarray(K, dtype=np.float64))
    return rays / np.linalg.norm(rays, axis=1, keepdims=True)


def view_fit(vertices: np.ndarray, K: np.ndarray, width: int, height: int,
             sampling: PlacementSampling) -> np.ndarray:
    """Whether hands are acceptably in view.

    Args:
        vertices: (..., V, 3) camera-frame vertices, metres.

    Returns:
        (...) bool: enough vertices in the image, box not tiny, nothing
        closer than ``near_m``.
    """
    uv, depth = project_to_pixels(vertices, K)
    inside = inside_image(uv, height, width) & (depth > 0)
    fraction = inside.mean(axis=-1)
    clipped_u = np.clip(uv[..., 0], 0, width - 1)
    clipped_v = np.clip(uv[..., 1], 0, height - 1)
    big = np.inf
    box_w = (np.where(inside, clipped_u, -big).max(-1) -
             np.where(inside, clipped_u, big).min(-1))
    box_h = (np.where(inside, clipped_v, -big).max(-1) -
             np.where(inside, clipped_v, big).min(-1))
    min_side = sampling.min_box_fraction * min(width, height)
    return ((fraction >= sampling.min_inside_fraction) &
            (np.minimum(box_w, box_h) >= min_side) &
            (depth.min(axis=-1) > sampling.near_m))


def hands_apart(joints_a: np.ndarray, joints_b: np.ndarray,
                min_gap_m: float) -> np.ndarray:
    """(...) bool: every joint pair of two hands is ``min_gap_m`` apart.

    Args:
        joints_a, joints_b: (..., J, 3) joints, metres (broadcast).
    """
    gaps = np.linalg.norm(joints_a[..., :, None, :] -
                          joints_b[..., None, :, :], axis=-1)
    return gaps.min(axis=(-1, -2)) >= min_gap_m


def sample_root_distances(rng: np.random.Generator, count: int,
                          sampling: PlacementSampling) -> np.ndarray:
    """(count,) wrist distances from the camera, metres."""
    low, high = sampling.root_distance_m
    return low + (high - low) * rng.beta(*sampling.distance_beta, size=count)
