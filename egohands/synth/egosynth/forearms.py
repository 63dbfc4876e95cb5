"""Forearms of EgoSynth hands: the arm that enters ego footage from the border.

In head-mounted footage every hand is attached to a forearm that reaches
into the image from its lower or side border; without it a hand ends in a
flat cut at the wrist, and a left hand seen from the back has the outline of
a right hand seen from the palm. Each hand gets a tapered elliptic tube from
inside its wrist towards its elbow. The elbow direction continues the hand's
own axis (wrist -> middle finger base, reversed), bent towards the shoulder
of the hand's side by at most ``max_bend_deg`` (a wrist bends, it does not
turn backwards). With probability ``sleeve_prob`` a sleeve of one fabric
colour covers the arm from a random distance on.

Lengths are metres; points are in the head frame (OpenCV axes of the
placement camera, which looks down by the head pitch).
"""
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .backgrounds import random_colors
from .placement import head_axes

#: tube resolution: vertices per ring, rings along the arm
RING_VERTICES = 12
RINGS = 16


@dataclass(frozen=True)
class ForearmSampling:
    """How forearms are drawn.

    ``prob``: chance that a hand has a forearm (1: always, as in ego
    footage; 0 gives the bare-wrist hands of earlier EgoSynth versions).
    ``length_m``: elbow distance from the wrist joint.
    ``wrist_radii_m``: (across, through) the wrist, scaled by hand size;
    ``elbow_scale``: radius growth towards the elbow.
    ``inset_m``: the tube starts this far inside the hand, hiding the cut.
    ``max_bend_deg``: largest wrist bend towards the shoulder.
    ``shoulder_m``: (sideways, down, back) of the shoulder from the eyes,
    in the gravity-aligned head frame (sideways towards the hand's side).
    ``sleeve_prob`` and ``sleeve_start_m``: where a sleeve begins.
    ``near_m``: the elbow end stays this far in front of the camera.
    """
    prob: float = 1.0
    length_m: Tuple[float, float] = (0.30, 0.40)
    wrist_radii_m: Tuple[float, float] = (0.027, 0.018)
    elbow_scale: float = 1.15
    inset_m: float = 0.012
    max_bend_deg: float = 55.0
    shoulder_m: Tuple[float, float, float] = (0.18, 0.25, 0.08)
    sleeve_prob: float = 0.55
    sleeve_start_m: Tuple[float, float] = (0.04, 0.18)
    near_m: float = 0.08


@dataclass
class ForearmStyle:
    """Per-hand draws that stay fixed over a sequence: ``length`` m,
    ``radii`` (2,) m at the wrist, ``sleeve_start`` m from the wrist (inf:
    bare arm), ``skin`` and ``sleeve`` (3,) RGB albedo."""
    length: float
    radii: np.ndarray
    sleeve_start: float
    skin: np.ndarray
    sleeve: np.ndarray


def sample_forearm_style(rng: np.random.Generator, skin: np.ndarray,
                         hand_scale: float,
                         sampling: ForearmSampling) -> ForearmStyle:
    """Draw the length, thickness, sleeve and colours of one forearm.

    Args:
        skin: (3,) RGB albedo of the hand at its wrist.
        hand_scale: hand length relative to the mean hand (about 1).
    """
    length = rng.uniform(*sampling.length_m) * hand_scale
    radii = np.asarray(sampling.wrist_radii_m) * hand_scale * \
        rng.uniform(0.92, 1.08)
    sleeve = random_colors(rng, 1, saturation=(0.0, 0.7))[0]
    sleeve_start = (rng.uniform(*sampling.sleeve_start_m)
                    if rng.uniform() < sampling.sleeve_prob else np.inf)
    return ForearmStyle(length, radii, sleeve_start, np.asarray(skin),
                        sleeve)


def shoulder_position(side: str, pitch_deg: float,
                      sampling: ForearmSampling) -> np.ndarray:
    """(3,) the shoulder of ``side`` in the head frame, metres."""
    down, forward = head_axes(pitch_deg)
    right = np.array([1.0, 0.0, 0.0])
    sideways, below, back = sampling.shoulder_m
    sign = 1.0 if side == 'right' else -1.0
    return sign * sideways * right + below * down - back * forward


def _bend_towards(start: np.ndarray, goal: np.ndarray,
                  max_angle: float) -> np.ndarray:
    """Unit vectors ``start`` turned towards ``goal`` by at most
    ``max_angle`` rad (both (T, 3) unit)."""
    cos = np.clip((start * goal).sum(-1), -1.0, 1.0)
    angle = np.arccos(cos)
    axis = np.cross(start, goal)
    norm = np.linalg.norm(axis, axis=-1, keepdims=True)
    # opposite vectors: any axis perpendicular to start
    fallback = np.cross(start, np.array([1.0, 0.0, 0.0]))
    axis = np.where(norm > 1e-9, axis / np.maximum(norm, 1e-12),
                    fallback / np.linalg.norm(fallback, axis=-1,
                                              keepdims=True))
    turn = np.minimum(angle, max_angle)[:, None]
    perpendicular = np.cross(axis, start)
    return np.cos(turn) * start + np.sin(turn) * perpendicular


