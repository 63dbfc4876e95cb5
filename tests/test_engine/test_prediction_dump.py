import numpy as np
import pytest
import torch

from egohands.engine.hooks.prediction_dump_hook import hand_record
from egohands.evaluation.prediction_dump import (load_prediction_dump,
                                                 write_prediction_dump)
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError


def _flipped_sample():
    # crop = horizontal mirror of a 100 px wide image, then x2
    crop_from_img = np.array([[-2.0, 0, 198.0], [0, 2.0, 0], [0, 0, 1]])
    sample = HandDataSample(metainfo=dict(
        img_id=7, ann_id=11, img_path='a.png', flip='horizontal',
        hand_side='right', orig_hand_side='left',
        crop_from_img=crop_from_img))
    sample.gt_joints_3d = torch.tensor([[10.0, 20.0, 300.0]]).repeat(21, 1)
    sample.gt_joints_valid = torch.ones(21)
    sample.gt_keypoints_2d = torch.tensor([[58.0, 40.0]]).repeat(21, 1)
    sample.gt_keypoints_2d_valid = torch.ones(21)
    sample.pred_joints_3d = torch.zeros(21, 3)
    sample.pred_keypoints_2d = torch.zeros(21, 2)
    sample.pred_joints_absolute = False
    return sample


def test_record_is_in_the_original_frame():
    record = hand_record(_flipped_sample())
    assert (record['img_id'], record['ann_id']) == (7, 11)
    assert record['hand_side'] == 'left'
    np.testing.assert_allclose(record['gt_joints_3d'][0], [-10, 20, 300])
    # crop (58, 40) -> mirrored image u = (198 - 58) / 2 = 70, v = 20
    np.testing.assert_allclose(record['gt_keypoints_2d'][0], [70, 20])
    assert record['pred_joints_3d_std'] is None
    assert record['pred_joints_absolute'] is False


def test_record_without_ground_truth():
    sample = HandDataSample(metainfo=dict(img_id=1, ann_id=2, flip='none',
                                          hand_side='left'))
    sample.pred_joints_3d = torch.ones(21, 3)
    record = hand_record(sample)
    assert record['gt_joints_3d'] is None and record['gt_keypoints_2d'] is None
    assert record['hand_side'] == 'left'
    np.testing.assert_array_equal(record['pred_joints_3d'], 1)


@pytest.mark.parametrize('name', ['dump.json', 'dump.npz'])
def test_dump_round_trip(tmp_path, name):
    path = str(tmp_path / 'sub' / name)
    record = hand_record(_flipped_sample())
    write_prediction_dump(path, [record], dict(config='c.py'))
    content = load_prediction_dump(path)
    assert content['meta']['units'] == 'mm'
    assert content['meta']['config'] == 'c.py'
    assert len(content['meta']['joint_names']) == 21
    loaded = content['predictions'][0]
    np.testing.assert_allclose(loaded['gt_joints_3d'], record['gt_joints_3d'])
    assert loaded['pred_joints_3d'].shape == (21, 3)
    assert loaded['pred_joints_3d_std'] is None


def test_dump_suffix_is_checked(tmp_path):
    with pytest.raises(ConfigError, match='--dump'):
        write_prediction_dump(str(tmp_path / 'x.txt'), [], {})


def _hand(side, present, x):
    hand = HandDataSample(metainfo=dict(
        img_id=3, img_path='two.png', flip='none', hand_side=side,
        hand_present=present))
    hand.gt_joints_3d = torch.full((21, 3), float(x))
    hand.gt_joints_valid = torch.ones(21) * present
    hand.pred_joints_3d = torch.full((21, 3), x + 1.0)
    hand.pred_joints_absolute = True
    return hand


def test_two_hand_sample_gives_a_record_per_present_hand():
    from egohands.engine.hooks.prediction_dump_hook import item_records
    image = HandDataSample(metainfo=dict(img_id=3, img_path='two.png'))
    image.right = _hand('right', True, 10)
    image.left = _hand('left', True, -10)
    records = item_records(image)
    assert [r['hand_side'] for r in records] == ['right', 'left']
    assert [r['img_path'] for r in records] == ['two.png'] * 2
    np.testing.assert_allclose(records[1]['pred_joints_3d'], -9)
    np.testing.assert_allclose(records[1]['gt_joints_3d'], -10)
    # a missing hand has no record, a per-hand sample is its own record
    image.left = _hand('left', False, 0)
    assert [r['hand_side'] for r in item_records(image)] == ['right']
    assert len(item_records(_flipped_sample())) == 1
