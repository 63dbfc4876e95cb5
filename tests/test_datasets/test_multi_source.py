"""Multi-dataset training: MultiSourceHandDataset + SourceRatioSampler.

A two-dataset loader built as mmengine's runner builds it: the empirical
share of each source follows its ratio, a 2D-only source loses its other
labels (the validity fields every loss reads), and distributed ranks split
one epoch.
"""
from collections import Counter

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from egohands.registry import DATASETS, DATA_SAMPLERS
from egohands.testing import make_toy_hand_dataset
from egohands.testing.toy_configs import toy_dataset_cfg, toy_pipeline
from egohands.utils.errors import ConfigError

KEYPOINTS_ONLY = dict(joints_3d=False, keypoints_2d=True, mano=False,
                      mask=False, grasp=False)


@pytest.fixture(scope='module')
def toys(tmp_path_factory):
    big = make_toy_hand_dataset(tmp_path_factory.mktemp('toy_big'),
                                num_images=8, size=64, seed=0,
                                splits=('train', ), with_mano=True)
    small = make_toy_hand_dataset(tmp_path_factory.mktemp('toy_small'),
                                  num_images=2, size=64, seed=1,
                                  splits=('train', ), with_mano=True)
    return big, small


def two_sources(toys, pipeline=(), **second):
    big, small = toys
    return [dict(dataset=toy_dataset_cfg(big, 'train', list(pipeline),
                                         dataset_name='big'), ratio=3.0),
            dict(dataset=toy_dataset_cfg(small, 'train', list(pipeline),
                                         dataset_name='small'), ratio=1.0,
                 **second)]


def test_two_dataset_loader_ratio_and_gating(toys):
    init_default_scope('egohands')
    sources = two_sources(toys, supervision=KEYPOINTS_ONLY)
    loader = Runner.build_dataloader(dict(
        batch_size=50, num_workers=0,
        sampler=dict(type='SourceRatioSampler', num_samples=2000),
        dataset=dict(type='MultiSourceHandDataset', sources=sources),
        collate_fn=list), seed=0)  # records as the dataset gives them
    dataset = loader.dataset
    big, small = (DATASETS.build(s['dataset']) for s in sources)
    assert dataset.source_sizes() == [len(big), len(small)]
    assert len(small) < len(big) / 2  # the small source is repeated
    records = [r for batch in loader for r in batch]
    assert len(records) == 2000
    counts = Counter(r['dataset_name'] for r in records)
    # expected share 3 / (3 + 1); binomial sd 0.0097 at n = 2000
    assert counts['big'] / 2000 == pytest.approx(0.75, abs=0.04)
    assert counts['small'] / 2000 == pytest.approx(0.25, abs=0.04)
    originals = {(r['dataset_name'], r['ann_id']): r for d in (big, small)
                 for r in (d[i] for i in range(len(d)))}
    assert len({(r['dataset_name'], r['ann_id']) for r in records}) == len(
        originals)  # every hand of both sources is drawn
    for record in records:
        original = originals[(record['dataset_name'], record['ann_id'])]
        assert original['joints_valid'].any() and original['mano_valid']
        assert original['grasp'] >= 0 and original['segmentation']
        np.testing.assert_array_equal(record['keypoints_2d_valid'],
                                      original['keypoints_2d_valid'])
        if record['dataset_name'] == 'small':  # 2D only
            assert not record['joints_valid'].any()
            assert record['mano_valid'] == 0 and record['grasp'] == -1
            assert record['segmentation'] is None
        else:
            np.testing.assert_array_equal(record['joints_valid'],
                                          original['joints_valid'])
            assert record['grasp'] == original['grasp']
            assert record['segmentation'] == original['segmentation']


def test_gating_of_packed_samples_keeps_what_is_switched_on(toys):
    pipeline = toy_pipeline()
    pipeline.insert(0, dict(type='LoadImage', with_mask=True))
    pipeline.pop(1)  # the default LoadImage
    dataset = DATASETS.build(dict(
        type='MultiSourceHandDataset',
        sources=two_sources(toys, pipeline,
                            supervision=dict(joints_3d=False, mask=False,
                                             grasp=False))))
    first_small = dataset.source_sizes()[0]
    packed_big = dataset[0]['data_samples']
    packed_small = dataset[first_small]['data_samples']
    assert packed_big.gt_joints_valid.sum() > 0
    assert packed_big.gt_mask_valid == 1 and packed_big.gt_mask.sum() > 0
    assert int(packed_big.gt_grasp) >= 0
    assert packed_small.gt_joints_valid.sum() == 0
    assert packed_small.gt_mask_valid == 0 and packed_small.gt_mask.sum() == 0
    assert int(packed_small.gt_grasp) == -1
    # switched on: 2D and MANO stay
    assert packed_small.gt_keypoints_2d_valid.sum() > 0
    assert packed_small.gt_mano_valid == 1
    assert torch.isfinite(packed_small.gt_joints_3d).all()


