"""Challenge submissions: exactly the ground truth's entries, in order."""
import json
import os
import tarfile

import numpy as np
import pytest
import torch
from mmengine.config import Config

from egohands.apis.tool_config import add_prediction_dump
from egohands.datasets.hand_tracking import UmeTrackDataset
from egohands.evaluation.egoexo4d_evaluation import MissingPredictionError
from egohands.evaluation.hand_tracking_submission import (read_archive,
                                                          write_archive)
from egohands.evaluation.metrics import HandTrackingSubmissionWriter
from egohands.hand_models.toolkit_mano import (ToolkitMANO,
                                               transform_wrist_xform)
from egohands.testing.hand_tracking import make_hand_tracking_tars

HAND_MODEL = '/work/main/data/hand_models/synthetic'


def toolkit_gt_order(folder, every_n):
    """The GT writer's entries, read with tarfile and json only: tars'
    frames in member order, every n-th by position, the hands that have a
    crop camera, left then right."""
    entries = []
    for name in sorted(os.listdir(folder)):
        with tarfile.open(os.path.join(folder, name)) as tar:
            crops = [(int(m.name.split('.')[0]),
                      json.load(tar.extractfile(m)))
                     for m in tar.getmembers()
                     if m.name.endswith('.hand_crops.json')]
        for position, (frame, content) in enumerate(crops):
            if position % every_n == 0:
                entries += [(name.split('.')[0], frame, side)
                            for side in ('left', 'right') if content.get(side)]
    return entries


def predictions(dataset, world=True):
    """Fake MANO predictions for every sample of ``dataset``."""
    rng = np.random.default_rng(0)
    samples = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        mano = dict(mano_theta=rng.normal(size=15), betas=rng.normal(size=10))
        if world:
            mano['wrist_xform_world'] = rng.normal(size=6)
        else:
            mano['global_orient'] = rng.normal(size=3)
            mano['transl'] = rng.normal(size=3)
        samples.append(dict(sequence=info['sequence'], frame=info['frame'],
                            hand_side=info['hand_side'],
                            T_world_from_cam=info['T_world_from_cam'],
                            pred_mano=mano))
    return samples


@pytest.fixture(scope='module')
def hot3d_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('hot3d_submission'))
    make_hand_tracking_tars(root, 'test_aria', num_sequences=2,
                            num_frames=23, with_hands=False,
                            hidden={10: ('left', ), 20: ('left', 'right')})
    return root


def test_dumped_submission_has_exactly_the_gt_entries_in_order(
        hot3d_root, tmp_path):
    dataset = UmeTrackDataset(data_root=hot3d_root, split='test_aria',
                              test_mode=True)
    samples = predictions(dataset)
    out = str(tmp_path / 'pose_submission.tar.gz')
    writer = HandTrackingSubmissionWriter(
        data_root=hot3d_root, split='test_aria', dataset='hot3d',
        out_file=out)
    writer.process(None, samples)
    assert writer.evaluate(len(samples)) == {'submission_entries': 2 * 3}
    files = read_archive(out)
    assert set(files) == {'result_pose_hot3d.json', 'result_shape_hot3d.json'}
    pose = files['result_pose_hot3d.json']
    expected = toolkit_gt_order(os.path.join(hot3d_root, 'test_aria'), 10)
    # frames 0, 10, 20; frame 10 shows only the right hand, 20 none
    assert [e[1:] for e in expected[:3]] == [(0, 'left'), (0, 'right'),
                                             (10, 'right')]
    assert [(e['sequence_name'], e['frame_id'],
             ('left', 'right')[e['hand_side']]) for e in pose] == expected
    first = next(s for s in samples if s['frame'] == 0)
    np.testing.assert_allclose(pose[0]['mano_theta'],
                               first['pred_mano']['mano_theta'])
    assert set(pose[0]) == {'sequence_name', 'frame_id', 'mano_theta',
                            'wrist_xform', 'hand_side'}
    shape = files['result_shape_hot3d.json']
    assert [e['sequence_name'] for e in shape] == ['sequence_0000',
                                                   'sequence_0001']
    assert all(e['hand_side'] == 0 and len(e['mano_beta']) == 10
               for e in shape)


