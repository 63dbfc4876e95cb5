"""The canonical 21-joint hand: names, tree, drawing colours.

egohands uses one joint order everywhere a tensor crosses a module boundary:
the EgoExo4D / OpenPose order (wrist, then each finger from the palm to the
tip, thumb to pinky). Datasets and models with another native order convert
at their edge with ``egohands.geometry.joint_orders``.

The keypoint count is declared here once; heads, codecs and metrics read
``NUM_JOINTS`` instead of repeating 21.
"""
from typing import Dict, List, Tuple

FINGERS: Tuple[str, ...] = ('thumb', 'index', 'middle', 'ring', 'pinky')

JOINT_NAMES: Tuple[str, ...] = ('wrist', ) + tuple(
    f'{finger}{k}' for finger in FINGERS for k in range(1, 5))

NUM_JOINTS = len(JOINT_NAMES)  # 21

WRIST = 0
#: the two hand sides of every annotation (``hand_side``)
HAND_SIDES: Tuple[str, ...] = ('left', 'right')
#: index of the first joint (palm side) of each finger: thumb1, index1, ...
FINGER_BASES: Tuple[int, ...] = (1, 5, 9, 13, 17)
#: fingertip joints: thumb4, index4, middle4, ring4, pinky4
FINGERTIPS: Tuple[int, ...] = (4, 8, 12, 16, 20)

#: parent of every joint on the kinematic tree (-1 for the wrist)
JOINT_PARENTS: Tuple[int, ...] = (-1, ) + tuple(
    WRIST if k == 0 else base + k - 1 for base in FINGER_BASES
    for k in range(4))

#: bones as (parent, child) pairs, for drawing and bone-length checks
SKELETON: Tuple[Tuple[int, int], ...] = tuple(
    (p, c) for c, p in enumerate(JOINT_PARENTS) if p >= 0)

#: BGR colour per finger (thumb .. pinky); the wrist is drawn white
FINGER_COLORS_BGR: Tuple[Tuple[int, int, int], ...] = (
    (0, 0, 230), (0, 160, 255), (0, 210, 0), (230, 120, 0), (200, 0, 200))


def joint_colors_bgr() -> List[Tuple[int, int, int]]:
    """Colour of each of the 21 joints, by finger (the wrist is white)."""
    return [(255, 255, 255)] + [
        FINGER_COLORS_BGR[f] for f in range(len(FINGERS)) for _ in range(4)
    ]


def bone_colors_bgr() -> List[Tuple[int, int, int]]:
    """Colour of each bone of ``SKELETON``: the colour of its child joint."""
    colors = joint_colors_bgr()
    return [colors[child] for _, child in SKELETON]


def hand_metainfo() -> Dict:
    """The ``metainfo`` dict that every egohands hand dataset exposes."""
    return dict(
        joint_names=list(JOINT_NAMES),
        num_joints=NUM_JOINTS,
        joint_parents=list(JOINT_PARENTS),
        skeleton=[list(b) for b in SKELETON],
        joint_colors=joint_colors_bgr(),
        bone_colors=bone_colors_bgr(),
    )
