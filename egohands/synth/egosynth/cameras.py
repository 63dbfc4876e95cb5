"""Egocentric pinhole cameras of EgoSynth.

Head-mounted cameras are wide (90-130 degrees horizontally, as Aria and
Quest cameras after undistortion) and look forward and down, so the hands
appear anywhere in a strongly perspective image (WildHands' point). The
principal point is jittered so models cannot assume the image centre, and
``K`` is rounded to the 4 decimals the annotation file stores, so the
stored camera is exactly the one used for rendering.
"""
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from egohands.geometry.camera import intrinsics_from_focal

#: decimals of focal length and principal point in the annotation file
K_DECIMALS = 4


@dataclass(frozen=True)
class CameraSampling:
    """Ranges of the sampled intrinsics and head pitch.

    ``hfov_deg``: horizontal field of view range, degrees.
    ``principal_jitter``: max principal-point shift, fraction of the size.
    ``aspect_jitter``: max relative difference of ``fy`` from ``fx``.
    ``pitch_deg``: how far the head camera looks down, degrees.
    """
    hfov_deg: Tuple[float, float] = (90.0, 130.0)
    principal_jitter: float = 0.04
    aspect_jitter: float = 0.01
    pitch_deg: Tuple[float, float] = (15.0, 50.0)


def focal_from_hfov(hfov_deg: float, width: int) -> float:
    """Focal length (px) of a ``width``-px image spanning ``hfov_deg``."""
    return (width / 2.0) / np.tan(np.deg2rad(hfov_deg) / 2.0)


def sample_intrinsics(rng: np.random.Generator, width: int, height: int,
                      sampling: CameraSampling = CameraSampling()
                      ) -> np.ndarray:
    """A random wide-angle pinhole ``K`` (3, 3), float64, px.

    The image spans ``width`` pixels from edge to edge (pixel centres at
    integers), so the centred principal point is ``(w - 1) / 2``.
    """
    hfov = rng.uniform(*sampling.hfov_deg)
    fx = focal_from_hfov(hfov, width)
    fy = fx * (1.0 + rng.uniform(-1, 1) * sampling.aspect_jitter)
    jitter = rng.uniform(-1, 1, size=2) * sampling.principal_jitter
    cx = (width - 1) / 2.0 + jitter[0] * width
    cy = (height - 1) / 2.0 + jitter[1] * height
    K = intrinsics_from_focal(fx, fy, cx, cy)
    return np.round(np.asarray(K, dtype=np.float64), K_DECIMALS)

