"""The palm of the synthetic hand: its rings and the hole of the thumb.

A palm ring is a loop of 48 vertices: 23 dorsal columns from the radial to
the ulnar side (5 per long finger, one web column between fingers), the
ulnar side vertex, the 23 palmar columns back from ulnar to radial, and the
radial side vertex. Rings 0-7 run from the wrist cut to the knuckles with a
rounded-rectangle cross-section (thenar and hypothenar pads on the palmar
side, knuckle bumps on the back); ring 8 is made of the four finger base
rings, the webs between them and two side vertices. The thumb leaves the
palm through a hole on its radial palmar side (rings 2-4).
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np

from .digits import (FINGER_HALF_RING, FINGER_RING, finger_base_ring,
                     ring_angles, station_frame)
from .dimensions import LONG_FINGERS, HandDims
from .skeleton import DISTAL, DORSAL, RADIAL, Skeleton, palm_point

PALM_PROFILE_RINGS = 8  # rings 0..7; ring 8 holds the finger bases
#: thumb hole: palm rings 2..4, palmar columns 0..3 and the radial side
HOLE_RINGS = (2, 4)
HOLE_COLUMNS = 4


def _palm_columns() -> List[Tuple[str, int]]:
    """The 23 columns of a palm ring, radial to ulnar: (finger, arc index)
    or ('web', k) between finger k and k+1."""
    columns: List[Tuple[str, int]] = []
    for k, name in enumerate(LONG_FINGERS):
        if k:
            columns.append(('web', k - 1))
        columns.extend((name, j) for j in range(FINGER_HALF_RING))
    return columns


COLUMNS = _palm_columns()
NUM_COLUMNS = len(COLUMNS)  # 23
PALM_RING = 2 * NUM_COLUMNS + 2  # 48


def dorsal_index(column: int) -> int:
    return column


def palmar_index(column: int) -> int:
    return 2 * NUM_COLUMNS - column


ULNAR_SIDE = NUM_COLUMNS
RADIAL_SIDE = 2 * NUM_COLUMNS + 1


def _to_palm(points: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Template points -> palm coordinates (along, across, up) per row."""
    rel = points - skeleton.joints[0]
    return np.stack([rel @ DISTAL, rel @ RADIAL, rel @ DORSAL], axis=-1)


def knuckle_columns(skeleton: Skeleton, dims: HandDims) -> Tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """(23,) along and across palm coordinates (m) of every column at the
    knuckle ring (ring 7), and the (23,) dorsal bump factor of each column
    (knuckles stand out)."""
    palm = dims.palm
    s = dims.scale
    along, across, bump = [], [], []
    angles = ring_angles(FINGER_RING)[:FINGER_HALF_RING]
    for kind, j in COLUMNS:
        if kind == 'web':
            continue
        chain = skeleton.chains[kind]
        centre, side, _, axis = station_frame(chain, 0.0)
        point = (centre - s * palm.knuckle_setback * axis +
                 0.52 * chain.widths[0] * np.cos(angles[j]) * side)
        a, c, _ = _to_palm(point, skeleton)
        along.append(a)
        across.append(c)
        bump.append(0.85 + 0.15 * np.sin(angles[j]))
    # web columns halfway between neighbouring fingers' outer columns
    along, across, bump = list(along), list(across), list(bump)
    for k in range(len(LONG_FINGERS) - 1):
        i = (k + 1) * FINGER_HALF_RING + k  # column index of web k
        along.insert(i, 0.5 * (along[i - 1] + along[i]))
        across.insert(i, 0.5 * (across[i - 1] + across[i]))
        bump.insert(i, 0.85)
    return np.array(along), np.array(across), np.array(bump)


def _superellipse(u: np.ndarray) -> np.ndarray:
    return (1.0 - np.clip(np.abs(u), 0, 1)**3)**(1 / 3)


