"""The restructured configs resolve to the values they had before
(issue 12, item 3): every entry the Runner or a tool reads is equal to the
snapshot ``resolved_configs.json`` (written by ``resolved_configs.py``
from the configs as they were). Two things may differ:

* a helper variable (``arch``, ``crop``, ...: a value the config only used
  to build its dicts) may be gone, never changed;
* ``model.head.in_channels`` may be left out now that the estimator takes
  it from the built backbone; the backbone, built on the meta device, must
  then give the snapshot's width.
"""
import copy
import json
from pathlib import Path

import pytest
import torch

from egohands.registry import MODELS
from .resolved_configs import (REPO, SNAPSHOT, config_paths, resolve)

CONFIG_ROOT = REPO / 'configs'
# configs renamed to the documented name pattern: old -> new
RENAMED = {
    'potter/potter_egoexo.py':
    'potter/potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py',
    'hamer/hamer-align_vit-h_egoexo4d-256x256.py':
    'hamer/hamer-align_vit-h_8xb8-1000000it_egoexo4d-256x256.py',
}
# what mmengine's Runner and the egohands tools read from a config
READ_KEYS = {
    'model', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'optim_wrapper', 'param_scheduler',
    'val_evaluator', 'test_evaluator', 'default_hooks', 'custom_hooks',
    'load_from', 'resume', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'auto_scale_lr',
    'tta_model', 'tta_pipeline', 'dump_writer', 'find_unused_parameters',
    'model_wrapper_cfg', 'launcher', 'work_dir', 'data_root',
    'custom_imports', 'experiment_name', 'data_preprocessor'
}
SNAPSHOTTED = json.loads(SNAPSHOT.read_text())


def test_every_config_is_snapshotted_or_new_by_rename():
    now = set(config_paths(CONFIG_ROOT))
    for old in SNAPSHOTTED:
        assert RENAMED.get(old, old) in now, f'{old} is gone'


def built_width(backbone_cfg: dict, in_index: int) -> int:
    """``out_channels[in_index]`` of the backbone, built without memory
    (on the CPU if its init reads values, as POTTER's does)."""
    cfg = copy.deepcopy(backbone_cfg)
    if 'pretrained' in cfg:
        cfg['pretrained'] = None
    try:
        with torch.device('meta'):
            backbone = MODELS.build(cfg)
    except NotImplementedError:
        backbone = MODELS.build(cfg)
    return list(backbone.out_channels)[in_index]


@pytest.mark.parametrize('old', sorted(SNAPSHOTTED))
def test_config_resolves_as_before(old):
    before = copy.deepcopy(SNAPSHOTTED[old])
    now = resolve(CONFIG_ROOT / RENAMED.get(old, old))
    head_before, head_now = before['model']['head'], now['model']['head']
    if 'in_channels' not in head_now:
        width = head_before.pop('in_channels')
        head_cls = MODELS.get(head_now['type'])
        index = head_now.get('in_index', head_cls.in_index)
        assert built_width(now['model']['backbone'], index) == width
    for key, value in before.items():
        if key in now:
            assert now[key] == value, f'{old}: {key} changed'
        else:
            assert key not in READ_KEYS, f'{old}: {key} is gone'
    added = set(now) - set(before)
    assert not added & READ_KEYS, f'{old}: new entries {added & READ_KEYS}'
