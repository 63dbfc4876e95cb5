"""Annotation records of rendered EgoSynth hands (docs/data_format.md).

The records are built with ``egohands.datasets.coco_format`` so EgoSynth
writes exactly the canonical format. Choices specific to EgoSynth:

* ``bbox``: the box of the hand's **whole projected mesh** (all vertices,
  visible or hidden by occluders), clipped to the pixel-centre range
  ``[0, w - 1] x [0, h - 1]``, so a top-down crop holds the whole hand even
  when an object hides part of it.
* ``keypoints``: exact projections of the joints with the stored ``K``,
  also for joints outside the image (their ``v`` is 0); ``v`` is 2 when
  the rendered surface at the joint's pixel (or a pixel next to it) is
  this hand's skin just in front of the joint, else 1 (see
  :mod:`egohands.rendering.visibility`).
* ``joints_valid`` is 1 for every joint (synthetic ground truth is exact).
* ``segmentation``: compressed COCO RLE of the visible hand pixels;
  ``arm_segmentation`` the same for the hand's forearm (when it has one).
* ``mano``: the parameters that reproduce the hand in this camera's frame
  (flat-hand-mean, axis-angle, ``transl`` in metres).
* ``grasp``: index of the sampled pose style (0 open, 1 relaxed, 2 grasp).
"""
from typing import Dict, List, Optional

import numpy as np

from egohands.datasets.coco_format import hand_annotation
from egohands.datasets.metainfo import FINGER_BASES, NUM_JOINTS, WRIST
from egohands.datasets.rle import encode_rle
from egohands.geometry.rotation import matrix_to_axis_angle
from egohands.rendering import (RenderResult, joint_visibility,
                                project_to_pixels)

from .config import EgoSynthConfig
from .placement import view_fit
from .scene import SceneHand

THUMB1 = FINGER_BASES[0]


def joint_tolerances(config: EgoSynthConfig) -> np.ndarray:
    """(21,) metres: how far in front of each joint its own skin may be for
    the joint to count as visible (the wrist and bases sit deeper)."""
    wrist, thumb1, bases, other = config.joint_tolerance_m
    tolerance = np.full(NUM_JOINTS, other)
    tolerance[list(FINGER_BASES)] = bases
    tolerance[THUMB1] = thumb1
    tolerance[WRIST] = wrist
    return tolerance


def transform_points(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a (4, 4) rigid transform to (..., 3) points."""
    return points @ transform[:3, :3].T + transform[:3, 3]


def mesh_box_xywh(uv: np.ndarray, width: int, height: int) -> List[float]:
    """xywh box of projected points (N, 2), clipped to pixel centres."""
    x0, y0 = np.clip(uv.min(axis=0), 0, [width - 1, height - 1])
    x1, y1 = np.clip(uv.max(axis=0), 0, [width - 1, height - 1])
    return [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]


def mano_in_camera(hand: SceneHand, frame: int,
                   cam_from_head: np.ndarray) -> Dict[str, np.ndarray]:
    """MANO parameters of ``hand`` at ``frame`` in a camera's frame.

    MANO places a point as ``R (x - J0) + J0 + t``; moving it rigidly by
    ``(A, b)`` gives rotation ``A R`` and translation
    ``A (J0 + t) + b - J0``.
    """
    rotation = cam_from_head[:3, :3] @ hand.rotation[frame]
    root = hand.root_rest
    transl = transform_points(cam_from_head, root + hand.transl[frame]) \
        - root
    return {'global_orient': np.asarray(matrix_to_axis_angle(rotation)),
            'hand_pose': hand.hand_pose[frame], 'betas': hand.betas,
            'transl': transl}


def hand_record(hand: SceneHand, instance: int, frame: int,
                cam_from_head: np.ndarray, K: np.ndarray,
                rendered: RenderResult, config: EgoSynthConfig,
                arm_instance: Optional[int] = None) -> Optional[Dict]:
    """The ``annotations[]`` record of one rendered hand (ids set to 0).

    Args:
        instance: the hand's instance id in ``rendered``.
        arm_instance: its forearm's instance id, if it has one.
        cam_from_head: (4, 4) head frame -> this camera, metres.
        K: (3, 3) intrinsics of the image.

    Returns:
        The record, or None when the hand is not acceptably in view (it is
        then drawn but not annotated; only possible in multi-view rigs and
        on some sequence frames).
    """
    vertices = transform_points(cam_from_head, hand.vertices[frame])
    if not view_fit(vertices, K, config.width, config.height,
                    config.placement):
        return None
    joints = transform_points(cam_from_head, hand.joints[frame])
    keypoints, _ = project_to_pixels(joints, K)
    flags = joint_visibility(joints, K, instance, rendered.instance_id,
                             rendered.depth, joint_tolerances(config),
                             config.visibility_search_px)
    vertex_uv, _ = project_to_pixels(vertices, K)
    record = hand_annotation(
        0, 0, hand.side,
        mesh_box_xywh(vertex_uv, config.width, config.height),
        keypoints, flags, joints * 1000.0, np.ones(NUM_JOINTS, np.int64),
        mano=mano_in_camera(hand, frame, cam_from_head),
        segmentation=encode_rle(rendered.mask(instance)),
        grasp=hand.grasp)
    if arm_instance is not None:
        record['arm_segmentation'] = encode_rle(rendered.mask(arm_instance))
    return record
