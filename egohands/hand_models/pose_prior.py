"""Joint limits and a sampler of plausible MANO hand poses.

A MANO hand pose is 15 axis-angle vectors (45 numbers, radians), one per
joint 1-15, expressed in the template frame. This module describes each
joint's rotation in the joint's **local frame** instead: three components
along

* ``flex``: the bone's flexion axis; positive curls the bone towards the palm,
* ``abd``: the back-of-finger (dorsal) axis; positive moves the bone towards
  the thumb side (abduction of the index, adduction of ring and pinky),
* ``twist``: the bone itself; rotation about its length.

The thumb's frames follow its nail, which faces radially: positive ``flex``
moves the thumb across the palm towards the little finger (opposition) and
positive ``abd`` lifts it out of the plane of the hand on the palm's side
(palmar abduction).

so that limits are simple boxes. The local frames are those of the synthetic
hand's rest skeleton, whose frame is MANO's (fingers along -x, palm facing
-y, thumb on +z); on the real MANO they hold to within the few degrees by
which its rest fingers point differently. ``local = frame^T @ axis_angle``
is exact: the local components are the axis-angle vector in other axes.

Poses are in the **flat-hand convention** (zero = flat, open hand; smplx's
``flat_hand_mean=True``). For a model built with ``flat_hand_mean=False``
subtract its ``hands_mean`` first. Left hands use the mirrored pose
(``side='left'``), as MANO's left model is the mirror of the right.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from egohands.geometry.flip import flip_axis_angle
from egohands.utils.errors import ConfigError

from .mano_layout import MANO_FINGER_JOINTS, NUM_HAND_POSE

STYLES = ('open', 'relaxed', 'grasp', 'power', 'precision')

#: per digit and joint (first, second, third): (low, high) limits of
#: (flex, abd, twist), degrees
_LIMITS_DEG: Dict[str, Tuple[Tuple[Tuple[float, float], ...], ...]] = {
    'index': (((-25, 90), (-15, 25), (-10, 10)), ((-5, 105), (-5, 5), (-7, 7)),
              ((-10, 80), (-5, 5), (-7, 7))),
    'middle': (((-25, 90), (-15, 15), (-10, 10)), ((-5, 105), (-5, 5),
                                                   (-7, 7)),
               ((-10, 80), (-5, 5), (-7, 7))),
    'ring': (((-25, 90), (-20, 12), (-10, 10)), ((-5, 105), (-5, 5), (-7, 7)),
             ((-10, 80), (-5, 5), (-7, 7))),
    'pinky': (((-25, 90), (-30, 10), (-12, 12)), ((-5, 105), (-5, 5),
                                                  (-7, 7)),
              ((-10, 80), (-5, 5), (-7, 7))),
    'thumb': (((-20, 50), (-30, 35), (-25, 25)), ((-15, 65), (-12, 12),
                                                  (-15, 15)),
              ((-20, 85), (-6, 6), (-8, 8))),
}

#: per style, per digit and joint: mean (flex, abd, twist) in degrees
_MEANS_DEG = {
    'open': {
        'index': ((0, 6, 0), (4, 0, 0), (3, 0, 0)),
        'middle': ((0, 0, 0), (4, 0, 0), (3, 0, 0)),
        'ring': ((0, -4, 0), (4, 0, 0), (3, 0, 0)),
        'pinky': ((0, -8, 0), (4, 0, 0), (3, 0, 0)),
        'thumb': ((-5, 8, 0), (5, 0, 0), (5, 0, 0)),
    },
    'relaxed': {
        'index': ((18, 3, 0), (30, 0, 0), (15, 0, 0)),
        'middle': ((22, 0, 0), (38, 0, 0), (20, 0, 0)),
        'ring': ((26, -3, 0), (42, 0, 0), (22, 0, 0)),
        'pinky': ((30, -6, 0), (42, 0, 0), (22, 0, 0)),
        'thumb': ((12, 0, 5), (15, 0, 0), (15, 0, 0)),
    },
    'power': {
        'index': ((70, 0, 0), (95, 0, 0), (55, 0, 0)),
        'middle': ((75, 0, 0), (98, 0, 0), (55, 0, 0)),
        'ring': ((78, -3, 0), (98, 0, 0), (55, 0, 0)),
        'pinky': ((82, -6, 0), (95, 0, 0), (55, 0, 0)),
        'thumb': ((35, -10, 15), (35, 0, 0), (40, 0, 0)),
    },
    'precision': {
        'index': ((40, 0, 0), (50, 0, 0), (25, 0, 0)),
        'middle': ((45, 0, 0), (60, 0, 0), (30, 0, 0)),
        'ring': ((50, -3, 0), (65, 0, 0), (32, 0, 0)),
        'pinky': ((55, -6, 0), (65, 0, 0), (32, 0, 0)),
        'thumb': ((30, 5, 15), (20, 0, 0), (20, 0, 0)),
    },
}

#: standard deviation of (flex, abd, twist) per style, degrees
_STD_DEG = {'open': (8, 5, 3), 'relaxed': (10, 5, 3), 'power': (7, 4, 3),
            'precision': (7, 4, 3)}


def _per_joint(table: Dict[str, tuple]) -> np.ndarray:
    """Digit-keyed table -> (15, ...) array in MANO joint order."""
    out = [None] * 15
    for digit, joints in MANO_FINGER_JOINTS.items():
        for k, joint in enumerate(joints):
            out[joint - 1] = table[digit][k]
    return np.asarray(out, dtype=np.float64)


#: (15, 3, 2) limits of (flex, abd, twist) per MANO joint 1-15, radians
JOINT_LIMITS = np.deg2rad(_per_joint(_LIMITS_DEG))


#: (15, 3, 3) rest frames of MANO joints 1-15 of the synthetic template
#: (right hand; columns: flex, dorsal, along axes), tabulated so that the
#: prior needs no hand model; a test checks them against
#: ``egohands.synth.hand`` (the template they come from).
_TEMPLATE_FRAMES = np.array([
    [[0.08715574274765817, 0.0, -0.9961946980917455],
     [-0.0, 1.0, 0.0],
     [0.9961946980917455, 0.0, 0.08715574274765817]],
    [[0.08715574274765817, 0.0, -0.9961946980917455],
     [-0.0, 1.0, 0.0],
     [0.9961946980917455, 0.0, 0.08715574274765817]],
    [[0.08715574274765817, 0.0, -0.9961946980917455],
     [-0.0, 1.0, 0.0],
     [0.9961946980917455, 0.0, 0.08715574274765817]],
    [[-0.01745240643728351, 0.0, -0.9998476951563913],
     [0.0, 1.0, 0.0],
     [0.9998476951563913, 0.0, -0.01745240643728351]],
    [[-0.01745240643728351, 0.0, -0.9998476951563913],
     [0.0, 1.0, 0.0],
     [0.9998476951563913, 0.0, -0.01745240643728351]],
    [[-0.01745240643728351, 0.0, -0.9998476951563913],
     [0.0, 1.0, 0.0],
     [0.9998476951563913, 0.0, -0.01745240643728351]],
    [[-0.24192189559966773, 0.0, -0.9702957262759965],
     [0.0, 1.0, 0.0],
     [0.9702957262759965, 0.0, -0.24192189559966773]],
    [[-0.24192189559966773, 0.0, -0.9702957262759965],
     [0.0, 1.0, 0.0],
     [0.9702957262759965, 0.0, -0.24192189559966773]],
    [[-0.24192189559966773, 0.0, -0.9702957262759965],
     [0.0, 1.0, 0.0],
     [0.9702957262759965, 0.0, -0.24192189559966773]],
    [[-0.12186934340514749, 0.0, -0.9925461516413221],
     [0.0, 1.0, 0.0],
     [0.9925461516413221, 0.0, -0.12186934340514749]],
    [[-0.12186934340514749, 0.0, -0.9925461516413221],
     [0.0, 1.0, 0.0],
     [0.9925461516413221, 0.0, -0.12186934340514749]],
    [[-0.12186934340514749, 0.0, -0.9925461516413221],
     [0.0, 1.0, 0.0],
     [0.9925461516413221, 0.0, -0.12186934340514749]],
    [[0.4728767628749446, 0.5064042499272831, -0.7210702481648369],
     [-0.8567202758766954, 0.4555262509792631, -0.24192189559966773],
     [0.2059561507570788, 0.7321547447939974, 0.6492545676704663]],
    [[0.36751673660974987, 0.370872910195668, -0.8528685319524433],
     [-0.8695336349509377, 0.462339234850303, -0.17364817766693033],
     [0.32991317948928495, 0.8054164862982582, 0.49240387650610395]],
    [[0.261439866069318, 0.2852581658921376, -0.9221046443986229],
     [-0.8781107135609146, 0.46689974844332954, -0.10452846326765348],
     [0.4007128287928884, 0.8370378747078351, 0.372554459301445]],
])
_TEMPLATE_FRAMES.setflags(write=False)


def joint_frames() -> np.ndarray:
    """(15, 3, 3) local frame of MANO joints 1-15 (right hand, template
    frame); columns are the flex, abd and twist axes."""
    return _TEMPLATE_FRAMES.copy()


def local_to_axis_angle(local: np.ndarray, side: str = 'right') -> np.ndarray:
    """(..., 15, 3) local (flex, abd, twist) rotations, rad -> (..., 45)
    MANO hand pose of the given side (flat-hand convention)."""
    local = np.asarray(local, dtype=np.float64)
    rotvec = np.einsum('jab,...jb->...ja', _TEMPLATE_FRAMES, local)
    if side == 'left':
        rotvec = flip_axis_angle(rotvec, 'horizontal')
    return rotvec.reshape(*local.shape[:-2], NUM_HAND_POSE)


def axis_angle_to_local(hand_pose: np.ndarray,
                        side: str = 'right') -> np.ndarray:
    """(..., 45) MANO hand pose -> (..., 15, 3) local (flex, abd, twist)."""
    rotvec = np.asarray(hand_pose, dtype=np.float64).reshape(
        *np.shape(hand_pose)[:-1], 15, 3)
    if side == 'left':
        rotvec = flip_axis_angle(rotvec, 'horizontal')
    return np.einsum('jba,...jb->...ja', _TEMPLATE_FRAMES, rotvec)


def clip_to_limits(local: np.ndarray) -> np.ndarray:
    """Clip (..., 15, 3) local rotations to :data:`JOINT_LIMITS`."""
    return np.clip(local, JOINT_LIMITS[..., 0], JOINT_LIMITS[..., 1])


def _sample_style(rng: np.random.Generator, n: int,
                  style: str) -> np.ndarray:
    """(n, 15, 3) local rotations, radians, before clipping."""
    std = np.deg2rad(np.asarray(_STD_DEG[style]))
    noise = rng.standard_normal((n, 15, 3)) * std
    mean = np.deg2rad(_per_joint(_MEANS_DEG[style]))
    if style == 'power':  # how firmly the hand is closed
        relaxed = np.deg2rad(_per_joint(_MEANS_DEG['relaxed']))
        closure = rng.uniform(0.7, 1.0, size=(n, 1, 1))
        mean = relaxed + closure * (mean - relaxed)
    local = mean + noise
    if style != 'open':  # DIP follows PIP (tendon coupling)
        for digit in ('index', 'middle', 'ring', 'pinky'):
            _, pip, dip = MANO_FINGER_JOINTS[digit]
            local[:, dip - 1, 0] = (0.6 * local[:, pip - 1, 0] +
                                    0.4 * local[:, dip - 1, 0])
    return local


def sample_hand_pose(rng: np.random.Generator, n: int,
                     style: str = 'relaxed',
                     side: str = 'right') -> np.ndarray:
    """Sample ``n`` hand poses within :data:`JOINT_LIMITS`.

    Args:
        rng: numpy random generator (the only source of randomness).
        n: number of poses.
        style: ``'open'`` (flat, fingers slightly spread), ``'relaxed'``
            (gently curled), ``'grasp'`` (half power grasps, half precision
            grasps), ``'power'`` (fingers wrapped as around a handle) or
            ``'precision'`` (fingertips towards the thumb, as for pinching).
        side: ``'right'`` or ``'left'`` (the mirrored pose).

    Returns:
        (n, 45) float64 MANO hand pose, axis-angle radians, flat-hand
        convention.
    """
    if style not in STYLES:
        raise ConfigError(f'pose style {style!r} is not one of {STYLES}')
    if side not in ('right', 'left'):
        raise ConfigError(f"hand side must be 'right' or 'left', got {side!r}")
    if style == 'grasp':
        power = rng.random(n) < 0.5
        local = np.where(power[:, None, None],
                         _sample_style(rng, n, 'power'),
                         _sample_style(rng, n, 'precision'))
    else:
        local = _sample_style(rng, n, style)
    return local_to_axis_angle(clip_to_limits(local), side)
