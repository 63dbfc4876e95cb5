"""Rig of the synthetic hand: skinning weights, joint regressor, pose
correctives.

* **LBS weights** (778, 16). On the digits they follow the position along
  the digit: each phalanx belongs to the joint that rotates it, and the ring
  at a joint is shared half and half by the two bones. On the palm they are
  harmonic: the knuckle region, the webs and the thenar around the thumb's
  base interpolate smoothly (graph Laplace equation) between the wrist part
  and the digits.
* **Joint regressor** (16, 778). Each joint is a convex combination of the
  vertices around it, fitted so that it lands on the skeleton's joint for
  the template *and* moves with it along every shape direction.
* **Pose correctives** (778, 3, 135). Per joint, a small bulge around the
  joint that grows with ``1 - cos(angle)`` (flesh pushed out by bending) and
  a dorsal/palmar thickening that follows ``sin`` of the flexion, both
  linear in MANO's pose features ``R - I``.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from egohands.hand_models.mano_layout import NUM_MANO_JOINTS
from .digits import station_length
from .mesh import DIGIT_CODE, PALM, HandMesh
from .skeleton import Chain

#: digit stations from which a vertex is skinned by its position along the
#: digit; below this (and on the palm) weights are harmonic
DIGIT_ANCHOR_STATION = {'thumb': 0.7, 'long': 0.4}
#: half width of the blend between two phalanges at a joint, m
JOINT_BLEND = 0.006
#: palm rings anchored to the wrist bone (the rest blends harmonically);
#: the thenar (palm rings up to THENAR_RINGS closer than THENAR_RADIUS to
#: the thumb's first ring) blends with the thumb, and ring ROOT_PALM_RINGS
#: separates it from the knuckles
ROOT_PALM_RINGS = 6
THENAR_RINGS = 5
THENAR_RADIUS = 0.03


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _bump(u: np.ndarray) -> np.ndarray:
    """Smooth compact bump, 1 at 0, 0 for ``|u| >= 1``."""
    return np.clip(1.0 - u * u, 0.0, None)**2


def _digit_weights(chain: Chain, station: np.ndarray) -> np.ndarray:
    """(N, 3) weights of the digit's three bones at phalanx coordinates."""
    s = np.array([station_length(chain, x) for x in station])
    joint_1 = station_length(chain, 1.0)
    joint_2 = station_length(chain, 2.0)
    h1 = _smoothstep((s - joint_1 + JOINT_BLEND) / (2 * JOINT_BLEND))
    h2 = _smoothstep((s - joint_2 + JOINT_BLEND) / (2 * JOINT_BLEND))
    return np.stack([1 - h1, h1 - h2, h2], axis=1)


def _laplacian(vertices: np.ndarray, faces: np.ndarray):
    """Sparse graph Laplacian with inverse-edge-length weights."""
    from scipy import sparse
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]],
                            faces[:, [2, 0]]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    weight = 1.0 / np.linalg.norm(
        vertices[edges[:, 0]] - vertices[edges[:, 1]], axis=1)
    n = len(vertices)
    adjacency = sparse.coo_matrix(
        (np.concatenate([weight, weight]),
         (np.concatenate([edges[:, 0], edges[:, 1]]),
          np.concatenate([edges[:, 1], edges[:, 0]]))), shape=(n, n)).tocsr()
    degree = sparse.diags(np.asarray(adjacency.sum(axis=1)).ravel())
    return (degree - adjacency).tocsr()


