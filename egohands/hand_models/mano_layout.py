"""MANO's kinematic layout: joint names, parents, fingers, fingertip vertices.

Facts of the MANO model as smplx uses it, shared by the MANO wrapper, the
synthetic MANO-format hand and the pose prior.

MANO order (16 joints): 0 wrist; 1-3 index; 4-6 middle; 7-9 pinky;
10-12 ring; 13-15 thumb, each finger from the palm outwards (for the thumb:
CMC, MCP, IP). The 21-joint "MANO+tips" order appends the fingertip vertices
thumb, index, middle, ring, pinky (smplx's ``vertex_ids['mano']``);
``egohands.geometry.joint_orders.MANO_TO_CANONICAL`` maps it to the canonical
order.
"""
from typing import Dict, Tuple

from egohands.geometry.joint_orders import MANO_FINGERTIP_VERTEX_IDS

NUM_MANO_JOINTS = 16
NUM_MANO_VERTICES = 778
NUM_HAND_POSE = 45  # 15 joints x 3 axis-angle
NUM_BETAS = 10

#: parent of each MANO joint (-1: the wrist is the root)
MANO_PARENTS: Tuple[int, ...] = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11,
                                 0, 13, 14)

#: MANO joints of each finger, from the palm outwards
MANO_FINGER_JOINTS: Dict[str, Tuple[int, int, int]] = {
    'index': (1, 2, 3),
    'middle': (4, 5, 6),
    'pinky': (7, 8, 9),
    'ring': (10, 11, 12),
    'thumb': (13, 14, 15),
}

MANO_JOINT_NAMES: Tuple[str, ...] = ('wrist', ) + tuple(
    f'{finger}{k}' for finger in ('index', 'middle', 'pinky', 'ring',
                                  'thumb') for k in (1, 2, 3))

#: order of the fingertips appended after the 16 joints (smplx's order)
FINGERTIP_ORDER: Tuple[str, ...] = ('thumb', 'index', 'middle', 'ring',
                                    'pinky')

#: smplx's MANO fingertip vertex id of each finger
FINGERTIP_VERTEX_IDS: Dict[str, int] = dict(
    zip(FINGERTIP_ORDER, MANO_FINGERTIP_VERTEX_IDS))

#: official file names inside a MANO model folder
MANO_FILE_NAMES: Dict[str, str] = {'right': 'MANO_RIGHT.pkl',
                                   'left': 'MANO_LEFT.pkl'}

#: value of the root's parent in MANO's ``kintree_table`` (uint32 -1)
KINTREE_ROOT = 4294967295
