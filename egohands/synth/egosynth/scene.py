"""Sampling the 3D content of EgoSynth sequences (no pixels yet).

A *sequence* is ``seq_len`` frames seen by ``views`` cameras; a single image
is a sequence of one frame and one view. Sampling one sequence draws, from
its own random generator only (so any worker produces the same result):
cameras and rig, head motion, one or two hands (side, pose style, finger
poses, shape, motion, placement), occluders and clutter, light, skin and
backgrounds. The hand model runs once per chunk of sequences, batched over
every hand and frame of the chunk.

Frames: the *head frame* (:mod:`.rigs`) moves with the head; the *world*
is the head frame of frame 0. Hands are stored per frame in the head
frame, objects in the world. Lengths in metres.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from egohands.rendering import Mesh

from .appearance import (hand_vertex_colors, sample_camera_tone,
                         sample_lighting)
from .backgrounds import sample_background
from .cameras import sample_intrinsics
from .config import POSE_STYLES, EgoSynthConfig
from .forearms import forearm_mesh, sample_forearm_style, shoulder_position
from .occluders import sample_objects
from .placement import (hand_frame, hands_apart, head_axes,
                        sample_aim_rays, sample_orientations,
                        sample_root_distances, view_fit, wrist_for_centre)
from .rigs import sample_rig
from .sequences import key_pose_track, smooth_rigid_motion


@dataclass
class SceneHand:
    """One hand over a sequence; arrays per frame, head frame, metres.

    ``rotation`` (T, 3, 3) MANO global rotation, ``transl`` (T, 3) MANO
    translation, ``vertices`` (T, V, 3), ``joints`` (T, 21, 3) canonical
    order, ``hand_pose`` (T, 45) flat-hand-mean axis-angle, ``betas``
    (10,), ``root_rest`` (3,) the wrist joint of the unposed hand ``J0``,
    ``colors`` (V, 3) RGB albedo, ``grasp`` index into ``POSE_STYLES``.
    """
    side: str
    grasp: int
    betas: np.ndarray
    hand_pose: np.ndarray
    root_rest: np.ndarray
    rotation: np.ndarray
    transl: np.ndarray
    vertices: np.ndarray
    joints: np.ndarray
    colors: np.ndarray
    forearm: Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]] = None


@dataclass
class SequenceScene:
    """Everything needed to render the frames and views of one sequence.

    ``K`` (V, 3, 3) per view, ``K_head`` (3, 3) of the placement camera,
    ``T_head_from_cam`` (V, 4, 4), ``T_world_from_head`` (T, 4, 4), objects
    in the world frame, ``light`` (``light_dir`` in the head frame,
    ``ambient``, ``diffuse``), ``backgrounds`` (V, H + 2m, W + 2m, 3) with
    ``margin`` m px, ``tones`` (per view, see ``sample_camera_tone``) and
    ``rng`` that continues for per-image effects.
    """
    K: np.ndarray
    K_head: np.ndarray
    T_head_from_cam: np.ndarray
    T_world_from_head: np.ndarray
    hands: List[SceneHand]
    objects: List[Mesh]
    light: Dict
    backgrounds: np.ndarray
    margin: int
    tones: List[Dict]
    rng: np.random.Generator


@dataclass
class _HandDraft:
    """A hand before its mesh is known (first sampling stage)."""
    side: str
    grasp: int
    betas: np.ndarray
    hand_pose: np.ndarray          # (T, 45)
    motion: np.ndarray             # (T, 4, 4) in the world, about the wrist
    vertices: np.ndarray = None    # (T, V, 3) local, after the hand model
    joints: np.ndarray = None      # (T, 21, 3) local


def _draft_hands(rng: np.random.Generator, config: EgoSynthConfig,
                 hand_model) -> List[_HandDraft]:
    """Sides, styles, finger poses, shapes and motions of a sequence."""
    if rng.uniform() < config.two_hands_prob:
        sides = ['left', 'right']
    else:
        sides = ['left' if rng.uniform() < 0.5 else 'right']
    frames = config.seq_len
    drafts = []
    for side in sides:
        grasp = int(rng.choice(len(POSE_STYLES), p=config.style_probs))

        def key_poses(count, side=side, style=POSE_STYLES[grasp]):
            return hand_model.sample_pose(rng, count, style, side)
        hand_pose = key_pose_track(rng, frames, key_poses, config.motion)
        motion = (smooth_rigid_motion(rng, frames,
                                      config.motion.hand_rotation_deg,
                                      config.motion.hand_translation_m,
                                      config.motion)
                  if frames > 1 else np.eye(4)[None])
        drafts.append(_HandDraft(side, grasp, rng.standard_normal(10),
                                 hand_pose, motion))
    return drafts


def _pose_drafts(drafts: Sequence[_HandDraft], hand_model) -> None:
    """Run the hand model once per side over all drafts and frames."""
    for side in ('left', 'right'):
        group = [d for d in drafts if d.side == side]
        if not group:
            continue
        poses = np.concatenate([d.hand_pose for d in group])
        betas = np.concatenate([np.tile(d.betas, (len(d.hand_pose), 1))
                                for d in group])
        vertices, joints = hand_model.pose(side, poses, betas)
        start = 0
        for draft in group:
            stop = start + len(draft.hand_pose)
            draft.vertices, draft.joints = vertices[start:stop], \
                joints[start:stop]
            start = stop


def _place_hand(rng: np.random.Generator, draft: _HandDraft,
                config: EgoSynthConfig, K_head: np.ndarray, pitch: float,
                head_from_world: np.ndarray, local_frame: np.ndarray,
                others: List[np.ndarray], required: bool):
    """Turn and move a posed hand until it fits the head camera.

    Returns ``(rotation (T, 3, 3), wrist (T, 3), fits (T,))`` of the chosen
    candidate, or None when no candidate fits and the hand is not required.
    """
    cfg = config.placement
    root = draft.joints[0, 0]
    centre_local = draft.joints[0].mean(axis=0) - root
    best, best_score = None, -1
    for _ in range(config.placement_attempts):
        count = config.placement_candidates
        rot0 = sample_orientations(rng, count, draft.side, pitch,
                                   local_frame, cfg)
        rays = sample_aim_rays(rng, count, K_head, config.width,
                               config.height, cfg)
        distance = sample_root_distances(rng, count, cfg)
        wrist0 = wrist_for_centre(rays, rot0 @ centre_local, distance)
        # per frame: world motion about the wrist, then into the head frame
        world_rot = draft.motion[None, :, :3, :3] @ rot0[:, None]
        world_wrist = wrist0[:, None] + draft.motion[None, :, :3, 3]
        rotation = head_from_world[None, :, :3, :3] @ world_rot
        wrist = (np.einsum('tij,ctj->cti', head_from_world[:, :3, :3],
                           world_wrist) + head_from_world[None, :, :3, 3])
        turn = rotation.swapaxes(-1, -2)
        vertices = (draft.vertices - root) @ turn + wrist[:, :, None]
        fits = view_fit(vertices, K_head, config.width, config.height, cfg)
        if others:
            joints = (draft.joints - root) @ turn + wrist[:, :, None]
            for other in others:
                fits &= hands_apart(joints, other[None], cfg.min_hand_gap_m)
        score = fits.sum(axis=1)
        winner = int(np.argmax(score))
        if score[winner] > best_score:
            best, best_score = (rotation[winner], wrist[winner],
                                fits[winner]), score[winner]
        if best_score == config.seq_len:
            return best
    return best if required else None


def _finish_hand(rng, draft: _HandDraft, rotation: np.ndarray,
                 wrist: np.ndarray, hand_model, config: EgoSynthConfig,
                 pitch: float) -> SceneHand:
    """Posed vertices / joints in the head frame, MANO parameters and the
    forearm."""
    root = draft.joints[0, 0]
    turn = rotation.swapaxes(-1, -2)
    vertices = (draft.vertices - root) @ turn + wrist[:, None]
    joints = (draft.joints - root) @ turn + wrist[:, None]
    rest = hand_model.rest(draft.side)
    colors = hand_vertex_colors(rng, rest['vertices'], rest['palm_side'],
                                config.appearance)
    hand = SceneHand(draft.side, draft.grasp, draft.betas, draft.hand_pose,
                     root, rotation, wrist - root, vertices, joints, colors)
    if rng.uniform() < config.forearm.prob:
        hand.forearm = _forearm(rng, hand, rest, config, pitch)
    return hand


def _forearm(rng, hand: SceneHand, rest: Dict, config: EgoSynthConfig,
             pitch: float):
    """The arm mesh of a placed hand, its skin the hand's wrist colour."""
    near_wrist = np.linalg.norm(rest['vertices'] - rest['joints'][0],
                                axis=1) < 0.025
    skin = hand.colors[near_wrist].mean(axis=0)
    scale = (np.linalg.norm(hand.joints[0, 9] - hand.joints[0, 0]) /
             np.linalg.norm(rest['joints'][9] - rest['joints'][0]))
    style = sample_forearm_style(rng, skin, scale, config.forearm)
    palm = np.stack([hand_frame(j, hand.side)[:, 1] for j in hand.joints])
    return forearm_mesh(hand.joints, palm,
                        shoulder_position(hand.side, pitch, config.forearm),
                        style, config.forearm)


