"""End to end: tools/train.py, tools/test.py, resume after a kill, torchrun.

Each test runs the real command lines in subprocesses on the tiny config and
a toy dataset made by the session fixture ``toy_data_root``.
"""
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

HERE = Path(__file__).resolve().parent


def _write_config(tmp_path, tiny_config, extra: str) -> Path:
    """A test config on top of the tiny one (only tests go 2 levels deep)."""
    path = tmp_path / 'test_config.py'
    path.write_text(f'_base_ = [{str(tiny_config)!r}]\n' + extra)
    return path


def _scalars(work_dir: Path, run_index: int):
    """Training log entries (dicts with a loss) of the n-th run in a work
    dir, in order of the runs' timestamps."""
    runs = sorted(p for p in work_dir.iterdir()
                  if p.is_dir() and (p / 'vis_data').is_dir())
    lines = (runs[run_index] / 'vis_data' / 'scalars.json').read_text()
    return [e for e in map(json.loads, lines.splitlines()) if 'loss' in e]


@pytest.mark.slow
def test_train_then_test_with_dump_and_pictures(tmp_path, tiny_config,
                                                toy_data_root, run_python):
    work_dir = tmp_path / 'work'
    options = ['--cfg-options', f'data_root={toy_data_root}',
               'train_cfg.max_epochs=2', 'train_cfg.val_interval=1']
    train = run_python(['tools/train.py', tiny_config, '--work-dir',
                        work_dir] + options)
    assert train.returncode == 0, train.stderr[-3000:]
    checkpoint = work_dir / 'epoch_2.pth'
    assert checkpoint.is_file()
    assert (work_dir / 'best_mpjpe_epoch_2.pth').is_file()
    # the codec statistics were computed at the start and travel in the
    # checkpoint, which loads with weights_only=True (egohands' allow-list)
    from egohands.utils.checkpoint import install_safe_checkpoint_loading
    install_safe_checkpoint_loading()
    state = torch.load(checkpoint, weights_only=True)['state_dict']
    assert bool(state['head.codec.has_stats'])
    saved = json.loads((work_dir / 'target_stats.json').read_text())
    np.testing.assert_allclose(state['head.codec.std'].numpy(),
                               saved['std'], rtol=1e-5)

    test_dir = tmp_path / 'test'
    dump = tmp_path / 'preds.json'
    test = run_python(['tools/test.py', tiny_config, checkpoint,
                       '--work-dir', test_dir, '--dump', dump,
                       '--show-dir', tmp_path / 'pictures'] + options[:2])
    assert test.returncode == 0, test.stderr[-3000:]
    metrics = json.loads((test_dir / 'metrics.json').read_text())
    assert {'mpjpe', 'pa_mpjpe', 'pck_auc'} <= set(metrics)
    assert 0 < metrics['pa_mpjpe'] <= metrics['mpjpe'] < 1000
    assert 'mpjpe' in test.stdout and 'metrics written to' in test.stdout

    from egohands.evaluation.prediction_dump import load_prediction_dump
    content = load_prediction_dump(str(dump))
    test_ann = json.loads(
        (Path(toy_data_root) / 'annotations' / 'test.json').read_text())
    predictions = content['predictions']
    assert len(predictions) == len(test_ann['annotations'])
    assert {p['ann_id'] for p in predictions} == {
        a['id'] for a in test_ann['annotations']}
    first = predictions[0]
    assert first['pred_joints_3d'].shape == (21, 3)
    assert first['pred_joints_absolute'] is False
    np.testing.assert_array_equal(first['pred_joints_3d'][0], 0)
    # the dumped ground truth is the annotation (mm, original frame)
    by_id = {a['id']: a for a in test_ann['annotations']}
    ann = by_id[first['ann_id']]
    np.testing.assert_allclose(first['gt_joints_3d'],
                               np.reshape(ann['joints_3d'], (21, 3)),
                               atol=1e-3)
    pictures = list((tmp_path / 'pictures').glob('*.png'))
    assert len(pictures) == len(predictions)

    # flip test-time augmentation: other numbers, same hands
    tta_dump = tmp_path / 'preds_tta.npz'
    tta = run_python(['tools/test.py', tiny_config, checkpoint, '--tta',
                      '--work-dir', tmp_path / 'test_tta', '--dump',
                      tta_dump] + options[:2])
    assert tta.returncode == 0, tta.stderr[-3000:]
    tta_metrics = json.loads(
        (tmp_path / 'test_tta' / 'metrics.json').read_text())
    assert tta_metrics['mpjpe'] != metrics['mpjpe']
    tta_predictions = load_prediction_dump(str(tta_dump))['predictions']
    assert [p['ann_id'] for p in tta_predictions] == [
        p['ann_id'] for p in predictions]


