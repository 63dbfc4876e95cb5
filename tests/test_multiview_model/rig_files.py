"""A hand-built two-camera rig in the canonical format, for data tests.

Camera 0 sits at the world origin; camera 1 is 100 mm to its right,
turned 20 degrees towards it. Frames (right hand unless said):

* 0: both views see the hand; a left hand only in view 1;
* 1: only view 0 has an annotation (view 1 is missing);
* 2: view 1's record is off its image (every keypoint outside);
* 3: view 0's record has a joint behind its camera (reference = view 1).
"""
import os

import cv2
import numpy as np

from egohands.datasets.coco_format import (hand_annotation, image_record,
                                           write_annotation_file)
from egohands.geometry.rotation import axis_angle_to_matrix

SIZE = 96
K = np.array([[70.0, 0, 47.5], [0, 70.0, 47.5], [0, 0, 1]])


def world_from_cam(view: int) -> np.ndarray:
    """(4, 4) mm."""
    transform = np.eye(4)
    if view == 1:
        transform[:3, :3] = np.asarray(axis_angle_to_matrix(
            np.array([0.0, np.deg2rad(-20.0), 0.0])))
        transform[:3, 3] = [100.0, 0.0, 0.0]
    return transform


def hand_joints_world(frame: int, side: str) -> np.ndarray:
    rng = np.random.default_rng(10 * frame + (side == 'left'))
    return rng.normal([50.0, 10.0, 300.0], 25.0, size=(21, 3))


def _record(ann_id, image_id, side, joints_cam):
    uv = joints_cam[:, :2] / joints_cam[:, 2:] * K[0, 0] + K[:2, 2]
    x0, y0 = uv.min(0)
    x1, y1 = uv.max(0)
    return hand_annotation(ann_id, image_id, side,
                           [x0, y0, max(x1 - x0, 1), max(y1 - y0, 1)], uv,
                           np.full(21, 2), joints_cam, np.ones(21),
                           mano=dict(global_orient=np.zeros(3),
                                     hand_pose=np.zeros(45),
                                     betas=np.full(10, 0.5),
                                     transl=np.zeros(3)))


def write_rig(root: str) -> str:
    """Write ``root/annotations/train.json`` and its images; return root."""
    os.makedirs(os.path.join(root, 'images'), exist_ok=True)
    rng = np.random.default_rng(0)
    images, annotations = [], []
    hands = {(0, 0, 'right'), (0, 1, 'right'), (0, 1, 'left'),
             (1, 0, 'right'), (2, 0, 'right'), (2, 1, 'right'),
             (3, 0, 'right'), (3, 1, 'right')}
    for frame in range(4):
        for view in range(2):
            image_id = 2 * frame + view + 1
            name = f'images/{frame}_{view}.png'
            cv2.imwrite(os.path.join(root, name),
                        rng.integers(0, 255, (SIZE, SIZE, 3), np.uint8))
            images.append(image_record(image_id, name, SIZE, SIZE, K,
                                       sequence='seq', frame=frame,
                                       view=view,
                                       T_world_from_cam=world_from_cam(view)))
            for side in ('right', 'left'):
                if (frame, view, side) not in hands:
                    continue
                joints = hand_joints_world(frame, side)
                cam = (joints - world_from_cam(view)[:3, 3]) @ \
                    world_from_cam(view)[:3, :3]
                if frame == 2 and view == 1:
                    cam = cam + [2000.0, 0.0, 0.0]  # off the image
                if frame == 3 and view == 0:
                    cam[4, 2] = -5.0  # one joint behind the camera
                annotations.append(_record(len(annotations) + 1, image_id,
                                           side, cam))
    write_annotation_file(os.path.join(root, 'annotations', 'train.json'),
                          images, annotations, dataset_name='rig')
    return root