def palm_profile_ring(r: int, skeleton: Skeleton, dims: HandDims,
                      knuckle: Tuple[np.ndarray, np.ndarray, np.ndarray]
                      ) -> np.ndarray:
    """(48, 3) palm ring ``r`` in 0..7, from the wrist cut to the knuckles;
    ``knuckle`` is :func:`knuckle_columns`'s output."""
    palm, s = dims.palm, dims.scale
    k_along, k_across, bump = knuckle
    t = r / (PALM_PROFILE_RINGS - 1)
    margin = s * palm.knuckle_margin
    k_lo, k_hi = k_across.min() - margin, k_across.max() + margin
    k_centre, k_half = 0.5 * (k_lo + k_hi), 0.5 * (k_hi - k_lo)
    w_centre, w_half = 0.4 * k_centre, s * palm.wrist_half_breadth
    widen = 1 - (1 - t)**2
    centre = w_centre + (k_centre - w_centre) * widen
    half = w_half + (k_half - w_half) * widen
    u_norm = (k_across - k_centre) / k_half
    across = centre + u_norm * half
    # ring 0 is the wrist cut, ring 1 sits just past the wrist joint (both
    # fixed relative to it, so the joint stays between them for every shape)
    first = s * palm.wrist_ring
    along = (np.full_like(k_along, -s * palm.wrist_cut) if r == 0 else
             first + (k_along - first) * (r - 1) / (PALM_PROFILE_RINGS - 2))
    dorsal = s * (palm.wrist_dorsal +
                  (palm.knuckle_dorsal - palm.wrist_dorsal) * t)
    palmar = s * (palm.wrist_palmar +
                  (palm.knuckle_palmar - palm.wrist_palmar) * t)
    # thenar (radial) and hypothenar (ulnar) pads in the proximal palm
    pads = s * palm.pad * np.sin(np.pi * min(t / 0.8, 1.0)) * (
        np.clip((u_norm - 0.1) / 0.5, 0, 1) +
        0.8 * np.clip((-u_norm - 0.3) / 0.5, 0, 1))
    shape = _superellipse(u_norm)
    bumps = 1 + (bump - 1) * t**4
    ring = np.zeros((PALM_RING, 3))
    for c in range(NUM_COLUMNS):
        ring[dorsal_index(c)] = palm_point(along[c], across[c],
                                           dorsal * shape[c] * bumps[c])
        ring[palmar_index(c)] = palm_point(
            along[c], across[c], -(palmar + pads[c]) * shape[c])
    ring[RADIAL_SIDE] = palm_point(along[0], centre + half + 0.35 * margin,
                                   -0.1 * palmar)
    ring[ULNAR_SIDE] = palm_point(along[-1], centre - half - 0.35 * margin,
                                  -0.1 * palmar)
    return ring


def palm_base_ring(skeleton: Skeleton, dims: HandDims) -> np.ndarray:
    """(48, 3) ring 8: finger base rings, webs and the two side vertices."""
    s = dims.scale
    offset = s * dims.palm.finger_base_offset
    bases = {name: finger_base_ring(skeleton.chains[name], offset)
             for name in LONG_FINGERS}
    ring = np.zeros((PALM_RING, 3))
    for c, (kind, j) in enumerate(COLUMNS):
        if kind == 'web':
            continue
        base = bases[kind]
        ring[dorsal_index(c)] = base[j]
        ring[palmar_index(c)] = base[FINGER_RING - 1 - j]
    for c, (kind, k) in enumerate(COLUMNS):
        if kind != 'web':
            continue
        for index in (dorsal_index(c), palmar_index(c)):
            mid = 0.5 * (ring[index - 1] + ring[index + 1])
            up = (mid - skeleton.joints[0]) @ DORSAL
            ring[index] = mid - 0.45 * up * DORSAL - 0.003 * s * DISTAL
    for name, index, sign in (('index', RADIAL_SIDE, 1.0),
                              ('pinky', ULNAR_SIDE, -1.0)):
        chain = skeleton.chains[name]
        centre, side, _, axis = station_frame(chain, 0.0)
        ring[index] = (centre + offset * axis - 0.004 * s * axis +
                       sign * (0.5 * chain.widths[0] + 0.0015 * s) * side)
    return ring


def hole_positions() -> List[int]:
    """Consecutive palm-loop positions spanned by the thumb hole: the
    radial palmar columns and the radial side."""
    return [palmar_index(c) for c in reversed(range(HOLE_COLUMNS))] + [
        RADIAL_SIDE]


def hole_loop() -> List[Tuple[int, int]]:
    """(ring, loop position) of the thumb hole's outline, in loop order."""
    lo, hi = HOLE_RINGS
    positions = hole_positions()
    middle = list(range(lo + 1, hi))
    return ([(lo, p) for p in positions] + [(r, positions[-1])
                                            for r in middle] +
            [(hi, p) for p in reversed(positions)] +
            [(r, positions[0]) for r in reversed(middle)])


def hole_quads() -> Tuple[set, set]:
    """Palm quads (ring, loop edge) removed for the thumb, and the removed
    interior vertices (ring, loop position)."""
    lo, hi = HOLE_RINGS
    positions = hole_positions()
    quads = {(r, e) for r in range(lo, hi) for e in positions[:-1]}
    interior = {(r, p) for r in range(lo + 1, hi) for p in positions[1:-1]}
    return quads, interior
