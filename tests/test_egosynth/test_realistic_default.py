"""The default EgoSynth looks like EgoExo4D's ego view: its camera, hand-box
sizes next to the public test file's, forearms entering from the border,
grasped objects, and the difficulty knobs of the tool."""
import json

import numpy as np
import pytest

from egohands.datasets.rle import decode_rle
from egohands.synth.egosynth import EgoSynthConfig, generate_egosynth
from egohands.synth.egosynth.forearms import tube_faces
from egohands.synth.egosynth.statistics import (
    EGOEXO4D_BOX_SIDE_PERCENTILES, EGOEXO4D_MEDIAN_CENTRE_OFFSET, PERCENTILES,
    keypoint_box_sides)
from tool_loader import load_tool


@pytest.fixture(scope='module')
def default_sample(tmp_path_factory, hand_dir):
    """160 images with every default (512 px, seed 3)."""
    out = tmp_path_factory.mktemp('egosynth_default')
    generate_egosynth(str(out), dict(val=160), seed=3, model_dir=hand_dir,
                      config=EgoSynthConfig(), workers=2, progress=False,
                      log=lambda *_: None)
    with open(out / 'annotations' / 'val.json') as f:
        return json.load(f)


@pytest.mark.slow
def test_default_camera_is_egoexo4d_undistorted_aria(default_sample):
    for image in default_sample['images']:
        assert (image['width'], image['height']) == (512, 512)
        camera = image['cam_param']
        np.testing.assert_allclose(camera['focal'], [150.0, 150.0],
                                   atol=1e-3)
        np.testing.assert_allclose(camera['princpt'], [255.5, 255.5],
                                   atol=1e-3)


@pytest.mark.slow
def test_hand_boxes_match_the_egoexo4d_test_file(default_sample):
    sides, offsets = keypoint_box_sides(default_sample['annotations'],
                                        512, 512)
    assert len(sides) > 200
    ours = np.percentile(sides, PERCENTILES)
    reference = np.asarray(EGOEXO4D_BOX_SIDE_PERCENTILES)
    assert np.all(np.abs(ours / reference - 1) <= 0.2), (ours, reference)
    assert abs(np.median(offsets) / EGOEXO4D_MEDIAN_CENTRE_OFFSET - 1) < 0.25


@pytest.mark.slow
def test_forearms_are_in_the_masks_and_reach_the_border(default_sample):
    hands = default_sample['annotations']
    with_arm = [a for a in hands if 'arm_segmentation' in a]
    assert len(with_arm) == len(hands)
    visible, reaching = 0, 0
    for ann in with_arm:
        arm = decode_rle(ann['arm_segmentation']).astype(bool)
        hand = decode_rle(ann['segmentation']).astype(bool)
        assert not (arm & hand).any()  # one instance per pixel
        if arm.sum() > 50:
            visible += 1
            border = np.concatenate([arm[0], arm[-1], arm[:, 0], arm[:, -1]])
            reaching += bool(border.any())
    assert visible / len(with_arm) > 0.8
    assert reaching / visible > 0.6


def test_forearm_tube_is_a_closed_band_of_quads():
    faces = tube_faces(3, 4)
    assert faces.shape == (2 * 2 * 4, 3)
    edges = {}
    for face in faces:
        for a, b in zip(face, np.roll(face, -1)):
            edges[(min(a, b), max(a, b))] = edges.get(
                (min(a, b), max(a, b)), 0) + 1
    # interior edges are shared by two triangles; the open ends' rim and
    # nothing else by one
    rims = [e for e, n in edges.items() if n == 1]
    assert len(rims) == 8 and all(n in (1, 2) for n in edges.values())


def test_grasping_hands_hold_objects(hand_dir):
    from egohands.synth.egosynth import sample_sequences, sequence_rng
    from egohands.synth.egosynth.config import POSE_STYLES
    from egohands.synth.egosynth.hand_meshes import HandMeshes
    config = EgoSynthConfig(occluder_prob=0.0, clutter_prob=0.0,
                            held_object_prob=1.0)
    scenes = sample_sequences([sequence_rng(0, 'train', i)
                               for i in range(24)], config,
                              HandMeshes(hand_dir))
    grasping = sum(POSE_STYLES[h.grasp] == 'grasp' for s in scenes
                   for h in s.hands)
    held = sum(len(s.objects) for s in scenes)
    assert grasping > 0 and held == grasping
    for scene in scenes:
        for obj in scene.objects:  # held between fingertips and bases
            distance = min(np.linalg.norm(h.joints[0].mean(0) -
                                          obj.vertices.mean(0))
                           for h in scene.hands)
            assert distance < 0.08


def test_tool_knobs_change_the_config():
    tool = load_tool('make_egosynth')
    args = tool.parse_args(['--fov', '90', '130', '--hand-distance', '0.2',
                            '0.4', '--occluders', '0.7', '--truncation',
                            '0.5', '--ambient', '0.1', '0.2', '--skin', '0.5',
                            '1', '--gloves', '0.3', '--backgrounds', 'noise',
                            'floor', '--no-forearms'])
    tool.check_args(args)
    config = tool.knob_config(args)
    assert config.camera.focal_fraction is None
    assert config.camera.hfov_deg == (90.0, 130.0)
    assert config.placement.root_distance_m == (0.2, 0.4)
    assert config.occluder_prob == 0.7
    assert config.placement.min_inside_fraction == pytest.approx(0.5)
    assert config.appearance.ambient == (0.1, 0.2)
    assert config.appearance.skin_range == (0.5, 1.0)
    assert config.appearance.glove_prob == 0.3
    assert config.background_kinds == ('noise', 'floor')
    assert config.forearm.prob == 0.0
    default = tool.knob_config(tool.parse_args([]))
    assert default == EgoSynthConfig()


@pytest.mark.parametrize('argv, message', [
    (['--fov', '130', '90'], '--fov takes LOW <= HIGH'),
    (['--occluders', '1.5'], '--occluders must be in [0, 1]'),
    (['--backgrounds', 'marble'], 'unknown kind(s) marble'),
])
def test_tool_rejects_bad_knobs(argv, message):
    from egohands.utils.errors import ConfigError
    tool = load_tool('make_egosynth')
    with pytest.raises(ConfigError, match=message.replace('(', r'\(')
                       .replace(')', r'\)').replace('[', r'\[')):
        tool.check_args(tool.parse_args(argv))
