"""Mean-pose baselines and the run report: hand-worked means, agreement with
the registered metric, and tools/report.py on a real dump."""
import json

import numpy as np
import pytest

from egohands.evaluation.baselines import (mean_pose, per_side_predictions,
                                           side_mean_poses)
from egohands.evaluation.metrics import HandKeypoint3DMetric
from egohands.evaluation.run_report import (MEAN_POSE, MODEL,
                                            SIDE_MEAN_POSE,
                                            compare_with_baselines,
                                            format_table, table_metrics)
from egohands.utils.errors import ConfigError
from .test_metrics import evaluate, make_sample


def test_mean_pose_by_hand():
    joints = np.zeros((3, 21, 3))
    joints[:, 0] = [[10, 0, 300], [0, 20, 400], [5, 5, 500]]  # wrists
    joints[:, 1:] = joints[:, :1]
    joints[0, 1] += [2, 0, 0]
    joints[1, 1] += [4, 0, 0]
    joints[2, 1] += [100, 0, 0]
    valid = np.ones((3, 21))
    valid[2, 1] = 0  # the outlier does not count
    pose = mean_pose(joints, valid)
    np.testing.assert_allclose(pose[1], [3, 0, 0])
    np.testing.assert_allclose(pose[[0, 2]], 0)
    sides = ['left', 'right', 'right']
    poses = side_mean_poses(joints, valid, sides)
    np.testing.assert_allclose(poses['left'][1], [2, 0, 0])
    np.testing.assert_allclose(poses['right'][1], [4, 0, 0])
    # a side without training hands falls back to the overall mean
    fallback = side_mean_poses(joints[1:], valid[1:], sides[1:])
    np.testing.assert_allclose(fallback['left'], mean_pose(joints[1:],
                                                           valid[1:]))
    assert per_side_predictions(['right', 'left'], poses).shape == (2, 21, 3)
    with pytest.raises(ConfigError, match='sides'):
        per_side_predictions(['middle'], poses)


def _records(rng, n, noise):
    gt = rng.normal(size=(n, 21, 3)) * 30 + [0, 0, 400]
    pred = gt - gt[:, :1] + rng.normal(size=(n, 21, 3)) * noise
    valid = rng.random((n, 21)) > 0.2
    valid[:, 0] = True
    sides = rng.choice(['left', 'right'], size=n)
    return [dict(pred_joints_3d=p, gt_joints_3d=g, gt_joints_valid=v,
                 hand_side=str(s), pred_joints_absolute=False)
            for p, g, v, s in zip(pred, gt, valid.astype(float), sides)]


def test_table_agrees_with_the_registered_metric():
    rng = np.random.default_rng(0)
    records = _records(rng, 12, noise=5.0)
    samples = [make_sample(r['pred_joints_3d'], r['gt_joints_3d'],
                           r['gt_joints_valid'], side=r['hand_side'],
                           absolute=False) for r in records]
    expected = evaluate(HandKeypoint3DMetric(), samples)
    got = table_metrics(np.stack([r['pred_joints_3d'] for r in records]),
                        np.stack([r['gt_joints_3d'] for r in records]),
                        np.stack([r['gt_joints_valid'] > 0
                                  for r in records]))
    for key in ('mpjpe', 'pa_mpjpe', 'pck_auc'):
        assert got[key] == pytest.approx(expected[key], rel=1e-5)


def test_compare_with_baselines_ranks_a_good_model_first():
    rng = np.random.default_rng(1)
    records = _records(rng, 40, noise=2.0)
    train = rng.normal(size=(50, 21, 3)) * 30
    report = compare_with_baselines(records, train, np.ones((50, 21)),
                                    ['left', 'right'] * 25)
    rows = report['rows']
    assert set(rows) == {MODEL, MEAN_POSE, SIDE_MEAN_POSE}
    assert rows[MODEL]['pa_mpjpe'] < rows[MEAN_POSE]['pa_mpjpe']
    assert report['pa_mpjpe_ratio'][MEAN_POSE] == pytest.approx(
        rows[MODEL]['pa_mpjpe'] / rows[MEAN_POSE]['pa_mpjpe'])
    table = format_table(report)
    assert 'PA-MPJPE' in table and f'{rows[MODEL]["mpjpe"]:.2f}' in table
    with pytest.raises(ConfigError, match='no ground truth'):
        compare_with_baselines([dict(records[0], gt_joints_3d=None)], train,
                               np.ones((50, 21)), ['left'] * 50)


@pytest.mark.slow
def test_report_tool_on_a_tiny_run(run_python, tiny_config, toy_data_root,
                                   tmp_path):
    work = tmp_path / 'work'
    common = ['--work-dir', work, '--cfg-options',
              f'data_root={toy_data_root}']
    train = run_python(['tools/train.py', tiny_config, *common,
                        'train_cfg.max_epochs=1'])
    assert train.returncode == 0, train.stderr[-2000:]
    checkpoint = (work / 'last_checkpoint').read_text().strip()
    dump, show = tmp_path / 'pred.npz', tmp_path / 'crops'
    test = run_python(['tools/test.py', tiny_config, checkpoint, *common,
                       '--dump', dump, '--show-dir', show])
    assert test.returncode == 0, test.stderr[-2000:]
    out = tmp_path / 'report'
    report = run_python(['tools/report.py', tiny_config, dump, '--show-dir',
                         show, '--out-dir', out, '--cfg-options',
                         f'data_root={toy_data_root}'])
    assert report.returncode == 0, report.stderr[-2000:]
    assert 'mean pose per side' in report.stdout
    saved = json.loads((out / 'report.json').read_text())
    # the model row is the test run's own metric
    metrics = json.loads((work / 'metrics.json').read_text())
    assert saved['rows'][MODEL]['pa_mpjpe'] == pytest.approx(
        metrics['pa_mpjpe'], rel=1e-5)
    assert (out / 'skeletons_3d.png').stat().st_size > 1000
    assert (out / 'crops_ranked.png').stat().st_size > 1000
    missing = run_python(['tools/report.py', tiny_config, tmp_path / 'no.npz'])
    assert missing.returncode == 2
    assert missing.stderr.strip().count('\n') == 0
    assert 'tools/test.py' in missing.stderr
