"""The synthetic hand's surface: a closed triangle mesh of 778 vertices.

The mesh is a palm tube joined to five digit tubes:

* the **palm** is 9 rings of 48 vertices from the wrist cut to the finger
  bases. A ring runs along the back of the hand from the radial to the ulnar
  side (23 columns: 5 per finger and one web column between fingers), over
  the ulnar edge, back along the palm, and over the radial edge. The wrist
  cut is closed by a strip between its dorsal and palmar rows. Ring 8 is
  made of the four finger base rings, the webs and the two side vertices.
* each **long finger** is a tube of 10-vertex rings starting at its base
  ring in the palm, with rings at the PIP and DIP joints, and ends in a
  rounded cap whose pole is the fingertip vertex.
* the **thumb** is a tube of 12-vertex rings lofted out of a hole on the
  radial edge of the palm (rings 2-4), shaped around the thumb's bones.

The topology (faces, vertex order) never depends on the dimensions, so the
meshes of two hands differ only in their vertex positions: that is what makes
shape directions possible. Fingertip poles are moved to smplx's MANO
fingertip ids (thumb 744, index 320, middle 443, ring 554, pinky 671).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ..mano_layout import FINGERTIP_ORDER, FINGERTIP_VERTEX_IDS
from ..mano_layout import NUM_MANO_VERTICES
from .dimensions import LONG_FINGERS, HandDims
from .skeleton import DISTAL, DORSAL, RADIAL, Chain, Skeleton, build_skeleton
from .skeleton import palm_point
from .topology import check_closed_manifold, orient_outward

FINGER_HALF_RING = 5  # vertices on each of the dorsal and palmar arcs
FINGER_RING = 2 * FINGER_HALF_RING
THUMB_RING = 12
PALM_PROFILE_RINGS = 8  # rings 0..7; ring 8 holds the finger bases
#: thumb hole: palm rings 2..4, palmar columns 0..3 and the radial side
HOLE_RINGS = (2, 4)
HOLE_COLUMNS = 4

#: digit stations in phalanx units: 0 first joint (MCP / thumb CMC),
#: 1 and 2 the next joints, 3 the skin tip (the pole is added separately)
FINGER_STATIONS: Dict[str, Tuple[float, ...]] = {
    'index': (0.45, 1.0, 1.5, 2.0, 2.45, 2.75, 2.93),
    'middle': (0.45, 1.0, 1.5, 2.0, 2.45, 2.75, 2.93),
    'ring': (0.5, 1.0, 1.5, 2.0, 2.6, 2.88),
    'pinky': (0.5, 1.0, 1.5, 2.0, 2.6, 2.88),
}
THUMB_STATIONS = (0.4, 0.72, 1.0, 1.5, 2.0, 2.5, 2.85)
#: how far each thumb ring has left the palm (0: hole outline, 1: tube)
THUMB_LOFT = (0.55, 0.85, 1.0, 1.0, 1.0, 1.0, 1.0)

#: digit code of every vertex (``HandMesh.digit``); -1 is the palm
DIGIT_CODE = {name: k for k, name in enumerate(FINGERTIP_ORDER)}
PALM = -1


@dataclass(frozen=True)
class HandMesh:
    """Vertices (778, 3) m, faces (F, 3) int64 (outward, counter-clockwise),
    and per-vertex labels used by skinning: ``digit`` (778,) digit code
    (``DIGIT_CODE``, -1 palm), ``station`` (778,) position along the digit in
    phalanx units (NaN on the palm), ``palm_ring`` (778,) palm ring (-1 on
    digits; finger base rings are both: ring 8 and a station)."""

    vertices: np.ndarray
    faces: np.ndarray
    digit: np.ndarray
    station: np.ndarray
    palm_ring: np.ndarray
    skeleton: Skeleton


class _MeshBuilder:
    """Collects vertices with their labels, and faces."""

    def __init__(self) -> None:
        self.points: List[np.ndarray] = []
        self.digit: List[int] = []
        self.station: List[float] = []
        self.palm_ring: List[int] = []
        self.faces: List[Tuple[int, int, int]] = []

    def add(self, points: np.ndarray, digit: int = PALM,
            station: float = np.nan, palm_ring: int = -1) -> np.ndarray:
        points = np.atleast_2d(points)
        first = len(self.points)
        self.points.extend(points)
        self.digit.extend([digit] * len(points))
        self.station.extend([station] * len(points))
        self.palm_ring.extend([palm_ring] * len(points))
        return np.arange(first, first + len(points))

    def quad(self, a: int, b: int, c: int, d: int) -> None:
        self.faces.extend([(a, b, c), (a, c, d)])

    def strip(self, ring_a: Sequence[int], ring_b: Sequence[int],
              skip: Sequence[int] = ()) -> None:
        """Quads between two closed loops of equal length (loop edge ``j``
        joins positions ``j`` and ``j + 1``); edges in ``skip`` are left
        open."""
        n = len(ring_a)
        for j in range(n):
            if j not in skip:
                k = (j + 1) % n
                self.quad(ring_a[j], ring_a[k], ring_b[k], ring_b[j])

    def fan(self, ring: Sequence[int], apex: int) -> None:
        n = len(ring)
        for j in range(n):
            self.faces.append((ring[j], ring[(j + 1) % n], apex))


# ------------------------------------------------------------ digit tubes
def _station_length(chain: Chain, x: float) -> float:
    """Arc length from the first joint at phalanx coordinate ``x``."""
    cum = np.concatenate([[0.0], np.cumsum(chain.lengths)])
    return float(np.interp(x, np.arange(4.0), cum))


def _station_frame(chain: Chain, x: float):
    """Centre (3,) and unit (across, dorsal, along) axes at station ``x``;
    at a joint the bone directions are averaged."""
    bone = int(min(np.floor(x), 2))
    centre = chain.points[bone] + (_station_length(chain, x) - _station_length(
        chain, bone)) * chain.along[bone]
    along, dorsal = chain.along[bone], chain.dorsal[bone]
    if x == bone and bone > 0:
        along = chain.along[bone - 1] + chain.along[bone]
        dorsal = chain.dorsal[bone - 1] + chain.dorsal[bone]
    along = along / np.linalg.norm(along)
    dorsal = dorsal - dorsal.dot(along) * along
    dorsal = dorsal / np.linalg.norm(dorsal)
    return centre, np.cross(dorsal, along), dorsal, along


def _station_width(chain: Chain, x: float) -> float:
    """Skin breadth at ``x``: joint widths, a slight waist mid-phalanx, and
    a rounded cap of radius half the pad width at the tip."""
    width = float(np.interp(x, (0.0, 1.0, 2.0, 2.5), chain.widths))
    width *= 1.0 - 0.05 * np.sin(np.pi * (x - np.floor(x)))**2
    cap = 0.5 * chain.widths[3]
    into_cap = _station_length(chain, x) - (_station_length(chain, 3.0) - cap)
    if into_cap > 0:
        width *= (1.0 - min(into_cap / cap, 1.0)**2.5)**(1 / 2.5)
    return width


def _ring_angles(count: int) -> np.ndarray:
    """Angles of ring vertices, from the radial side over the back and the
    ulnar side to the palm: the first half is dorsal."""
    return (np.arange(count) + 0.5) * 2 * np.pi / count


def _ellipse_ring(chain: Chain, x: float, angles: np.ndarray) -> np.ndarray:
    centre, across, dorsal, _ = _station_frame(chain, x)
    half = 0.5 * _station_width(chain, x)
    return (centre + half * np.cos(angles)[:, None] * across +
            half * chain.depth_ratio * np.sin(angles)[:, None] * dorsal)


def _finger_base_ring(chain: Chain, offset: float) -> np.ndarray:
    """(10, 3) base ring of a long finger (ring 8 of the palm)."""
    x = offset / chain.lengths[0]
    return _ellipse_ring(chain, x, _ring_angles(FINGER_RING))


# ------------------------------------------------------------------ palm
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


def _knuckle_columns(skeleton: Skeleton, dims: HandDims):
    """(along, across) of every column at the knuckle ring (ring 7) and the
    dorsal bump factor of each column (knuckles stand out)."""
    palm = dims.palm
    s = dims.scale
    along, across, bump = [], [], []
    angles = _ring_angles(FINGER_RING)[:FINGER_HALF_RING]
    for kind, j in COLUMNS:
        if kind == 'web':
            continue
        chain = skeleton.chains[kind]
        centre, side, _, axis = _station_frame(chain, 0.0)
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


def _palm_profile_ring(r: int, skeleton: Skeleton, dims: HandDims,
                       knuckle) -> np.ndarray:
    """(48, 3) palm ring ``r`` in 0..7, from the wrist cut to the knuckles."""
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


def _palm_base_ring(skeleton: Skeleton, dims: HandDims) -> np.ndarray:
    """(48, 3) ring 8: finger base rings, webs and the two side vertices."""
    s = dims.scale
    offset = s * dims.palm.finger_base_offset
    bases = {name: _finger_base_ring(skeleton.chains[name], offset)
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
        centre, side, _, axis = _station_frame(chain, 0.0)
        ring[index] = (centre + offset * axis - 0.004 * s * axis +
                       sign * (0.5 * chain.widths[0] + 0.0015 * s) * side)
    return ring


# ------------------------------------------------------------------ thumb
def _hole_positions() -> List[int]:
    """Consecutive palm-loop positions spanned by the thumb hole: the
    radial palmar columns and the radial side."""
    return [palmar_index(c) for c in reversed(range(HOLE_COLUMNS))] + [
        RADIAL_SIDE]


def _hole_loop() -> List[Tuple[int, int]]:
    """(ring, loop position) of the thumb hole's outline, in loop order."""
    lo, hi = HOLE_RINGS
    positions = _hole_positions()
    middle = list(range(lo + 1, hi))
    return ([(lo, p) for p in positions] + [(r, positions[-1])
                                            for r in middle] +
            [(hi, p) for p in reversed(positions)] +
            [(r, positions[0]) for r in reversed(middle)])


