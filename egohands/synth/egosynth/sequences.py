"""Smooth trajectories for EgoSynth sequences (``--seq-len T``).

Temporal methods (smoothing, acceleration metrics) need frames whose hand
and head motion is continuous and of realistic speed. Time runs at ``fps``
frames per second whatever the sequence length, so a short sequence is a
short clip, not a squeezed long one:

* rigid motions (head, each hand about its wrist) are sums of two
  sinusoids per coordinate at 0.1-1 Hz with random phases, shifted to be
  zero at frame 0 (frame 0 is exactly the sampled still scene);
* finger poses move through key poses held about every 0.5-1.5 s, blended
  with a smoothstep; a convex blend of poses within box joint limits stays
  within them.
"""
from dataclasses import dataclass
from typing import Callable, Tuple

import numpy as np

from egohands.geometry.rotation import axis_angle_to_matrix


@dataclass(frozen=True)
class MotionSampling:
    """Speeds and sizes of the sequence motions.

    ``fps``: frames per second. ``frequency_hz``: range of the oscillation
    frequencies. ``head_rotation_deg`` / ``head_translation_m``: peak size
    of the camera (head) motion; ``hand_rotation_deg`` /
    ``hand_translation_m``: of each hand in the world. ``key_pose_s``: range
    of the time between key finger poses, seconds.
    """
    fps: float = 30.0
    frequency_hz: Tuple[float, float] = (0.1, 1.0)
    head_rotation_deg: float = 10.0
    head_translation_m: float = 0.03
    hand_rotation_deg: float = 25.0
    hand_translation_m: float = 0.06
    key_pose_s: Tuple[float, float] = (0.5, 1.5)


def smooth_signal(rng: np.random.Generator, num_frames: int, dims: int,
                  amplitude: float, frequency_hz=(0.1, 1.0),
                  fps: float = 30.0) -> np.ndarray:
    """(T, dims) smooth random curves that start at 0, of at most
    ``amplitude`` peak size (two sinusoids per dimension)."""
    seconds = np.arange(num_frames, dtype=np.float64) / fps
    frequency = rng.uniform(*frequency_hz, size=(2, dims))
    phase = rng.uniform(0, 2 * np.pi, size=(2, dims))
    weight = rng.uniform(0.3, 1.0, size=(2, dims)) * amplitude / 2
    curve = (weight[:, None] * np.sin(2 * np.pi * frequency[:, None] *
                                      seconds[None, :, None] + phase[:, None])
             ).sum(axis=0)
    return curve - curve[:1]


def smooth_rigid_motion(rng: np.random.Generator, num_frames: int,
                        rotation_deg: float, translation_m: float,
                        sampling: MotionSampling) -> np.ndarray:
    """(T, 4, 4) smooth rigid motions, identity at frame 0 (metres)."""
    rotvec = smooth_signal(rng, num_frames, 3, np.deg2rad(rotation_deg),
                           sampling.frequency_hz, sampling.fps)
    shift = smooth_signal(rng, num_frames, 3, translation_m,
                          sampling.frequency_hz, sampling.fps)
    rotations = np.asarray(axis_angle_to_matrix(rotvec), dtype=np.float64)
    motion = np.tile(np.eye(4), (num_frames, 1, 1))
    motion[:, :3, :3] = rotations
    motion[:, :3, 3] = shift
    return motion


def key_pose_track(rng: np.random.Generator, num_frames: int,
                   sample_poses: Callable[[int], np.ndarray],
                   sampling: MotionSampling) -> np.ndarray:
    """(T, D) finger poses moving through random key poses.

    Args:
        sample_poses: ``count -> (count, D)`` draws key poses (e.g. of one
            grasp style).
    """
    duration = (num_frames - 1) / sampling.fps
    gaps = [0.0]
    while sum(gaps) < duration:
        gaps.append(rng.uniform(*sampling.key_pose_s))
    key_times = np.cumsum(gaps)
    keys = sample_poses(len(key_times))
    if num_frames == 1:
        return keys[:1]
    seconds = np.arange(num_frames, dtype=np.float64) / sampling.fps
    segment = np.clip(np.searchsorted(key_times, seconds, side='right') - 1,
                      0, len(key_times) - 2)
    local = (seconds - key_times[segment]) / (key_times[segment + 1] -
                                              key_times[segment])
    weight = (local * local * (3 - 2 * local))[:, None]
    return (1 - weight) * keys[segment] + weight * keys[segment + 1]
