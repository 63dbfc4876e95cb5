"""Egocentric pinhole cameras of EgoSynth.

By default every image has the camera of EgoExo4D's undistorted Aria
frames: 512 x 512 px with f = 150 px (about 120 degrees horizontally),
principal point at the centre, so hand sizes and perspective match the
benchmark. A range of fields of view with jittered principal points
(``hfov_deg``, ``principal_jitter``; the wide-angle knob of
``tools/make_egosynth.py``) shows WildHands' point that models must not
assume one camera. ``K`` is rounded to the 4 decimals the annotation file
stores, so the stored camera is exactly the one used for rendering.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from egohands.geometry.camera import intrinsics_from_focal

#: decimals of focal length and principal point in the annotation file
K_DECIMALS = 4


@dataclass(frozen=True)
class CameraSampling:
    """Ranges of the sampled intrinsics and head pitch.

    ``focal_fraction``: focal length as a fraction of the image width
    (EgoExo4D: 150 / 512); None draws the field of view from ``hfov_deg``.
    ``hfov_deg``: horizontal field of view range, degrees.
    ``principal_jitter``: max principal-point shift, fraction of the size.
    ``aspect_jitter``: max relative difference of ``fy`` from ``fx``.
    ``pitch_deg``: how far the head camera looks down, degrees.
    """
    focal_fraction: Optional[float] = 150.0 / 512.0
    hfov_deg: Tuple[float, float] = (90.0, 130.0)
    principal_jitter: float = 0.0
    aspect_jitter: float = 0.0
    pitch_deg: Tuple[float, float] = (15.0, 50.0)


#: the wide-angle knob: random fields of view, jittered principal points
WIDE_ANGLE = CameraSampling(focal_fraction=None, principal_jitter=0.04,
                            aspect_jitter=0.01)


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
    fx = (focal_from_hfov(hfov, width) if sampling.focal_fraction is None
          else sampling.focal_fraction * width)
    fy = fx * (1.0 + rng.uniform(-1, 1) * sampling.aspect_jitter)
    jitter = rng.uniform(-1, 1, size=2) * sampling.principal_jitter
    cx = (width - 1) / 2.0 + jitter[0] * width
    cy = (height - 1) / 2.0 + jitter[1] * height
    K = intrinsics_from_focal(fx, fy, cx, cy)
    return np.round(np.asarray(K, dtype=np.float64), K_DECIMALS)