def _hole_quads() -> Tuple[set, set]:
    """Palm quads (ring, loop edge) removed for the thumb, and the removed
    interior vertices (ring, loop position)."""
    lo, hi = HOLE_RINGS
    positions = _hole_positions()
    quads = {(r, e) for r in range(lo, hi) for e in positions[:-1]}
    interior = {(r, p) for r in range(lo + 1, hi) for p in positions[1:-1]}
    return quads, interior


def _thumb_rings(chain: Chain, outline: np.ndarray) -> List[np.ndarray]:
    """Thumb rings lofted from the hole ``outline`` (12, 3) to ellipses
    around the thumb bones. Seen along the thumb, ring vertex ``i`` starts
    at the angle of outline vertex ``i`` and turns to evenly spaced angles,
    so the loft never twists."""
    _, across, dorsal, _ = _station_frame(chain, 0.0)
    rel = outline - outline.mean(axis=0)
    angles = np.unwrap(np.arctan2(rel @ dorsal, rel @ across))
    step = np.sign(angles[-1] - angles[0]) * 2 * np.pi / THUMB_RING
    offsets = angles - step * np.arange(THUMB_RING)
    start = np.arctan2(np.sin(offsets).mean(), np.cos(offsets).mean())
    even = start + step * np.arange(THUMB_RING)
    even += np.round((angles - even) / (2 * np.pi)) * 2 * np.pi
    rings = []
    for x, loft in zip(THUMB_STATIONS, THUMB_LOFT):
        ellipse = _ellipse_ring(chain, x, (1 - loft) * angles + loft * even)
        rings.append((1 - loft) * outline + loft * ellipse)
    return rings


