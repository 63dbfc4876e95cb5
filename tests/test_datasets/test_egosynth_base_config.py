"""configs/_base_/datasets/egosynth.py: its loaders read every split of a
dataset in the canonical format and pack its default crop, and the configs
that share it keep its three splits on their own data root and
pipelines."""
from pathlib import Path

import pytest
from mmengine.config import Config

from egohands.registry import DATASETS, METRICS

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
BASE = CONFIGS / '_base_' / 'datasets' / 'egosynth.py'
SHARING = [
    CONFIGS / 'potter' / 'potter_poolattn-t_1xb16-6e_egosynth-128x128.py',
    CONFIGS / 'tiny' / 'tiny_simplecnn_1xb8-4e_toy-64x64.py'
]
SPLITS = ('train', 'val', 'test')


def test_loaders_read_every_split(toy_data_root):
    """On a dataset of the same format (the session's toy dataset: 8 images
    a split; tests/test_potter trains on a generated EgoSynth through it)."""
    cfg = Config.fromfile(str(BASE))
    assert cfg.data_root == 'data/egosynth/'
    for split in SPLITS:
        dataset_cfg = cfg[f'{split}_dataloader'].dataset
        dataset_cfg.data_root = toy_data_root
        dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) >= 8  # one or two hands an image
        assert dataset.test_mode == (split != 'train')
        packed = dataset[0]
        assert tuple(packed['inputs'].shape) == (3, 128, 128)
        assert tuple(packed['data_samples'].gt_joints_3d.shape) == (21, 3)
    assert cfg.test_dataloader.sampler.shuffle is False
    assert METRICS.build(cfg.test_evaluator) is not None


@pytest.mark.parametrize('path', SHARING, ids=lambda p: p.name)
def test_configs_sharing_it_keep_its_splits(path):
    """Each split reads its own file under the config's data root (which
    ``--cfg-options data_root=DIR`` replaces) through the config's
    pipeline; the metric is the base's."""
    cfg = Config.fromfile(str(path))
    for split in SPLITS:
        dataset = cfg[f'{split}_dataloader'].dataset
        assert dataset.type == 'EgoHandsCocoDataset'
        assert dataset.ann_file == f'annotations/{split}.json'
        assert dataset.data_root == cfg.data_root
        pipeline = cfg.train_pipeline if split == 'train' else \
            cfg.test_pipeline
        assert dataset.pipeline == pipeline
        assert tuple(pipeline[2].input_size) == tuple(cfg.input_size)
    assert cfg.test_evaluator.type == 'HandKeypoint3DMetric'