def forearm_axes(joints: np.ndarray, palm_normal: np.ndarray,
                 shoulder: np.ndarray, sampling: ForearmSampling):
    """Direction and cross-section axes of the forearm in every frame.

    Args:
        joints: (T, 21, 3) hand joints, head frame, metres.
        palm_normal: (T, 3) unit normal out of the palm.
        shoulder: (3,) shoulder position.

    Returns:
        ``(along (T, 3), across (T, 3), through (T, 3))`` unit vectors:
        wrist -> elbow, and the wide and thin axes of the section.
    """
    wrist = joints[:, 0]
    hand_axis = joints[:, 9] - wrist
    hand_axis /= np.linalg.norm(hand_axis, axis=-1, keepdims=True)
    to_shoulder = shoulder - wrist
    to_shoulder /= np.linalg.norm(to_shoulder, axis=-1, keepdims=True)
    along = _bend_towards(-hand_axis, to_shoulder,
                          np.deg2rad(sampling.max_bend_deg))
    through = palm_normal - along * (palm_normal * along).sum(-1,
                                                              keepdims=True)
    through /= np.maximum(np.linalg.norm(through, axis=-1, keepdims=True),
                          1e-9)
    return along, np.cross(along, through), through


def forearm_mesh(joints: np.ndarray, palm_normal: np.ndarray,
                 shoulder: np.ndarray, style: ForearmStyle,
                 sampling: ForearmSampling):
    """The forearm tube of one hand in every frame.

    Args:
        joints: (T, 21, 3) hand joints, head frame, metres.
        palm_normal: (T, 3) unit palm normals.
        shoulder: (3,) shoulder of the hand's side, head frame.

    Returns:
        ``(vertices (T, RINGS * RING_VERTICES, 3), faces (F, 3) int64,
        colors (V, 3))``; the elbow end is shortened where it would come
        closer than ``near_m`` to the camera plane.
    """
    along, across, through = forearm_axes(joints, palm_normal, shoulder,
                                          sampling)
    start = joints[:, 0] - sampling.inset_m * along
    length = np.full(len(joints), style.length + sampling.inset_m)
    falling = along[:, 2] < -1e-6
    reach = (start[:, 2] - sampling.near_m) / np.where(falling,
                                                       -along[:, 2], 1.0)
    length = np.where(falling, np.clip(reach, 0.02, length), length)
    stations, sleeved = _ring_stations(style, sampling.inset_m)
    distance = stations[None] * length[:, None]       # (T, R) m from start
    grow = (1.0 + (sampling.elbow_scale - 1.0) * stations) * \
        np.where(sleeved, 1.12, 1.0)                  # sleeves sit on top
    angles = np.linspace(0, 2 * np.pi, RING_VERTICES, endpoint=False)
    centre = start[:, None] + distance[..., None] * along[:, None]
    ring = (np.cos(angles)[:, None] * style.radii[0] * across[:, None] +
            np.sin(angles)[:, None] * style.radii[1] * through[:, None])
    vertices = centre[:, :, None] + grow[None, :, None, None] * \
        ring[:, None]                                 # (T, R, N, 3)
    vertices = vertices.reshape(len(joints), -1, 3)
    colors = np.repeat(np.where(sleeved[:, None], style.sleeve[None],
                                style.skin[None]), RING_VERTICES, axis=0)
    return vertices, tube_faces(len(stations), RING_VERTICES), colors


def _ring_stations(style: ForearmStyle, inset_m: float):
    """Ring positions along the tube (fractions of it, (R,)) and whether
    each ring is sleeved (R,) bool; a sleeve's edge gets two close rings so
    that its colour changes sharply."""
    stations = np.linspace(0.0, 1.0, RINGS)
    if not np.isfinite(style.sleeve_start):
        return stations, np.zeros(len(stations), bool)
    edge = np.clip((inset_m + style.sleeve_start) /
                   (inset_m + style.length), 0.1, 0.95)
    stations = np.sort(np.concatenate([stations[stations < edge - 0.02],
                                       [edge - 0.01, edge],
                                       stations[stations > edge + 0.02]]))
    return stations, stations >= edge


def tube_faces(rings: int, ring_vertices: int) -> np.ndarray:
    """(2 * (rings - 1) * ring_vertices, 3) triangles of an open tube whose
    vertex ``r * ring_vertices + k`` is vertex ``k`` of ring ``r``."""
    r, k = np.meshgrid(np.arange(rings - 1), np.arange(ring_vertices),
                       indexing='ij')
    a = r * ring_vertices + k
    b = r * ring_vertices + (k + 1) % ring_vertices
    c, d = a + ring_vertices, b + ring_vertices
    return np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3),
                           np.stack([a, d, c], -1).reshape(-1, 3)]
                          ).astype(np.int64)