def test_a_dataset_class_declares_its_default_supervision(toys):
    from egohands.datasets import EPICHandKpsDataset
    from egohands.datasets.multi_source import check_supervision
    sources = two_sources(toys)
    sources[1]['dataset'] = DATASETS.build(sources[1]['dataset'])
    sources[1]['dataset'].SUPERVISION = EPICHandKpsDataset.SUPERVISION
    dataset = DATASETS.build(dict(type='MultiSourceHandDataset',
                                  sources=sources))
    assert dataset.supervisions == [check_supervision(None, ''),
                                    check_supervision(KEYPOINTS_ONLY, '')]
    np.testing.assert_allclose(dataset.ratios, [0.75, 0.25])


def test_ranks_split_one_epoch(toys, monkeypatch):
    from egohands.datasets import samplers
    dataset = DATASETS.build(dict(type='MultiSourceHandDataset',
                                  sources=two_sources(toys)))
    ranks = []
    for rank in range(2):
        monkeypatch.setattr(samplers, 'get_dist_info', lambda r=rank: (r, 2))
        sampler = DATA_SAMPLERS.build(dict(type='SourceRatioSampler',
                                           dataset=dataset, num_samples=101,
                                           seed=3))
        assert len(sampler) == 51
        ranks.append(list(sampler))
    # the ranks interleave one global list padded to 102 indices
    merged = [i for pair in zip(*ranks) for i in pair]
    generator = torch.Generator().manual_seed(3)
    full = samplers.draw_source_indices(dataset.source_sizes(),
                                        dataset.ratios, 102, generator)
    assert merged == full.tolist()
    sampler.set_epoch(1)
    assert list(sampler) != ranks[1]  # a new draw each epoch


@pytest.mark.parametrize('sources, match', [
    ([], 'sources is empty'),
    ([dict(ratio=1.0)], "must be a dict with 'dataset'"),
    ([dict(dataset=dict(type='EgoHandsCocoDataset'), ratio=0)],
     'ratio must be > 0'),
    ([dict(dataset=dict(type='EgoHandsCocoDataset'),
           supervision=dict(depth=True))], 'unknown keys'),
])
def test_config_mistakes_are_one_line(sources, match):
    with pytest.raises(ConfigError, match=match) as err:
        DATASETS.build(dict(type='MultiSourceHandDataset', sources=sources,
                            lazy_init=True))
    assert '\n' not in str(err.value)


def test_gating_reaches_the_hands_of_two_hand_samples():
    from egohands.datasets.multi_source import (check_supervision,
                                                gate_supervision)
    from egohands.structures import HandDataSample
    only_2d = check_supervision(KEYPOINTS_ONLY, '')

    def hand():
        sample = HandDataSample()
        sample.gt_joints_valid = torch.ones(21)
        sample.gt_keypoints_2d_valid = torch.ones(21)
        sample.gt_mano_valid = torch.tensor(1.0)
        sample.gt_grasp = torch.tensor(4)
        return sample

    image = HandDataSample()
    image.right, image.left = hand(), hand()
    gate_supervision({'inputs': {}, 'data_samples': image}, only_2d)
    for side in (image.right, image.left):
        assert side.gt_joints_valid.sum() == 0 and side.gt_mano_valid == 0
        assert int(side.gt_grasp) == -1
        assert side.gt_keypoints_2d_valid.sum() == 21
    raw = {'hands': {'right': dict(joints_valid=np.ones(21), grasp=2,
                                   keypoints_2d_valid=np.ones(21),
                                   segmentation={'size': [2, 2]})}}
    gate_supervision(raw, only_2d)
    right = raw['hands']['right']
    assert right['joints_valid'].sum() == 0 and right['grasp'] == -1
    assert right['segmentation'] is None
    assert right['keypoints_2d_valid'].sum() == 21


def test_a_wrapper_takes_the_supervision_of_its_hands_dataset():
    from egohands.datasets.multi_source import default_supervision

    class Wrapper:
        hands_cfg = dict(type='EPICHandKpsDataset', data_root='nowhere')

    assert default_supervision(Wrapper()) == KEYPOINTS_ONLY
    Wrapper.hands_cfg = dict(type='EgoHandsCocoDataset')
    assert default_supervision(Wrapper()) is None
