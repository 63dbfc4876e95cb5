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
  radial palmar side of the palm (rings 2-4), around the thumb's bones.

:mod:`.palm` and :mod:`.digits` place the vertices; this module connects
them.

The topology (faces, vertex order) never depends on the dimensions, so the
meshes of two hands differ only in their vertex positions: that is what makes
shape directions possible. Fingertip poles are moved to smplx's MANO
fingertip ids (thumb 744, index 320, middle 443, ring 554, pinky 671).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

from egohands.hand_models.mano_layout import (FINGERTIP_ORDER, FINGERTIP_VERTEX_IDS,
                           NUM_MANO_VERTICES)
from .digits import (FINGER_HALF_RING, FINGER_RING, FINGER_STATIONS,
                     THUMB_STATIONS, ellipse_ring, ring_angles, thumb_rings)
from .dimensions import LONG_FINGERS, HandDims
from .palm import (COLUMNS, NUM_COLUMNS, PALM_PROFILE_RINGS, PALM_RING,
                   RADIAL_SIDE, ULNAR_SIDE, dorsal_index, hole_loop,
                   hole_quads, knuckle_columns, palm_base_ring,
                   palm_profile_ring, palmar_index)
from .skeleton import Skeleton, build_skeleton
from .topology import check_closed_manifold, orient_outward

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


def _tip_permutation(num_vertices: int,
                     poles: Dict[str, int]) -> np.ndarray:
    """``order[new] = old``: vertices in build order, except that each
    fingertip pole sits at smplx's MANO tip id."""
    order = [v for v in range(num_vertices) if v not in poles.values()]
    for name in sorted(poles, key=lambda n: FINGERTIP_VERTEX_IDS[n]):
        order.insert(FINGERTIP_VERTEX_IDS[name], poles[name])
    return np.array(order)


def _close_sides(builder: _MeshBuilder, ring: np.ndarray) -> None:
    """Triangles from each side vertex of a palm ring to its neighbours."""
    last = NUM_COLUMNS - 1
    builder.faces.append((ring[RADIAL_SIDE], ring[dorsal_index(0)],
                          ring[palmar_index(0)]))
    builder.faces.append((ring[ULNAR_SIDE], ring[palmar_index(last)],
                          ring[dorsal_index(last)]))


def _add_palm(builder: _MeshBuilder, skeleton: Skeleton,
              dims: HandDims) -> np.ndarray:
    """Palm rings, strips and wrist cut; returns (9, 48) vertex ids (-1 for
    vertices removed by the thumb hole)."""
    knuckle = knuckle_columns(skeleton, dims)
    rings = [palm_profile_ring(r, skeleton, dims, knuckle)
             for r in range(PALM_PROFILE_RINGS)]
    rings.append(palm_base_ring(skeleton, dims))
    removed_quads, removed_vertices = hole_quads()
    ids = np.full((len(rings), PALM_RING), -1)
    for r, ring in enumerate(rings):
        for p in range(PALM_RING):
            if (r, p) not in removed_vertices:
                ids[r, p] = builder.add(ring[p], palm_ring=r)[0]
    for r in range(len(rings) - 1):
        builder.strip(ids[r], ids[r + 1],
                      skip=[e for (rr, e) in removed_quads if rr == r])
    for c in range(NUM_COLUMNS - 1):  # wrist cut: dorsal row to palmar row
        builder.quad(ids[0, dorsal_index(c)], ids[0, dorsal_index(c + 1)],
                     ids[0, palmar_index(c + 1)], ids[0, palmar_index(c)])
    _close_sides(builder, ids[0])
    _close_sides(builder, ids[-1])
    return ids


def _add_tube(builder: _MeshBuilder, start: Sequence[int], rings,
              stations: Sequence[float], digit: str,
              tip: np.ndarray) -> int:
    """Rings after ``start`` and the pole; returns the pole's id."""
    previous = start
    for x, points in zip(stations, rings):
        ring = builder.add(points, DIGIT_CODE[digit], x)
        builder.strip(previous, ring)
        previous = ring
    pole = builder.add(tip, DIGIT_CODE[digit], 3.0)[0]
    builder.fan(previous, pole)
    return pole


def _add_long_fingers(builder: _MeshBuilder, base_ring: np.ndarray,
                      skeleton: Skeleton, dims: HandDims) -> Dict[str, int]:
    """Finger tubes from ring 8 of the palm and the webs between them;
    returns the fingertip pole of each finger."""
    poles: Dict[str, int] = {}
    for k, name in enumerate(LONG_FINGERS):
        first = COLUMNS.index((name, 0))
        cols = range(first, first + FINGER_HALF_RING)
        base = [base_ring[dorsal_index(c)] for c in cols] + [
            base_ring[palmar_index(c)] for c in reversed(cols)]
        chain = skeleton.chains[name]
        x_base = dims.scale * dims.palm.finger_base_offset / chain.lengths[0]
        for v in base:
            builder.digit[v], builder.station[v] = DIGIT_CODE[name], x_base
        stations = FINGER_STATIONS[name]
        rings = [ellipse_ring(chain, x, ring_angles(FINGER_RING))
                 for x in stations]
        poles[name] = _add_tube(builder, base, rings, stations, name,
                                chain.points[3])
        if k < len(LONG_FINGERS) - 1:  # web to the next finger
            web = first + FINGER_HALF_RING
            a_d, w_d, b_d = (base_ring[dorsal_index(c)]
                             for c in (web - 1, web, web + 1))
            a_p, w_p, b_p = (base_ring[palmar_index(c)]
                             for c in (web - 1, web, web + 1))
            builder.faces.extend([(a_d, w_d, w_p), (a_d, w_p, a_p),
                                  (w_d, b_d, b_p), (w_d, b_p, w_p)])
    return poles


def build_mesh(dims: HandDims) -> HandMesh:
    """The closed hand mesh for ``dims`` (topology independent of dims)."""
    skeleton = build_skeleton(dims)
    builder = _MeshBuilder()
    palm_ids = _add_palm(builder, skeleton, dims)
    poles = _add_long_fingers(builder, palm_ids[-1], skeleton, dims)
    chain = skeleton.chains['thumb']
    outline_ids = [palm_ids[r, p] for r, p in hole_loop()]
    outline = np.stack([builder.points[v] for v in outline_ids])
    poles['thumb'] = _add_tube(builder, outline_ids,
                               thumb_rings(chain, outline), THUMB_STATIONS,
                               'thumb', chain.points[3])
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
