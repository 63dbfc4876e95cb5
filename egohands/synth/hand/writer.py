"""Assemble the synthetic hand into MANO's file format and write it.

``write_synthetic_model(out_dir)`` writes ``MANO_RIGHT.pkl`` and
``MANO_LEFT.pkl``: plain pickles of numpy arrays (no chumpy) with MANO's keys
and shapes, which ``smplx.MANO`` loads unmodified. Same bytes on every run:
the construction has no randomness except a seeded pose sample, and arrays
are rounded to 1e-10 before writing so that last-bit differences of linear
algebra cannot leak into the files.
"""
from __future__ import annotations

import os
import pickle
from typing import Dict, Optional, Tuple

import numpy as np

from egohands.hand_models.mano_layout import KINTREE_ROOT, MANO_FILE_NAMES, MANO_PARENTS
from egohands.hand_models.pose_prior import sample_hand_pose
from .dimensions import NUM_BETAS, SHAPE_DIRECTIONS, HandDims, apply_shape
from .mesh import build_mesh
from .skeleton import build_skeleton
from .skinning import fit_joint_regressor, pose_correctives, skinning_weights

MODEL_NAME = 'egohands synthetic hand v1'
DESCRIPTION = (
    'egohands synthetic hand in MANO file format: a procedurally built hand, '
    'NOT the MANO model. Same keys, shapes, kinematic tree and fingertip '
    'vertex ids as MANO, so smplx.MANO loads it; its mesh, skinning, shape '
    'and pose spaces are egohands\' own. See docs/hand_models.md.')

#: seed and size of the pose sample behind hands_components / hands_mean
PCA_SEED = 20240917
PCA_SAMPLES = {'open': 800, 'relaxed': 1600, 'grasp': 1600}
DECIMALS = 10


def _shape_directions(dims: HandDims) -> Tuple[np.ndarray, np.ndarray]:
    """(vertex dirs (778, 3, 10), joint dirs (16, 3, 10)) by central
    differences of the construction over one standard deviation."""
    vertex_dirs, joint_dirs = [], []
    for k in range(NUM_BETAS):
        plus, minus = apply_shape(dims, k, 1.0), apply_shape(dims, k, -1.0)
        vertex_dirs.append(0.5 * (build_mesh(plus).vertices -
                                  build_mesh(minus).vertices))
        joint_dirs.append(0.5 * (build_skeleton(plus).joints -
                                 build_skeleton(minus).joints))
    return np.stack(vertex_dirs, axis=-1), np.stack(joint_dirs, axis=-1)


def pose_pca() -> Tuple[np.ndarray, np.ndarray]:
    """(hands_components (45, 45) orthonormal rows, hands_mean (45,)) from a
    fixed sample of open, relaxed and grasping poses (flat-hand convention).
    Components are sorted by variance; each row's largest entry is
    positive."""
    rng = np.random.default_rng(PCA_SEED)
    poses = np.concatenate([sample_hand_pose(rng, n, style)
                            for style, n in PCA_SAMPLES.items()])
    mean = poses.mean(axis=0)
    _, _, vt = np.linalg.svd(poses - mean, full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
    return vt * signs[:, None], mean


def build_right_hand(dims: Optional[HandDims] = None) -> Dict:
    """The right synthetic hand as a MANO-format dict of numpy arrays."""
    dims = HandDims() if dims is None else dims
    mesh = build_mesh(dims)
    shapedirs, joint_dirs = _shape_directions(dims)
    regressor, _ = fit_joint_regressor(mesh.vertices, shapedirs,
                                       mesh.skeleton.joints, joint_dirs)
    components, mean = pose_pca()
    kintree = np.array([MANO_PARENTS, range(len(MANO_PARENTS))],
                       dtype=np.int64)
    kintree[0, 0] = KINTREE_ROOT
    data = {
        'v_template': mesh.vertices,
        'f': mesh.faces.astype(np.int64),
        'weights': skinning_weights(mesh),
        'J_regressor': regressor,
        'kintree_table': kintree,
        'J': regressor @ mesh.vertices,
        'shapedirs': shapedirs,
        'posedirs': pose_correctives(mesh),
        'hands_components': components,
        'hands_mean': mean,
        'bs_style': 'lbs',
        'bs_type': 'lrotmin',
        'egohands_model': MODEL_NAME,
        'egohands_description': DESCRIPTION,
        'egohands_shape_directions': [name for name, _ in SHAPE_DIRECTIONS],
    }
    return _rounded(data)


def _rounded(data: Dict) -> Dict:
    return {
        key: np.round(value, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
        if isinstance(value, np.ndarray) and value.dtype.kind == 'f' else value
        for key, value in data.items()
    }


def mirror_to_left(right: Dict) -> Dict:
    """The left hand: the right one mirrored through the plane ``x = 0``.

    Positions and shape directions negate x; faces reverse their winding;
    pose-dependent arrays follow the mirrored rotation ``S R S`` with
    ``S = diag(-1, 1, 1)``: axis-angle ``(x, y, z) -> (x, -y, -z)``, and a
    pose corrective on feature ``(R - I)[r, c]`` of coordinate ``i`` is
    multiplied by ``s_i s_r s_c``.
    """
    s = np.array([-1.0, 1.0, 1.0])
    left = dict(right)
    left['v_template'] = right['v_template'] * s
    left['J'] = right['J'] * s
    left['shapedirs'] = right['shapedirs'] * s[None, :, None]
    left['f'] = right['f'][:, ::-1].copy()
    feature_sign = np.tile(np.outer(s, s).reshape(9), 15)
    left['posedirs'] = (right['posedirs'] * s[None, :, None] *
                        feature_sign[None, None, :])
    aa_sign = np.tile([1.0, -1.0, -1.0], 15)
    left['hands_components'] = right['hands_components'] * aa_sign
    left['hands_mean'] = right['hands_mean'] * aa_sign
    return _rounded(left)


def write_synthetic_model(out_dir: str) -> Tuple[str, str]:
    """Write ``MANO_RIGHT.pkl`` and ``MANO_LEFT.pkl`` of the synthetic hand
    into ``out_dir`` (created if needed); returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    right = build_right_hand()
    paths = []
    for side, data in (('right', right), ('left', mirror_to_left(right))):
        path = os.path.join(out_dir, MANO_FILE_NAMES[side])
        with open(path, 'wb') as f:
            pickle.dump(data, f, protocol=2)
        paths.append(path)
    return paths[0], paths[1]
