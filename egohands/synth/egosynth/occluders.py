"""Occluding objects and background clutter for EgoSynth.

Hands in egocentric video hide behind cups, tools and the other hand; a
pose model must still place the hidden joints. Occluders are low-poly
boxes, cylinders, ellipsoids and thin slabs put on the line of sight to a
random joint of a hand, between it and the camera, so some joints are
hidden (their visibility flag comes out of the depth test). Clutter objects
of the same kinds are placed behind the hands. Meshes are in metres in the
frame of the camera used for placement (the head frame).
"""
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.rendering import Mesh

from .appearance import object_vertex_colors

MeshArrays = Tuple[np.ndarray, np.ndarray]  # (V, 3) m, (F, 3) int


def box_mesh(half_extents: np.ndarray) -> MeshArrays:
    """A box with 4 own vertices per side (flat shading): 24 v, 12 f."""
    vertices, faces = [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            u, v = [a for a in range(3) if a != axis]
            corners = np.zeros((4, 3))
            corners[:, axis] = sign
            corners[:, u] = [-1, 1, 1, -1]
            corners[:, v] = [-1, -1, 1, 1]
            base = len(vertices) * 4
            vertices.append(corners)
            quad = [[base, base + 1, base + 2], [base, base + 2, base + 3]]
            inward = (sign < 0) != (axis == 1)  # e_u x e_v = -e_axis
            faces += [f[::-1] for f in quad] if inward else quad
    return np.concatenate(vertices) * half_extents, np.array(faces)


def cylinder_mesh(radius: float, half_height: float,
                  segments: int = 16) -> MeshArrays:
    """A closed cylinder along z: side ring vertices plus two cap fans."""
    angle = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    ring = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    bottom = np.concatenate([ring, np.full((segments, 1), -half_height)], 1)
    top = np.concatenate([ring, np.full((segments, 1), half_height)], 1)
    centres = np.array([[0, 0, -half_height], [0, 0, half_height]])
    vertices = np.concatenate([bottom, top, bottom, top, centres])
    i = np.arange(segments)
    j = (i + 1) % segments
    side = np.concatenate([np.stack([i, j, j + segments], 1),
                           np.stack([i, j + segments, i + segments], 1)])
    cap_base = 2 * segments
    bottom_cap = np.stack([np.full(segments, 4 * segments), cap_base + j,
                           cap_base + i], 1)
    top_cap = np.stack([np.full(segments, 4 * segments + 1),
                        cap_base + segments + i, cap_base + segments + j], 1)
    return vertices, np.concatenate([side, bottom_cap, top_cap])


def ellipsoid_mesh(radii: np.ndarray, rings: int = 8,
                   segments: int = 14) -> MeshArrays:
    """A UV ellipsoid (poles shared): (rings - 1) * segments + 2 vertices."""
    theta = np.linspace(0, np.pi, rings + 1)[1:-1]
    phi = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing='ij')
    body = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p),
                     np.cos(t)], -1).reshape(-1, 3)
    vertices = np.concatenate([[[0, 0, 1]], body, [[0, 0, -1]]]) * radii
    ring = np.arange(rings - 1)[:, None] * segments + 1
    i = np.arange(segments)[None]
    j = (i + 1) % segments
    a, b = ring[:-1] + i, ring[:-1] + j
    c, d = ring[1:] + i, ring[1:] + j
    quads = np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3),
                            np.stack([a, d, c], -1).reshape(-1, 3)])
    last = len(vertices) - 1
    top = np.stack([np.zeros(segments, int), 1 + j[0], 1 + i[0]], 1)
    bottom_ring = ring[-1, 0]
    bottom = np.stack([np.full(segments, last), bottom_ring + i[0],
                       bottom_ring + j[0]], 1)
    faces = np.concatenate([top, quads, bottom])
    return vertices, faces[:, ::-1]  # outward normals


def _box(rng, size):
    return box_mesh(size * rng.uniform(0.3, 1.0, size=3))


def _slab(rng, size):
    return box_mesh(size * np.array([rng.uniform(0.6, 1.0),
                                     rng.uniform(0.4, 1.0), 0.06]))