def _head_motion(rng, config: EgoSynthConfig) -> np.ndarray:
    if config.seq_len == 1:
        return np.eye(4)[None]
    return smooth_rigid_motion(rng, config.seq_len,
                               config.motion.head_rotation_deg,
                               config.motion.head_translation_m,
                               config.motion)


def sample_sequences(rngs: Sequence[np.random.Generator],
                     config: EgoSynthConfig,
                     hand_model) -> List[SequenceScene]:
    """Sample one :class:`SequenceScene` per generator, batching the hand
    model over all of them.

    Args:
        rngs: one generator per sequence (its draws depend on nothing else).
        hand_model: a :class:`~.hand_meshes.HandMeshes`.
    """
    stage = []
    for rng in rngs:
        K = np.stack([sample_intrinsics(rng, config.width, config.height,
                                        config.camera)
                      for _ in range(config.views)])
        K_head = K[0] if config.views == 1 else sample_intrinsics(
            rng, config.width, config.height, config.camera)
        rig = sample_rig(rng, config.views, config.rig)
        pitch = rng.uniform(*config.camera.pitch_deg)
        world_from_head = _head_motion(rng, config)
        drafts = _draft_hands(rng, config, hand_model)
        stage.append((K, K_head, rig, pitch, world_from_head, drafts))
    _pose_drafts([d for *_, drafts in stage for d in drafts], hand_model)
    return [_finish_sequence(rng, config, hand_model, *staged)
            for rng, staged in zip(rngs, stage)]


