"""EgoExo4DMetric and EgoExo4DSubmissionWriter on converted data: samples
from the dataset pipeline, predictions made from the known 3D hands."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator

from egohands.datasets.egoexo4d import layout
from egohands.evaluation.egoexo4d_evaluation import (MissingPredictionError,
                                                     evaluate_files)
from egohands.registry import DATASETS, METRICS
from egohands.utils.errors import ConfigError

from .tools_inprocess import run_tool

BASE = Path(__file__).parents[2] / 'configs/_base_/datasets/egoexo4d.py'


def samples(out, split, flip=False):
    """Packed HandDataSamples of a split (64 px crops; optionally every
    input flipped horizontally)."""
    cfg = Config.fromfile(str(BASE)).test_dataloader.dataset
    cfg.update(data_root=out, split=split)
    cfg.pipeline[2]['input_size'] = (64, 64)
    if flip:
        cfg.pipeline.insert(3, dict(type='RandomFlip', direction='horizontal',
                                    prob=1.0))
    dataset = DATASETS.build(cfg)
    return [dataset[i]['data_samples'] for i in range(len(dataset))]


def predict(data_samples, release, absolute=True, seed=0):
    """Set pred_joints_3d = the true hand (mm, original frame) + noise; the
    wrist is subtracted for ``absolute=False``."""
    truth = {(h.take_uid, int(h.frame), h.side): h.joints_cam_mm
             for h in release.expected}
    rng = np.random.default_rng(seed)
    for sample in data_samples:
        joints = truth[(sample.sequence, sample.frame, sample.orig_hand_side)]
        pred = joints + rng.normal(0, 5, joints.shape)
        if not absolute:
            pred = pred - joints[0]
        sample.pred_joints_3d = torch.as_tensor(pred, dtype=torch.float32)
        sample.pred_joints_absolute = absolute
    return data_samples


def run(metric_cfg, data_samples):
    evaluator = Evaluator([METRICS.build(metric_cfg)])
    evaluator.process(data_samples)
    return evaluator.evaluate(len(data_samples))


def test_metric_equals_the_official_file_evaluation(egoexo4d_release,
                                                    tmp_path):
    release, out = egoexo4d_release
    val = predict(samples(out, 'val'), release)
    from_samples = run(dict(type='EgoExo4DMetric'), val)
    from_file = run(dict(type='EgoExo4DMetric', data_root=out,
                         ann_file='annotation/manual/'
                         'ego_pose_gt_anno_val_public.json'), val)
    assert from_samples['num_hands'] == from_file['num_hands'] == 4
    assert 3 < from_samples['mpjpe'] < 12  # 5 mm noise per axis
    assert from_samples['mpjpe'] == pytest.approx(from_file['mpjpe'],
                                                  abs=1e-3)
    assert from_samples['pa_mpjpe'] == pytest.approx(from_file['pa_mpjpe'],
                                                     abs=1e-3)
    # wrist-relative predictions get the GT wrist back: the same numbers
    relative = predict(samples(out, 'val'), release, absolute=False)
    assert all(s.pred_joints_3d[0].abs().max() < 30 for s in relative)
    assert run(dict(type='EgoExo4DMetric'), relative)['mpjpe'] == \
        pytest.approx(from_samples['mpjpe'], abs=1e-3)
    # flipped inputs: ground truth is un-flipped, predictions are not
    flipped = predict(samples(out, 'val', flip=True), release)
    assert all(s.flip == 'horizontal' for s in flipped)
    assert run(dict(type='EgoExo4DMetric'), flipped)['mpjpe'] == \
        pytest.approx(from_samples['mpjpe'], abs=1e-3)


def test_metric_on_the_test_split_reports_no_hands(egoexo4d_release):
    release, out = egoexo4d_release
    test = predict(samples(out, 'test'), release)
    assert run(dict(type='EgoExo4DMetric'), test) == dict(num_hands=0)


def test_metric_against_file_needs_every_hand(egoexo4d_release):
    release, out = egoexo4d_release
    val = predict(samples(out, 'val'), release)[1:]
    with pytest.raises(MissingPredictionError, match=r'take [0-9a-f-]+, '
                       r'frame \d+, (left|right) hand'):
        run(dict(type='EgoExo4DMetric', ann_file=layout.
                 processed_annotation_file(out, 'manual', 'val')), val)


def writer(out, out_file):
    cfg = dict(Config.fromfile(str(BASE)).dump_writer)
    cfg.update(data_root=out, out_file=str(out_file))
    return cfg


def test_submission_matches_the_test_file_and_evaluates(egoexo4d_release,
                                                        tmp_path, capsys):
    release, out = egoexo4d_release
    test = predict(samples(out, 'test'), release)
    sub_file = tmp_path / 'submission.json'
    assert run(writer(out, sub_file), test) == dict(submission_hands=4)
    submission = json.load(open(sub_file))
    boxes = json.load(open(layout.processed_annotation_file(out, 'manual',
                                                            'test')))
    assert submission.keys() == boxes.keys()
    preds = {(s.sequence, s.frame, s.orig_hand_side):
             s.pred_joints_3d.numpy() / 1000 for s in test}
    for uid, frames in boxes.items():
        assert submission[uid].keys() == frames.keys()
        for frame, record in frames.items():
            entry = submission[uid][frame]
            assert set(entry) == {'left_hand_3d', 'right_hand_3d'}
            for side in ('left', 'right'):
                if record[f'{side}_hand_bbox']:
                    np.testing.assert_allclose(
                        entry[f'{side}_hand_3d'],
                        preds[(uid, int(frame), side)], atol=1e-9)
                else:
                    assert entry[f'{side}_hand_3d'] == []
    # the test boxes are the val boxes here: the official evaluation of the
    # submission against the val GT equals the metric on the val samples
    gt_file = layout.processed_annotation_file(out, 'manual', 'val')
    val = predict(samples(out, 'val'), release)
    assert run_tool('tools/eval_egoexo4d.py', [gt_file, sub_file]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    expected = run(dict(type='EgoExo4DMetric'), val)
    assert printed['num_hands'] == 4
    assert printed['mpjpe'] == pytest.approx(expected['mpjpe'], abs=1e-3)


def test_wrist_relative_submission_needs_offset(egoexo4d_release, tmp_path):
    release, out = egoexo4d_release
    sub_file = tmp_path / 'relative.json'
    run(writer(out, sub_file), predict(samples(out, 'test'), release,
                                       absolute=False))
    gt_file = layout.processed_annotation_file(out, 'manual', 'val')
    with_offset = evaluate_files(gt_file, str(sub_file), offset=True)
    without = evaluate_files(gt_file, str(sub_file), offset=False)
    assert with_offset['mpjpe'] < 20 < 200 < without['mpjpe']
    assert with_offset['pa_mpjpe'] == pytest.approx(without['pa_mpjpe'])


def test_writer_refuses_a_missing_boxed_hand(egoexo4d_release, tmp_path):
    release, out = egoexo4d_release
    test = predict(samples(out, 'test'), release)
    missing = test.pop(2)
    sub_file = tmp_path / 'sub.json'
    with pytest.raises(MissingPredictionError) as err:
        run(writer(out, sub_file), test)
    assert (f'take {missing.sequence}, frame {missing.frame}, '
            f'{missing.orig_hand_side} hand: no prediction') in str(err.value)
    assert not sub_file.exists()


def test_writer_configuration_errors(egoexo4d_release, tmp_path):
    release, out = egoexo4d_release
    test = predict(samples(out, 'test'), release)
    test[0].pred_joints_absolute = False
    with pytest.raises(ConfigError, match='absolute and some wrist-relative'):
        run(writer(out, tmp_path / 'sub.json'), test)
    cfg = writer(out, tmp_path / 'sub.json')
    cfg.pop('out_file')
    with pytest.raises(ConfigError, match='--dump'):
        run(cfg, predict(samples(out, 'test'), release))