def _cylinder(rng, size):
    return cylinder_mesh(size * rng.uniform(0.3, 0.7),
                         size * rng.uniform(0.5, 1.2))


def _ellipsoid(rng, size):
    return ellipsoid_mesh(size * rng.uniform(0.4, 1.0, size=3))


OBJECT_KINDS: Dict[str, Callable] = {
    'box': _box, 'slab': _slab, 'cylinder': _cylinder,
    'ellipsoid': _ellipsoid}


def random_object(rng: np.random.Generator, size: float,
                  centre: np.ndarray) -> Mesh:
    """A random primitive of about ``size`` (m) half-extent, randomly
    rotated, centred at ``centre`` (3,) m, with its own colours."""
    kinds = list(OBJECT_KINDS)
    vertices, faces = OBJECT_KINDS[kinds[rng.integers(len(kinds))]](rng,
                                                                    size)
    colors = object_vertex_colors(rng, vertices)
    rotation = np.asarray(axis_angle_to_matrix(
        rng.normal(size=3) * rng.uniform(0, np.pi)), dtype=np.float64)
    return Mesh(vertices @ rotation.T + centre, faces, colors)


def occluder_in_front(rng: np.random.Generator, joints: np.ndarray,
                      near_m: float = 0.07) -> Mesh:
    """An object on the line of sight to a random joint of one hand.

    Args:
        joints: (21, 3) joints of the target hand, metres, camera frame.
        near_m: the object's centre stays at least this far away.
    """
    target = joints[rng.integers(len(joints))]
    distance = np.linalg.norm(target)
    along = max(distance * rng.uniform(0.45, 0.85), near_m)
    size = along * rng.uniform(0.08, 0.25)
    along = max(along, near_m + size)
    centre = target / distance * along + rng.normal(0, 0.5 * size, size=3)
    return random_object(rng, size, centre)


def held_object(rng: np.random.Generator, joints: np.ndarray) -> Mesh:
    """An object in a grasping hand: centred between its fingertips and
    finger bases, about as large as the gap between thumb and index tips
    (the z-buffer lets the fingers close around it).

    Args:
        joints: (21, 3) joints of a hand in a grasp pose, metres.
    """
    tips, bases = joints[[4, 8, 12, 16, 20]], joints[[5, 9, 13, 17]]
    centre = 0.5 * (tips.mean(axis=0) + bases.mean(axis=0))
    size = float(np.clip(0.5 * np.linalg.norm(joints[4] - joints[8]),
                         0.015, 0.045))
    return random_object(rng, size, centre)


def clutter_behind(rng: np.random.Generator, joints: np.ndarray) -> Mesh:
    """An object behind a hand (background clutter, never an occluder)."""
    target = joints.mean(axis=0)
    distance = np.linalg.norm(target)
    along = distance * rng.uniform(1.3, 2.2)
    size = along * rng.uniform(0.1, 0.3)
    centre = target / distance * (along + size) + rng.normal(0, size,
                                                             size=3)
    return random_object(rng, size, centre)


def sample_objects(rng: np.random.Generator, hand_joints: List[np.ndarray],
                   occluder_prob: float = 0.4,
                   clutter_prob: float = 0.3,
                   holding: Sequence[bool] = (),
                   held_prob: float = 0.0) -> List[Mesh]:
    """Held objects, occluders (in front of a random hand) and clutter for
    one scene.

    Args:
        hand_joints: per hand, (21, 3) joints in metres, head frame.
        holding: per hand, whether it is in a grasp pose; such a hand holds
            an object with probability ``held_prob``.
    """
    objects: List[Mesh] = [held_object(rng, joints)
                           for joints, grasping in zip(hand_joints, holding)
                           if grasping and rng.uniform() < held_prob]
    if rng.uniform() < occluder_prob:
        count = 1 if rng.uniform() < 0.8 else 2
        for _ in range(count):
            hand = hand_joints[rng.integers(len(hand_joints))]
            objects.append(occluder_in_front(rng, hand))
    if rng.uniform() < clutter_prob:
        hand = hand_joints[rng.integers(len(hand_joints))]
        objects.append(clutter_behind(rng, hand))
    return objects
