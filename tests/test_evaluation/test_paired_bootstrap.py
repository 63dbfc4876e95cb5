"""Paired bootstrap of two dumps: the full-sample scores are the registered
metric's, hand-worked differences, and tools/compare_dumps.py."""
import numpy as np
import pytest

from egohands.apis.cli import run_cli
from egohands.evaluation.metrics import HandKeypoint3DMetric
from egohands.evaluation.paired_bootstrap import paired_bootstrap
from egohands.evaluation.prediction_dump import write_prediction_dump
from egohands.utils.errors import ConfigError
from tool_loader import load_tool

FINGERS = np.r_[[[0.0, 0, 0]], np.tile([[3.0, 4, 0]], (20, 1))]  # 5 mm


def _records(gt, pred, sides, images):
    """Full dump records, ``gt`` / ``pred`` (N, 21, 3) mm."""
    return [dict(img_id=i, ann_id=n, img_path=f'im{i}.jpg', hand_side=s,
                 pred_joints_3d=p, pred_joints_absolute=True,
                 pred_keypoints_2d=None, pred_joints_3d_std=None,
                 gt_joints_3d=g, gt_joints_valid=np.ones(21),
                 gt_keypoints_2d=None, gt_keypoints_2d_valid=None, K=None,
                 T_world_from_cam=None, sequence=None, frame=None, view=None)
            for n, (g, p, s, i) in enumerate(zip(gt, pred, sides, images))]


def _scene(seed=0, n_images=6):
    """Images 0..n-1, each with a right and (even images) a left hand."""
    rng = np.random.default_rng(seed)
    sides, images = [], []
    for i in range(n_images):
        for side in (('right', 'left') if i % 2 == 0 else ('right', )):
            sides.append(side)
            images.append(i)
    gt = rng.normal(size=(len(sides), 21, 3)) * 30 + [0, 0, 450]
    return gt, sides, images


def test_full_sample_scores_are_the_metric_scores():
    gt, sides, images = _scene()
    rng = np.random.default_rng(1)
    pred_a = gt + rng.normal(size=gt.shape) * 8
    pred_b = gt + rng.normal(size=gt.shape) * 3
    a, b = (_records(gt, p, sides, images) for p in (pred_a, pred_b))
    result = paired_bootstrap(a, b, num_resamples=200)
    for records, column in ((a, 'a'), (b, 'b')):
        metric = HandKeypoint3DMetric().compute_metrics(
            [dict(r, gt_joints_valid=r['gt_joints_valid'] > 0,
                  keypoints_2d=None) for r in records])
        for key in ('mpjpe', 'pa_mpjpe', 'mrrpe'):
            assert result[key][column] == pytest.approx(metric[key],
                                                        rel=1e-9)
    assert result['mpjpe']['a_minus_b'] > 0
    assert result['mpjpe']['low'] <= result['mpjpe']['high']


def test_hand_worked_differences_and_identical_dumps():
    gt, sides, images = _scene()
    perfect = _records(gt, gt, sides, images)
    worse = gt + FINGERS  # every finger joint of every hand 5 mm off
    left = np.array(sides) == 'left'
    worse[left] += [0, 0, 6]  # and the left wrists 6 mm further
    result = paired_bootstrap(perfect, _records(gt, worse, sides, images),
                              num_resamples=50)
    # the same error on every hand and pair: no spread at all
    mpjpe = result['mpjpe']
    assert mpjpe['a_minus_b'] == pytest.approx(-5 * 20 / 21)
    assert mpjpe['low'] == pytest.approx(mpjpe['high'])
    assert result['mrrpe']['a_minus_b'] == pytest.approx(-6)
    assert result['mrrpe']['high'] == pytest.approx(-6)
    same = paired_bootstrap(perfect, perfect, num_resamples=20)
    for row in same.values():
        assert row['a_minus_b'] == row['low'] == row['high'] == 0


def test_dumps_of_other_hands_are_refused():
    gt, sides, images = _scene()
    a = _records(gt, gt, sides, images)
    with pytest.raises(ConfigError, match='same hands'):
        paired_bootstrap(a, a[:-1])


def test_tool_prints_the_comparison(tmp_path, capsys):
    gt, sides, images = _scene()
    paths = []
    for name, pred in (('a.npz', gt), ('b.json', gt + FINGERS)):
        paths.append(str(tmp_path / name))
        write_prediction_dump(paths[-1], _records(gt, pred, sides, images),
                              {})
    tool = load_tool('compare_dumps')
    assert run_cli(tool.main, [*paths, '--names', 'KPE', 'HandNet',
                               '--resamples', '30']) == 0
    out = capsys.readouterr().out
    assert 'KPE - HandNet' in out
    assert f'{-100 / 21:.2f}' in out.splitlines()[1]
    assert run_cli(tool.main, [paths[0], str(tmp_path / 'no.npz')]) == 2
    err = capsys.readouterr().err
    assert 'no.npz' in err and err.strip().count('\n') == 0