def skinning_weights(mesh: HandMesh) -> np.ndarray:
    """(778, 16) LBS weights, rows non-negative and summing to one."""
    from scipy.sparse.linalg import spsolve
    skeleton = mesh.skeleton
    n = len(mesh.vertices)
    weights = np.zeros((n, NUM_MANO_JOINTS))
    anchored = np.zeros(n, dtype=bool)
    for name, code in DIGIT_CODE.items():
        chain = skeleton.chains[name]
        key = 'thumb' if name == 'thumb' else 'long'
        on_digit = (mesh.digit == code) & (mesh.station >=
                                           DIGIT_ANCHOR_STATION[key])
        weights[np.ix_(on_digit, list(chain.joint_ids))] = _digit_weights(
            chain, mesh.station[on_digit])
        anchored |= on_digit
    first_ring = (mesh.digit == DIGIT_CODE['thumb']) & (
        mesh.station == mesh.station[mesh.digit == DIGIT_CODE['thumb']].min())
    thumb_base = mesh.vertices[first_ring].mean(axis=0)
    near_thumb = ((np.linalg.norm(mesh.vertices - thumb_base, axis=1) <
                   THENAR_RADIUS) & (mesh.palm_ring <= THENAR_RINGS))
    root = ((mesh.palm_ring >= 0) & (mesh.palm_ring <= ROOT_PALM_RINGS) &
            (mesh.digit == PALM) & ~near_thumb)
    weights[root, 0] = 1.0
    anchored |= root
    free = ~anchored
    laplacian = _laplacian(mesh.vertices, mesh.faces)
    lap_ff = laplacian[free][:, free].tocsc()
    rhs = -(laplacian[free][:, anchored] @ weights[anchored])
    weights[free] = np.column_stack(
        [spsolve(lap_ff, rhs[:, j]) for j in range(NUM_MANO_JOINTS)])
    weights = np.clip(weights, 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def fit_joint_regressor(template: np.ndarray, shapedirs: np.ndarray,
                        joints: np.ndarray, joint_dirs: np.ndarray,
                        num_candidates: int = 32) -> Tuple[np.ndarray,
                                                           np.ndarray]:
    """Convex joint regressor that follows the skeleton under shape changes.

    Args:
        template: (V, 3) rest vertices, m.
        shapedirs: (V, 3, B) vertex shape directions, m per unit beta.
        joints: (J, 3) skeleton joints of the template, m.
        joint_dirs: (J, 3, B) skeleton joint shape directions.
        num_candidates: nearest vertices each joint may use.

    Returns:
        (regressor (J, V), residual (J,)): rows are non-negative and sum to
        one; ``residual`` is the worst position error over the template and
        one-unit shape changes, m.
    """
    from scipy.optimize import lsq_linear
    num_joints, num_vertices = len(joints), len(template)
    regressor = np.zeros((num_joints, num_vertices))
    residual = np.zeros(num_joints)
    for j in range(num_joints):
        dist = np.linalg.norm(template - joints[j], axis=1)
        cand = np.argsort(dist, kind='stable')[:num_candidates]
        # unknown: weights of the candidates; rows: x, y, z of the joint and
        # of each joint shape direction, the prior, and the sum to one
        design = np.concatenate(
            [template[cand].T[None], shapedirs[cand].transpose(2, 1, 0)])
        target = np.concatenate([joints[j][None], joint_dirs[j].T])
        prior = np.exp(-(dist[cand] / dist[cand].min())**2 / 8.0)
        prior /= prior.sum()
        reg, total = 1e-3, 10.0
        lhs = np.concatenate([design.reshape(-1, len(cand)),
                              reg * np.eye(len(cand)),
                              total * np.ones((1, len(cand)))])
        rhs = np.concatenate([target.reshape(-1), reg * prior, [total]])
        w = lsq_linear(lhs, rhs, bounds=(0.0, 1.0), method='bvls').x
        w = np.clip(w, 0, None)
        w /= w.sum()
        regressor[j, cand] = w
        residual[j] = np.abs(design @ w -
                             target).max()
    return regressor, residual


def _pose_fields(mesh: HandMesh, name: str, bone: int):
    """(bulge (V, 3), flex (V, 3)) displacement fields of joint ``bone`` of
    digit ``name``, m."""
    chain = mesh.skeleton.chains[name]
    centre = chain.points[bone]
    along = chain.along[bone] + (chain.along[bone - 1] if bone else 0)
    along = along / np.linalg.norm(along)
    dorsal = chain.dorsal[bone] - chain.dorsal[bone].dot(along) * along
    dorsal /= np.linalg.norm(dorsal)
    half = 0.5 * chain.widths[bone]
    rel = mesh.vertices - centre
    axial = rel @ along
    radial = rel - axial[:, None] * along
    rho = np.linalg.norm(radial, axis=1)
    direction = radial / np.maximum(rho, 1e-9)[:, None]
    member = (mesh.digit == DIGIT_CODE[name]) | ((mesh.digit == PALM) &
                                                (bone == 0))
    g = member * _bump(axial / (1.8 * half)) * _bump(rho / (2.2 * half))
    bulge = 0.15 * half * g[:, None] * direction
    flex = 0.18 * half * (g * (direction @ dorsal))[:, None] * dorsal
    return bulge, flex


def pose_correctives(mesh: HandMesh) -> np.ndarray:
    """(778, 3, 135) pose blend shapes on MANO's features ``R_j - I``.

    For a rotation of joint ``j`` by ``angle`` about unit ``axis`` the
    offset is ``(1 - cos angle) * bulge_j + sin(angle) * (axis . flex_j) *
    flex_field_j`` where ``flex_j`` is the joint's flexion axis.
    """
    posedirs = np.zeros((len(mesh.vertices), 3, 9 * (NUM_MANO_JOINTS - 1)))
    for name, chain in mesh.skeleton.chains.items():
        for bone, joint in enumerate(chain.joint_ids):
            bulge, flex = _pose_fields(mesh, name, bone)
            axis = chain.flex[bone]
            block = np.zeros((len(mesh.vertices), 3, 3, 3))
            for k in range(3):  # trace(R - I) = -2 (1 - cos angle)
                block[:, :, k, k] = -0.5 * bulge
            # vee(R - R^T) = 2 sin(angle) axis
            for (r, c), a in (((2, 1), axis[0]), ((0, 2), axis[1]),
                              ((1, 0), axis[2])):
                block[:, :, r, c] += 0.5 * a * flex
                block[:, :, c, r] -= 0.5 * a * flex
            posedirs[:, :, 9 * (joint - 1):9 * joint] = block.reshape(
                len(mesh.vertices), 3, 9)
    return posedirs