def _finish_sequence(rng, config: EgoSynthConfig, hand_model, K, K_head,
                     rig, pitch, world_from_head, drafts) -> SequenceScene:
    head_from_world = np.linalg.inv(world_from_head)
    hands: List[SceneHand] = []
    for draft in drafts:
        local_frame = hand_frame(hand_model.rest(draft.side)['joints'],
                                 draft.side)
        placed = _place_hand(rng, draft, config, K_head, pitch,
                             head_from_world, local_frame,
                             [h.joints for h in hands], required=not hands)
        if placed is not None:
            hands.append(_finish_hand(rng, draft, placed[0], placed[1],
                                      hand_model, config, pitch))
    # objects stay in the world: a held object only in single images
    holding = [config.seq_len == 1 and POSE_STYLES[h.grasp] == 'grasp'
               for h in hands]
    objects = sample_objects(rng, [h.joints[0] for h in hands],
                             config.occluder_prob, config.clutter_prob,
                             holding, config.held_object_prob)
    down, _ = head_axes(pitch)
    light = sample_lighting(rng, -down, config.appearance)
    margin = (int(round(config.background_margin * max(config.width,
                                                       config.height)))
              if config.seq_len > 1 else 0)
    backgrounds = np.stack([
        sample_background(rng, config.height + 2 * margin,
                          config.width + 2 * margin,
                          kinds=config.background_kinds)
        for _ in range(config.views)])
    tones = [sample_camera_tone(rng, config.appearance)
             for _ in range(config.views)]
    return SequenceScene(K, K_head, rig, world_from_head, hands, objects,
                         light, backgrounds, margin, tones, rng)