@pytest.mark.slow
def test_resume_auto_continues_after_a_kill(tmp_path, tiny_config,
                                            toy_data_root, run_python):
    work_dir = tmp_path / 'work'
    options = ['--work-dir', work_dir, '--cfg-options',
               f'data_root={toy_data_root}', 'train_cfg.max_epochs=3',
               'train_cfg.val_interval=10', 'train_dataloader.batch_size=4',
               'default_hooks.logger.interval=1']
    killed_config = _write_config(
        tmp_path, tiny_config,
        "custom_imports = dict(imports=['tool_test_hooks'])\n"
        "custom_hooks = [dict(type='KillMidEpochHook', epoch=1)]\n")
    env = dict(PYTHONPATH=str(HERE) + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    killed = run_python(['tools/train.py', killed_config] + options,
                        env_extra=env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert (work_dir / 'epoch_1.pth').is_file()
    assert not (work_dir / 'epoch_2.pth').exists()
    first_run = _scalars(work_dir, 0)

    resumed = run_python(['tools/train.py', tiny_config, '--resume'] +
                         options)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    from egohands.utils.checkpoint import install_safe_checkpoint_loading
    install_safe_checkpoint_loading()
    iters_per_epoch = torch.load(work_dir / 'epoch_1.pth',
                                 weights_only=True)['meta']['iter']
    # killed in the middle of epoch 2, after its first iteration
    assert [e['step'] for e in first_run] == list(
        range(1, iters_per_epoch + 2))
    second_run = _scalars(work_dir, 1)
    steps = [entry['step'] for entry in second_run]
    # the counter continues from the epoch-1 checkpoint, it does not restart
    assert steps == list(range(iters_per_epoch + 1, 3 * iters_per_epoch + 1))
    assert 'resumed' in (resumed.stdout + resumed.stderr).lower()
    assert (work_dir / 'epoch_3.pth').is_file()


@pytest.mark.slow
def test_torchrun_two_processes_on_cpu(tmp_path, tiny_config, toy_data_root,
                                       run_python):
    work_dir = tmp_path / 'work'
    config = _write_config(
        tmp_path, tiny_config,
        "custom_imports = dict(imports=['tool_test_hooks'])\n"
        "custom_hooks = [dict(type='RankDoneHook')]\n")
    torchrun = Path(sys.executable).parent / 'torchrun'
    assert torchrun.is_file()
    env = dict(PYTHONPATH=str(HERE) + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    result = run_python(
        [torchrun, '--standalone', '--nproc_per_node', '2', 'tools/train.py',
         config, '--launcher', 'pytorch', '--work-dir', work_dir,
         '--cfg-options', f'data_root={toy_data_root}',
         'train_cfg.max_epochs=1', 'train_cfg.val_interval=10',
         'train_dataloader.batch_size=4'], env_extra=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (work_dir / 'rank_0.done').is_file()
    assert (work_dir / 'rank_1.done').is_file()
    # one checkpoint of the epoch, written once (by rank 0)
    assert [p.name for p in work_dir.glob('epoch_*.pth')] == ['epoch_1.pth']
    log = result.stdout + result.stderr
    assert 'Distributed launcher: pytorch' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
