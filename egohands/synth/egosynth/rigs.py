"""Calibrated multi-camera headset rigs for EgoSynth (``--views V``).

A headset carries ``V`` cameras rigidly: their poses in the head frame
(``T_head_from_cam``) are fixed over a sequence and known (calibrated), as
for Quest / UmeTrack rigs. The nominal layout spreads the cameras along a
14 cm front bar, turned outwards (yaw from -15*(V-1) to +15*(V-1) degrees,
at most +-45) and the outer ones pitched further down, so neighbouring
views overlap on the hands; each sequence jitters that layout slightly.

The head frame is the frame of a virtual forward-looking camera in which
the hands are placed (:mod:`.placement`); with one view it is that view.
Transforms are (4, 4) float64 with translations in **metres** here; the
annotation writer converts them to mm.
"""
from dataclasses import dataclass

import numpy as np

from egohands.geometry.rotation import axis_angle_to_matrix


@dataclass(frozen=True)
class RigSampling:
    """Layout and per-sequence jitter of a headset rig.

    ``width_m``: distance between the outermost cameras, metres.
    ``yaw_step_deg``: yaw between neighbouring cameras, degrees.
    ``max_yaw_deg``: cap of the outer yaw, degrees.
    ``outer_pitch_deg``: extra downward pitch at the max yaw, degrees.
    ``jitter_deg`` / ``jitter_m``: per-sequence rotation / position noise.
    """
    width_m: float = 0.14
    yaw_step_deg: float = 30.0
    max_yaw_deg: float = 45.0
    outer_pitch_deg: float = 10.0
    jitter_deg: float = 1.0
    jitter_m: float = 0.003


def rigid_transform(rotation: np.ndarray,
                    translation: np.ndarray) -> np.ndarray:
    """(4, 4) ``[R t; 0 1]`` from (3, 3) ``R`` and (3,) ``t``."""
    transform = np.eye(4)
    transform[:3, :3] = rotation
    transform[:3, 3] = translation
    return transform


def yaw_pitch_matrix(yaw_deg: float, pitch_down_deg: float) -> np.ndarray:
    """(3, 3) rotation of a camera turned right by ``yaw`` and down by
    ``pitch`` (OpenCV axes: yaw about +y, pitch about +x towards +y)."""
    yaw = axis_angle_to_matrix(np.array([0.0, np.deg2rad(yaw_deg), 0.0]))
    pitch = axis_angle_to_matrix(
        np.array([-np.deg2rad(pitch_down_deg), 0.0, 0.0]))
    return np.asarray(yaw @ pitch, dtype=np.float64)


def nominal_rig(views: int, sampling: RigSampling = RigSampling()
                ) -> np.ndarray:
    """(V, 4, 4) ``T_head_from_cam`` of the un-jittered layout, metres."""
    if views == 1:
        return np.eye(4)[None]
    spread = min(sampling.yaw_step_deg * (views - 1) / 2,
                 sampling.max_yaw_deg)
    yaws = np.linspace(-spread, spread, views)
    xs = np.linspace(-sampling.width_m / 2, sampling.width_m / 2, views)
    transforms = []
    for yaw, x in zip(yaws, xs):
        pitch = sampling.outer_pitch_deg * abs(yaw) / sampling.max_yaw_deg
        transforms.append(rigid_transform(yaw_pitch_matrix(yaw, pitch),
                                          np.array([x, 0.0, 0.0])))
    return np.stack(transforms)


def sample_rig(rng: np.random.Generator, views: int,
               sampling: RigSampling = RigSampling()) -> np.ndarray:
    """(V, 4, 4) ``T_head_from_cam`` of one headset, metres.

    One view is the head camera itself (identity, no jitter).
    """
    rig = nominal_rig(views, sampling)
    if views == 1:
        return rig
    jitter_rot = axis_angle_to_matrix(
        rng.normal(0.0, np.deg2rad(sampling.jitter_deg), size=(views, 3)))
    rig[:, :3, :3] = np.asarray(jitter_rot) @ rig[:, :3, :3]
    rig[:, :3, 3] += rng.normal(0.0, sampling.jitter_m, size=(views, 3))
    return rig
