"""Smooth trajectories for EgoSynth sequences (``--seq-len T``).

Temporal methods (smoothing, acceleration metrics) need frames whose hand
and head motion is continuous. Each motion here is a sum of two sinusoids
per coordinate with random frequencies (a fraction of a cycle to about one
cycle per sequence) and phases, shifted to be zero at frame 0, so frame 0 is
exactly the sampled still scene and every later frame deviates smoothly.
Finger poses blend from one sampled pose to another with a smoothstep.
"""
from dataclasses import dataclass

import numpy as np

from egohands.geometry.rotation import axis_angle_to_matrix


@dataclass(frozen=True)
class MotionSampling:
    """Amplitudes of the per-sequence motions (over the whole sequence).

    ``head_rotation_deg`` / ``head_translation_m``: camera (head) motion.
    ``hand_rotation_deg`` / ``hand_translation_m``: each hand in the world.
    ``cycles``: range of the number of oscillations per sequence.
    """
    head_rotation_deg: float = 6.0
    head_translation_m: float = 0.02
    hand_rotation_deg: float = 15.0
    hand_translation_m: float = 0.03
    cycles: tuple = (0.25, 1.0)


def smooth_signal(rng: np.random.Generator, num_frames: int, dims: int,
                  amplitude: float, cycles=(0.25, 1.0)) -> np.ndarray:
    """(T, dims) smooth random curves that start at 0, of about
    ``amplitude`` peak size (two sinusoids per dimension)."""
    t = np.arange(num_frames, dtype=np.float64) / max(num_frames - 1, 1)
    frequency = rng.uniform(*cycles, size=(2, dims))
    phase = rng.uniform(0, 2 * np.pi, size=(2, dims))
    weight = rng.uniform(0.3, 1.0, size=(2, dims)) * amplitude / 2
    curve = (weight[:, None] * np.sin(2 * np.pi * frequency[:, None] *
                                      t[None, :, None] + phase[:, None])
             ).sum(axis=0)
    return curve - curve[:1]


def smooth_rigid_motion(rng: np.random.Generator, num_frames: int,
                        rotation_deg: float, translation_m: float,
                        cycles=(0.25, 1.0)) -> np.ndarray:
    """(T, 4, 4) smooth rigid motions, identity at frame 0 (metres)."""
    rotvec = smooth_signal(rng, num_frames, 3, np.deg2rad(rotation_deg),
                           cycles)
    shift = smooth_signal(rng, num_frames, 3, translation_m, cycles)
    rotations = np.asarray(axis_angle_to_matrix(rotvec), dtype=np.float64)
    motion = np.tile(np.eye(4), (num_frames, 1, 1))
    motion[:, :3, :3] = rotations
    motion[:, :3, 3] = shift
    return motion


def blend_poses(start: np.ndarray, end: np.ndarray,
                num_frames: int) -> np.ndarray:
    """(T, D) smoothstep blend from ``start`` (D,) to ``end`` (D,).

    A convex combination per frame, so box joint limits that hold at both
    ends hold on every frame.
    """
    t = np.arange(num_frames, dtype=np.float64) / max(num_frames - 1, 1)
    weight = (t * t * (3 - 2 * t))[:, None]
    return (1 - weight) * start[None] + weight * end[None]