def test_a_missing_hand_names_the_entry(hot3d_root, tmp_path):
    dataset = UmeTrackDataset(data_root=hot3d_root, split='test_aria',
                              test_mode=True)
    samples = [s for s in predictions(dataset)
               if not (s['frame'] == 10 and s['sequence'] == 'sequence_0001')]
    writer = HandTrackingSubmissionWriter(
        data_root=hot3d_root, split='test_aria', dataset='hot3d',
        tracks='pose', out_file=str(tmp_path / 'x.tar.gz'))
    writer.process(None, samples)
    with pytest.raises(MissingPredictionError,
                       match='sequence sequence_0001, frame 10, right hand'):
        writer.evaluate(len(samples))


def test_archive_keeps_the_other_datasets_results(tmp_path):
    out = str(tmp_path / 'pose_submission.tar.gz')
    write_archive(out, {'result_pose_umetrack.json': [dict(a=1)]})
    write_archive(out, {'result_pose_hot3d.json': [dict(b=2)]})
    write_archive(out, {'result_pose_umetrack.json': [dict(a=3)]})
    assert read_archive(out) == {'result_pose_umetrack.json': [dict(a=3)],
                                 'result_pose_hot3d.json': [dict(b=2)]}


def test_camera_frame_wrists_are_moved_to_the_world():
    """MANO of the moved wrist_xform = the rigid motion of MANO's mesh."""
    mano = ToolkitMANO(HAND_MODEL)
    rng = np.random.default_rng(1)
    theta = torch.as_tensor(rng.normal(size=(2, 15)), dtype=torch.float32)
    betas = torch.as_tensor(rng.normal(size=(2, 10)), dtype=torch.float32)
    xform = rng.normal(0, 0.5, (2, 6))
    right = torch.tensor([False, True])
    T = np.eye(4)
    angle = 0.7
    T[:3, :3] = [[np.cos(angle), 0, np.sin(angle)], [0, 1, 0],
                 [-np.sin(angle), 0, np.cos(angle)]]
    T[:3, 3] = [0.3, -0.1, 0.2]
    with torch.no_grad():
        joints, _ = mano(theta, torch.as_tensor(xform, dtype=torch.float32),
                         betas, right)
        rest = mano.rest_wrist(betas, right).double().numpy()
        moved = transform_wrist_xform(xform, T, rest)
        joints_world, _ = mano(theta, torch.as_tensor(
            moved, dtype=torch.float32), betas, right)
    expected = joints.double().numpy() @ T[:3, :3].T + T[:3, 3]
    np.testing.assert_allclose(joints_world.double().numpy(), expected,
                               atol=1e-5)


def test_writer_moves_camera_frame_predictions(hot3d_root, tmp_path):
    dataset = UmeTrackDataset(data_root=hot3d_root, split='test_aria',
                              test_mode=True)
    out = str(tmp_path / 'pose.json')
    writer = HandTrackingSubmissionWriter(
        data_root=hot3d_root, split='test_aria', dataset='hot3d',
        tracks='pose', hand_model=HAND_MODEL, out_file=out)
    samples = predictions(dataset, world=False)
    writer.process(None, samples)
    writer.evaluate(len(samples))
    entries = json.loads(open(out).read())
    assert len(entries) == 6 and all(len(e['wrist_xform']) == 6
                                     for e in entries)


def test_test_py_dump_adds_the_writer():
    cfg = Config(dict(test_evaluator=dict(type='HandTrackingPoseMetric'),
                      dump_writer=dict(type='HandTrackingSubmissionWriter',
                                       data_root='data/hot3d',
                                       split='test_aria', dataset='hot3d')))
    used = add_prediction_dump(cfg, 'pose_submission.tar.gz', 'auto',
                               'config.py', meta={})
    assert used == 'submission'
    assert cfg.test_evaluator[-1]['out_file'] == 'pose_submission.tar.gz'
    assert cfg.test_evaluator[-1]['type'] == 'HandTrackingSubmissionWriter'