# ------------------------------------------------------------------ build
def _tip_permutation(num_vertices: int,
                     poles: Dict[str, int]) -> np.ndarray:
    """``order[new] = old``: vertices in build order, except that each
    fingertip pole sits at smplx's MANO tip id."""
    order = [v for v in range(num_vertices) if v not in poles.values()]
    for name in sorted(poles, key=lambda n: FINGERTIP_VERTEX_IDS[n]):
        order.insert(FINGERTIP_VERTEX_IDS[name], poles[name])
    return np.array(order)


def build_mesh(dims: HandDims) -> HandMesh:
    """The closed hand mesh for ``dims`` (topology independent of dims)."""
    skeleton = build_skeleton(dims)
    builder = _MeshBuilder()
    knuckle = _knuckle_columns(skeleton, dims)
    rings = [
        _palm_profile_ring(r, skeleton, dims, knuckle)
        for r in range(PALM_PROFILE_RINGS)
    ] + [_palm_base_ring(skeleton, dims)]
    hole_quads, hole_interior = _hole_quads()
    ids = np.full((len(rings), PALM_RING), -1)
    for r, ring in enumerate(rings):
        for p in range(PALM_RING):
            if (r, p) not in hole_interior:
                ids[r, p] = builder.add(ring[p], palm_ring=r)[0]
    for r in range(len(rings) - 1):
        builder.strip(ids[r], ids[r + 1],
                      skip=[e for (rr, e) in hole_quads if rr == r])
    # wrist cut: strip between the dorsal and palmar rows of ring 0
    for c in range(NUM_COLUMNS - 1):
        builder.quad(ids[0, dorsal_index(c)], ids[0, dorsal_index(c + 1)],
                     ids[0, palmar_index(c + 1)], ids[0, palmar_index(c)])
    builder.faces.append((ids[0, RADIAL_SIDE], ids[0, dorsal_index(0)],
                          ids[0, palmar_index(0)]))
    builder.faces.append((ids[0, ULNAR_SIDE], ids[0, palmar_index(NUM_COLUMNS - 1)],
                          ids[0, dorsal_index(NUM_COLUMNS - 1)]))
    last = ids[-1]
    poles: Dict[str, int] = {}
    for k, name in enumerate(LONG_FINGERS):
        first = COLUMNS.index((name, 0))
        cols = range(first, first + FINGER_HALF_RING)
        base = [last[dorsal_index(c)] for c in cols] + [
            last[palmar_index(c)] for c in reversed(cols)]
        chain = skeleton.chains[name]
        x_base = dims.scale * dims.palm.finger_base_offset / chain.lengths[0]
        for v in base:
            builder.digit[v], builder.station[v] = DIGIT_CODE[name], x_base
        previous = base
        for x in FINGER_STATIONS[name]:
            ring = builder.add(_ellipse_ring(chain, x,
                                             _ring_angles(FINGER_RING)),
                               DIGIT_CODE[name], x)
            builder.strip(previous, ring)
            previous = ring
        poles[name] = builder.add(chain.points[3], DIGIT_CODE[name], 3.0)[0]
        builder.fan(previous, poles[name])
        if k < len(LONG_FINGERS) - 1:  # web between this finger and the next
            web = first + FINGER_HALF_RING
            a_d, w_d, b_d = (last[dorsal_index(c)] for c in (web - 1, web,
                                                               web + 1))
            a_p, w_p, b_p = (last[palmar_index(c)] for c in (web - 1, web,
                                                               web + 1))
            builder.faces.extend([(a_d, w_d, w_p), (a_d, w_p, a_p),
                                  (w_d, b_d, b_p), (w_d, b_p, w_p)])
    builder.faces.append((last[RADIAL_SIDE], last[dorsal_index(0)],
                          last[palmar_index(0)]))
    builder.faces.append((last[ULNAR_SIDE], last[palmar_index(NUM_COLUMNS - 1)],
                          last[dorsal_index(NUM_COLUMNS - 1)]))
    # thumb
    chain = skeleton.chains['thumb']
    outline_ids = [ids[r, p] for r, p in _hole_loop()]
    outline = np.stack([builder.points[v] for v in outline_ids])
    previous = outline_ids
    for x, ring_points in zip(THUMB_STATIONS, _thumb_rings(chain, outline)):
        ring = builder.add(ring_points, DIGIT_CODE['thumb'], x)
        builder.strip(previous, ring)
        previous = ring
    poles['thumb'] = builder.add(chain.points[3], DIGIT_CODE['thumb'], 3.0)[0]
    builder.fan(previous, poles['thumb'])
    return _finish(builder, poles, skeleton)


def _finish(builder: _MeshBuilder, poles: Dict[str, int],
            skeleton: Skeleton) -> HandMesh:
    vertices = np.stack(builder.points)
    if len(vertices) != NUM_MANO_VERTICES:
        raise RuntimeError(f'synthetic hand has {len(vertices)} vertices, '
                           f'expected {NUM_MANO_VERTICES}')
    order = _tip_permutation(len(vertices), poles)
    new_index = np.empty_like(order)
    new_index[order] = np.arange(len(order))
    faces = new_index[np.asarray(builder.faces, dtype=np.int64)]
    vertices = vertices[order]
    check_closed_manifold(faces, len(vertices))
    faces = orient_outward(faces, vertices)
    return HandMesh(vertices=vertices, faces=faces,
                    digit=np.asarray(builder.digit)[order],
                    station=np.asarray(builder.station)[order],
                    palm_ring=np.asarray(builder.palm_ring)[order],
                    skeleton=skeleton)
