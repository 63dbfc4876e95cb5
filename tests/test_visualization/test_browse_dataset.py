"""tools/browse_dataset.py on the toy dataset, run in this process."""

import cv2
import numpy as np
from mmengine.config import Config

from egohands.apis.cli import run_cli
from egohands.testing import make_toy_hand_dataset, toy_pipeline
from egohands.visualization.dataset_browser import (browse_dataset,
                                                    build_browse_dataset)
from tool_loader import load_tool


def _tool():
    return load_tool('browse_dataset')


def _write_config(path, data_root):
    train = toy_pipeline((48, 64), train=True)
    path.write_text(
        "default_scope = 'egohands'\n"
        f'data_root = {str(data_root)!r}\n'
        f'train_pipeline = {train!r}\n'
        'train_dataloader = dict(batch_size=2, dataset=dict(\n'
        "    type='EgoHandsCocoDataset', data_root=data_root,\n"
        "    ann_file='annotations/train.json', pipeline=train_pipeline))\n"
        'val_dataloader = dict(batch_size=2, dataset=dict(\n'
        "    type='EgoHandsCocoDataset', data_root=data_root,\n"
        "    ann_file='annotations/val.json', test_mode=True,\n"
        f'    pipeline={toy_pipeline((48, 64))!r}))\n')
    return path


def test_browse_writes_a_grid_of_crops(tmp_path, capsys):
    make_toy_hand_dataset(tmp_path / 'toy', num_images=6, size=64, seed=1,
                          splits=('train', 'val'))
    config = _write_config(tmp_path / 'toy_cfg.py', tmp_path / 'toy')
    out = tmp_path / 'out' / 'grid.png'
    status = run_cli(_tool().main, [str(config), '--out', str(out), '--num',
                                    '5', '--split', 'val'])
    assert status == 0
    assert f'wrote {out}' in capsys.readouterr().out
    grid = cv2.imread(str(out))
    # 5 cells of 48x64 crops enlarged to 160x213, 3 columns x 2 rows
    assert grid.shape == (2 * (213 + 2) + 2, 3 * (160 + 2) + 2, 3)
    cell = grid[2 + 30:2 + 213, 2:2 + 160]
    # finger colours of the skeleton are drawn on the crop
    thumb = np.abs(cell.astype(int) - [0, 0, 230]).sum(-1) < 60
    assert thumb.sum() > 10


def test_no_aug_drops_random_transforms_and_is_reproducible(tmp_path):
    make_toy_hand_dataset(tmp_path / 'toy', num_images=4, size=64, seed=2,
                          splits=('train', ))
    cfg = Config.fromfile(str(_write_config(tmp_path / 'c.py',
                                            tmp_path / 'toy')))
    plain = build_browse_dataset(dict(cfg.train_dataloader.dataset),
                                 no_aug=True)
    names = [type(t).__name__ for t in plain.pipeline.transforms]
    assert names == ['LoadImage', 'GetSquareBBox', 'TopdownAffine',
                     'PackHandInputs']
    first = browse_dataset(cfg, 'train', num=3, seed=4)
    again = browse_dataset(cfg, 'train', num=3, seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, browse_dataset(cfg, 'train', num=3,
                                                     no_aug=True, seed=4))


def test_missing_data_ends_with_one_clear_line(tmp_path, capsys):
    config = _write_config(tmp_path / 'cfg.py', tmp_path / 'absent')
    status = run_cli(_tool().main, [str(config), '--out',
                                    str(tmp_path / 'x.png')])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1
    assert err.startswith('error: ') and str(tmp_path / 'absent') in err
    assert not (tmp_path / 'x.png').exists()
    status = run_cli(_tool().main, [str(config), '--split', 'test'])
    assert status == 2
    assert 'no test_dataloader' in capsys.readouterr().err
