import json
import logging
from types import SimpleNamespace

import numpy as np
import torch

from egohands.codecs import root_relative_stats
from egohands.registry import HOOKS, MODELS


def _runner(tmp_path, model, dataset):
    return SimpleNamespace(model=model, work_dir=str(tmp_path),
                           train_dataloader=SimpleNamespace(dataset=dataset),
                           logger=logging.getLogger('test_target_stats'))


def _model():
    return MODELS.build(dict(
        type='TopdownHandEstimator', backbone=dict(type='SimpleCNN'),
        head=dict(type='RegressionHead', in_channels=64,
                  codec=dict(type='RootRelativeJointCodec'))))


def test_hook_computes_missing_statistics(tmp_path, caplog,
                                          records_dataset):
    rng = np.random.default_rng(0)
    joints = rng.normal(0, 40, (12, 21, 3))
    valid = (rng.random((12, 21)) > 0.1).astype(np.float32)
    model = _model()
    hook = HOOKS.build(dict(type='TargetStatsHook'))
    with caplog.at_level(logging.INFO, logger='test_target_stats'):
        hook.before_train(
            _runner(tmp_path, model, records_dataset(joints, valid)))
    codec = model.head.codec
    assert codec.has_statistics()
    mean, std, num_hands = root_relative_stats(joints, valid)
    np.testing.assert_allclose(codec.mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(codec.std.numpy(), std, rtol=1e-5)
    saved = json.loads((tmp_path / 'target_stats.json').read_text())
    assert saved['num_hands'] == num_hands
    assert 'computed them from' in caplog.text


def test_hook_keeps_existing_statistics(tmp_path, records_dataset):
    model = _model()
    codec = model.head.codec
    codec.set_statistics(dict(mean=np.ones((21, 3)), std=np.ones((21, 3))))
    HOOKS.build(dict(type='TargetStatsHook')).before_train(
        _runner(tmp_path, model, records_dataset([], [])))
    assert torch.all(codec.mean == 1)
    assert not (tmp_path / 'target_stats.json').exists()
