"""Command-line flags -> Runner config, as mmpose's tools do it."""
import os

import pytest
import torch
from mmengine.config import Config

from egohands.apis.tool_config import (load_config, set_amp, set_launcher,
                                       set_resume, set_work_dir)
from egohands.utils.errors import ConfigError
from tool_loader import load_tool


def _train_args(argv):
    return load_tool('train').parse_args(argv)


def test_flags_parse_like_mmpose():
    assert _train_args(['c.py', '--resume']).resume == 'auto'
    assert _train_args(['c.py', '--resume', 'x.pth']).resume == 'x.pth'
    assert _train_args(['c.py']).resume is None
    assert _train_args(['c.py', '--local_rank', '1']).local_rank == 1
    assert _train_args(['c.py', '--local-rank', '2']).local_rank == 2
    args = _train_args(['c.py', '--cfg-options', 'a.b=1', 'c=[1,2]'])
    assert args.cfg_options == {'a.b': 1, 'c': [1, 2]}


def test_work_dir_precedence():
    cfg = Config(dict(work_dir='from_config'))
    set_work_dir(cfg, 'from_cli', 'configs/x/my_cfg.py')
    assert cfg.work_dir == 'from_cli'
    cfg = Config(dict(work_dir='from_config'))
    set_work_dir(cfg, None, 'configs/x/my_cfg.py')
    assert cfg.work_dir == 'from_config'
    cfg = Config(dict())
    set_work_dir(cfg, None, 'configs/x/my_cfg.py')
    assert cfg.work_dir == './work_dirs/my_cfg'


def test_resume_modes(tmp_path):
    cfg = Config(dict(resume=False, load_from='weights.pth'))
    set_resume(cfg, 'auto')
    assert cfg.resume is True and cfg.load_from is None
    checkpoint = tmp_path / 'epoch_3.pth'
    checkpoint.write_bytes(b'x')
    set_resume(cfg, str(checkpoint))
    assert cfg.resume is True and cfg.load_from == str(checkpoint)
    with pytest.raises(ConfigError, match='no such checkpoint'):
        set_resume(cfg, str(tmp_path / 'missing.pth'))


def test_data_root_option_moves_every_dataset(tmp_path):
    path = tmp_path / 'cfg.py'
    path.write_text(
        "data_root = 'data/a/'\n"
        "train = dict(dataset=dict(data_root=data_root))\n"
        "other = [dict(data_root='data/elsewhere/'), "
        "dict(data_root=data_root)]\n")
    cfg = load_config(str(path), {'data_root': '/new/'})
    assert cfg.train.dataset.data_root == '/new/'
    assert cfg.other[0].data_root == 'data/elsewhere/'
    assert cfg.other[1].data_root == '/new/'


def test_cpu_launch_settings(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    set_launcher(cfg, 'pytorch', local_rank=1)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg.device_ids is None
    assert cfg.launcher == 'pytorch'
    assert os.environ['LOCAL_RANK'] == '1'
    single = Config(dict())
    set_launcher(single, 'none')
    assert 'model_wrapper_cfg' not in single
    with pytest.raises(ConfigError, match='torchrun'):
        set_launcher(Config(dict()), 'slurm')
    with pytest.raises(ConfigError, match='--amp needs a CUDA GPU'):
        set_amp(Config(dict(optim_wrapper=dict(optimizer=dict()))))


def test_missing_and_broken_config_files(tmp_path):
    with pytest.raises(ConfigError, match='does not exist'):
        load_config(str(tmp_path / 'nope.py'))
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(\n')
    with pytest.raises(ConfigError, match='broken.py'):
        load_config(str(broken))
