"""Checks and orientation of closed triangle meshes."""
from __future__ import annotations

from collections import deque
from typing import Dict, List, Tuple

import numpy as np


def edge_face_counts(faces: np.ndarray) -> Dict[Tuple[int, int], int]:
    """Number of faces on each undirected edge ``(min, max)``."""
    counts: Dict[Tuple[int, int], int] = {}
    for face in np.asarray(faces):
        for k in range(3):
            a, b = int(face[k]), int(face[(k + 1) % 3])
            key = (min(a, b), max(a, b))
            counts[key] = counts.get(key, 0) + 1
    return counts


def check_closed_manifold(faces: np.ndarray, num_vertices: int) -> None:
    """Raise ``RuntimeError`` unless every edge has exactly two faces, no
    face is degenerate and every vertex is used (a bug in the builder)."""
    faces = np.asarray(faces)
    if np.any(faces[:, 0] == faces[:, 1]) or np.any(
            faces[:, 1] == faces[:, 2]) or np.any(faces[:, 0] == faces[:, 2]):
        raise RuntimeError('degenerate face in the synthetic hand mesh')
    bad = {e: n for e, n in edge_face_counts(faces).items() if n != 2}
    if bad:
        raise RuntimeError(f'{len(bad)} edges of the synthetic hand mesh are '
                           f'not shared by exactly two faces, e.g. '
                           f'{sorted(bad.items())[:4]}')
    unused = np.setdiff1d(np.arange(num_vertices), faces)
    if unused.size:
        raise RuntimeError(f'unused vertices {unused[:8].tolist()}')


def signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Volume enclosed by a closed mesh, positive if faces wind outward
    (counter-clockwise seen from outside)."""
    tri = np.asarray(vertices)[np.asarray(faces)]
    return float(np.einsum('ij,ij->i', tri[:, 0],
                           np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0)


def orient_outward(faces: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Consistently wind a closed connected manifold mesh, outward.

    Walks the faces breadth-first from face 0 and flips any neighbour that
    runs a shared edge in the same direction, then flips everything if the
    enclosed volume comes out negative.
    """
    faces = np.array(faces, dtype=np.int64)
    by_edge: Dict[Tuple[int, int], List[int]] = {}
    for f, face in enumerate(faces):
        for k in range(3):
            a, b = int(face[k]), int(face[(k + 1) % 3])
            by_edge.setdefault((min(a, b), max(a, b)), []).append(f)
    done = np.zeros(len(faces), dtype=bool)
    done[0] = True
    queue = deque([0])
    while queue:
        f = queue.popleft()
        face = faces[f]
        for k in range(3):
            a, b = int(face[k]), int(face[(k + 1) % 3])
            for g in by_edge[(min(a, b), max(a, b))]:
                if done[g]:
                    continue
                other = [tuple(faces[g][[i, (i + 1) % 3]]) for i in range(3)]
                if (a, b) in other:  # same direction: flip the neighbour
                    faces[g] = faces[g][::-1]
                done[g] = True
                queue.append(g)
    if not done.all():
        raise RuntimeError('the synthetic hand mesh is not connected')
    if signed_volume(vertices, faces) < 0:
        faces = faces[:, ::-1].copy()
    return faces
