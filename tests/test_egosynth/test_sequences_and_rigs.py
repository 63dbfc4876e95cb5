"""--seq-len and --views: sequence / frame / view ids, extrinsics that put
every view's joints at the same world position, smooth motion."""
import json
from collections import defaultdict

import numpy as np
import pytest

from egohands.synth.egosynth import EgoSynthConfig, generate_egosynth


@pytest.fixture(scope='module')
def rig_dataset(tmp_path_factory, hand_dir):
    out = tmp_path_factory.mktemp('egosynth_rig')
    config = EgoSynthConfig(width=96, height=96, seq_len=5, views=3)
    summary = generate_egosynth(str(out), dict(train=45), seed=1,
                                model_dir=hand_dir, config=config,
                                workers=1, progress=False,
                                log=lambda *_: None)
    with open(out / 'annotations' / 'train.json') as f:
        return json.load(f), summary


def _hands(data):
    """(image record, annotation, world joints (21, 3) mm) per hand."""
    images = {im['id']: im for im in data['images']}
    for ann in data['annotations']:
        image = images[ann['image_id']]
        world_from_cam = np.array(image['T_world_from_cam'])  # mm
        joints = np.array(ann['joints_3d'])
        yield (image, ann,
               joints @ world_from_cam[:3, :3].T + world_from_cam[:3, 3])


def test_images_carry_sequence_frame_view_and_extrinsics(rig_dataset):
    data, summary = rig_dataset
    images = data['images']
    assert summary['train']['images'] == len(images) == 45  # 3 sequences
    ids = {(im['sequence'], im['frame'], im['view']) for im in images}
    assert ids == {(s, f, v) for s in range(3) for f in range(5)
                   for v in range(3)}
    for image in images:
        transform = np.array(image['T_world_from_cam'])
        assert transform.shape == (4, 4)
        np.testing.assert_allclose(transform[:3, :3] @ transform[:3, :3].T,
                                   np.eye(3), atol=1e-5)
        np.testing.assert_array_equal(transform[3], [0, 0, 0, 1])
    # the rig is rigid: the pose of view v relative to view 0 is constant
    by_key = {(im['sequence'], im['frame'], im['view']): im for im in images}
    for seq in range(3):
        relative = [np.linalg.inv(np.array(by_key[seq, f, 0][
            'T_world_from_cam'])) @ np.array(by_key[seq, f, 2][
                'T_world_from_cam']) for f in range(5)]
        for r in relative[1:]:
            np.testing.assert_allclose(r, relative[0], atol=1e-3)
        # about 14 cm between the outer cameras, in mm
        assert 100 < np.linalg.norm(relative[0][:3, 3]) < 180


def test_views_of_a_frame_agree_on_the_world_joints(rig_dataset):
    data, _ = rig_dataset
    world = defaultdict(list)
    for image, ann, joints in _hands(data):
        world[image['sequence'], image['frame'], ann['hand_side']].append(
            joints)
    seen_twice = [v for v in world.values() if len(v) > 1]
    assert seen_twice  # some hands are annotated in several views
    for views in seen_twice:
        for other in views[1:]:
            np.testing.assert_allclose(other, views[0], atol=0.02)


def test_motion_is_smooth_and_not_static(rig_dataset):
    data, _ = rig_dataset
    tracks = defaultdict(dict)
    for image, ann, joints in _hands(data):
        tracks[image['sequence'], ann['hand_side']][image['frame']] = joints
    steps = []
    for track in tracks.values():
        frames = sorted(track)
        for a, b in zip(frames, frames[1:]):
            if b == a + 1:
                steps.append(np.linalg.norm(track[b] - track[a], axis=1))
    steps = np.array(steps)
    assert len(steps) >= 4
    assert steps.max() < 60.0      # mm per frame: no jumps
    assert steps.mean() > 0.5      # the hands do move


def test_mano_parameters_rebuild_the_joints_in_every_view(
        rig_dataset, rebuild_joints_mm):
    data, _ = rig_dataset
    checked = {}
    for image, ann, _ in _hands(data):
        if image['view'] not in checked:
            np.testing.assert_allclose(rebuild_joints_mm(ann),
                                       np.array(ann['joints_3d']), atol=0.05)
            checked[image['view']] = ann['id']
    assert len(checked) >= 2
