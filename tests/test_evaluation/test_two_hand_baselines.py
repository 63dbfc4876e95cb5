"""Baselines of two-hand models: hand-worked MPJPE and MRRPE, and
tools/two_hand_baselines.py on a toy two-hand dataset."""
import numpy as np
import pytest

from egohands.apis.cli import run_cli
from egohands.evaluation.two_hand_baselines import (image_hands,
                                                    mean_left_right_offset,
                                                    two_hand_baselines)
from egohands.registry import DATASETS
from egohands.utils.errors import ConfigError
from tool_loader import load_tool

# a fixed wrist-relative pose (mm), not degenerate for Procrustes
POSE = np.random.default_rng(0).normal(size=(21, 3)) * 30
POSE[0] = 0
VALID = np.ones(21, bool)


def _hand(wrist, pose=POSE):
    return pose + np.asarray(wrist, np.float64), VALID


def test_hand_worked_pose_and_mrrpe():
    train = [
        {'right': _hand([0, 0, 400]), 'left': _hand([200, 0, 400])},
        {'right': _hand([0, 0, 500]), 'left': _hand([100, 0, 500])},
        {'right': _hand([50, 0, 450])},  # no offset from one hand
    ]
    np.testing.assert_allclose(mean_left_right_offset(train), [150, 0, 0])
    # the test hands: the training pose with every finger joint 5 mm off
    # (3, 4, 0); the left wrist (160, 40, 0) from the right one
    moved = POSE + np.r_[[[0, 0, 0]], np.tile([[3, 4, 0]], (20, 1))]
    test = [{'right': _hand([10, 0, 450], moved),
             'left': _hand([170, 40, 450], moved)}]
    scores = two_hand_baselines(train, test)
    assert set(scores) == {'mpjpe', 'pa_mpjpe', 'pck_auc', 'mrrpe'}
    # 20 of 21 joints 5 mm off, per hand, both hands alike
    assert scores['mpjpe'] == pytest.approx(5 * 20 / 21, rel=1e-6)
    # predicted (150, 0, 0) against (160, 40, 0): sqrt(10^2 + 40^2)
    assert scores['mrrpe'] == pytest.approx(np.hypot(10, 40), rel=1e-6)
    # a translation of the finger joints is not a similarity of the hand
    assert 0 < scores['pa_mpjpe'] < scores['mpjpe']
    # the training pose itself scores 0 and an image with a left hand only
    # is placed from its own wrist
    same = two_hand_baselines(train, [{'left': _hand([7, 8, 300])}])
    assert same['mpjpe'] == pytest.approx(0, abs=1e-9)
    assert 'mrrpe' not in same


def test_no_image_with_both_hands_is_an_error():
    with pytest.raises(ConfigError, match='left and a right hand'):
        mean_left_right_offset([{'right': _hand([0, 0, 400])}])


def _two_hand_config(tmp_path, toy, dataset_type='TwoHandImageDataset'):
    hands = dict(type='EgoHandsCocoDataset', data_root=toy['data_root'],
                 ann_file=toy['ann_files']['train'])
    dataset = (dict(type='TwoHandImageDataset', hands=hands)
               if dataset_type == 'TwoHandImageDataset' else hands)
    path = tmp_path / 'two_hand.py'
    path.write_text(f'default_scope = "egohands"\n'
                    f'train_dataloader = dict(dataset={dataset!r})\n'
                    'test_dataloader = train_dataloader\n')
    return str(path)


def test_tool_on_a_toy_two_hand_dataset(tmp_path, capsys):
    from egohands.testing import make_toy_hand_dataset
    toy = make_toy_hand_dataset(tmp_path / 'toy', num_images=8, seed=5,
                                splits=('train', ))
    config = _two_hand_config(tmp_path, toy)
    tool = load_tool('two_hand_baselines')
    assert run_cli(tool.main, [config]) == 0
    out = capsys.readouterr().out
    images = image_hands(DATASETS.build(dict(
        type='TwoHandImageDataset',
        hands=dict(type='EgoHandsCocoDataset', data_root=toy['data_root'],
                   ann_file=toy['ann_files']['train']))))
    expected = two_hand_baselines(images, images)
    assert f'from {len(images)} training images' in out
    for key in ('mpjpe', 'pa_mpjpe', 'mrrpe'):
        assert f'{key}: {expected[key]:.2f}' in out
    # a per-hand dataset is refused with one line
    per_hand = _two_hand_config(tmp_path, toy, 'EgoHandsCocoDataset')
    assert run_cli(tool.main, [per_hand]) == 2
    err = capsys.readouterr().err
    assert 'TwoHandImageDataset' in err and err.strip().count('\n') == 0
