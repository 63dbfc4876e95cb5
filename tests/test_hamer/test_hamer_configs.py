"""The HaMeR configs through the tools: the small model trains and tests
(also with HaMeR-align), and the EgoExo4D fine-tune without its data ends
with one clear error line."""
import json

import pytest

SMALL = 'configs/hamer/hamer_vit-t_1xb16-20e_egosynth-128x128.py'
SMALL_ALIGN = 'configs/hamer/hamer-align_vit-t_1xb16-20e_egosynth-128x128.py'
FINE_TUNE = 'configs/hamer_ft_egoexo.py'


def _error_lines(done):
    assert done.returncode == 2, done.stderr[-2000:]
    assert 'Traceback' not in done.stderr
    return [line for line in done.stderr.splitlines()
            if line.startswith('error:')]


@pytest.mark.slow
def test_small_config_trains_and_tests_on_toy_data(run_python, repo_root,
                                                   toy_data_root, hand_dir,
                                                   tmp_path):
    options = [f'data_root={toy_data_root}',
               f'model.head.hand_model.model_path={hand_dir}']
    loaders = [f'{split}_dataloader.{key}' for split in ('train', 'val')
               for key in ('num_workers=0', 'persistent_workers=False')]
    work_dir = tmp_path / 'work'
    done = run_python([
        repo_root / 'tools' / 'train.py', repo_root / SMALL, '--work-dir',
        work_dir, '--cfg-options', *options, *loaders,
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'train_dataloader.batch_size=4'], timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    checkpoint = work_dir / 'epoch_1.pth'
    assert checkpoint.is_file()
    done = run_python([
        repo_root / 'tools' / 'test.py', repo_root / SMALL_ALIGN, checkpoint,
        '--work-dir', tmp_path / 'test', '--cfg-options', *options,
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'], timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((tmp_path / 'test' / 'metrics.json').read_text())
    assert {'mpjpe', 'mpjpe_abs', 'pa_mpjpe', 'kp2d_error'} <= set(metrics)


@pytest.mark.slow
def test_fine_tune_without_data_ends_with_one_clear_line(run_python,
                                                         repo_root, hand_dir,
                                                         tmp_path):
    # from an empty folder: data/mano, data/egoexo4d and checkpoints/ are
    # all missing; the model (MANO) is built first. A small backbone saves
    # building ViT-H twice (test_hamer_h builds it).
    command = [repo_root / 'tools' / 'train.py', repo_root / FINE_TUNE,
               '--work-dir', tmp_path / 'work', '--cfg-options',
               'model.backbone.arch=tiny', 'model.head.in_channels=192']
    lines = _error_lines(run_python(command, cwd=tmp_path))
    assert len(lines) == 1
    assert 'MANO_RIGHT.pkl' in lines[0] and 'mano.is.tue.mpg.de' in lines[0]
    # with a hand model, the missing dataset is next
    lines = _error_lines(run_python(
        command + [f'model.head.hand_model.model_path={hand_dir}'],
        cwd=tmp_path))
    assert len(lines) == 1
    assert 'EgoExo4DHandDataset' in lines[0] and 'egoexo4d' in lines[0]
