"""Render one frame of one view of a sampled EgoSynth sequence.

Hands (head frame) and objects (world) are moved into the camera, drawn
over the background in one z-buffer pass, annotated from the same pass
(masks, visibility), then degraded like a cheap head-mounted sensor.
"""
from typing import Dict, List, NamedTuple

import numpy as np

from egohands.rendering import Mesh, render_meshes

from .annotations import hand_record, transform_points
from .appearance import degrade_image
from .config import EgoSynthConfig
from .scene import SequenceScene


class RenderedImage(NamedTuple):
    """``image`` (H, W, 3) uint8 BGR; ``jpeg_quality``; ``hands`` records
    with ids still 0; ``K`` (3, 3); ``T_world_from_cam`` (4, 4) metres."""
    image: np.ndarray
    jpeg_quality: int
    hands: List[Dict]
    K: np.ndarray
    T_world_from_cam: np.ndarray


def background_window(scene: SequenceScene, frame: int, view: int,
                      world_from_cam: np.ndarray, height: int,
                      width: int) -> np.ndarray:
    """Crop of the view's background canvas that follows head rotation.

    The direction the camera looked at in frame 0 is projected into the
    current frame; the crop shifts by its pixel offset so the background
    slides the way a distant scene would.
    """
    margin = scene.margin
    canvas = scene.backgrounds[view]
    if margin == 0:
        return canvas
    world_from_cam0 = scene.T_world_from_head[0] @ scene.T_head_from_cam[view]
    axis_world = world_from_cam0[:3, :3] @ np.array([0.0, 0.0, 1.0])
    axis_cam = world_from_cam[:3, :3].T @ axis_world
    K = scene.K[view]
    if axis_cam[2] <= 1e-6:
        shift = np.zeros(2)
    else:
        shift = (K @ axis_cam)[:2] / axis_cam[2] - K[:2, 2]
    x0, y0 = np.clip(np.round(margin - shift), 0, 2 * margin).astype(int)
    return canvas[y0:y0 + height, x0:x0 + width]


def render_frame(scene: SequenceScene, frame: int, view: int,
                 config: EgoSynthConfig, hand_faces) -> RenderedImage:
    """Render ``frame`` of ``view`` and annotate its hands.

    Args:
        hand_faces: callable ``side -> (F, 3)`` faces of the hand model.
    """
    head_from_cam = scene.T_head_from_cam[view]
    world_from_cam = scene.T_world_from_head[frame] @ head_from_cam
    cam_from_head = np.linalg.inv(head_from_cam)
    cam_from_world = np.linalg.inv(world_from_cam)
    K = scene.K[view]
    meshes = [Mesh(transform_points(cam_from_head, hand.vertices[frame]),
                   hand_faces(hand.side), hand.colors)
              for hand in scene.hands]
    arm_instance = []
    for hand in scene.hands:
        arm_instance.append(len(meshes) if hand.forearm else None)
        if hand.forearm:
            arm_vertices, arm_faces, arm_colors = hand.forearm
            meshes.append(Mesh(transform_points(cam_from_head,
                                                arm_vertices[frame]),
                               arm_faces, arm_colors))
    meshes += [Mesh(transform_points(cam_from_world, obj.vertices),
                    obj.faces, obj.colors) for obj in scene.objects]
    light = cam_from_head[:3, :3] @ scene.light['light_dir']
    rendered = render_meshes(
        meshes, K, config.height, config.width, light_dir=light,
        ambient=scene.light['ambient'], diffuse=scene.light['diffuse'],
        background=background_window(scene, frame, view, world_from_cam,
                                     config.height, config.width))
    records = [hand_record(hand, index, frame, cam_from_head, K, rendered,
                           config, arm)
               for index, (hand, arm) in enumerate(zip(scene.hands,
                                                       arm_instance))]
    tone = scene.tones[view]
    image = degrade_image(scene.rng, rendered.image, tone, config.appearance)
    return RenderedImage(image, tone['jpeg_quality'],
                         [r for r in records if r], K, world_from_cam)
